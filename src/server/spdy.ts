// SPDY/3.1 framing, the server side of what kubectl and client-go speak for exec, attach and
// port-forward (client-go uses moby/spdystream): one connection carries many streams, each a
// Duplex here. Only what those clients use is served: streams are opened by the client
// (SYN_STREAM, answered at once by SYN_REPLY), carry DATA both ways and end with FIN or
// RST_STREAM; PING is echoed; GOAWAY ends the connection. spdystream does no flow control
// (it neither sends nor honours WINDOW_UPDATE), so none is done here either; SETTINGS and
// WINDOW_UPDATE are read and ignored.
//
// Header blocks are zlib streams, one per direction for the connection's life, primed with the
// SPDY/3 dictionary. The client's are inflated in arrival order (frames are handled one at a
// time, so a stream's DATA is never seen before its SYN_STREAM). Ours are written as stored
// (uncompressed) deflate blocks: valid zlib that any reader accepts, and synchronous, so a
// SYN_REPLY is on the wire before the DATA that follows it.
import { Duplex } from 'node:stream';
import { constants as zlibConstants, createInflate, type Inflate } from 'node:zlib';

const VERSION = 3;

export const enum FrameType {
  SynStream = 1, SynReply = 2, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7, Headers = 8, WindowUpdate = 9,
}

const FLAG_FIN = 0x01;

/** RST_STREAM status codes. */
export const enum ResetStatus { ProtocolError = 1, Cancel = 5, InternalError = 6 }

/** A frame's length field is 24 bits; a peer announcing more than this is refused. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** How long an ended transport may take to flush what was written before it is destroyed. */
const TRANSPORT_LINGER_MS = 5_000;

/** DATA frames written are cut to this size. */
const DATA_CHUNK_BYTES = 64 * 1024;

/** The SPDY/3 header compression dictionary: these words, each after its length (uint32), then this text. */
const DICTIONARY_WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
  'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
  'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
  'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
  'keep-alive', 'origin',
];
const DICTIONARY_TAIL = '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505203 ' +
  'Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 ' +
  'Not Found500 Internal Server Error501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept ' +
  'Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,' +
  'application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=' +
  'utf-8charset=iso-8859-1,utf-,*,enq=0.';

export const HEADER_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_WORDS.map((w) => Buffer.concat([u32(w.length), Buffer.from(w, 'latin1')])),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** A stream's headers: lowercase names; a value holding several (NUL-separated on the wire) keeps them joined by ','. */
export type SpdyHeaders = Record<string, string>;

// ---- encoding ---------------------------------------------------------------------------------

export function controlFrame(type: FrameType, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([head, payload]);
}

export function dataFrame(streamId: number, data: Buffer, fin: boolean): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((fin ? FLAG_FIN : 0) << 24 | data.length) >>> 0, 4);
  return Buffer.concat([head, data]);
}

/** An uncompressed header block: the count, then each name and value after its length. */
export function headerBlock(headers: SpdyHeaders): Buffer {
  const parts = [u32(Object.keys(headers).length)];
  for (const [name, value] of Object.entries(headers)) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(value.split(',').map((x) => x.trim()).join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/**
 * Reads one header block from the front of `bytes`: the headers and how many bytes they took, or
 * undefined if the block is not complete yet.
 */
export function readHeaderBlock(bytes: Buffer): { headers: SpdyHeaders; length: number } | undefined {
  if (bytes.length < 4) return undefined;
  const count = bytes.readUInt32BE(0);
  let at = 4;
  const headers: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const fields: string[] = [];
    for (let f = 0; f < 2; f++) {
      if (bytes.length < at + 4) return undefined;
      const length = bytes.readUInt32BE(at);
      if (length > MAX_FRAME_BYTES) throw new SpdyProtocolError(`header field of ${length} bytes`);
      if (bytes.length < at + 4 + length) return undefined;
      fields.push(bytes.subarray(at + 4, at + 4 + length).toString('utf8'));
      at += 4 + length;
    }
    headers[fields[0].toLowerCase()] = fields[1].split('\0').join(',');
  }
  return { headers, length: at };
}

/**
 * `data` as deflate stored blocks (type 00, not final, at most 65535 bytes each), ended by an
 * empty one as zlib's sync flush ends: readers (Go's among them) hand out a block's bytes only
 * once they see the next block begin.
 */
function storedBlocks(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  const block = (chunk: Buffer) => {
    const head = Buffer.alloc(5);
    head.writeUInt16LE(chunk.length, 1);
    head.writeUInt16LE(~chunk.length & 0xffff, 3);
    blocks.push(head, chunk);
  };
  for (let at = 0; at < data.length; at += 0xffff) block(data.subarray(at, at + 0xffff));
  block(Buffer.alloc(0));
  return Buffer.concat(blocks);
}

/** The zlib stream header: deflate, 32K window, no preset dictionary (a reader given one ignores it). */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);

