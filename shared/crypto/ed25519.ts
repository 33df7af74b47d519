// Ed25519 with ONE verification rule for every node, the renderer and the CLI.
//
// The rule ("revoada-strict", documented in README.md):
//   1. public key is 32 bytes, signature is 64 bytes;
//   2. S (signature bytes 32..63, little-endian) is canonical: S < L (RFC 8032 §5.1.7);
//   3. A (public key) and R (signature bytes 0..31) are canonical encodings: y < p, and the
//      sign bit is not set on a point whose x is 0;
//   4. neither A nor R is one of the eight small-order (torsion) points;
//   5. the cofactorless equation holds, checked by byte comparison: encode([S]B − [k]A) == R,
//      with k = SHA-512(R ‖ A ‖ M) mod L (RFC 8032 §5.1.7 without the optional cofactor).
//
// Steps 1–4 are byte checks done here, in pure code, before any curve arithmetic, so the fast
// paths (libsodium through sodium-native, OpenSSL through node:crypto — both cofactorless as
// well) and the pure-JS path below accept exactly the same signatures. Honest signatures always pass; ed25519-dalek's `verify`
// (used by engenho-revoada) agrees on every signature except small-order keys/R, which no honest
// signer produces.

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes, fromHex } from '../kit/bytes';

export const PUBLIC_KEY_SIZE = 32;
export const SIGNATURE_SIZE = 64;
export const SEED_SIZE = 32;

/** Produces signatures with one identity. The secret never leaves the implementation. */
export interface Ed25519Signer {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** Verifies signatures under the revoada-strict rule. */
export interface Ed25519Verifier {
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** A crypto backend: node:crypto in Node/Electron main, the pure-JS one in the renderer. */
export interface Ed25519Provider extends Ed25519Verifier {
  readonly name: string;
  signerFromSeed(seed: Uint8Array): Ed25519Signer;
}

// Group order L = 2^252 + 27742317777372353535851937790883648493, little-endian bytes.
const L_LE = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')!;

// The eight torsion points, canonical encodings, plus the two non-canonical "negative zero"
// encodings of the points with x = 0 (identity and the order-2 point) — rule 3 rejects those
// anyway, listing them keeps rule 4 self-contained.
const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
].map((hex) => fromHex(hex)!);

// The checks below read public data only (keys and signatures), so they exit early: no
// constant-time concerns, and they run once or twice per verification.

/** Is the little-endian 32-byte scalar at `bytes[offset..offset+32)` strictly below the group order L? */
function isCanonicalScalarAt(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = bytes[offset + i]!;
    const b = L_LE[i]!;
    if (a < b) return true;
    if (a > b) return false;
  }
  return false; // equal to L
}

/** Is the little-endian 32-byte scalar strictly below the group order L? */
export function isCanonicalScalar(scalar: Uint8Array): boolean {
  return isCanonicalScalarAt(scalar, 0);
}

// p = 2^255 − 19. An encoding is canonical iff its 255-bit y is below p.
function isCanonicalFieldElementAt(bytes: Uint8Array, offset: number): boolean {
  // y >= p iff the top byte (sign bit cleared) is 0x7f, bytes 30..1 are 0xff and byte 0 >= 0xed.
  if ((bytes[offset + 31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (bytes[offset + i] !== 0xff) return true;
  return bytes[offset]! < 0xed;
}

function isSmallOrderEncodingAt(bytes: Uint8Array, offset: number): boolean {
  outer: for (const bad of SMALL_ORDER_ENCODINGS) {
    for (let i = 0; i < 32; i++) if (bad[i] !== bytes[offset + i]) continue outer;
    return true;
  }
  return false;
}

export type PrecheckFailure =
  | 'public_key_length'
  | 'signature_length'
  | 'non_canonical_s'
  | 'non_canonical_public_key'
  | 'small_order_public_key'
  | 'non_canonical_r'
  | 'small_order_r';

/** Rules 1–4. Returns null when the inputs may go on to the curve equation. */
export function precheck(publicKey: Uint8Array, signature: Uint8Array): PrecheckFailure | null {
  if (publicKey.length !== PUBLIC_KEY_SIZE) return 'public_key_length';
  if (signature.length !== SIGNATURE_SIZE) return 'signature_length';
  if (!isCanonicalScalarAt(signature, 32)) return 'non_canonical_s';
  const keyFailure = precheckPublicKey(publicKey);
  if (keyFailure !== null) return keyFailure;
  return precheckSignature(signature);
}

/** The rules on the key alone (it is 32 bytes, canonical, not small order); null when they hold. */
export function precheckPublicKey(publicKey: Uint8Array): PrecheckFailure | null {
  if (publicKey.length !== PUBLIC_KEY_SIZE) return 'public_key_length';
  if (!isCanonicalFieldElementAt(publicKey, 0)) return 'non_canonical_public_key';
  if (isSmallOrderEncodingAt(publicKey, 0)) return 'small_order_public_key';
  return null;
}

/**
 * The rules on the signature alone (64 bytes, canonical S, canonical R that is not small order);
 * null when they hold. `precheck` = key rules and signature rules; backends that check a key once
 * and cache the verdict run only this per signature.
 */
export function precheckSignature(signature: Uint8Array): PrecheckFailure | null {
  if (signature.length !== SIGNATURE_SIZE) return 'signature_length';
  if (!isCanonicalScalarAt(signature, 32)) return 'non_canonical_s';
  if (!isCanonicalFieldElementAt(signature, 0)) return 'non_canonical_r';
  if (isSmallOrderEncodingAt(signature, 0)) return 'small_order_r';
  return null;
}

function bytesToNumberLE(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

const ORDER = ed25519.Point.Fn.ORDER;

/** Rule 5 in pure JavaScript (slow: ~1 ms). Callers must run `precheck` first. */
function cofactorlessEquationHolds(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  let pointA;
  try {
    pointA = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    return false; // not a point on the curve
  }
  const r = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  const k = bytesToNumberLE(sha512(concatBytes(r, publicKey, message))) % ORDER;
  const sb = ed25519.Point.BASE.multiplyUnsafe(s);
  const ka = pointA.multiplyUnsafe(k);
  return bytesEqual(sb.subtract(ka).toBytes(), r);
}

/** The pure-JS backend (renderer, browsers, and the benchmark baseline). */
export const pureEd25519: Ed25519Provider = {
  name: 'pure-js (@noble/curves)',
  verify(publicKey, message, signature) {
    if (precheck(publicKey, signature) !== null) return false;
    return cofactorlessEquationHolds(publicKey, message, signature);
  },
  signerFromSeed(seed) {
    if (seed.length !== SEED_SIZE) throw new RangeError(`ed25519 seed must be ${SEED_SIZE} bytes`);
    const secret = seed.slice();
    const publicKey = ed25519.getPublicKey(secret);
    return {
      publicKey,
      sign: (message) => ed25519.sign(message, secret),
    };
  },
};

/** Public key for a 32-byte seed (RFC 8032 key generation). */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(seed);
}
