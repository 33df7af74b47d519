// node:crypto (OpenSSL) backend for the revoada-strict Ed25519 rule (see shared/crypto/ed25519.ts).
// OpenSSL verifies with the same cofactorless equation; the byte prechecks run first, so this
// backend accepts exactly what the pure-JS one accepts — about 15× faster.
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import {
  precheckPublicKey,
  precheckSignature,
  PUBLIC_KEY_SIZE,
  SEED_SIZE,
  type Ed25519Provider,
  type Ed25519Signer,
} from '../../shared/crypto/ed25519';
import { toHex } from '../../shared/kit/bytes';

// DER prefixes that wrap a raw 32-byte key (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Each key is checked (rules 1, 3, 4 on A) and imported once; the verdict is cached with it.
// Chains are signed by a handful of keys, so a few recently used keys are kept in a small list
// compared byte by byte (no hex string per verification); the rest go through a bounded map.
interface CachedKey {
  readonly bytes: Uint8Array;
  /** null = not a usable key under the strict rule (or OpenSSL refused it). */
  readonly key: KeyObject | null;
}

const KEY_CACHE_MAX = 4096;
const RECENT_MAX = 8;
const publicKeyCache = new Map<string, CachedKey>();
const recentKeys: CachedKey[] = [];
let recentNext = 0;

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return false;
  return true;
}

function importKey(publicKey: Uint8Array): KeyObject | null {
  if (precheckPublicKey(publicKey) !== null) return null;
  try {
    return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** The imported key for 32 bytes, or null when the strict rule (or OpenSSL) rejects the key. */
function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  for (let i = 0; i < recentKeys.length; i++) {
    const entry = recentKeys[i]!;
    if (sameKey(entry.bytes, publicKey)) return entry.key;
  }
  const id = toHex(publicKey);
  let entry = publicKeyCache.get(id);
  if (entry === undefined) {
    entry = { bytes: publicKey.slice(), key: importKey(publicKey) };
    if (publicKeyCache.size >= KEY_CACHE_MAX) publicKeyCache.clear();
    publicKeyCache.set(id, entry);
  }
  recentKeys[recentNext] = entry;
  recentNext = (recentNext + 1) % RECENT_MAX;
  return entry.key;
}

export function nodeSignerFromSeed(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== SEED_SIZE) throw new RangeError(`ed25519 seed must be ${SEED_SIZE} bytes`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const exported = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(exported.subarray(SPKI_PREFIX.length));
  return {
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/**
 * nodeEd25519.verify on libuv's thread pool (same prechecks, same OpenSSL rule): for checks that
 * need not hold up the event loop.
 */
export function verifyInBackground(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  // Same checks as nodeEd25519.verify: the key rules are answered by the cache.
  if (publicKey.length !== PUBLIC_KEY_SIZE || precheckSignature(signature) !== null) return Promise.resolve(false);
  const key = publicKeyObject(publicKey);
  if (key === null) return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      verify(null, message, key, signature, (error, valid) => resolve(error === null && valid));
    } catch {
      resolve(false);
    }
  });
}

export const nodeEd25519: Ed25519Provider = {
  name: 'node:crypto (OpenSSL)',
  verify(publicKey, message, signature) {
    // = precheck(publicKey, signature) === null, with the key rules answered by the cache.
    if (publicKey.length !== PUBLIC_KEY_SIZE || precheckSignature(signature) !== null) return false;
    const key = publicKeyObject(publicKey);
    if (key === null) return false;
    try {
      return verify(null, message, key, signature);
    } catch {
      return false;
    }
  },
  signerFromSeed: nodeSignerFromSeed,
};