export class SpdyProtocolError extends Error {}

// ---- streams ----------------------------------------------------------------------------------

/** One stream of a SPDY connection: what the peer sends is read from it, what is written goes to the peer. */
export class SpdyStream extends Duplex {
  private finSent = false;

  constructor(readonly id: number, readonly headers: SpdyHeaders, private readonly session: SpdySession) {
    super({ allowHalfOpen: true });
  }

  override _read(): void { /* data is pushed as frames arrive; spdystream has no flow control to apply */ }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.session.sendData(this.id, chunk, false);
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    if (!this.finSent) this.session.sendData(this.id, Buffer.alloc(0), true);
    this.finSent = true;
    done();
  }

  /** Sends `data` and FIN now (end() sends FIN a tick later, after the connection may have gone). */
  finish(data: Buffer = Buffer.alloc(0)): void {
    if (this.finSent) return;
    this.finSent = true;
    this.session.sendData(this.id, data, true);
    this.end();
  }

  /** Ends the stream both ways at once (RST_STREAM), as a closed connection to a pod port does. */
  reset(status = ResetStatus.Cancel): void {
    this.session.reset(this.id, status);
  }
}

// ---- the connection ---------------------------------------------------------------------------

/**
 * The server side of one SPDY/3.1 connection over `transport` (an upgraded socket, or a
 * websocket carrying SPDY bytes). `onStream` gets each stream the client opens, after it has
 * been answered; a stream `accepts` refuses is reset instead, without an answer (so the client's
 * stream creation fails, as with kube's handlers).
 */
