// Verification of an attestation chain (revoada-reference §3.4), in two modes that share one set of
// per-block checks:
//
//   - `verifyChain` is the crate's `verify_chain`: genesis first, then for each block in order the
//     link, the leader signature and each witness signature; the first violation is returned, with
//     the crate's kind tag and Display text.
//   - `verifyChainReport` keeps going and reports every problem with its block, field, check,
//     expected and actual values (hex) and a plain-language cause. Its `errors[0]` is always what
//     `verifyChain` returns (crate problems are ordered exactly as the crate would meet them).
//     Options add checks the crate does not make: a minimum number of distinct valid witnesses,
//     a trust list of keys allowed to sign, and rollback/fork detection against a head verified
//     earlier.
//
// The expensive per-block work (hash, signature checks) is captured in `BlockFacts`, which depends
// on one block alone. The Node host computes facts for ranges of blocks on worker threads and
// hands them to `assembleReport`; the renderer computes them in-thread with the pure-JS verifier.
// Either way the report is built by the same code from the same facts, so the parallel and the
// single-threaded results are identical by construction.

import { ed25519 } from '@noble/curves/ed25519.js';
import { blake3 } from '../crypto/blake3';
import { precheckPublicKey, type Ed25519Verifier } from '../crypto/ed25519';
import { toHex } from '../kit/bytes';
import { encodeU64, type U64 } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { nodeIdToBytes, shortNodeId, type NodeId } from '../types/node-id';
import { canonicalBytes, ZERO_HASH_HEX, type RoleAttestationBlock } from './block';

// ---------------------------------------------------------------------------------------------
// Error kinds and the crate's messages

/** The four error kinds `verify_chain` can return (revoada-reference Appendix B). */
export type CrateErrorKind = 'invalid_genesis' | 'broken_link' | 'invalid_leader_signature' | 'invalid_witness_signature';

/** Checks beyond the crate, enabled by `VerifyOptions`. */
export type PolicyErrorKind = 'insufficient_witnesses' | 'untrusted_leader' | 'untrusted_witness' | 'rollback';

export type ChainErrorKind = CrateErrorKind | PolicyErrorKind;

export const CRATE_ERROR_KINDS: readonly CrateErrorKind[] = [
  'invalid_genesis',
  'broken_link',
  'invalid_leader_signature',
  'invalid_witness_signature',
];

/** The crate's `AttestationError` as returned by `verify_chain`. */
export interface AttestationError {
  readonly kind: CrateErrorKind;
  /** Block index; null for `invalid_genesis`, which the crate reports without one. */
  readonly index: number | null;
  /** The crate's Display text, exactly. */
  readonly message: string;
}

/** The crate's Display strings (revoada-reference §3.4). */
export function crateErrorMessage(kind: CrateErrorKind, index: number | null): string {
  switch (kind) {
    case 'invalid_genesis':
      return 'genesis block must have prev_hash = [0; 32]';
    case 'broken_link':
      return `block at index ${index}: prev_hash does not match prior block's hash`;
    case 'invalid_leader_signature':
      return `block at index ${index}: leader signature failed verification`;
    case 'invalid_witness_signature':
      return `block at index ${index}: witness signature failed verification`;
  }
}

export function isCrateErrorKind(kind: string): kind is CrateErrorKind {
  return (CRATE_ERROR_KINDS as readonly string[]).includes(kind);
}

function crateError(kind: CrateErrorKind, index: number | null): AttestationError {
  return { kind, index, message: crateErrorMessage(kind, index) };
}

// ---------------------------------------------------------------------------------------------
// One signature check

/**
 * How one signature fared under the crate's rule (64 bytes, then Ed25519 under the signer key).
 * `invalid_key` = the signer bytes are not a usable Ed25519 public key.
 */
export type SignatureCheck = 'valid' | 'wrong_length' | 'invalid_key' | 'bad_signature';

/** Numeric codes for `SignatureCheck`, used to pass facts between threads. */
export const SIGNATURE_CHECKS: readonly SignatureCheck[] = ['valid', 'wrong_length', 'invalid_key', 'bad_signature'];

// Node ids repeat in every block; decoding their hex once per key keeps the hot loop lean.
const keyBytesCache = new Map<string, Uint8Array>();
const KEY_BYTES_CACHE_MAX = 4096;

