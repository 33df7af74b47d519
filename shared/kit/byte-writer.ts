// A growable little-endian byte buffer: the common base of the binary encoders (the Raft codec in
// shared/consensus/codec.ts and the chitchat wire codec in shared/membership/wire.ts). Each codec
// adds its own length-prefix conventions (u32 vs u16 strings) on top.

export class ByteWriter {
  protected buf: Uint8Array;
  protected view: DataView;
  length = 0;

  /** Starts in `initial` (a reused scratch buffer) or a fresh 256-byte one. */
  constructor(initial?: { readonly buf: Uint8Array; readonly view: DataView }) {
    this.buf = initial ? initial.buf : new Uint8Array(256);
    this.view = initial ? initial.view : new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes (doubling). */
  protected reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** u64 from a bigint (taken mod 2^64). */
  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, v), true);
    this.length += 8;
  }

  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** The bytes as they are, with no length prefix. */
  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
