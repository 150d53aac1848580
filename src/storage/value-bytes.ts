// The UTF-8 bytes of values on their way to a store that takes bytes (Store.takesBytes), cut from
// slabs of 64 KiB. Node's Buffer.from cuts strings under 4 KiB from 8 KiB slabs and gives larger
// ones an ArrayBuffer each: two or three ArrayBuffers a pod write, and an ArrayBuffer's allocation
// grows dearer as the heap and its external memory grow (V8 accounts for it, and may mark on it):
// at 5,000 nodes and 85,000 pods, 2% of the API's thread.
//
// A value's bytes live as long as its write (the store's answer, the write's event and answer, a
// turn or two); a slab lives while any of its values does. A message to another thread copies the
// whole slab of each value it carries (structured clone copies a view's entire buffer), once a
// message however many of its values share it: a batch of writes copies about what it holds.

const SLAB_BYTES = 64 * 1024;
/** Values that may need more than this many bytes (a quarter slab) get bytes of their own. */
const LARGEST_CUT = SLAB_BYTES / 4;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

/** `text` as UTF-8 bytes, usually a view into a shared slab. */
export function valueBytes(text: string): Buffer {
  // At most three bytes a UTF-16 unit (a surrogate pair's four bytes are two units').
  const most = text.length * 3;
  if (most > LARGEST_CUT) return Buffer.from(text);
  if (used + most > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
  }
  const start = used;
  const written = slab.write(text, start);
  // The next value starts 8-aligned, as Node's pool aligns its cuts.
  used = (start + written + 7) & ~7;
  return slab.subarray(start, start + written);
}
