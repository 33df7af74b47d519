// The canonical bytes of a block: what is hashed and signed.
//
// `canonicalText` below defines them: the compact serde JSON of the six hashed fields, UTF-8
// encoded (block.ts re-exports it). Verification needs those bytes for every block (to hash and
// to check every signature), and building a string and encoding it costs more than hashing it.
// `writeCanonical` appends the same bytes to a `ByteSink` directly, from cached pieces: the field
// names, the byte arrays of node ids (`[1,2,…]`, a handful of distinct keys per chain), role lists
// and reasons.
//
// The fast path covers every block `decodeBlock` can produce (64-hex hashes and node ids, known
// roles and reasons, u64 numbers). Anything else — a block built by hand with values outside
// those types — is written as `utf8Encode(canonicalText(block))`, so the bytes are always exactly
// the canonical text's; test/shared/attestation/canonical.test.ts compares both on random blocks.

import { utf8Encode } from '../kit/bytes';
import { encodeU64, U64_MAX, type U64 } from '../kit/json';
import { encodeByteArray32 } from '../types/node-id';
import { encodeRoleAssignment, NODE_ROLES, REASONS, type RoleAssignment } from '../types/roles';
import type { RoleAttestationBlock } from './block';

/** The fields of a block that are hashed and signed. */
export type UnsignedBlock = Omit<RoleAttestationBlock, 'leaderSignature' | 'witnessSignatures'>;

export const ZERO_HASH_HEX = '0'.repeat(64);
const ZERO_HASH_ARRAY = `[${new Array(32).fill(0).join(',')}]`;

const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

function nibble(code: number): number {
  return code >= 97 ? code - 87 : code >= 65 ? code - 55 : code - 48; // 'a'..'f', 'A'..'F', '0'..'9'
}

/** serde's `[u8; 32]` from lowercase hex, uncached: a prev_hash is different in every block. */
function encodeHashArray(hex: string): string {
  let out = '[';
  for (let i = 0; i < hex.length; i += 2) {
    if (i > 0) out += ',';
    out += DECIMAL[(nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1))];
  }
  return `${out}]`;
}

/** The exact UTF-8 text whose bytes are hashed and signed (the definition; see `writeCanonical`). */
export function canonicalText(block: UnsignedBlock): string {
  return (
    `{"prev_hash":${block.prevHash === ZERO_HASH_HEX ? ZERO_HASH_ARRAY : encodeHashArray(block.prevHash)}` +
    `,"assignment":${encodeRoleAssignment(block.assignment)}` +
    `,"committed_at_ms":${encodeU64(block.committedAtMs)}` +
    `,"raft_term":${encodeU64(block.raftTerm)}` +
    `,"raft_log_index":${encodeU64(block.raftLogIndex)}` +
    `,"leader":${encodeByteArray32(block.leader)}}`
  );
}

/** A growable byte buffer with a write position. */
export class ByteSink {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 4096) {
    this.bytes = new Uint8Array(Math.max(64, capacity));
  }

  /** A sink that writes into `bytes` from the start (and moves to a new array if it outgrows it). */
  static over(bytes: Uint8Array): ByteSink {
    const sink = new ByteSink(0);
    sink.bytes = bytes;
    return sink;
  }

  /** Makes room for `extra` more bytes. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.length) return;
    let size = Math.max(64, this.bytes.length * 2);
    while (size < need) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  put(piece: Uint8Array): void {
    this.reserve(piece.length);
    const out = this.bytes;
    let p = this.length;
    if (piece.length > 64) {
      out.set(piece, p);
      p += piece.length;
    } else {
      for (let i = 0; i < piece.length; i++) out[p++] = piece[i]!;
    }
    this.length = p;
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    const out = this.bytes;
    const p = this.length;
    out[p] = value;
    out[p + 1] = value >>> 8;
    out[p + 2] = value >>> 16;
    out[p + 3] = value >>> 24;
    this.length = p + 4;
  }

  /** Overwrites 4 bytes at `at` (a length written before its value was known). */
  u32At(at: number, value: number): void {
    const out = this.bytes;
    out[at] = value;
    out[at + 1] = value >>> 8;
    out[at + 2] = value >>> 16;
    out[at + 3] = value >>> 24;
  }

  /** The bytes written so far (a view, not a copy). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

const ascii = (text: string): Uint8Array => utf8Encode(text);

const PREV_HASH = ascii('{"prev_hash":');
const ASSIGNMENT = ascii(',"assignment":');
const COMMITTED_AT_MS = ascii(',"committed_at_ms":');
const RAFT_TERM = ascii(',"raft_term":');
const RAFT_LOG_INDEX = ascii(',"raft_log_index":');
const LEADER = ascii(',"leader":');
const KIND_PROMOTE = ascii('{"kind":"promote","node_id":');
const KIND_DEMOTE = ascii('{"kind":"demote","node_id":');
const KIND_QUARANTINE = ascii('{"kind":"quarantine","node_id":');
const KIND_RESTORE = ascii('{"kind":"restore","node_id":');
const ROLES = ascii(',"roles":');
const ROLES_RELINQUISHED = ascii(',"roles_relinquished":');

/** `,"reason":"<reason>"}` for each reason. */
const REASON_TAIL: ReadonlyMap<string, Uint8Array> = new Map(REASONS.map((r) => [r, ascii(`,"reason":"${r}"}`)]));
const ROLE_BIT: ReadonlyMap<string, number> = new Map(NODE_ROLES.map((r, i) => [r, 1 << i]));
/** The JSON array of the roles in a bit set (declaration order), built on first use. */
const roleListBytes: (Uint8Array | undefined)[] = new Array(1 << NODE_ROLES.length);

