// SPDY/3.1 framing (src/server/spdy.ts) against golden bytes: Chromium's SpdyFramer test vectors
// for control and data frames and for a compressed header block, the SPDY/3 header dictionary's
// zlib id (the DICTID every SPDY/3 zlib stream carries after its first two bytes), and the server
// session over an in-memory transport.
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { test } from 'node:test';
import { constants as zlibConstants, createDeflate, deflateSync, inflateSync } from 'node:zlib';
import {
  controlFrame, dataFrame, FrameType, HEADER_DICTIONARY, headerBlock, readHeaderBlock, SpdyProtocolError, SpdySession, type SpdyStream,
} from '../../src/server/spdy.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const text = (s: string) => Buffer.from(s, 'latin1');

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

test('control frames: version 3 with the control bit, type, flags and a 24-bit length', () => {
  assert.deepEqual(controlFrame(FrameType.Ping, 0, u32(1)), hex('80 03 00 06 00 00 00 04 00 00 00 01'));
  assert.deepEqual(controlFrame(FrameType.Ping, 0, u32(0x12345678)), hex('80 03 00 06 00 00 00 04 12 34 56 78'));
  assert.deepEqual(controlFrame(FrameType.RstStream, 0, Buffer.concat([u32(1), u32(1)])), hex('80 03 00 03 00 00 00 08 00 00 00 01 00 00 00 01'));
  assert.deepEqual(controlFrame(FrameType.RstStream, 0, Buffer.concat([u32(0x7fffffff), u32(6)])), hex('80 03 00 03 00 00 00 08 7f ff ff ff 00 00 00 06'));
  assert.deepEqual(controlFrame(FrameType.GoAway, 0, Buffer.concat([u32(0), u32(0)])), hex('80 03 00 07 00 00 00 08 00 00 00 00 00 00 00 00'));
  assert.deepEqual(controlFrame(FrameType.GoAway, 0, Buffer.concat([u32(0x7fffffff), u32(2)])), hex('80 03 00 07 00 00 00 08 7f ff ff ff 00 00 00 02'));
  assert.deepEqual(controlFrame(FrameType.Settings, 0, u32(0)), hex('80 03 00 04 00 00 00 04 00 00 00 00'));
  // The flags byte sits above the length; a length past 16 bits spills into the third byte.
  const big = controlFrame(FrameType.Headers, 0x01, Buffer.alloc(0x11170));
  assert.deepEqual(big.subarray(0, 8), hex('80 03 00 08 01 01 11 70'));
  assert.equal(big.length, 8 + 0x11170);
});

test('SYN_REPLY with an uncompressed header block is byte-exact (Chromium CreateSynReplyUncompressed)', () => {
  const block = headerBlock({ bar: 'foo', foo: 'bar' });
  assert.deepEqual(block, Buffer.concat([hex('00 00 00 02 00 00 00 03'), text('bar'), hex('00 00 00 03'), text('foo'), hex('00 00 00 03'), text('foo'), hex('00 00 00 03'), text('bar')]));
  assert.deepEqual(controlFrame(FrameType.SynReply, 0, Buffer.concat([u32(1), block])), Buffer.concat([hex('80 03 00 02 00 00 00 24 00 00 00 01'), block]));
  // A 0-length header name, FIN, the largest stream id.
  assert.deepEqual(
    controlFrame(FrameType.SynReply, 0x01, Buffer.concat([u32(0x7fffffff), headerBlock({ '': 'foo', foo: 'bar' })])),
    Buffer.concat([hex('80 03 00 02 01 00 00 21 7f ff ff ff 00 00 00 02 00 00 00 00 00 00 00 03'), text('foo'), hex('00 00 00 03'), text('foo'), hex('00 00 00 03'), text('bar')]),
  );
});

test('data frames: a 31-bit stream id without the control bit, FIN in the flags byte', () => {
  assert.deepEqual(dataFrame(1, text('hello'), false), Buffer.concat([hex('00 00 00 01 00 00 00 05'), text('hello')]));
  assert.deepEqual(dataFrame(0x7fffffff, Buffer.alloc(0), true), hex('7f ff ff ff 01 00 00 00'));
  assert.deepEqual(dataFrame(3, text('hi\n'), true), hex('00 00 00 03 01 00 00 03 68 69 0a'));
  // The top bit of the id is masked: it would make the frame a control frame.
  assert.deepEqual(dataFrame(0x80000005, Buffer.alloc(0), false), hex('00 00 00 05 00 00 00 00'));
  assert.deepEqual(dataFrame(5, Buffer.alloc(0x10203), false).subarray(0, 8), hex('00 00 00 05 00 01 02 03'));
});

