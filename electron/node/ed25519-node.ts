// Native backends for the revoada-strict Ed25519 rule (see shared/crypto/ed25519.ts): libsodium
// (through sodium-native's N-API prebuilds) when it loads, node:crypto (OpenSSL) otherwise. Both
// check the cofactorless equation and both run after the same byte prechecks, so every backend —
// these two and the pure-JS one in the renderer — accepts exactly the same signatures (a
// differential test holds them to it). libsodium is the default because it is faster here:
// verify 38 µs against OpenSSL's 87 µs, on this 2-core machine. REVOADA_ED25519=openssl forces
// OpenSSL (e.g. where the prebuilt addon cannot load, or to compare).
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as nodeModule from 'node:module';
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
  /** The strict rule's key checks (rules 1, 3, 4 on A) passed. */
  readonly usable: boolean;
  /** OpenSSL's handle, imported on first use; null = OpenSSL refused it (or not usable). */
  key: KeyObject | null | undefined;
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

/** The cache entry for 32 key bytes (the strict rule's verdict on the key, computed once). */
function cachedKey(publicKey: Uint8Array): CachedKey {
  for (let i = 0; i < recentKeys.length; i++) {
    const entry = recentKeys[i]!;
    if (sameKey(entry.bytes, publicKey)) return entry;
  }
  const id = toHex(publicKey);
  let entry = publicKeyCache.get(id);
  if (entry === undefined) {
    const usable = precheckPublicKey(publicKey) === null;
    // A copy, not slice(): on a Buffer, slice() is a view, and a caller reusing that Buffer for
    // another key would make this entry answer for the wrong key.
    entry = { bytes: new Uint8Array(publicKey), usable, key: usable ? undefined : null };
    if (publicKeyCache.size >= KEY_CACHE_MAX) publicKeyCache.clear();
    publicKeyCache.set(id, entry);
  }
  recentKeys[recentNext] = entry;
  recentNext = (recentNext + 1) % RECENT_MAX;
  return entry;
}

/** OpenSSL's handle for a key, or null when the strict rule (or OpenSSL) rejects the key. */
function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const entry = cachedKey(publicKey);
  if (entry.key === undefined) {
    try {
      entry.key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch {
      entry.key = null;
    }
  }
  return entry.key;
}

/** The part of sodium-native this module uses. */
interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
}

function loadSodium(): { sodium: Sodium | null; why: string } {
  if (process.env['REVOADA_ED25519'] === 'openssl') return { sodium: null, why: 'REVOADA_ED25519=openssl' };
  try {
    // CommonJS bundles (Electron main) have `require` and no import.meta.url; ES modules the reverse.
    const here: string | undefined = import.meta.url;
    const load = here ? nodeModule.createRequire(here) : require;
    const sodium = load('sodium-native') as Sodium;
    // One known answer before trusting it: RFC 8032 §7.1 test 1 (empty message).
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const pk = Buffer.alloc(32);
    const sk = Buffer.alloc(64);
    sodium.crypto_sign_seed_keypair(pk, sk, seed);
    const sig = Buffer.alloc(64);
    sodium.crypto_sign_detached(sig, Buffer.alloc(0), sk);
    const expected = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
    if (sig.toString('hex') !== expected || !sodium.crypto_sign_verify_detached(sig, Buffer.alloc(0), pk)) return { sodium: null, why: 'libsodium failed its known-answer test' };
    return { sodium, why: '' };
  } catch (e) {
    return { sodium: null, why: `sodium-native did not load (${(e as Error).message.split('\n')[0]})` };
  }
}

const loaded = loadSodium();
const sodium = loaded.sodium;

/** Which native backend verifies and signs in this process, and why not libsodium if not. */
export const ed25519Backend: { readonly name: 'libsodium' | 'openssl'; readonly fallbackReason: string } = {
  name: sodium ? 'libsodium' : 'openssl',
  fallbackReason: loaded.why,
};

function sodiumSignerFromSeed(s: Sodium, seed: Uint8Array): Ed25519Signer {
  if (seed.length !== SEED_SIZE) throw new RangeError(`ed25519 seed must be ${SEED_SIZE} bytes`);
  const publicKey = new Uint8Array(32);
  const secretKey = new Uint8Array(64);
  s.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return {
    publicKey,
    sign: (message) => {
      const signature = new Uint8Array(64);
      s.crypto_sign_detached(signature, message, secretKey);
      return signature;
    },
  };
}

function sodiumVerify(s: Sodium, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  // = precheck(publicKey, signature) === null, with the key rules answered by the cache.
  if (publicKey.length !== PUBLIC_KEY_SIZE || precheckSignature(signature) !== null) return false;
  if (!cachedKey(publicKey).usable) return false;
  try {
    return s.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

function opensslSignerFromSeed(seed: Uint8Array): Ed25519Signer {
  if (seed.length !== SEED_SIZE) throw new RangeError(`ed25519 seed must be ${SEED_SIZE} bytes`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const exported = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const publicKey = new Uint8Array(exported.subarray(SPKI_PREFIX.length));
  return {
    publicKey,
    sign: (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

/** The OpenSSL backend (node:crypto), whichever backend is the default. */
export const opensslEd25519: Ed25519Provider = {
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
  signerFromSeed: opensslSignerFromSeed,
};

/** The libsodium backend, or null where sodium-native does not load. */
export const sodiumEd25519: Ed25519Provider | null = sodium
  ? { name: 'libsodium (sodium-native)', verify: (k, m, s) => sodiumVerify(sodium, k, m, s), signerFromSeed: (seed) => sodiumSignerFromSeed(sodium, seed) }
  : null;

/** The fastest native backend this process has (libsodium, else OpenSSL). */
export const nodeEd25519: Ed25519Provider = sodiumEd25519 ?? opensslEd25519;

export function nodeSignerFromSeed(seed: Uint8Array): Ed25519Signer {
  return nodeEd25519.signerFromSeed(seed);
}

/**
 * nodeEd25519.verify for checks that need not hold up the event loop. OpenSSL runs it on libuv's
 * thread pool. libsodium has no asynchronous call, but verifies in 38 µs — less than handing a job
 * to the pool and back costs in CPU on 2 cores — so it verifies here and resolves on a later turn
 * of the loop: a caller awaiting a batch of checks lets I/O through between them.
 */
export function verifyInBackground(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  if (sodium) {
    const valid = sodiumVerify(sodium, publicKey, message, signature);
    return new Promise((resolve) => setImmediate(() => resolve(valid)));
  }
  // Same checks as opensslEd25519.verify: the key rules are answered by the cache.
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
