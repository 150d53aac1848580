// A minimal protobuf wire-format writer: varints, length-delimited fields and nested messages.
// Enough for the gnostic OpenAPI v2 document; field numbers come from the callers.

export class ProtoWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  private push(b: Buffer): void { this.chunks.push(b); this.length += b.length; }

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v) byte |= 0x80;
      bytes.push(byte);
    } while (v);
    this.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: number): void { this.varint((field << 3) | wireType); }

  string(field: number, v: string | undefined): this {
    if (v === undefined || v === '') return this;
    return this.bytes(field, Buffer.from(v, 'utf8'));
  }

  bytes(field: number, b: Buffer): this {
    this.tag(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  bool(field: number, v: boolean | undefined): this {
    if (!v) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  int64(field: number, v: number | undefined): this {
    if (!v) return this;
    this.tag(field, 0);
    this.varint(v);
    return this;
  }

  double(field: number, v: number | undefined): this {
    if (v === undefined) return this;
    this.tag(field, 1);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    this.push(b);
    return this;
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Buffer { return Buffer.concat(this.chunks, this.length); }
}
