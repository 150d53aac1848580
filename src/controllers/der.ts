// A minimal DER reader and writer: enough ASN.1 to read PKCS#10 requests and X.509 certificates
// and to write certificates, whatever their key type (node's crypto verifies and signs; it cannot
// parse requests or build certificates, and node-forge knows only RSA keys).

/** One TLV: its tag byte, its contents, and its whole encoding (for signatures over exact bytes). */
export interface Der {
  tag: number;
  content: Buffer;
  raw: Buffer;
}

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01, INTEGER: 0x02, BIT_STRING: 0x03, OCTET_STRING: 0x04, NULL: 0x05, OID: 0x06,
  UTF8: 0x0c, PRINTABLE: 0x13, IA5: 0x16, UTC_TIME: 0x17, GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30, SET: 0x31,
} as const;

/** Context-specific tags: [n] constructed (explicit) or primitive (implicit). */
export const explicitTag = (n: number): number => 0xa0 | n;
export const implicitTag = (n: number): number => 0x80 | n;

/** The TLV at `offset` of `buf`; throws DerError when it is truncated or not DER's length form. */
export function readDer(buf: Buffer, offset = 0): Der {
  if (offset + 2 > buf.length) throw new DerError('data truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high-tag-number form not supported');
  let length = buf[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4) throw new DerError('length too large');
    if (offset + 2 + n > buf.length) throw new DerError('data truncated');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[offset + 2 + i];
    if (length < 0x80 || buf[offset + 2] === 0) throw new DerError('non-minimal length');
    header += n;
  }
  const end = offset + header + length;
  if (end > buf.length) throw new DerError('data truncated');
  return { tag, content: buf.subarray(offset + header, end), raw: buf.subarray(offset, end) };
}

/** One TLV that must fill `buf` exactly. */
export function readWhole(buf: Buffer): Der {
  const der = readDer(buf);
  if (der.raw.length !== buf.length) throw new DerError('trailing data');
  return der;
}

/** The elements of a constructed value. */
export function children(der: Der): Der[] {
  const out: Der[] = [];
  for (let offset = 0; offset < der.content.length;) {
    const child = readDer(der.content, offset);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** `der` if it has `tag`, else a DerError naming what was expected. */
export function expect(der: Der | undefined, tag: number, what: string): Der {
  if (!der || der.tag !== tag) throw new DerError(`tags don't match (${what})`);
  return der;
}

export function decodeOid(content: Buffer): string {
  if (!content.length) throw new DerError('empty object identifier');
  const parts: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) { parts.push(value); value = 0; }
  }
  const first = parts.shift() ?? 0;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...parts].join('.');
}

// ---- writing ----------------------------------------------------------------------------

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

export const sequence = (...parts: Buffer[]): Buffer => tlv(TAG.SEQUENCE, ...parts);

export function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    bytes.push(...groups);
  }
  return tlv(TAG.OID, Buffer.from(bytes));
}

/** A non-negative INTEGER from big-endian bytes: minimal, with a leading zero when the top bit is set. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(TAG.INTEGER, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInteger = (n: number): Buffer => unsignedInteger(Buffer.from([n]));
export const octetString = (bytes: Buffer): Buffer => tlv(TAG.OCTET_STRING, bytes);
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.from([unusedBits]), bytes);
export const booleanTrue = (): Buffer => tlv(TAG.BOOLEAN, Buffer.from([0xff]));

/** A time as X.509 writes it: UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5), to the second. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return date.getUTCFullYear() < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`)) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`));
}
