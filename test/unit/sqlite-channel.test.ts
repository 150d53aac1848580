// A write batch goes to the SQLite worker with its byte values packed into one buffer of their
// own, moved rather than copied: each value the same bytes, a view of that one buffer; text values
// and deletes as they were.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { packedWrite } from '../../src/storage/sqlite-channel.js';
import type { WriteOp } from '../../src/storage/sqlite-protocol.js';

test('packedWrite packs byte values into one transferred buffer; text and deletes unchanged', () => {
  const slab = Buffer.from('xx{"a":1}yyy{"b":"é"}zz');
  const first = slab.subarray(2, 9);
  const second = slab.subarray(12, 22);
  const ops: WriteOp[] = [
    { op: 'create', key: '/registry/pods/ns/a', value: first },
    { op: 'update', key: '/registry/pods/ns/b', value: '{"text":true}', expected: 4 },
    { op: 'delete', key: '/registry/pods/ns/c', expected: 5 },
    { op: 'update', key: '/registry/pods/ns/d', value: second, expected: 6 },
  ];
  const { message, transfer } = packedWrite({ id: 7, type: 'write', ops, published: 3 });
  assert.equal(transfer.length, 1);
  assert.equal(transfer[0].byteLength, first.length + second.length, 'only the values, not their slab');
  assert.ok(message.type === 'write');
  assert.deepEqual([message.id, message.published], [7, 3]);
  const [a, b, c, d] = message.ops;
  assert.ok(a.op === 'create' && a.value instanceof Uint8Array && a.value.buffer === transfer[0]);
  assert.equal(Buffer.from(a.value).toString(), '{"a":1}');
  assert.ok(d.op === 'update' && d.value instanceof Uint8Array && d.value.buffer === transfer[0]);
  assert.equal(Buffer.from(d.value).toString(), '{"b":"é"}');
  assert.equal(d.expected, 6);
  assert.equal(b, ops[1]);
  assert.equal(c, ops[2]);
  assert.equal(slab.toString(), 'xx{"a":1}yyy{"b":"é"}zz', 'the slab is left as it was');
});

test('a batch without byte values goes as it is', () => {
  const request = { id: 1, type: 'write' as const, ops: [{ op: 'delete' as const, key: '/k' }] };
  const { message, transfer } = packedWrite(request);
  assert.equal(message, request);
  assert.deepEqual(transfer, []);
});
