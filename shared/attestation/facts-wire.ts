// The compact binary form in which blocks go to verification threads and facts come back.
// Both directions are one transferable buffer per batch, so no structured cloning of objects.
//
// job:    u32 count, then per block:
//           u32 canonical length, canonical bytes,
//           32 bytes leader key, u32 signature length, signature,
//           u32 witness count, then per witness: 32 bytes key, u32 signature length, signature
// result: per block: 32 bytes hash, u8 leader check, u8 check per witness
//
// Integers are little-endian. The checks are indexes into SIGNATURE_CHECKS.

import { blake3 } from '../crypto/blake3';
import type { Ed25519Verifier } from '../crypto/ed25519';
import { toHex } from '../kit/bytes';
import { canonicalBytes, type RoleAttestationBlock } from './block';
import { checkSignature, keyBytes, SIGNATURE_CHECKS, type BlockFacts, type SignatureCheck } from './verify';

const CHECK_CODE: ReadonlyMap<SignatureCheck, number> = new Map(SIGNATURE_CHECKS.map((c, i) => [c, i]));

/** Packs blocks [from, to) for a verification thread. */
export function encodeFactsJob(blocks: readonly RoleAttestationBlock[], from: number, to: number): Uint8Array {
  const canon: Uint8Array[] = [];
  let size = 4;
  for (let i = from; i < to; i++) {
    const b = blocks[i]!;
    const c = canonicalBytes(b);
    canon.push(c);
    size += 4 + c.length + 32 + 4 + b.leaderSignature.length + 4;
    for (const w of b.witnessSignatures) size += 32 + 4 + w.signature.length;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  view.setUint32(p, to - from, true);
  p += 4;
  for (let i = from; i < to; i++) {
    const b = blocks[i]!;
    const c = canon[i - from]!;
    view.setUint32(p, c.length, true);
    out.set(c, p + 4);
    p += 4 + c.length;
    out.set(keyBytes(b.leader), p);
    p += 32;
    view.setUint32(p, b.leaderSignature.length, true);
    out.set(b.leaderSignature, p + 4);
    p += 4 + b.leaderSignature.length;
    view.setUint32(p, b.witnessSignatures.length, true);
    p += 4;
    for (const w of b.witnessSignatures) {
      out.set(keyBytes(w.witness), p);
      p += 32;
      view.setUint32(p, w.signature.length, true);
      out.set(w.signature, p + 4);
      p += 4 + w.signature.length;
    }
  }
  return out;
}

/** Runs a packed job (on a verification thread) and packs its facts. */
export function runFactsJob(job: Uint8Array, verifier: Ed25519Verifier): Uint8Array {
  const view = new DataView(job.buffer, job.byteOffset, job.byteLength);
  let p = 0;
  const count = view.getUint32(p, true);
  p += 4;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let k = 0; k < count; k++) {
    const canonLen = view.getUint32(p, true);
    const canonical = job.subarray(p + 4, p + 4 + canonLen);
    p += 4 + canonLen;
    const leaderKey = job.subarray(p, p + 32);
    p += 32;
    const sigLen = view.getUint32(p, true);
    const leaderSignature = job.subarray(p + 4, p + 4 + sigLen);
    p += 4 + sigLen;
    const wCount = view.getUint32(p, true);
    p += 4;
    const witnesses: [Uint8Array, Uint8Array][] = [];
    for (let w = 0; w < wCount; w++) {
      const key = job.subarray(p, p + 32);
      p += 32;
      const len = view.getUint32(p, true);
      witnesses.push([key, job.subarray(p + 4, p + 4 + len)]);
      p += 4 + len;
    }
    // The same computation as `factsFromCanonical`, written straight into the result.
    const part = new Uint8Array(33 + wCount);
    part.set(blake3(canonical), 0);
    part[32] = CHECK_CODE.get(checkSignature(verifier, leaderKey, canonical, leaderSignature))!;
    witnesses.forEach(([key, signature], w) => (part[33 + w] = CHECK_CODE.get(checkSignature(verifier, key, canonical, signature))!));
    parts.push(part);
    size += part.length;
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

/** Unpacks the facts of blocks [from, to) (the witness counts come from the blocks themselves). */
export function decodeFactsResult(result: Uint8Array, blocks: readonly RoleAttestationBlock[], from: number, to: number): BlockFacts[] {
  const out: BlockFacts[] = [];
  let p = 0;
  for (let i = from; i < to; i++) {
    const wCount = blocks[i]!.witnessSignatures.length;
    if (p + 33 + wCount > result.length) throw new RangeError('verification thread returned a truncated result');
    const leaderCheck = SIGNATURE_CHECKS[result[p + 32]!];
    const witnessChecks: SignatureCheck[] = [];
    for (let w = 0; w < wCount; w++) {
      const c = SIGNATURE_CHECKS[result[p + 33 + w]!];
      if (c === undefined) throw new RangeError('verification thread returned an unknown check code');
      witnessChecks.push(c);
    }
    if (leaderCheck === undefined) throw new RangeError('verification thread returned an unknown check code');
    out.push({ hashHex: toHex(result.subarray(p, p + 32)), leaderCheck, witnessChecks });
    p += 33 + wCount;
  }
  if (p !== result.length) throw new RangeError('verification thread returned a result of the wrong size');
  return out;
}