test('header blocks: names lowercased, several values NUL-separated, and read back as written', () => {
  const block = headerBlock({ StreamType: 'error', 'X-Multi': 'a, b,c', port: '8080' });
  assert.deepEqual(block, Buffer.concat([
    hex('00 00 00 03'),
    hex('00 00 00 0a'), text('streamtype'), hex('00 00 00 05'), text('error'),
    hex('00 00 00 07'), text('x-multi'), hex('00 00 00 05'), text('a\0b\0c'),
    hex('00 00 00 04'), text('port'), hex('00 00 00 04'), text('8080'),
  ]));
  assert.deepEqual(readHeaderBlock(block), { headers: { streamtype: 'error', 'x-multi': 'a,b,c', port: '8080' }, length: block.length });
  // What follows the block is not part of it.
  assert.deepEqual(readHeaderBlock(Buffer.concat([block, hex('de ad be ef')])), { headers: { streamtype: 'error', 'x-multi': 'a,b,c', port: '8080' }, length: block.length });
  // A peer's names are lowercased on reading; an empty block is four zero bytes.
  assert.deepEqual(readHeaderBlock(Buffer.concat([hex('00 00 00 01 00 00 00 03'), text('Foo'), hex('00 00 00 01'), text('x')])), { headers: { foo: 'x' }, length: 16 });
  assert.deepEqual(headerBlock({}), hex('00 00 00 00'));
  assert.deepEqual(readHeaderBlock(hex('00 00 00 00')), { headers: {}, length: 4 });
});

test('header blocks: every incomplete prefix reads as undefined; an absurd field length is a protocol error', () => {
  const block = headerBlock({ streamtype: 'data', requestid: '0' });
  for (let n = 0; n < block.length; n++) assert.equal(readHeaderBlock(block.subarray(0, n)), undefined, `${n} of ${block.length} bytes`);
  assert.ok(readHeaderBlock(block));
  assert.throws(() => readHeaderBlock(hex('00 00 00 01 7f 00 00 00')), SpdyProtocolError);
});

test('HEADER_DICTIONARY is the SPDY/3 dictionary: 1423 bytes, zlib id e3c6a7c2', () => {
  assert.equal(HEADER_DICTIONARY.length, 1423);
  assert.deepEqual(HEADER_DICTIONARY.subarray(0, 15), Buffer.concat([hex('00 00 00 07'), text('options'), hex('00 00 00 04')]));
  assert.equal(HEADER_DICTIONARY.subarray(-32).toString('latin1'), 'charset=iso-8859-1,utf-,*,enq=0.');
  // The DICTID Chromium's, Go's and every other SPDY/3 peer's header streams carry.
  assert.equal(adler32(HEADER_DICTIONARY).toString(16), 'e3c6a7c2');
  // Go's writer (zlib.BestCompression, with the dictionary) starts its stream 78 f9 then the id.
  assert.deepEqual(deflateSync(text('x'), { level: 9, dictionary: HEADER_DICTIONARY }).subarray(0, 6), hex('78 f9 e3 c6 a7 c2'));
});

test("HEADER_DICTIONARY inflates Chromium's compressed SYN_STREAM header block (CreateSynStreamCompressed)", () => {
  const frame = hex(`80 03 00 01 00 00 00 27 00 00 00 01 00 00 00 00 80 00
    38 ea e3 c6 a7 c2 02 e5 0e 50 c2 4b 4a 04 e5 0b e6 b4 fc 7c 24 0a 28 08 00 00 00 ff ff`);
  assert.equal(frame.readUInt32BE(4) & 0xffffff, frame.length - 8);
  const block = inflateSync(frame.subarray(18), { dictionary: HEADER_DICTIONARY, finishFlush: zlibConstants.Z_SYNC_FLUSH });
  assert.deepEqual(readHeaderBlock(block), { headers: { bar: 'foo', foo: 'bar' }, length: block.length });
  // Another dictionary (one byte off) is refused by zlib.
  const wrong = Buffer.from(HEADER_DICTIONARY);
  wrong[wrong.length - 1] ^= 1;
  assert.throws(() => inflateSync(frame.subarray(18), { dictionary: wrong, finishFlush: zlibConstants.Z_SYNC_FLUSH }));
});