export class SpdySession {
  private input: Buffer = Buffer.alloc(0);
  /** Frames are handled one after another; a header block's inflation may make one wait. */
  private handling: Promise<void> = Promise.resolve();
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflater: Inflate;
  private inflated: Buffer = Buffer.alloc(0);
  private inflatedWaiter: (() => void) | undefined;
  private wroteZlibHeader = false;
  private lastStreamId = 0;
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(private readonly transport: Duplex, private readonly onStream: (stream: SpdyStream) => void, private readonly accepts: (headers: SpdyHeaders) => boolean = () => true) {
    this.inflater = createInflate({ dictionary: HEADER_DICTIONARY });
    this.inflater.on('data', (chunk: Buffer) => {
      this.inflated = Buffer.concat([this.inflated, chunk]);
      this.inflatedWaiter?.();
    });
    this.inflater.on('error', () => this.fail());
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  onClose(listener: () => void): void {
    if (this.closed) listener(); else this.closeListeners.push(listener);
  }

  /** Ends the connection: GOAWAY, then the transport. Streams still open end with it. */
  goAway(): void {
    if (this.closed) return;
    const payload = Buffer.concat([u32(this.lastStreamId), u32(0)]);
    this.write(controlFrame(FrameType.GoAway, 0, payload));
    this.close();
  }

  sendData(streamId: number, data: Buffer, fin: boolean): void {
    for (let at = 0; at < data.length || (fin && at === 0); at += DATA_CHUNK_BYTES) {
      const chunk = data.subarray(at, at + DATA_CHUNK_BYTES);
      this.write(dataFrame(streamId, chunk, fin && at + DATA_CHUNK_BYTES >= data.length));
    }
  }

  reset(streamId: number, status: ResetStatus): void {
    this.write(controlFrame(FrameType.RstStream, 0, Buffer.concat([u32(streamId), u32(status)])));
    this.endStream(streamId);
  }

  private write(frame: Buffer): void {
    if (!this.closed && this.transport.writable) this.transport.write(frame);
  }

  private compressHeaders(headers: SpdyHeaders): Buffer {
    const blocks = storedBlocks(headerBlock(headers));
    if (this.wroteZlibHeader) return blocks;
    this.wroteZlibHeader = true;
    return Buffer.concat([ZLIB_HEADER, blocks]);
  }

  private receive(chunk: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
    while (this.input.length >= 8) {
      const length = this.input.readUInt32BE(4) & 0xffffff;
      if (length > MAX_FRAME_BYTES) { this.fail(); return; }
      if (this.input.length < 8 + length) return;
      const frame = this.input.subarray(0, 8 + length);
      this.input = this.input.subarray(8 + length);
      this.handling = this.handling.then(() => this.handle(frame)).catch(() => this.fail());
    }
  }

  private async handle(frame: Buffer): Promise<void> {
    if (this.closed) return;
    const flags = frame[4];
    const payload = frame.subarray(8);
    if (!(frame[0] & 0x80)) { this.receiveData(frame.readUInt32BE(0) & 0x7fffffff, payload, (flags & FLAG_FIN) !== 0); return; }
    if ((frame.readUInt16BE(0) & 0x7fff) !== VERSION) throw new SpdyProtocolError(`SPDY version ${frame.readUInt16BE(0) & 0x7fff}`);
    const streamId = payload.length >= 4 ? payload.readUInt32BE(0) & 0x7fffffff : 0;
    switch (frame.readUInt16BE(2)) {
      case FrameType.SynStream: {
        const headers = await this.inflateHeaders(payload.subarray(10));
        this.open(streamId, headers, (flags & FLAG_FIN) !== 0);
        return;
      }
      case FrameType.SynReply: case FrameType.Headers:
        await this.inflateHeaders(payload.subarray(4));
        if (flags & FLAG_FIN) this.streams.get(streamId)?.push(null);
        return;
      case FrameType.RstStream:
        this.endStream(streamId);
        return;
      case FrameType.Ping:
        this.write(frame);
        return;
      case FrameType.GoAway:
        this.close();
            return;
      default:
        // SETTINGS, WINDOW_UPDATE and unknown types: nothing to do.
    }
  }

  private open(streamId: number, headers: SpdyHeaders, fin: boolean): void {
    if (streamId === 0 || this.streams.has(streamId) || streamId <= this.lastStreamId) {
      this.reset(streamId, ResetStatus.ProtocolError);
      return;
    }
    this.lastStreamId = streamId;
    if (!this.accepts(headers)) {
      this.reset(streamId, ResetStatus.Cancel);
      return;
    }
    const stream = new SpdyStream(streamId, headers, this);
    this.streams.set(streamId, stream);
    stream.once('close', () => this.streams.delete(streamId));
    this.write(controlFrame(FrameType.SynReply, 0, Buffer.concat([u32(streamId), this.compressHeaders({})])));
    if (fin) stream.push(null);
    this.onStream(stream);
  }

  private receiveData(streamId: number, data: Buffer, fin: boolean): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    if (data.length) stream.push(data);
    if (fin) stream.push(null);
  }

  private endStream(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (!stream) return;
    this.streams.delete(streamId);
    stream.push(null);
    stream.destroy();
  }

  /** Inflates one header block (the zlib stream continues across frames) and parses it. */
  private async inflateHeaders(compressed: Buffer): Promise<SpdyHeaders> {
    this.inflater.write(compressed);
    this.inflater.flush(zlibConstants.Z_SYNC_FLUSH);
    for (;;) {
      const block = readHeaderBlock(this.inflated);
      if (block) {
        this.inflated = this.inflated.subarray(block.length);
        return block.headers;
      }
      if (this.closed) throw new SpdyProtocolError('connection closed');
      await new Promise<void>((resolve) => { this.inflatedWaiter = resolve; });
      this.inflatedWaiter = undefined;
    }
  }

  /** A peer that breaks the protocol loses the connection. */
  private fail(): void {
    if (this.closed) return;
    this.write(controlFrame(FrameType.GoAway, 0, Buffer.concat([u32(this.lastStreamId), u32(1)])));
    this.close();
  }

  /** Ends the session: its streams end, and the transport (both ways, so the socket is freed). */
  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.transport.writableEnded) this.transport.end();
    setTimeout(() => this.transport.destroy(), TRANSPORT_LINGER_MS).unref();
    this.inflatedWaiter?.();
    this.inflater.destroy();
    for (const id of [...this.streams.keys()]) this.endStream(id);
    for (const l of this.closeListeners.splice(0)) l();
  }
}
