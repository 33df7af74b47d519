// Binary codec for Raft data on the wire and on disk: entries, hard state, snapshots, messages.
// Little-endian; numbers are float64 holding non-negative safe integers; strings are u32-length
// UTF-8; byte strings are u32-length. Decoding is total: any input gives a value or a CodecError
// naming the field and offset, never an exception.

import { ByteWriter } from '../kit/byte-writer';
import { utf8DecodeStrict, utf8Encode } from '../kit/bytes';
import { err, ok, type Result } from '../kit/result';
import type { ConfChange, ConfState, Entry, HardState, Message, MessageType, Snapshot } from './types';

export interface CodecError {
  readonly offset: number;
  readonly message: string;
}

const MESSAGE_TYPES: readonly MessageType[] = ['app', 'app-resp', 'vote', 'vote-resp', 'prevote', 'prevote-resp', 'heartbeat', 'heartbeat-resp', 'snap', 'prop'];
const CONF_OPS = ['add-voter', 'add-learner', 'remove'] as const;

/**
 * One scratch buffer shared by every Writer that is not nested inside another: encoding a message
 * or a WAL record then allocates exactly one array (finish()'s copy) instead of a growing series.
 */
function freshScratch(): { buf: Uint8Array; view: DataView } {
  const buf = new Uint8Array(16 << 10);
  return { buf, view: new DataView(buf.buffer) };
}
let scratch: { buf: Uint8Array; view: DataView } | null = freshScratch();

export class Writer extends ByteWriter {
  private readonly shared: boolean;

  constructor() {
    const s = scratch;
    scratch = null; // taken until finish(); a nested Writer gets its own buffer
    super(s ?? undefined);
    this.shared = s !== null;
  }

  /** A float64 holding a non-negative safe integer. */
  num(v: number): void {
    this.f64(v);
  }

  /** u32 length, then the bytes. */
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.raw(b);
  }

  /** u32 byte length, then UTF-8. */
  str(s: string): void {
    // ASCII (ids, ops) is written in place; anything else goes through the UTF-8 encoder.
    const n = s.length;
    this.reserve(4 + n);
    let ascii = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      this.buf[this.length + 4 + i] = c;
    }
    if (!ascii) {
      this.bytes(utf8Encode(s));
      return;
    }
    this.view.setUint32(this.length, n, true);
    this.length += 4 + n;
  }

  /** The bytes written (a copy); the Writer must not be used afterwards. */
  override finish(): Uint8Array {
    const out = super.finish();
    this.release();
    return out;
  }

  /** Gives the shared buffer back (once) — also when an encoder threw before finish(). */
  release(): void {
    if (!this.shared || this.released) return;
    this.released = true;
    // The (possibly grown) buffer serves the next encode, unless it grew huge (a snapshot).
    scratch = this.buf.length <= 1 << 20 ? { buf: this.buf, view: this.view } : freshScratch();
  }

  private released = false;
}

/** Runs `fill` on a Writer and returns its bytes; the shared buffer is given back even if `fill` throws. */
function encodeWith(fill: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  try {
    fill(w);
    return w.finish();
  } finally {
    w.release();
  }
}

class Fail {
  constructor(readonly offset: number, readonly message: string) {}
}

export class Reader {
  private readonly view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array, private readonly bytesMax = 64 << 20) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new Fail(this.pos, `truncated ${what}: need ${n} bytes, ${this.buf.length - this.pos} left`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  num(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, true);
    if (!Number.isSafeInteger(v) || v < 0) throw new Fail(this.pos, `${what} is not a non-negative safe integer (${v})`);
    this.pos += 8;
    return v;
  }

  bytes(what: string): Uint8Array {
    const n = this.u32(`${what} length`);
    if (n > this.bytesMax) throw new Fail(this.pos - 4, `${what} length ${n} exceeds ${this.bytesMax}`);
    this.need(n, what);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  str(what: string): string {
    const at = this.pos;
    const s = utf8DecodeStrict(this.bytes(what));
    if (s === null) throw new Fail(at, `${what} is not valid UTF-8`);
    return s;
  }

  done(what: string): void {
    if (this.pos !== this.buf.length) throw new Fail(this.pos, `${this.buf.length - this.pos} trailing bytes after ${what}`);
  }
}

function decodeWith<T>(bytes: Uint8Array, what: string, f: (r: Reader) => T): Result<T, CodecError> {
  const r = new Reader(bytes);
  try {
    const v = f(r);
    r.done(what);
    return ok(v);
  } catch (e) {
    if (e instanceof Fail) return err({ offset: e.offset, message: e.message });
    throw e;
  }
}

// ---------------------------------------------------------------- pieces

export function writeConf(w: Writer, c: ConfState): void {
  w.u32(c.voters.length);
  for (const v of c.voters) w.str(v);
  w.u32(c.learners.length);
  for (const l of c.learners) w.str(l);
}

