// chitchat 0.10 wire codec (protocol version 0), per chitchat-wire.md §2.
//
// Envelope: u16 LE magic 0xB053, u8 version 0, u8 type (0 Syn, 1 SynAck, 2 Ack, 3 BadCluster).
// All integers little-endian; u64 fields are bigint. Strings are u16-length-prefixed strict UTF-8.
// A delta is an operation stream (Node / KeyValue / SetMaxVersion) cut into blocks
// (0 end, 1 zstd frame, 2 raw); blocks are concatenated BEFORE the ops are parsed, because the
// writer cuts the stream regardless of op edges.
//
// Decoding never throws and never allocates more than a fixed bound: every count is checked
// against the bytes left before anything is built, every zstd frame is walked and must declare a
// content size ≤ 65,535 bytes before it is decompressed, and the whole decompressed op stream is
// capped at MAX_DELTA_PLAINTEXT. Failures come back as a DecodeFailure with a reason (for the
// drop counters) and the byte offset where it was detected.
//
// Encoding always writes uncompressed (type 2) blocks, which every chitchat peer accepts.

import { Decompress as ZstdDecompress } from 'fzstd';
import { ByteWriter } from '../kit/byte-writer';
import { utf8DecodeStrict } from '../kit/bytes';
import { err, ok, type Result } from '../kit/result';

export const MAGIC = 0xb053;
export const PROTOCOL_VERSION = 0;
/** Largest UDP payload chitchat sends or receives. */
export const MAX_DATAGRAM = 65_507;
/** The writer cuts the op stream into blocks of at most this many bytes (Rust: min(16 KiB, mtu)). */
export const BLOCK_THRESHOLD = 16_384;
/** Rust's reader limit for one decompressed zstd block. */
export const MAX_BLOCK_PLAINTEXT = 65_535;
/** Our cap on a whole decompressed delta (a Rust writer budgets the plaintext to ≤ 65,507). */
export const MAX_DELTA_PLAINTEXT = 131_072;