/** Decimal digits of 0..255, three slots per value, and how many are used. */
const DIGITS = new Uint8Array(256 * 3);
const DIGIT_COUNT = new Uint8Array(256);
for (let v = 0; v < 256; v++) {
  const text = String(v);
  DIGIT_COUNT[v] = text.length;
  for (let k = 0; k < text.length; k++) DIGITS[v * 3 + k] = text.charCodeAt(k);
}

// `[1,2,…]` of node ids, as bytes. A chain has a few distinct ids, repeated in every block.
const idArrayCache = new Map<string, Uint8Array>();
const ID_ARRAY_CACHE_MAX = 8192;

function idArrayBytes(id: string): Uint8Array | null {
  let bytes = idArrayCache.get(id);
  if (bytes === undefined) {
    if (!/^[0-9a-f]{64}$/.test(id)) return null;
    bytes = ascii(encodeByteArray32(id));
    if (idArrayCache.size >= ID_ARRAY_CACHE_MAX) idArrayCache.clear();
    idArrayCache.set(id, bytes);
  }
  return bytes;
}

/** The roles as written by `encodeRoleAssignment` (normalised: declaration order, no repeats); null for an unknown role. */
function rolesBytes(roles: readonly string[]): Uint8Array | null {
  let set = 0;
  for (let i = 0; i < roles.length; i++) {
    const bit = ROLE_BIT.get(roles[i]!);
    if (bit === undefined) return null;
    set |= bit;
  }
  let bytes = roleListBytes[set];
  if (bytes === undefined) {
    bytes = ascii(`[${NODE_ROLES.filter((_, i) => (set & (1 << i)) !== 0).map((r) => `"${r}"`).join(',')}]`);
    roleListBytes[set] = bytes;
  }
  return bytes;
}

/** Value of an ASCII hex digit (either case) by character code, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(c)] = c;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(c)] = c;
}

/** Room for the fast path's longest block (ids and hash 129 bytes each, 7 roles, 3 × 20 digits). */
const FAST_BLOCK_MAX = 1024;

/** `[b0,b1,…]` of a 64-hex hash; false if it is not 64 hex digits. The caller reserved the room. */
function writeHashArray(sink: ByteSink, hex: string): boolean {
  if (hex.length !== 64) return false;
  const out = sink.bytes;
  let p = sink.length;
  out[p++] = 0x5b; // [
  for (let i = 0; i < 64; i += 2) {
    const c0 = hex.charCodeAt(i);
    const c1 = hex.charCodeAt(i + 1);
    if ((c0 | c1) > 127) return false;
    const high = HEX_VALUE[c0]!;
    const low = HEX_VALUE[c1]!;
    if ((high | low) < 0) return false;
    const v = (high << 4) | low;
    // Three digit slots are always written (the room is reserved); the position moves by the count.
    const at = v * 3;
    out[p] = DIGITS[at]!;
    out[p + 1] = DIGITS[at + 1]!;
    out[p + 2] = DIGITS[at + 2]!;
    p += DIGIT_COUNT[v]!;
    out[p++] = 0x2c; // ,
  }
  out[p - 1] = 0x5d; // ] over the last comma
  sink.length = p;
  return true;
}

