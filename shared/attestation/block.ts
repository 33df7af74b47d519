// RoleAttestationBlock: one signed, hash-linked record of a committed role change
// (revoada-reference §2.4, §3.1–3.3). Byte-for-byte compatible with engenho-revoada:
//   canonical bytes = compact serde JSON of {prev_hash, assignment, committed_at_ms, raft_term,
//   raft_log_index, leader}; hash = BLAKE3-256(canonical bytes); the leader and every witness sign
//   the canonical bytes with Ed25519. Signatures are outside the hash.

import { blake3 } from '../crypto/blake3';
import type { Ed25519Signer } from '../crypto/ed25519';
import { toHex } from '../kit/bytes';
import { isJsonObject, isU64, type JsonValue, type U64 } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import {
  decodeByteArray,
  decodeByteVec,
  decodeNodeId,
  encodeByteArray32,
  nodeIdFromBytes,
  type DecodeError,
  type NodeId,
} from '../types/node-id';
import { decodeRoleAssignment, type RoleAssignment } from '../types/roles';
import { canonicalBytes, canonicalText } from './canonical';

export { canonicalBytes, canonicalText, ZERO_HASH_HEX } from './canonical';

export interface WitnessSignature {
  readonly witness: NodeId;
  readonly signature: Uint8Array;
}

export interface RoleAttestationBlock {
  /** Hex of the previous block's BLAKE3 hash; 64 zeros for the genesis block. */
  readonly prevHash: string;
  readonly assignment: RoleAssignment;
  readonly committedAtMs: U64;
  readonly raftTerm: U64;
  readonly raftLogIndex: U64;
  /** The signer of this block (for our chains: the Raft leader that appended the entry). */
  readonly leader: NodeId;
  /** 64 bytes when well-formed; kept as read so malformed chains can be reported, not rejected early. */
  readonly leaderSignature: Uint8Array;
  readonly witnessSignatures: readonly WitnessSignature[];
}

const DECIMAL: readonly string[] = Array.from({ length: 256 }, (_, i) => String(i));

/** BLAKE3 of the canonical bytes, as hex. */
export function blockHashHex(block: Omit<RoleAttestationBlock, 'leaderSignature' | 'witnessSignatures'>): string {
  return toHex(blake3(canonicalBytes(block)));
}

/** serde `Vec<u8>` as a JSON array of integers. */
export function encodeSignature(bytes: Uint8Array): string {
  let out = '[';
  for (let i = 0; i < bytes.length; i++) out += i > 0 ? `,${DECIMAL[bytes[i]!]}` : DECIMAL[bytes[i]!];
  return `${out}]`;
}

/** serde_json of the whole block: `witness_signatures` omitted when empty. */
export function encodeBlock(block: RoleAttestationBlock): string {
  const canonical = canonicalText(block);
  let text = `${canonical.slice(0, -1)},"leader_signature":${encodeSignature(block.leaderSignature)}`;
  if (block.witnessSignatures.length > 0) {
    const witnesses = block.witnessSignatures.map(
      (w) => `{"witness":${encodeByteArray32(w.witness)},"signature":${encodeSignature(w.signature)}}`,
    );
    text += `,"witness_signatures":[${witnesses.join(',')}]`;
  }
  return `${text}}`;
}

/**
 * A block object with its fields in one fixed order. Every block built here gets the same hidden
 * class; an object spread with extra fields (`{ ...unsigned, leaderSignature, … }`) gives each
 * object a class of its own in V8, and code reading many such blocks (verification) slows down.
 */
export function makeBlock(
  fields: Omit<RoleAttestationBlock, 'leaderSignature' | 'witnessSignatures'>,
  leaderSignature: Uint8Array,
  witnessSignatures: readonly WitnessSignature[],
): RoleAttestationBlock {
  return {
    prevHash: fields.prevHash,
    assignment: fields.assignment,
    committedAtMs: fields.committedAtMs,
    raftTerm: fields.raftTerm,
    raftLogIndex: fields.raftLogIndex,
    leader: fields.leader,
    leaderSignature,
    witnessSignatures,
  };
}

/** A freshly signed block together with its hash, so appenders never canonicalise twice. */
export interface SealedBlock {
  readonly block: RoleAttestationBlock;
  readonly hashHex: string;
  /** The canonical bytes that were signed and hashed (callers reuse them; never mutate). */
  readonly canonical: Uint8Array;
}

/**
 * Builds, signs and hashes a block as `AttestationChain::append` does (leader = the signer's key).
 * The canonical bytes are produced once and used for both the signature and the hash, which is
 * what keeps the append path fast.
 */