export function keyBytes(id: NodeId): Uint8Array {
  let bytes = keyBytesCache.get(id);
  if (bytes === undefined) {
    bytes = nodeIdToBytes(id);
    if (keyBytesCache.size >= KEY_BYTES_CACHE_MAX) keyBytesCache.clear();
    keyBytesCache.set(id, bytes);
  }
  return bytes;
}

/** Is `publicKey` a point the revoada-strict rule accepts as a key (canonical, on the curve, not small order)? */
export function isUsablePublicKey(publicKey: Uint8Array): boolean {
  if (precheckPublicKey(publicKey) !== null) return false;
  try {
    ed25519.Point.fromBytes(publicKey, false);
    return true;
  } catch {
    return false;
  }
}

/** The crate's rule for one signature: exactly 64 bytes, then Ed25519 verification under `publicKey`. */
export function checkSignature(verifier: Ed25519Verifier, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): SignatureCheck {
  if (signature.length !== 64) return 'wrong_length';
  if (verifier.verify(publicKey, message, signature)) return 'valid';
  return isUsablePublicKey(publicKey) ? 'bad_signature' : 'invalid_key';
}

// ---------------------------------------------------------------------------------------------
// Per-block facts

/** What the verifier learned from one block alone. Plain data, so worker threads can produce it. */
export interface BlockFacts {
  /** BLAKE3 of the canonical bytes, hex. */
  readonly hashHex: string;
  readonly leaderCheck: SignatureCheck;
  /** One entry per `witness_signatures` element, in order. */
  readonly witnessChecks: readonly SignatureCheck[];
}

/** Canonicalises, hashes and checks every signature of one block. Never throws on bad data. */
export function blockFacts(block: RoleAttestationBlock, verifier: Ed25519Verifier): BlockFacts {
  const bytes = canonicalBytes(block);
  return factsFromCanonical(bytes, keyBytes(block.leader), block.leaderSignature, block.witnessSignatures.map((w) => [keyBytes(w.witness), w.signature] as const), verifier);
}

/** The same facts from already-encoded pieces (the worker-thread entry point). */
export function factsFromCanonical(
  canonical: Uint8Array,
  leaderKey: Uint8Array,
  leaderSignature: Uint8Array,
  witnesses: readonly (readonly [Uint8Array, Uint8Array])[],
  verifier: Ed25519Verifier,
): BlockFacts {
  return {
    hashHex: toHex(blake3(canonical)),
    leaderCheck: checkSignature(verifier, leaderKey, canonical, leaderSignature),
    witnessChecks: witnesses.map(([key, signature]) => checkSignature(verifier, key, canonical, signature)),
  };
}

export function computeFacts(blocks: readonly RoleAttestationBlock[], verifier: Ed25519Verifier): BlockFacts[] {
  return blocks.map((block) => blockFacts(block, verifier));
}

// ---------------------------------------------------------------------------------------------
// Crate-exact verification

/**
 * `verify_chain`: empty is ok; a non-zero genesis `prev_hash` is `invalid_genesis`; then per block
 * the link, the leader signature, each witness signature. The first violation wins.
 */
export function verifyChain(blocks: readonly RoleAttestationBlock[], verifier: Ed25519Verifier): Result<void, AttestationError> {
  if (blocks.length === 0) return ok(undefined);
  if (blocks[0]!.prevHash !== ZERO_HASH_HEX) return err(crateError('invalid_genesis', null));
  let prior: string | null = null;
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    if (prior !== null && block.prevHash !== prior) return err(crateError('broken_link', i));
    const bytes = canonicalBytes(block);
    if (checkSignature(verifier, keyBytes(block.leader), bytes, block.leaderSignature) !== 'valid') {
      return err(crateError('invalid_leader_signature', i));
    }
    for (const w of block.witnessSignatures) {
      if (checkSignature(verifier, keyBytes(w.witness), bytes, w.signature) !== 'valid') {
        return err(crateError('invalid_witness_signature', i));
      }
    }
    prior = toHex(blake3(bytes));
  }
  return ok(undefined);
}

