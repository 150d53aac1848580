// A bounded table forgetting its least recently used entry, as the groupcache LRU client-go's event
// caches are built on: a read or a write makes an entry the most recent. Its keys are numbers (the
// correlator's hashes of client-go's string keys) and each entry has a fixed set of number fields
// and of other values (texts), held in typed arrays and plain arrays rather than as an object and a Map entry apiece: a
// kubelet keeps about nine entries for each pod it runs, and as objects in Maps they were some
// 2.6 KB of every running pod (bench: 1,000 recorders of 30 pods).
//
// Entries live in slots 0..size-1, linked from the least to the most recent; an open-addressing
// index (slot + 1, 0 empty, -1 a slot that left) finds a key's slot. A full table reuses its
// least recent slot for a new key.

const EMPTY = 0;
const LEFT = -1;

export class Lru<V = string> {
  private capacity: number;
  private count = 0;
  private keys: Float64Array;
  private numbers: Float64Array;
  private readonly values: (V | undefined)[][];
  private newer: Int32Array;
  private older: Int32Array;
  private newest = -1;
  private oldest = -1;
  private index: Int32Array;
  private left = 0;

  /** `max` entries at most, each with `numberFields` numbers (NaN until set) and `valueFields` values. */
  constructor(readonly max: number, private readonly numberFields: number, valueFields: number, initialSlots = 4) {
    this.capacity = Math.max(1, Math.min(max, initialSlots));
    ({ keys: this.keys, numbers: this.numbers, newer: this.newer, older: this.older, index: this.index } = this.arrays(this.capacity));
    this.values = Array.from({ length: valueFields }, () => []);
  }

  /**
   * The typed arrays for `capacity` slots, as views of one ArrayBuffer: a kubelet's recorder has
   * three tables that grow with its pods, and an ArrayBuffer's allocation grows dearer as the heap
   * does (growing, five each time, was 1.7% of the API's thread at 5,000 nodes and 85,000 pods).
   */
  private arrays(capacity: number): { keys: Float64Array; numbers: Float64Array; newer: Int32Array; older: Int32Array; index: Int32Array } {
    const indexSize = indexSizeFor(capacity);
    const doubles = capacity * (1 + this.numberFields);
    const buffer = new ArrayBuffer(doubles * 8 + (2 * capacity + indexSize) * 4);
    const ints = doubles * 8;
    return {
      keys: new Float64Array(buffer, 0, capacity),
      numbers: new Float64Array(buffer, capacity * 8, capacity * this.numberFields).fill(NaN),
      newer: new Int32Array(buffer, ints, capacity),
      older: new Int32Array(buffer, ints + capacity * 4, capacity),
      index: new Int32Array(buffer, ints + capacity * 8, indexSize),
    };
  }

  get size(): number { return this.count; }

  /** The slot holding `key`, made the most recent; -1 when the table has none. */
  find(key: number): number {
    const slot = this.slotOf(key);
    if (slot >= 0) this.touch(slot);
    return slot;
  }

  /**
   * The slot for `key`, made the most recent: its own, or a new one whose fields are unset (NaN,
   * undefined), the least recent entry forgotten when the table holds `max`.
   */
  slotFor(key: number): number {
    const found = this.find(key);
    if (found >= 0) return found;
    let slot: number;
    if (this.count < this.capacity) {
      slot = this.count++;
    } else if (this.capacity < this.max) {
      this.grow();
      slot = this.count++;
    } else {
      slot = this.oldest;
      this.forgetIndexed(this.keys[slot]);
      this.unlink(slot);
    }
    this.keys[slot] = key;
    this.numbers.fill(NaN, slot * this.numberFields, (slot + 1) * this.numberFields);
    for (const column of this.values) column[slot] = undefined;
    this.link(slot);
    this.addIndexed(key, slot);
    return slot;
  }

  number(slot: number, field: number): number {
    return this.numbers[slot * this.numberFields + field];
  }

  setNumber(slot: number, field: number, value: number): void {
    this.numbers[slot * this.numberFields + field] = value;
  }

  value(slot: number, field: number): V | undefined {
    return this.values[field][slot];
  }

  setValue(slot: number, field: number, value: V | undefined): void {
    this.values[field][slot] = value;
  }

  // ---- recency: a doubly linked list of slots, oldest to newest --------------------------------

  private touch(slot: number): void {
    if (slot === this.newest) return;
    this.unlink(slot);
    this.link(slot);
  }

  private link(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = -1;
    if (this.newest >= 0) this.newer[this.newest] = slot; else this.oldest = slot;
    this.newest = slot;
  }

  private unlink(slot: number): void {
    const before = this.older[slot];
    const after = this.newer[slot];
    if (before >= 0) this.newer[before] = after; else this.oldest = after;
    if (after >= 0) this.older[after] = before; else this.newest = before;
  }

  // ---- the index: open addressing, linear probing ----------------------------------------------

  private slotOf(key: number): number {
    const mask = this.index.length - 1;
    for (let i = start(key, mask); ; i = (i + 1) & mask) {
      const at = this.index[i];
      if (at === EMPTY) return -1;
      if (at !== LEFT && this.keys[at - 1] === key) return at - 1;
    }
  }

  private addIndexed(key: number, slot: number): void {
    // Kept at most three quarters full of slots and marks, so that a probe always meets an empty place.
    if ((this.count + this.left + 1) * 4 > this.index.length * 3) this.reindex();
    const mask = this.index.length - 1;
    let i = start(key, mask);
    while (this.index[i] > 0) i = (i + 1) & mask;
    if (this.index[i] === LEFT) this.left--;
    this.index[i] = slot + 1;
  }

  private forgetIndexed(key: number): void {
    const mask = this.index.length - 1;
    for (let i = start(key, mask); ; i = (i + 1) & mask) {
      const at = this.index[i];
      if (at === EMPTY) return;
      if (at !== LEFT && this.keys[at - 1] === key) {
        this.index[i] = LEFT;
        this.left++;
        return;
      }
    }
  }

  /** Builds the index anew from the slots in use (dropping the marks of slots that left). */
  private reindex(): void {
    this.index.fill(EMPTY);
    this.left = 0;
    const size = this.index.length;
    const mask = size - 1;
    for (let slot = 0; slot < this.count; slot++) {
      let i = start(this.keys[slot], mask);
      while (this.index[i] !== EMPTY) i = (i + 1) & mask;
      this.index[i] = slot + 1;
    }
  }

  private grow(): void {
    const capacity = Math.min(this.max, this.capacity * 2);
    const wider = this.arrays(capacity);
    wider.keys.set(this.keys);
    wider.numbers.set(this.numbers);
    wider.newer.set(this.newer);
    wider.older.set(this.older);
    ({ keys: this.keys, numbers: this.numbers, newer: this.newer, older: this.older, index: this.index } = wider);
    this.capacity = capacity;
    this.reindex();
  }
}

/** Twice the slots, a power of two: the index stays at most three quarters full. */
function indexSizeFor(capacity: number): number {
  let size = 4;
  while (size < capacity * 2) size *= 2;
  return size;
}

/** Where a key's probe starts: its low 32 bits (the keys are hashes already). */
function start(key: number, mask: number): number {
  return (key | 0) & mask;
}