export function sealBlock(
  signer: Ed25519Signer,
  prevHash: string,
  assignment: RoleAssignment,
  committedAtMs: U64,
  raftTerm: U64,
  raftLogIndex: U64,
): SealedBlock {
  const unsigned = { prevHash, assignment, committedAtMs, raftTerm, raftLogIndex, leader: nodeIdFromBytes(signer.publicKey) };
  const bytes = canonicalBytes(unsigned);
  const leaderSignature = signer.sign(bytes);
  return { block: makeBlock(unsigned, leaderSignature, []), hashHex: toHex(blake3(bytes)), canonical: bytes };
}

/** Builds and signs a block as `AttestationChain::append` does (leader = the signer's key). */
export function signBlock(
  signer: Ed25519Signer,
  prevHash: string,
  assignment: RoleAssignment,
  committedAtMs: U64,
  raftTerm: U64,
  raftLogIndex: U64,
): RoleAttestationBlock {
  const unsigned = { prevHash, assignment, committedAtMs, raftTerm, raftLogIndex, leader: nodeIdFromBytes(signer.publicKey) };
  return makeBlock(unsigned, signer.sign(canonicalBytes(unsigned)), []);
}

/** A witness co-signs the same canonical bytes. */
export function witnessSign(signer: Ed25519Signer, block: RoleAttestationBlock): WitnessSignature {
  return { witness: nodeIdFromBytes(signer.publicKey), signature: signer.sign(canonicalBytes(block)) };
}

function decodeU64Field(value: JsonValue | undefined, path: string): Result<U64, DecodeError> {
  if (isU64(value)) return ok(value);
  if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) {
    return err({ path, message: `integer ${value} is outside the u64 range 0..18446744073709551615` });
  }
  return err({ path, message: 'expected an unsigned integer (u64)' });
}

function decodeWitnesses(value: JsonValue | undefined, path: string): Result<WitnessSignature[], DecodeError> {
  if (value === undefined) return ok([]); // serde(default)
  if (!Array.isArray(value)) return err({ path, message: 'expected an array of witness signatures' });
  const out: WitnessSignature[] = [];
  for (let i = 0; i < value.length; i++) {
    const entry = value[i];
    const where = `${path}[${i}]`;
    if (!isJsonObject(entry)) return err({ path: where, message: 'expected {"witness": [...], "signature": [...]}' });
    const witness = decodeNodeId(entry['witness'], `${where}.witness`);
    if (!witness.ok) return witness;
    const signature = decodeByteVec(entry['signature'], `${where}.signature`, 4096);
    if (!signature.ok) return signature;
    out.push({ witness: witness.value, signature: signature.value });
  }
  return ok(out);
}

/** Decodes one block in the serde form. Unknown fields are ignored, as serde does. */
export function decodeBlock(value: JsonValue | undefined, path: string): Result<RoleAttestationBlock, DecodeError> {
  if (!isJsonObject(value)) return err({ path, message: 'expected a block object' });
  const prev = decodeByteArray(value['prev_hash'], 32, `${path}.prev_hash`);
  if (!prev.ok) return prev;
  const assignment = decodeRoleAssignment(value['assignment'], `${path}.assignment`);
  if (!assignment.ok) return assignment;
  const committedAtMs = decodeU64Field(value['committed_at_ms'], `${path}.committed_at_ms`);
  if (!committedAtMs.ok) return committedAtMs;
  const raftTerm = decodeU64Field(value['raft_term'], `${path}.raft_term`);
  if (!raftTerm.ok) return raftTerm;
  const raftLogIndex = decodeU64Field(value['raft_log_index'], `${path}.raft_log_index`);
  if (!raftLogIndex.ok) return raftLogIndex;
  const leader = decodeNodeId(value['leader'], `${path}.leader`);
  if (!leader.ok) return leader;
  const leaderSignature = decodeByteVec(value['leader_signature'], `${path}.leader_signature`, 4096);
  if (!leaderSignature.ok) return leaderSignature;
  const witnesses = decodeWitnesses(value['witness_signatures'], `${path}.witness_signatures`);
  if (!witnesses.ok) return witnesses;
  return ok(
    makeBlock(
      { prevHash: toHex(prev.value), assignment: assignment.value, committedAtMs: committedAtMs.value, raftTerm: raftTerm.value, raftLogIndex: raftLogIndex.value, leader: leader.value },
      leaderSignature.value,
      witnesses.value,
    ),
  );
}