function readList(r: Reader, what: string): string[] {
  const n = r.u32(`${what} count`);
  if (n > 10_000) throw new Fail(r.pos - 4, `${what} count ${n} too large`);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.str(`${what}[${i}]`));
  return out;
}

export function readConf(r: Reader): ConfState {
  return { voters: readList(r, 'voters'), learners: readList(r, 'learners') };
}

export function writeEntry(w: Writer, e: Entry): void {
  w.u8(e.conf ? 1 : 0);
  w.num(e.term);
  w.num(e.index);
  if (e.conf) {
    w.u8(CONF_OPS.indexOf(e.conf.op));
    w.str(e.conf.peer);
  }
  w.bytes(e.data);
}

export function readEntry(r: Reader): Entry {
  const flags = r.u8('entry flags');
  if (flags > 1) throw new Fail(r.pos - 1, `unknown entry flags ${flags}`);
  const term = r.num('entry term');
  const index = r.num('entry index');
  let conf: ConfChange | undefined;
  if (flags === 1) {
    const op = CONF_OPS[r.u8('conf op')];
    if (!op) throw new Fail(r.pos - 1, 'unknown configuration change op');
    conf = { op, peer: r.str('conf peer') };
  }
  const data = r.bytes('entry data');
  return conf ? { term, index, data, conf } : { term, index, data };
}

export function writeSnapshot(w: Writer, s: Snapshot): void {
  w.num(s.index);
  w.num(s.term);
  writeConf(w, s.conf);
  w.bytes(s.data);
}

export function readSnapshot(r: Reader): Snapshot {
  return { index: r.num('snapshot index'), term: r.num('snapshot term'), conf: readConf(r), data: r.bytes('snapshot data') };
}

export function writeHardState(w: Writer, h: HardState): void {
  w.num(h.term);
  w.str(h.vote ?? '');
  w.num(h.commit);
}

export function readHardState(r: Reader): HardState {
  const term = r.num('term');
  const vote = r.str('vote');
  return { term, vote: vote === '' ? null : vote, commit: r.num('commit') };
}

// ---------------------------------------------------------------- whole values

export function encodeEntry(e: Entry): Uint8Array {
  return encodeWith((w) => writeEntry(w, e));
}

export function decodeEntry(bytes: Uint8Array): Result<Entry, CodecError> {
  return decodeWith(bytes, 'entry', readEntry);
}

export function encodeHardState(h: HardState): Uint8Array {
  return encodeWith((w) => writeHardState(w, h));
}

export function decodeHardState(bytes: Uint8Array): Result<HardState, CodecError> {
  return decodeWith(bytes, 'hard state', readHardState);
}

export function encodeSnapshot(s: Snapshot): Uint8Array {
  return encodeWith((w) => writeSnapshot(w, s));
}

export function decodeSnapshot(bytes: Uint8Array): Result<Snapshot, CodecError> {
  return decodeWith(bytes, 'snapshot', readSnapshot);
}

export function encodeMessage(m: Message): Uint8Array {
  return encodeWith((w) => writeMessage(w, m));
}

function writeMessage(w: Writer, m: Message): void {
  w.u8(MESSAGE_TYPES.indexOf(m.type));
  w.str(m.from);
  w.str(m.to);
  w.num(m.term);
  w.num(m.logTerm);
  w.num(m.index);
  w.num(m.commit);
  w.u8(m.reject ? 1 : 0);
  w.num(m.rejectHint);
  w.u32(m.entries.length);
  for (const e of m.entries) writeEntry(w, e);
  w.u8(m.snapshot ? 1 : 0);
  if (m.snapshot) writeSnapshot(w, m.snapshot);
}

export function decodeMessage(bytes: Uint8Array): Result<Message, CodecError> {
  return decodeWith(bytes, 'message', (r) => {
    const type = MESSAGE_TYPES[r.u8('message type')];
    if (!type) throw new Fail(0, 'unknown message type');
    const from = r.str('from');
    const to = r.str('to');
    const term = r.num('term');
    const logTerm = r.num('logTerm');
    const index = r.num('index');
    const commit = r.num('commit');
    const rejectByte = r.u8('reject');
    if (rejectByte > 1) throw new Fail(r.pos - 1, 'reject must be 0 or 1');
    const rejectHint = r.num('rejectHint');
    const n = r.u32('entry count');
    if (n > 1_000_000) throw new Fail(r.pos - 4, `entry count ${n} too large`);
    const entries: Entry[] = [];
    for (let i = 0; i < n; i++) entries.push(readEntry(r));
    const hasSnap = r.u8('snapshot flag');
    if (hasSnap > 1) throw new Fail(r.pos - 1, 'snapshot flag must be 0 or 1');
    const snapshot = hasSnap ? readSnapshot(r) : null;
    return { type, from, to, term, logTerm, index, commit, reject: rejectByte === 1, rejectHint, entries, snapshot };
  });
}