const digitScratch = new Uint8Array(20);

/** Decimal digits of a safe non-negative integer, without a string (String(n) is slow above 2^31). */
function writeSafeInteger(sink: ByteSink, value: number): void {
  let n = 0;
  let v = value;
  // Above 2^31 divide by 10^9 once in floating point, then both halves with integer steps.
  let high = 0;
  if (v >= 1e9) {
    high = Math.floor(v / 1e9);
    v -= high * 1e9;
    for (let k = 0; k < 9; k++) {
      const q = (v / 10) | 0;
      digitScratch[n++] = 48 + v - q * 10;
      v = q;
    }
    v = high;
  }
  do {
    const q = Math.floor(v / 10);
    digitScratch[n++] = 48 + v - q * 10;
    v = q;
  } while (v > 0);
  const out = sink.bytes;
  let p = sink.length;
  while (n > 0) out[p++] = digitScratch[--n]!;
  sink.length = p;
}

/** A u64 in decimal; false for a value outside the u64 range. The caller reserved the room. */
function writeU64(sink: ByteSink, value: U64): boolean {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return false;
    writeSafeInteger(sink, value);
    return true;
  }
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX) return false;
  const text = encodeU64(value);
  const out = sink.bytes;
  let p = sink.length;
  for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i);
  sink.length = p;
  return true;
}

function writeAssignment(sink: ByteSink, assignment: RoleAssignment): boolean {
  const id = idArrayBytes(assignment.nodeId);
  if (id === null) return false;
  switch (assignment.kind) {
    case 'promote':
    case 'demote': {
      const roles = rolesBytes(assignment.kind === 'promote' ? assignment.roles : assignment.rolesRelinquished);
      const reason = REASON_TAIL.get(assignment.reason);
      if (roles === null || reason === undefined) return false;
      sink.put(assignment.kind === 'promote' ? KIND_PROMOTE : KIND_DEMOTE);
      sink.put(id);
      sink.put(assignment.kind === 'promote' ? ROLES : ROLES_RELINQUISHED);
      sink.put(roles);
      sink.put(reason);
      return true;
    }
    case 'quarantine': {
      const reason = REASON_TAIL.get(assignment.reason);
      if (reason === undefined) return false;
      sink.put(KIND_QUARANTINE);
      sink.put(id);
      sink.put(reason);
      return true;
    }
    case 'restore':
      sink.put(KIND_RESTORE);
      sink.put(id);
      sink.u8(0x7d); // }
      return true;
    default:
      return false;
  }
}

function writeFast(sink: ByteSink, block: UnsignedBlock): boolean {
  const leader = idArrayBytes(block.leader);
  if (leader === null) return false;
  sink.reserve(FAST_BLOCK_MAX);
  sink.put(PREV_HASH);
  if (!writeHashArray(sink, block.prevHash)) return false;
  sink.put(ASSIGNMENT);
  if (!writeAssignment(sink, block.assignment)) return false;
  sink.put(COMMITTED_AT_MS);
  if (!writeU64(sink, block.committedAtMs)) return false;
  sink.put(RAFT_TERM);
  if (!writeU64(sink, block.raftTerm)) return false;
  sink.put(RAFT_LOG_INDEX);
  if (!writeU64(sink, block.raftLogIndex)) return false;
  sink.put(LEADER);
  sink.put(leader);
  sink.u8(0x7d); // }
  return true;
}

/**
 * Appends the canonical bytes of `block` to `sink` and returns how many were written; always
 * exactly `utf8Encode(canonicalText(block))`.
 */
export function writeCanonical(sink: ByteSink, block: UnsignedBlock): number {
  const start = sink.length;
  if (writeFast(sink, block)) return sink.length - start;
  sink.length = start;
  const bytes = utf8Encode(canonicalText(block));
  sink.put(bytes);
  return bytes.length;
}

const scratch = new ByteSink(1024);

/** The canonical bytes of one block (= `utf8Encode(canonicalText(block))`), in a new array. */
export function canonicalBytes(block: UnsignedBlock): Uint8Array {
  scratch.length = 0;
  writeCanonical(scratch, block);
  return scratch.bytes.slice(0, scratch.length);
}
