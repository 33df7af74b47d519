// Verification with an asynchronous Ed25519 backend — WebCrypto (`crypto.subtle`, native
// BoringSSL in the renderer) instead of the pure-JS verifier, which is about 10× slower.
//
// The rule stays revoada-strict: the byte prechecks (lengths, canonical S, A and R, no small-order
// points) run here in pure code before WebCrypto is asked, and WebCrypto's Ed25519 (like OpenSSL
// and our pure-JS path) checks the cofactorless equation. Failures are classified with the same
// pure code as the synchronous path, and the report is assembled by the same `assembleReport`, so
// the result equals `verifyChainReport`'s (the tests compare them).
//
// SubtleCrypto comes in as a port: shared/ does not reach for globals.

import type { Ed25519Verifier } from '../crypto/ed25519';
import { precheck } from '../crypto/ed25519';
import { blake3 } from '../crypto/blake3';
import { toHex } from '../kit/bytes';
import type { RoleAttestationBlock } from './block';
import { canonicalBytes } from './block';
import { assembleReport, isUsablePublicKey, keyBytes, type BlockFacts, type ChainReport, type SignatureCheck, type VerifyOptions } from './verify';

/** The part of WebCrypto's SubtleCrypto this module uses. */
export interface SubtleEd25519Port {
  importKey(format: 'raw', keyData: Uint8Array, algorithm: { name: 'Ed25519' }, extractable: false, usages: ['verify']): Promise<unknown>;
  verify(algorithm: { name: 'Ed25519' }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

export interface Ed25519AsyncVerifier {
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** revoada-strict Ed25519 on WebCrypto. Keys are imported once and cached. */
export function webCryptoEd25519(subtle: SubtleEd25519Port): Ed25519AsyncVerifier {
  const keys = new Map<string, Promise<unknown | null>>();
  const importKey = (publicKey: Uint8Array): Promise<unknown | null> => {
    const id = toHex(publicKey);
    let key = keys.get(id);
    if (key === undefined) {
      key = subtle.importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify']).catch(() => null);
      if (keys.size >= 4096) keys.clear();
      keys.set(id, key);
    }
    return key;
  };
  return {
    async verify(publicKey, message, signature) {
      if (precheck(publicKey, signature) !== null) return false;
      const key = await importKey(publicKey);
      if (key === null) return false;
      try {
        return await subtle.verify({ name: 'Ed25519' }, key, signature.slice(), message);
      } catch {
        return false;
      }
    },
  };
}

async function checkSignatureAsync(verifier: Ed25519AsyncVerifier, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<SignatureCheck> {
  if (signature.length !== 64) return 'wrong_length';
  if (await verifier.verify(publicKey, message, signature)) return 'valid';
  return isUsablePublicKey(publicKey) ? 'bad_signature' : 'invalid_key';
}

async function blockFactsAsync(block: RoleAttestationBlock, verifier: Ed25519AsyncVerifier): Promise<BlockFacts> {
  const bytes = canonicalBytes(block);
  const [leaderCheck, ...witnessChecks] = await Promise.all([
    checkSignatureAsync(verifier, keyBytes(block.leader), bytes, block.leaderSignature),
    ...block.witnessSignatures.map((w) => checkSignatureAsync(verifier, keyBytes(w.witness), bytes, w.signature)),
  ]);
  return { hashHex: toHex(blake3(bytes)), leaderCheck: leaderCheck!, witnessChecks };
}

/** Facts for every block, at most `inFlight` blocks at a time. */
export async function computeFactsAsync(blocks: readonly RoleAttestationBlock[], verifier: Ed25519AsyncVerifier, inFlight = 256): Promise<BlockFacts[]> {
  const out: BlockFacts[] = new Array(blocks.length);
  for (let from = 0; from < blocks.length; from += inFlight) {
    const slice = blocks.slice(from, from + inFlight);
    const facts = await Promise.all(slice.map((b) => blockFactsAsync(b, verifier)));
    facts.forEach((f, k) => (out[from + k] = f));
  }
  return out;
}

/**
 * The full report with an asynchronous backend. `diagnose` is the synchronous verifier used only
 * to explain failed blocks (who really signed them); in the renderer that is `pureEd25519`.
 */
export async function verifyChainReportAsync(
  blocks: readonly RoleAttestationBlock[],
  verifier: Ed25519AsyncVerifier,
  diagnose: Ed25519Verifier,
  options: VerifyOptions = {},
): Promise<ChainReport> {
  return assembleReport(blocks, await computeFactsAsync(blocks, verifier), diagnose, options);
}