// ---- the session over an in-memory transport ----------------------------------------------------

/** A transport whose written bytes are collected; `send` is what the client sends. */
function memoryTransport() {
  const written: Buffer[] = [];
  const transport = new Duplex({
    read() { /* pushed by send */ },
    write(chunk: Buffer, _encoding, done) { written.push(chunk); done(); },
  });
  return { transport, written, send: (b: Buffer) => transport.push(b) };
}

/** The client's header compressor: one zlib stream with the dictionary, sync-flushed per block, as Go's. */
function headerCompressor() {
  const deflate = createDeflate({ level: 9, dictionary: HEADER_DICTIONARY });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  return async (headers: Record<string, string>) => {
    deflate.write(headerBlock(headers));
    await new Promise<void>((resolve) => deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
    return Buffer.concat(out.splice(0));
  };
}

const synStream = (id: number, block: Buffer, flags = 0) => controlFrame(FrameType.SynStream, flags, Buffer.concat([u32(id), u32(0), hex('00 00'), block]));

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('session: SYN_STREAM is answered by a SYN_REPLY of stored deflate blocks, DATA reaches the stream, PING is echoed', async () => {
  const { transport, written, send } = memoryTransport();
  const opened: SpdyStream[] = [];
  const session = new SpdySession(transport, (s) => opened.push(s));
  const compress = headerCompressor();
  send(synStream(1, await compress({ streamtype: 'stdout' })));
  send(synStream(3, await compress({ streamType: 'stdin', extra: 'x' })));
  await settle();
  assert.deepEqual(opened.map((s) => [s.id, s.headers]), [[1, { streamtype: 'stdout' }], [3, { streamtype: 'stdin', extra: 'x' }]]);
  // The zlib header (78 01) once, then per block a stored block with the empty header block (count 0) and an empty one.
  assert.deepEqual(Buffer.concat(written.splice(0)), Buffer.concat([
    hex('80 03 00 02 00 00 00 14 00 00 00 01 78 01 00 04 00 fb ff 00 00 00 00 00 00 00 ff ff'),
    hex('80 03 00 02 00 00 00 12 00 00 00 03 00 04 00 fb ff 00 00 00 00 00 00 00 ff ff'),
  ]));

  let got = '';
  opened[1].on('data', (c: Buffer) => { got += c.toString(); });
  const ended = new Promise((resolve) => opened[1].once('end', resolve));
  send(Buffer.concat([dataFrame(3, text('abc'), false), dataFrame(3, text('def'), true)]));
  await ended;
  assert.equal(got, 'abcdef');

  send(controlFrame(FrameType.Ping, 0, u32(7)));
  await settle();
  assert.deepEqual(Buffer.concat(written.splice(0)), hex('80 03 00 06 00 00 00 04 00 00 00 07'));

  opened[0].write(text('out'));
  opened[0].end();
  await settle();
  assert.deepEqual(Buffer.concat(written.splice(0)), hex('00 00 00 01 00 00 00 03 6f 75 74 00 00 00 01 01 00 00 00'));

  session.goAway();
  assert.deepEqual(Buffer.concat(written.splice(0)), hex('80 03 00 07 00 00 00 08 00 00 00 03 00 00 00 00'));
  transport.destroy();
});

test('session: a stream id not above the last one is refused with RST_STREAM PROTOCOL_ERROR', async () => {
  const { transport, written, send } = memoryTransport();
  const opened: number[] = [];
  new SpdySession(transport, (s) => opened.push(s.id));
  const compress = headerCompressor();
  send(synStream(5, await compress({ streamtype: 'error' })));
  send(synStream(3, await compress({ streamtype: 'data' })));
  await settle();
  assert.deepEqual(opened, [5]);
  assert.deepEqual(Buffer.concat(written).subarray(-16), hex('80 03 00 03 00 00 00 08 00 00 00 03 00 00 00 01'));
  transport.destroy();
});