export const MessageType = { Syn: 0, SynAck: 1, Ack: 2, BadCluster: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const KvStatus = { Set: 0, Deleted: 1, DeleteAfterTtl: 2 } as const;
export type KvStatus = (typeof KvStatus)[keyof typeof KvStatus];

/** An IP address as canonical text (IPv4 dotted quad, IPv6 RFC 5952) and a port. */
export interface SocketAddr {
  readonly ip: string;
  readonly port: number;
}

export interface ChitchatId {
  readonly nodeId: string;
  readonly generation: bigint;
  readonly addr: SocketAddr;
}

export interface DigestEntry {
  readonly id: ChitchatId;
  readonly heartbeat: bigint;
  readonly lastGcVersion: bigint;
  readonly maxVersion: bigint;
}

export interface WireKeyValue {
  readonly key: string;
  readonly value: string;
  readonly version: bigint;
  readonly status: KvStatus;
}

/** One node section of a delta. `setMaxVersion` is non-null only when the section carries no KVs. */
export interface NodeDelta {
  readonly id: ChitchatId;
  readonly lastGcVersion: bigint;
  readonly fromVersionExcluded: bigint;
  readonly kvs: readonly WireKeyValue[];
  readonly setMaxVersion: bigint | null;
}

export type Message =
  | { readonly type: typeof MessageType.Syn; readonly digest: readonly DigestEntry[]; readonly clusterId: string }
  | { readonly type: typeof MessageType.SynAck; readonly digest: readonly DigestEntry[]; readonly delta: readonly NodeDelta[] }
  | { readonly type: typeof MessageType.Ack; readonly delta: readonly NodeDelta[] }
  | { readonly type: typeof MessageType.BadCluster };

export type DropReason =
  | 'truncated'
  | 'bad-magic'
  | 'bad-version'
  | 'bad-type'
  | 'bad-ip-tag'
  | 'bad-utf8'
  | 'bad-block-type'
  | 'zstd-invalid'
  | 'zstd-too-large'
  | 'delta-too-large'
  | 'bad-op-tag'
  | 'bad-kv-status'
  | 'delta-grammar';

export const DROP_REASONS: readonly DropReason[] = [
  'truncated', 'bad-magic', 'bad-version', 'bad-type', 'bad-ip-tag', 'bad-utf8', 'bad-block-type',
  'zstd-invalid', 'zstd-too-large', 'delta-too-large', 'bad-op-tag', 'bad-kv-status', 'delta-grammar',
];

export interface DecodeFailure {
  readonly reason: DropReason;
  readonly offset: number;
  readonly detail: string;
}

// ------------------------------------------------------------------------------------------------
// Addresses

export function formatSocketAddr(addr: SocketAddr): string {
  return addr.ip.includes(':') ? `[${addr.ip}]:${addr.port}` : `${addr.ip}:${addr.port}`;
}

function ipv4Text(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function ipv6Text(b: Uint8Array, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[at + 2 * i]! << 8) | b[at + 2 * i + 1]!);
  // RFC 5952: compress the longest run (≥ 2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses an IPv4 or IPv6 literal into 4 or 16 bytes; null when it is not one. */
export function parseIp(text: string): Uint8Array | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4 !== null) {
    const out = new Uint8Array(4);
    for (let i = 0; i < 4; i++) {
      const part = v4[i + 1]!;
      const n = Number(part);
      if (n > 255 || (part.length > 1 && part.startsWith('0'))) return null;
      out[i] = n;
    }
    return out;
  }
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.length < 2) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const parts = s.split(':');
    const out: number[] = [];
    for (const p of parts) {
      if (p.length === 0 || p.length > 4) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

/** Canonical text of an IP literal, or null. */
export function canonicalIp(text: string): string | null {
  const bytes = parseIp(text);
  if (bytes === null) return null;
  return bytes.length === 4 ? ipv4Text(bytes, 0) : ipv6Text(bytes, 0);
}

/** Parses "a.b.c.d:port" or "[v6]:port" (IP literals only; host names are resolved by the host). */
export function parseSocketAddr(text: string): SocketAddr | null {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const ip = canonicalIp(m[1] ?? m[2]!);
  const port = Number(m[3]);
  if (ip === null || port > 65535) return null;
  return { ip, port };
}

export function chitchatIdKey(id: ChitchatId): string {
  return `${id.nodeId}|${id.generation}|${formatSocketAddr(id.addr)}`;
}

export function sameChitchatId(a: ChitchatId, b: ChitchatId): boolean {
  return a.nodeId === b.nodeId && a.generation === b.generation && a.addr.ip === b.addr.ip && a.addr.port === b.addr.port;
}

// ------------------------------------------------------------------------------------------------
// Writer

const textEncoder = new TextEncoder();
const ipCache = new Map<string, Uint8Array | null>();

function cachedIp(text: string): Uint8Array | null {
  let ip = ipCache.get(text);
  if (ip === undefined) {
    ip = parseIp(text);
    if (ipCache.size >= 1024) ipCache.clear();
    ipCache.set(text, ip);
  }
  return ip;
}

class Writer extends ByteWriter {
  /** u16 byte length, then UTF-8. */
  str(s: string): void {
    // Encode straight into the buffer after a 2-byte hole for the length.
    this.reserve(2 + 3 * s.length);
    const { written } = textEncoder.encodeInto(s, this.buf.subarray(this.length + 2));
    if (written > 0xffff) throw new RangeError(`string of ${written} bytes exceeds the u16 length prefix`);
    this.view.setUint16(this.length, written, true);
    this.length += 2 + written;
  }

  addr(a: SocketAddr): void {
    const ip = cachedIp(a.ip);
    if (ip === null) throw new RangeError(`not an IP literal: ${a.ip}`);
    this.u8(ip.length === 4 ? 4 : 6);
    this.raw(ip);
    this.u16(a.port);
  }

  id(id: ChitchatId): void {
    this.str(id.nodeId);
    this.u64(id.generation);
    this.addr(id.addr);
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

export function chitchatIdSize(id: ChitchatId): number {
  return 2 + utf8Length(id.nodeId) + 8 + (id.addr.ip.includes(':') ? 19 : 7);
}

export function digestEntrySize(e: DigestEntry): number {
  return chitchatIdSize(e.id) + 24;
}

export function digestSize(digest: readonly DigestEntry[]): number {
  let n = 2;
  for (const e of digest) n += digestEntrySize(e);
  return n;
}

/** Plaintext size of a Node op. */
export function nodeOpSize(id: ChitchatId): number {
  return 1 + chitchatIdSize(id) + 16;
}

/** Plaintext size of a KeyValue op. */
export function kvOpSize(kv: WireKeyValue): number {
  return 1 + 2 + utf8Length(kv.key) + 2 + utf8Length(kv.value) + 8 + 1;
}

export const SET_MAX_VERSION_OP_SIZE = 9;

/** Exact encoded size of a delta whose op stream is `plaintext` bytes, written uncompressed. */
export function blockedSize(plaintext: number): number {
  return plaintext + 3 * Math.ceil(plaintext / BLOCK_THRESHOLD) + 1;
}

function writeDigest(w: Writer, digest: readonly DigestEntry[]): void {
  if (digest.length > 0xffff) throw new RangeError('digest has more than 65,535 entries');
  w.u16(digest.length);
  for (const e of digest) {
    w.id(e.id);
    w.u64(e.heartbeat);
    w.u64(e.lastGcVersion);
    w.u64(e.maxVersion);
  }
}

export function encodeOpStream(delta: readonly NodeDelta[]): Uint8Array {
  const w = new Writer();
  for (const node of delta) {
    w.u8(0);
    w.id(node.id);
    w.u64(node.lastGcVersion);
    w.u64(node.fromVersionExcluded);
    for (const kv of node.kvs) {
      w.u8(1);
      w.str(kv.key);
      w.str(kv.value);
      w.u64(kv.version);
      w.u8(kv.status);
    }
    if (node.kvs.length === 0 && node.setMaxVersion !== null) {
      w.u8(2);
      w.u64(node.setMaxVersion);
    }
  }
  return w.finish();
}

function writeDelta(w: Writer, delta: readonly NodeDelta[]): void {
  const ops = encodeOpStream(delta);
  for (let at = 0; at < ops.length; at += BLOCK_THRESHOLD) {
    const block = ops.subarray(at, Math.min(ops.length, at + BLOCK_THRESHOLD));
    w.u8(2);
    w.u16(block.length);
    w.raw(block);
  }
  w.u8(0);
}

/** Encodes a message. Throws RangeError only for values that cannot be represented (programming errors). */
export function encodeMessage(msg: Message): Uint8Array {
  const w = new Writer();
  w.u16(MAGIC);
  w.u8(PROTOCOL_VERSION);
  w.u8(msg.type);
  switch (msg.type) {
    case MessageType.Syn:
      writeDigest(w, msg.digest);
      w.str(msg.clusterId);
      break;
    case MessageType.SynAck:
      writeDigest(w, msg.digest);
      writeDelta(w, msg.delta);
      break;
    case MessageType.Ack:
      writeDelta(w, msg.delta);
      break;
    case MessageType.BadCluster:
      break;
  }
  return w.finish();
}

// ------------------------------------------------------------------------------------------------
// Reader

class Fail {
  constructor(readonly failure: DecodeFailure) {}
}

class Reader {
  private readonly view: DataView;
  at = 0;

  constructor(readonly buf: Uint8Array, private readonly what: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(reason: DropReason, detail: string, offset = this.at): never {
    throw new Fail({ reason, offset, detail: `${this.what}: ${detail}` });
  }

  need(n: number, what: string): void {
    if (this.buf.length - this.at < n) this.fail('truncated', `${what} needs ${n} bytes, ${this.buf.length - this.at} left`);
  }

  get left(): number {
    return this.buf.length - this.at;
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }

  u64(what: string): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return b;
  }

  str(what: string): string {
    const start = this.at;
    const len = this.u16(`${what} length`);
    const bytes = this.take(len, what);
    const s = utf8DecodeStrict(bytes);
    if (s === null) this.fail('bad-utf8', `${what} is not valid UTF-8`, start);
    return s;
  }

  addr(what: string): SocketAddr {
    const start = this.at;
    const tag = this.u8(`${what} ip tag`);
    let ip: string;
    if (tag === 4) {
      this.need(4, `${what} ipv4`);
      ip = ipv4Text(this.buf, this.at);
      this.at += 4;
    } else if (tag === 6) {
      this.need(16, `${what} ipv6`);
      ip = ipv6Text(this.buf, this.at);
      this.at += 16;
    } else {
      this.fail('bad-ip-tag', `${what} ip tag ${tag} (expected 4 or 6)`, start);
    }
    return { ip, port: this.u16(`${what} port`) };
  }

  id(what: string): ChitchatId {
    const nodeId = this.str(`${what} node_id`);
    const generation = this.u64(`${what} generation_id`);
    const addr = this.addr(`${what} gossip_advertise_addr`);
    return { nodeId, generation, addr };
  }
}

function readDigest(r: Reader): DigestEntry[] {
  const count = r.u16('digest count');
  // Smallest entry: empty node_id (2) + gen (8) + IPv4 addr (7) + 24.
  if (count * 41 > r.left) r.fail('truncated', `digest count ${count} cannot fit in ${r.left} bytes`);
  const entries: DigestEntry[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.id(`digest[${i}]`);
    const heartbeat = r.u64(`digest[${i}] heartbeat`);
    const lastGcVersion = r.u64(`digest[${i}] last_gc_version`);
    const maxVersion = r.u64(`digest[${i}] max_version`);
    entries.push({ id, heartbeat, lastGcVersion, maxVersion });
  }
  return entries;
}

/**
 * Walks one zstd frame without decoding it and returns its declared content size, or fails.
 * The frame must be alone in the block (no trailing frames or bytes), must declare its content
 * size, and that size must be ≤ MAX_BLOCK_PLAINTEXT — so decompression allocates a bounded buffer.
 */
function checkZstdFrame(r: Reader, frame: Uint8Array, blockAt: number): number {
  const bad = (detail: string): never => r.fail('zstd-invalid', `zstd block at ${blockAt}: ${detail}`, blockAt);
  if (frame.length < 6) bad('frame shorter than a header');
  if (frame[0] !== 0x28 || frame[1] !== 0xb5 || frame[2] !== 0x2f || frame[3] !== 0xfd) bad('bad zstd magic');
  const fhd = frame[4]!;
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  if ((fhd >> 3) & 1) bad('reserved bit set');
  const hasChecksum = (fhd >> 2) & 1;
  const dictFlag = fhd & 3;
  if (dictFlag !== 0) bad('dictionary frames are not supported');
  let at = 5;
  if (!singleSegment) {
    const wd = frame[at++]!;
    const windowLog = 10 + (wd >> 3);
    if (windowLog > 20) bad(`window 2^${windowLog} too large (limit 1 MiB)`);
  }
  const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
  if (fcsBytes === 0) r.fail('zstd-invalid', `zstd block at ${blockAt}: frame does not declare its content size`, blockAt);
  if (at + fcsBytes > frame.length) bad('truncated frame header');
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + frame[at + i]!;
  if (fcsFlag === 1) size += 256;
  at += fcsBytes;
  if (size > MAX_BLOCK_PLAINTEXT) r.fail('zstd-too-large', `zstd block at ${blockAt} declares ${size} bytes (limit ${MAX_BLOCK_PLAINTEXT})`, blockAt);
  // Walk the blocks: 3-byte header (last bit, 2-bit type, 21-bit size).
  let produced = 0;
  for (;;) {
    if (at + 3 > frame.length) bad('truncated block header');
    const h = frame[at]! | (frame[at + 1]! << 8) | (frame[at + 2]! << 16);
    at += 3;
    const last = h & 1;
    const type = (h >> 1) & 3;
    const bsize = h >>> 3;
    if (type === 3) bad('reserved block type');
    if (bsize > 131_072) bad('block larger than 128 KiB');
    if (type === 1) { at += 1; produced += bsize; } else { at += bsize; if (type === 0) produced += bsize; }
    if (at > frame.length) bad('block runs past the end of the frame');
    if (produced > size) r.fail('zstd-too-large', `zstd block at ${blockAt} produces more than its declared ${size} bytes`, blockAt);
    if (last) break;
  }
  if (hasChecksum) at += 4;
  if (at !== frame.length) bad(at > frame.length ? 'checksum runs past the end' : `${frame.length - at} trailing bytes after the frame`);
  return size;
}

/**
 * Decodes one pre-checked frame through fzstd's streaming decoder (its window is the declared
 * content size for single-segment frames, ≤ 1 MiB otherwise), stopping as soon as the output
 * would pass the declared size — the one-shot API silently truncates or zero-pads instead.
 */
function inflateFrame(original: Uint8Array, size: number): Uint8Array {
  // fzstd clips a single-segment frame's output to the declared size without complaint. To see a
  // frame that under-declares, decode a copy whose header declares one byte more (the header is
  // not covered by the content checksum) and require exactly `size` bytes to come out.
  const frame = original.slice();
  const fhd = frame[4]!;
  const fcsFlag = fhd >> 6;
  const fcsAt = ((fhd >> 5) & 1) ? 5 : 6;
  const fcsBytes = fcsFlag === 0 ? 1 : 1 << fcsFlag;
  const stored = fcsFlag === 1 ? size - 256 : size;
  const widthMax = fcsBytes >= 4 ? 0xffffffff : (1 << (8 * fcsBytes)) - 1;
  if (stored + 1 <= widthMax) {
    let v = stored + 1;
    for (let i = 0; i < Math.min(fcsBytes, 4); i++) { frame[fcsAt + i] = v & 0xff; v = Math.floor(v / 256); }
  }
  const out = new Uint8Array(size);
  let produced = 0;
  const d = new ZstdDecompress((chunk) => {
    if (produced + chunk.length > size) throw new RangeError(`frame produces more than its declared ${size} bytes`);
    out.set(chunk, produced);
    produced += chunk.length;
  });
  d.push(frame, true);
  if (produced !== size) throw new RangeError(`frame produced ${produced} bytes, declared ${size}`);
  return out;
}

function readDelta(r: Reader): NodeDelta[] {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const blockAt = r.at;
    const type = r.u8('delta block type');
    if (type === 0) break;
    if (type !== 1 && type !== 2) r.fail('bad-block-type', `delta block type ${type} (expected 0, 1 or 2)`, blockAt);
    const len = r.u16('delta block length');
    const body = r.take(len, 'delta block');
    let plain: Uint8Array;
    if (type === 2) {
      plain = body;
    } else {
      const size = checkZstdFrame(r, body, blockAt);
      if (total + size > MAX_DELTA_PLAINTEXT) r.fail('delta-too-large', `delta decompresses past ${MAX_DELTA_PLAINTEXT} bytes`, blockAt);
      try {
        plain = inflateFrame(body, size);
      } catch (e) {
        r.fail('zstd-invalid', `zstd block at ${blockAt}: ${e instanceof Error ? e.message : 'decoder error'}`, blockAt);
      }
    }
    total += plain.length;
    if (total > MAX_DELTA_PLAINTEXT) r.fail('delta-too-large', `delta op stream exceeds ${MAX_DELTA_PLAINTEXT} bytes`, blockAt);
    parts.push(plain);
  }
  let ops: Uint8Array;
  if (parts.length === 1) ops = parts[0]!;
  else {
    ops = new Uint8Array(total);
    let at = 0;
    for (const p of parts) { ops.set(p, at); at += p.length; }
  }
  return parseOps(new Reader(ops, 'delta op stream'));
}

function parseOps(r: Reader): NodeDelta[] {
  const out: NodeDelta[] = [];
  const seen = new Set<string>();
  let current: { id: ChitchatId; lastGcVersion: bigint; fromVersionExcluded: bigint; kvs: WireKeyValue[]; setMaxVersion: bigint | null } | null = null;
  const flush = (): void => {
    if (current !== null) out.push(current);
  };
  while (r.left > 0) {
    const opAt = r.at;
    const tag = r.u8('op tag');
    if (tag === 0) {
      flush();
      const id = r.id('Node op');
      const key = chitchatIdKey(id);
      if (seen.has(key)) r.fail('delta-grammar', `node ${key} appears twice`, opAt);
      seen.add(key);
      current = { id, lastGcVersion: r.u64('Node last_gc_version'), fromVersionExcluded: r.u64('Node from_version_excluded'), kvs: [], setMaxVersion: null };
    } else if (tag === 1) {
      if (current === null) r.fail('delta-grammar', 'KeyValue op before any Node op', opAt);
      const key = r.str('KeyValue key');
      const value = r.str('KeyValue value');
      const version = r.u64('KeyValue version');
      const statusAt = r.at;
      const status = r.u8('KeyValue status');
      if (status > 2) r.fail('bad-kv-status', `KeyValue status ${status} (expected 0, 1 or 2)`, statusAt);
      if (version === 0n) r.fail('delta-grammar', `KeyValue ${JSON.stringify(key)} has version 0`, opAt);
      const prev = current.kvs.length > 0 ? current.kvs[current.kvs.length - 1]!.version : (current.setMaxVersion ?? 0n);
      if (version <= prev) r.fail('delta-grammar', `KeyValue versions not strictly increasing (${prev} then ${version})`, opAt);
      current.kvs.push({ key, value, version, status: status as KvStatus });
    } else if (tag === 2) {
      if (current === null) r.fail('delta-grammar', 'SetMaxVersion op before any Node op', opAt);
      current.setMaxVersion = r.u64('SetMaxVersion');
    } else {
      r.fail('bad-op-tag', `op tag ${tag} (expected 0, 1 or 2)`, opAt);
    }
  }
  flush();
  return out;
}

/** Decodes one datagram. Trailing bytes after a well-formed message are ignored (as chitchat does). */
export function decodeMessage(bytes: Uint8Array): Result<Message, DecodeFailure> {
  const r = new Reader(bytes, 'datagram');
  try {
    const magic = r.u16('magic');
    if (magic !== MAGIC) r.fail('bad-magic', `magic 0x${magic.toString(16)} (expected 0xb053)`, 0);
    const version = r.u8('protocol version');
    if (version !== PROTOCOL_VERSION) r.fail('bad-version', `protocol version ${version} (expected 0)`, 2);
    const type = r.u8('message type');
    switch (type) {
      case MessageType.Syn: {
        const digest = readDigest(r);
        const clusterId = r.str('cluster_id');
        return ok({ type: MessageType.Syn, digest, clusterId });
      }
      case MessageType.SynAck: {
        const digest = readDigest(r);
        const delta = readDelta(r);
        return ok({ type: MessageType.SynAck, digest, delta });
      }
      case MessageType.Ack:
        return ok({ type: MessageType.Ack, delta: readDelta(r) });
      case MessageType.BadCluster:
        return ok({ type: MessageType.BadCluster });
      default:
        return r.fail('bad-type', `message type ${type} (expected 0..3)`, 3);
    }
  } catch (e) {
    if (e instanceof Fail) return err(e.failure);
    // Defensive: nothing above throws anything else, but a decoder must never let an exception out.
    return err({ reason: 'zstd-invalid', offset: r.at, detail: `datagram: unexpected decoder error ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** Decodes just a delta block stream (exposed for tests of the block framing). */
export function decodeDelta(bytes: Uint8Array): Result<NodeDelta[], DecodeFailure> {
  const r = new Reader(bytes, 'delta');
  try {
    return ok(readDelta(r));
  } catch (e) {
    if (e instanceof Fail) return err(e.failure);
    return err({ reason: 'zstd-invalid', offset: r.at, detail: `delta: unexpected decoder error ${e instanceof Error ? e.message : String(e)}` });
  }
}

/** Encodes just a delta block stream (uncompressed blocks). */
export function encodeDelta(delta: readonly NodeDelta[]): Uint8Array {
  const w = new Writer();
  writeDelta(w, delta);
  return w.finish();
}