/** The crate's first error, from facts (what `verifyChain` returns for the same blocks). */
export function firstCrateError(blocks: readonly RoleAttestationBlock[], facts: readonly BlockFacts[]): AttestationError | null {
  if (blocks.length === 0) return null;
  if (blocks[0]!.prevHash !== ZERO_HASH_HEX) return crateError('invalid_genesis', null);
  for (let i = 0; i < blocks.length; i++) {
    const f = facts[i]!;
    if (i > 0 && blocks[i]!.prevHash !== facts[i - 1]!.hashHex) return crateError('broken_link', i);
    if (f.leaderCheck !== 'valid') return crateError('invalid_leader_signature', i);
    if (f.witnessChecks.some((c) => c !== 'valid')) return crateError('invalid_witness_signature', i);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Full report

/** The check that found a problem. */
export type CheckName = 'genesis' | 'link' | 'leader_signature' | 'witness_signature' | 'min_witnesses' | 'trust' | 'since_head';

export interface ChainProblem {
  readonly kind: ChainErrorKind;
  /** Block index; null for `invalid_genesis` (as the crate) and for a rollback past the chain's end. */
  readonly index: number | null;
  /** One line: the crate's Display text for crate kinds, a similar sentence otherwise. */
  readonly message: string;
  /** The block field the check looked at, e.g. `prev_hash`, `witness_signatures[1].signature`. */
  readonly field: string | null;
  readonly check: CheckName;
  /** What the check needed (hex where the value is bytes). */
  readonly expected: string | null;
  /** What the chain holds (hex where the value is bytes). */
  readonly actual: string | null;
  /** The most likely explanation in plain language, inferred from the failures around this block. */
  readonly cause: string;
}

/** A head verified earlier: the new chain must still hold this block at this index. */
export interface SinceHead {
  readonly index: number;
  readonly hashHex: string;
}

export interface VerifyOptions {
  /** Every block needs at least this many distinct witnesses (other than its leader) with valid signatures. */
  readonly minWitnesses?: number;
  /** When set, only these keys (hex node ids) may sign as leader or witness. */
  readonly trust?: ReadonlySet<string> | null;
  /** Rollback / fork detection against a head verified earlier. */
  readonly sinceHead?: SinceHead | null;
}

/**
 * Something odd that does not make the chain invalid (the crate checks none of it): Raft log
 * indexes that do not increase, terms or commit times that go back. Signed by the leader, so they
 * were written that way, not changed later.
 */
export interface ChainWarning {
  readonly index: number;
  readonly field: 'raft_log_index' | 'raft_term' | 'committed_at_ms';
  readonly message: string;
}

export interface ChainReport {
  readonly ok: boolean;
  readonly blocks: number;
  /** Hash of the last block, hex; null for an empty chain. */
  readonly head: string | null;
  /** Crate problems in the crate's order (errors[0] = what `verifyChain` returns), then the option checks. */
  readonly errors: readonly ChainProblem[];
  readonly warnings: readonly ChainWarning[];
}

/** a − b for u64 values: plain numbers when both are (safe integers subtract exactly), else BigInt. */
function u64Difference(a: U64, b: U64): number | bigint {
  return typeof a === 'number' && typeof b === 'number' ? a - b : BigInt(a) - BigInt(b);
}

/** The order warnings of a chain (they depend on the blocks alone, not on their facts). */
export function orderWarnings(blocks: readonly RoleAttestationBlock[]): ChainWarning[] {
  const out: ChainWarning[] = [];
  for (let i = 1; i < blocks.length; i++) {
    const a = blocks[i - 1]!;
    const b = blocks[i]!;
    if (u64Difference(b.raftLogIndex, a.raftLogIndex) <= 0) {
      out.push({ index: i, field: 'raft_log_index', message: `block ${i}: raft_log_index ${encodeU64(b.raftLogIndex)} does not increase (block ${i - 1} has ${encodeU64(a.raftLogIndex)}): a replayed or out-of-order entry` });
    }
    if (u64Difference(b.raftTerm, a.raftTerm) < 0) {
      out.push({ index: i, field: 'raft_term', message: `block ${i}: raft_term ${encodeU64(b.raftTerm)} goes back from ${encodeU64(a.raftTerm)}` });
    }
    const back = u64Difference(a.committedAtMs, b.committedAtMs);
    if (back > 0) {
      out.push({ index: i, field: 'committed_at_ms', message: `block ${i}: committed_at_ms goes back ${back} ms from block ${i - 1} (the signer's clock stepped back, or blocks are out of order)` });
    }
  }
  return out;
}

/** Verifies every block in this thread and reports every problem found. */
export function verifyChainReport(blocks: readonly RoleAttestationBlock[], verifier: Ed25519Verifier, options: VerifyOptions = {}): ChainReport {
  return assembleReport(blocks, computeFacts(blocks, verifier), verifier, options);
}

/** How many blocks with a failed leader signature get the (costlier) signer diagnosis. */
const DIAGNOSE_MAX = 32;
/** How many distinct keys of the chain are tried as the real signer of a suspect block. */
const CANDIDATE_KEYS_MAX = 16;

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/**
 * Builds the report from blocks and their facts (computed in this thread or on worker threads).
 * `warnings` = `orderWarnings(blocks)`, when the caller computed them already (while the facts
 * were being computed elsewhere).
 */
export function assembleReport(
  blocks: readonly RoleAttestationBlock[],
  facts: readonly BlockFacts[],
  verifier: Ed25519Verifier,
  options: VerifyOptions = {},
  warnings: readonly ChainWarning[] = orderWarnings(blocks),
): ChainReport {
  if (facts.length !== blocks.length) throw new RangeError(`facts for ${facts.length} blocks, chain has ${blocks.length}`);
  const crate: ChainProblem[] = [];
  const policy: ChainProblem[] = [];

  // The indexes below serve only to explain problems, so they are built on the first problem that
  // needs them: verifying a valid chain does not pay for them.
  // Where each hash sits, to tell a deletion from a reordering.
  let positionOfHash: Map<string, number> | null = null;
  const hashPosition = (hashHex: string): number | undefined => {
    if (positionOfHash === null) {
      positionOfHash = new Map();
      for (let i = 0; i < facts.length; i++) if (!positionOfHash.has(facts[i]!.hashHex)) positionOfHash.set(facts[i]!.hashHex, i);
    }
    return positionOfHash.get(hashHex);
  };
  // Where each leader signature sits, to spot a signature copied from another block.
  let positionOfSignature: Map<string, number> | null = null;
  const signaturePosition = (signatureHex: string): number | undefined => {
    if (positionOfSignature === null) {
      positionOfSignature = new Map();
      for (let i = 0; i < blocks.length; i++) if (facts[i]!.leaderCheck === 'valid') positionOfSignature.set(toHex(blocks[i]!.leaderSignature), i);
    }
    return positionOfSignature.get(signatureHex);
  };
  // Keys that appear in the chain: candidates for "who really signed this".
  let candidates: NodeId[] | null = null;
  const candidateKeys = (): NodeId[] => {
    if (candidates === null) {
      const keys: NodeId[] = [];
      const seen = new Set<string>();
      for (const b of blocks) {
        for (const id of [b.leader, ...b.witnessSignatures.map((w) => w.witness)]) {
          if (!seen.has(id) && keys.length < CANDIDATE_KEYS_MAX) {
            seen.add(id);
            keys.push(id);
          }
        }
        if (keys.length >= CANDIDATE_KEYS_MAX) break;
      }
      candidates = keys;
    }
    return candidates;
  };
  let diagnosed = 0;

  if (blocks.length > 0 && blocks[0]!.prevHash !== ZERO_HASH_HEX) {
    const leaderOk = facts[0]!.leaderCheck === 'valid';
    crate.push({
      kind: 'invalid_genesis',
      index: null,
      message: crateErrorMessage('invalid_genesis', null),
      field: 'prev_hash',
      check: 'genesis',
      expected: ZERO_HASH_HEX,
      actual: blocks[0]!.prevHash,
      cause: leaderOk
        ? 'block 0 links to an earlier block: this is not the start of the chain (the first blocks are missing, or this is only a tail of a longer chain)'
        : "block 0's prev_hash was changed after it was signed",
    });
  }

  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!;
    const f = facts[i]!;
    const signedOk = f.leaderCheck === 'valid';

    // a. link
    if (i > 0 && block.prevHash !== facts[i - 1]!.hashHex) {
      const previousModified = facts[i - 1]!.leaderCheck !== 'valid';
      const linkedTo = hashPosition(block.prevHash);
      let cause: string;
      if (!signedOk) {
        cause = `block ${i}'s prev_hash was changed after it was signed (or block ${i} was replaced)`;
      } else if (linkedTo !== undefined && linkedTo > i) {
        cause = `blocks were reordered: block ${i} belongs right after block ${linkedTo}`;
      } else if (linkedTo !== undefined) {
        const from = linkedTo + 1;
        const to = i - 1;
        cause = `block ${i} was signed right after block ${linkedTo}: ${from === to ? `block ${from} was` : `blocks ${from}..${to} were`} inserted or moved here (blocks reordered or duplicated)`;
      } else if (previousModified) {
        cause = `block ${i - 1} was modified after it was signed, so its hash no longer matches what block ${i} links to`;
      } else {
        cause = `block ${i} is missing or blocks were reordered: the block that was signed before this one is not at index ${i - 1}`;
      }
      crate.push({
        kind: 'broken_link',
        index: i,
        message: crateErrorMessage('broken_link', i),
        field: 'prev_hash',
        check: 'link',
        expected: facts[i - 1]!.hashHex,
        actual: block.prevHash,
        cause,
      });
    }

    // b+c. leader signature
    if (!signedOk) {
      const signatureHex = toHex(block.leaderSignature);
      let cause: string;
      let expected = `64-byte ed25519 signature by ${block.leader}`;
      let field = f.leaderCheck === 'invalid_key' ? 'leader' : 'leader_signature';
      let actual = f.leaderCheck === 'invalid_key' ? block.leader : signatureHex;
      if (f.leaderCheck === 'wrong_length') {
        cause = `block ${i}'s leader signature is ${block.leaderSignature.length} ${plural(block.leaderSignature.length, 'byte', 'bytes')} instead of 64: it was truncated or corrupted`;
      } else if (f.leaderCheck === 'invalid_key') {
        expected = 'a valid ed25519 public key';
        cause = `block ${i}'s leader field is not a valid ed25519 public key: the field was corrupted`;
      } else {
        cause = `block ${i} was modified after it was signed (or its signature was replaced)`;
        const copiedFrom = signaturePosition(signatureHex);
        if (copiedFrom !== undefined && copiedFrom !== i) {
          cause = `block ${i}'s leader signature is a copy of block ${copiedFrom}'s: it was never signed as it stands`;
        } else if (diagnosed < DIAGNOSE_MAX) {
          diagnosed++;
          // A swapped leader field: the signature verifies once the block names its real signer.
          const realSigner = candidateKeys().find(
            (k) => k !== block.leader && verifier.verify(keyBytes(k), canonicalBytes({ ...block, leader: k }), block.leaderSignature),
          );
          if (realSigner !== undefined) {
            cause = `block ${i}'s leader field was changed: the signature is by ${shortNodeId(realSigner)}, but the block names ${shortNodeId(block.leader)} as its signer`;
            field = 'leader';
            expected = realSigner;
            actual = block.leader;
          }
        }
      }
      crate.push({
        kind: 'invalid_leader_signature',
        index: i,
        message: crateErrorMessage('invalid_leader_signature', i),
        field,
        check: 'leader_signature',
        expected,
        actual,
        cause,
      });
    }

    // d. witnesses
    f.witnessChecks.forEach((check, w) => {
      if (check === 'valid') return;
      const witness = block.witnessSignatures[w]!;
      let cause: string;
      if (check === 'wrong_length') {
        cause = `witness ${shortNodeId(witness.witness)}'s signature on block ${i} is ${witness.signature.length} ${plural(witness.signature.length, 'byte', 'bytes')} instead of 64: truncated or corrupted`;
      } else if (check === 'invalid_key') {
        cause = `witness ${w} of block ${i} is not a valid ed25519 public key: the field was corrupted`;
      } else if (!signedOk && f.leaderCheck === 'bad_signature') {
        cause = `block ${i} was modified after it was signed, so its witness signatures no longer match either`;
      } else {
        cause = `witness ${shortNodeId(witness.witness)} never signed block ${i}: the witness signature is forged or belongs to other data`;
      }
      crate.push({
        kind: 'invalid_witness_signature',
        index: i,
        message: crateErrorMessage('invalid_witness_signature', i),
        field: check === 'invalid_key' ? `witness_signatures[${w}].witness` : `witness_signatures[${w}].signature`,
        check: 'witness_signature',
        expected: check === 'invalid_key' ? 'a valid ed25519 public key' : `64-byte ed25519 signature by ${witness.witness}`,
        actual: check === 'invalid_key' ? witness.witness : toHex(witness.signature),
        cause,
      });
    });

    // Trust list.
    const trust = options.trust;
    if (trust) {
      if (!trust.has(block.leader)) {
        policy.push({
          kind: 'untrusted_leader',
          index: i,
          message: `block at index ${i}: leader ${shortNodeId(block.leader)} is not in the trust list`,
          field: 'leader',
          check: 'trust',
          expected: 'a key from the trust list',
          actual: block.leader,
          cause: `block ${i} was signed by a key this cluster does not trust: a foreign or rogue node wrote it`,
        });
      }
      block.witnessSignatures.forEach((w, k) => {
        if (trust.has(w.witness)) return;
        policy.push({
          kind: 'untrusted_witness',
          index: i,
          message: `block at index ${i}: witness ${shortNodeId(w.witness)} is not in the trust list`,
          field: `witness_signatures[${k}].witness`,
          check: 'trust',
          expected: 'a key from the trust list',
          actual: w.witness,
          cause: `block ${i} carries a witness signature from a key this cluster does not trust`,
        });
      });
    }

    // Minimum distinct witnesses.
    const minWitnesses = options.minWitnesses ?? 0;
    if (minWitnesses > 0) {
      const distinct = new Set<string>();
      f.witnessChecks.forEach((check, k) => {
        const w = block.witnessSignatures[k]!;
        if (check === 'valid' && w.witness !== block.leader && (!trust || trust.has(w.witness))) distinct.add(w.witness);
      });
      if (distinct.size < minWitnesses) {
        const total = block.witnessSignatures.length;
        policy.push({
          kind: 'insufficient_witnesses',
          index: i,
          message: `block at index ${i}: ${distinct.size} distinct valid ${plural(distinct.size, 'witness', 'witnesses')}, at least ${minWitnesses} required`,
          field: 'witness_signatures',
          check: 'min_witnesses',
          expected: `>= ${minWitnesses}`,
          actual: String(distinct.size),
          cause:
            total === 0
              ? `block ${i} was never co-signed by any witness`
              : `block ${i} has ${total} witness ${plural(total, 'signature', 'signatures')} but only ${distinct.size} count (invalid, repeated, untrusted or by the leader itself)`,
        });
      }
    }
  }

  // Rollback / fork detection.
  const since = options.sinceHead;
  if (since) {
    const held = facts[since.index];
    if (held === undefined) {
      policy.push({
        kind: 'rollback',
        index: null,
        message: `chain has ${blocks.length} ${plural(blocks.length, 'block', 'blocks')} but a head at index ${since.index} was verified before`,
        field: null,
        check: 'since_head',
        expected: `block ${since.index} with hash ${since.hashHex}`,
        actual: blocks.length === 0 ? 'empty chain' : `last block ${blocks.length - 1} with hash ${facts[blocks.length - 1]!.hashHex}`,
        cause: `the chain was rolled back: ${since.index + 1 - blocks.length} ${plural(since.index + 1 - blocks.length, 'block', 'blocks')} that were verified before are gone`,
      });
    } else if (held.hashHex !== since.hashHex) {
      policy.push({
        kind: 'rollback',
        index: since.index,
        message: `block at index ${since.index}: hash differs from the head verified before`,
        field: null,
        check: 'since_head',
        expected: since.hashHex,
        actual: held.hashHex,
        cause: `history was rewritten: the chain no longer extends the head verified before (a fork, or blocks up to ${since.index} were replaced)`,
      });
    }
  }

  const errors = [...crate, ...policy.sort((a, b) => (a.index ?? -1) - (b.index ?? -1))];
  return {
    ok: errors.length === 0,
    blocks: blocks.length,
    head: facts.length === 0 ? null : facts[facts.length - 1]!.hashHex,
    errors,
    warnings,
  };
}

/** One line per problem, for people: `block 6 [leader_signature] …: cause`. */
export function describeProblem(problem: ChainProblem): string {
  const where = problem.index === null ? (problem.kind === 'invalid_genesis' ? 'block 0' : 'chain') : `block ${problem.index}`;
  return `${where}: ${problem.kind}: ${problem.cause}`;
}

/** `INDEX:HEX` → SinceHead, or an error message. */
export function parseSinceHead(text: string): Result<SinceHead, string> {
  const match = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(text.trim());
  if (!match) return err(`expected INDEX:HASH (a block index, a colon, 64 hex characters), got '${text}'`);
  return ok({ index: Number(match[1]), hashHex: match[2]!.toLowerCase() });
}

/** `index:hash` of the chain's head, the form `--since-head` takes; null for an empty chain. */
export function formatHead(report: Pick<ChainReport, 'blocks' | 'head'>): string | null {
  return report.head === null ? null : `${report.blocks - 1}:${report.head}`;
}

/** A short human summary of a block, for listings. */
export function describeBlockPosition(block: RoleAttestationBlock, index: number): string {
  return `block ${index} (raft ${encodeU64(block.raftTerm)}/${encodeU64(block.raftLogIndex)}, leader ${shortNodeId(block.leader)})`;
}
