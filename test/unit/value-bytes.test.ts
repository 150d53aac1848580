// The UTF-8 bytes of values written to stores that take bytes, cut from shared slabs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valueBytes } from '../../src/storage/value-bytes.js';

test('value bytes: each value\'s UTF-8 exactly, in bytes no other value shares, across slabs; large ones their own', () => {
  const texts = ['{"a":1}', 'é€𝄞 mixed ✓', '', 'x'.repeat(5000), '€'.repeat(6000), '{"big":"' + 'y'.repeat(20_000) + '"}'];
  const made: { text: string; bytes: Buffer }[] = [];
  for (let i = 0; i < 400; i++) {
    const text = texts[i % texts.length] + i;
    made.push({ text, bytes: valueBytes(text) });
  }
  for (const { text, bytes } of made) assert.ok(bytes.equals(Buffer.from(text)), `bytes of ${text.slice(0, 20)}`);
  // No two values' bytes overlap within a slab.
  const bySlab = new Map<ArrayBufferLike, [number, number][]>();
  for (const { bytes } of made) {
    const ranges = bySlab.get(bytes.buffer) ?? [];
    ranges.push([bytes.byteOffset, bytes.byteOffset + bytes.length]);
    bySlab.set(bytes.buffer, ranges);
  }
  for (const ranges of bySlab.values()) {
    ranges.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1], 'overlapping values');
  }
  // Values that may take more than a quarter slab (16 KiB) have buffers of their own; the others share.
  const large = made.filter(({ text }) => text.length * 3 > 16 * 1024);
  assert.equal(large.length, 132);
  for (const { bytes } of large) assert.equal(bySlab.get(bytes.buffer)!.length, 1);
  const shared = new Set(made.filter((m) => !large.includes(m)).map(({ bytes }) => bytes.buffer));
  assert.ok(shared.size > 1 && shared.size <= 30, `${shared.size} slabs for ${made.length - large.length} values`);
  for (const buffer of shared) assert.equal(buffer.byteLength, 64 * 1024);
});
