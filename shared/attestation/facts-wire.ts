// The compact binary form in which blocks go to verification threads and facts come back.
// Both directions are one transferable buffer per batch, so no structured cloning of objects.
//
// job:    u32 count, then per block:
//           u32 canonical length, canonical bytes,
//           32 bytes leader key, u32 signature length, signature,
//           u32 witness count, then per witness: 32 bytes key, u32 signature length, signature
// result: per block: 32 bytes hash, u8 leader check, u8 check per witness — written over the job
//         (in place), so one buffer goes to the thread and comes back
//
// Integers are little-endian. The checks are indexes into SIGNATURE_CHECKS.

import { blake3 } from '../crypto/blake3';
import type { Ed25519Verifier } from '../crypto/ed25519';
import { hexOfRange } from '../kit/bytes';
import type { RoleAttestationBlock } from './block';
import { ByteSink, writeCanonical } from './canonical';
import { checkSignature, keyBytes, SIGNATURE_CHECKS, type BlockFacts, type SignatureCheck } from './verify';

const CHECK_CODE: ReadonlyMap<SignatureCheck, number> = new Map(SIGNATURE_CHECKS.map((c, i) => [c, i]));

/** Appends blocks [from, to) to `sink` in the job form (the canonical bytes written in place). */
export function writeFactsJob(sink: ByteSink, blocks: readonly RoleAttestationBlock[], from: number, to: number): void {
  sink.u32(to - from);
  for (let i = from; i < to; i++) {
    const b = blocks[i]!;
    const lengthAt = sink.length;
    sink.u32(0);
    sink.u32At(lengthAt, writeCanonical(sink, b));
    sink.put(keyBytes(b.leader));
    sink.u32(b.leaderSignature.length);
    sink.put(b.leaderSignature);
    const witnesses = b.witnessSignatures;
    sink.u32(witnesses.length);
    for (let w = 0; w < witnesses.length; w++) {
      sink.put(keyBytes(witnesses[w]!.witness));
      sink.u32(witnesses[w]!.signature.length);
      sink.put(witnesses[w]!.signature);
    }
  }
}

/** Packs blocks [from, to) for a verification thread, into `reuse` when it is given and looks large enough. */
export function encodeFactsJob(blocks: readonly RoleAttestationBlock[], from: number, to: number, reuse?: Uint8Array): Uint8Array {
  const estimate = Math.max(1024, (to - from) * 640); // a block without witnesses takes ≈ 560 bytes
  const sink = reuse !== undefined && reuse.length >= estimate ? ByteSink.over(reuse) : new ByteSink(estimate);
  writeFactsJob(sink, blocks, from, to);
  return sink.view();
}

function u32At(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) throw new RangeError('truncated verification job');
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * Runs a packed job (on a verification thread) and packs its facts into the job's own buffer, in
 * place: the result is a view of `job`'s first bytes, so the buffer can go back and be reused.
 * Each block's facts (33 bytes + 1 per witness) are shorter than its record in the job (at least
 * 44 bytes + 36 per witness), so the facts of block k are written over records already read and
 * never reach record k + 1; they are written only once all of block k has been checked.
 */
export function runFactsJob(job: Uint8Array, verifier: Ed25519Verifier): Uint8Array {
  const count = u32At(job, 0);
  let o = 0;
  let p = 4;
  const span = (length: number): Uint8Array => {
    if (p + length > job.length) throw new RangeError('truncated verification job');
    const bytes = job.subarray(p, p + length);
    p += length;
    return bytes;
  };
  /** `span` of a length-prefixed field. */
  const field = (): Uint8Array => {
    const length = u32At(job, p);
    p += 4;
    return span(length);
  };
  let checks = new Uint8Array(16);
  for (let k = 0; k < count; k++) {
    const canonical = field();
    const leaderKey = span(32);
    const leaderSignature = field();
    const wCount = u32At(job, p);
    p += 4;
    if (checks.length < 1 + wCount) checks = new Uint8Array(1 + wCount);
    // The same computation as `factsFromCanonical`.
    const hash = blake3(canonical);
    checks[0] = CHECK_CODE.get(checkSignature(verifier, leaderKey, canonical, leaderSignature))!;
    for (let w = 0; w < wCount; w++) {
      const key = span(32);
      checks[1 + w] = CHECK_CODE.get(checkSignature(verifier, key, canonical, field()))!;
    }
    job.set(hash, o);
    for (let c = 0; c <= wCount; c++) job[o + 32 + c] = checks[c]!;
    o += 33 + wCount;
  }
  return job.subarray(0, o);
}

const NO_WITNESS_CHECKS: readonly SignatureCheck[] = Object.freeze([]);

/**
 * Unpacks the facts of blocks [from, to) into `out`, starting at `out[at]` (the witness counts come
 * from the blocks themselves).
 */
export function decodeFactsInto(out: BlockFacts[], at: number, result: Uint8Array, blocks: readonly RoleAttestationBlock[], from: number, to: number): void {
  let p = 0;
  for (let i = from; i < to; i++) {
    const wCount = blocks[i]!.witnessSignatures.length;
    if (p + 33 + wCount > result.length) throw new RangeError('verification thread returned a truncated result');
    const leaderCheck = SIGNATURE_CHECKS[result[p + 32]!];
    if (leaderCheck === undefined) throw new RangeError('verification thread returned an unknown check code');
    let witnessChecks = NO_WITNESS_CHECKS;
    if (wCount > 0) {
      const checks: SignatureCheck[] = [];
      for (let w = 0; w < wCount; w++) {
        const c = SIGNATURE_CHECKS[result[p + 33 + w]!];
        if (c === undefined) throw new RangeError('verification thread returned an unknown check code');
        checks.push(c);
      }
      witnessChecks = checks;
    }
    out[at + i - from] = { hashHex: hexOfRange(result, p, p + 32), leaderCheck, witnessChecks };
    p += 33 + wCount;
  }
  if (p !== result.length) throw new RangeError('verification thread returned a result of the wrong size');
}

/** Unpacks the facts of blocks [from, to) (the witness counts come from the blocks themselves). */
export function decodeFactsResult(result: Uint8Array, blocks: readonly RoleAttestationBlock[], from: number, to: number): BlockFacts[] {
  const out: BlockFacts[] = new Array<BlockFacts>(to - from);
  decodeFactsInto(out, 0, result, blocks, from, to);
  return out;
}
