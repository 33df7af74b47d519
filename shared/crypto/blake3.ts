// BLAKE3-256 (default, unkeyed). Neither node:crypto nor WebCrypto has BLAKE3.
//
// Attestation blocks hash their canonical bytes (≈ 410–560 bytes) on every append and every
// verification, so inputs of one chunk (≤ 1024 bytes) take a fast path written here: the BLAKE3
// compression function on local variables, no allocation besides the 32-byte result (about 8×
// faster than the generic implementation). Longer inputs go to @noble/hashes. The two agree on
// every input; test/shared/crypto/blake3.test.ts checks it on random inputs of every length
// around the block boundaries and on the reference vectors.
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';

export const HASH_SIZE = 32;

const CHUNK_LEN = 1024;
const CHUNK_START = 1;
const CHUNK_END = 2;
const ROOT = 8;

const IV0 = 0x6a09e667 | 0;
const IV1 = 0xbb67ae85 | 0;
const IV2 = 0x3c6ef372 | 0;
const IV3 = 0xa54ff53a | 0;
const IV4 = 0x510e527f | 0;
const IV5 = 0x9b05688c | 0;
const IV6 = 0x1f83d9ab | 0;
const IV7 = 0x5be0cd19 | 0;

// Message word order for each of the 7 rounds (the permutation applied r times).
const PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
const SCHEDULE = new Uint8Array(7 * 16);
{
  let order = Array.from({ length: 16 }, (_, i) => i);
  for (let r = 0; r < 7; r++) {
    SCHEDULE.set(order, r * 16);
    order = PERMUTATION.map((p) => order[p]!);
  }
}

const words = new Int32Array(16);
const cv = new Int32Array(8);

/** One compression with counter 0; writes the new chaining value (first 8 output words) into `cv`. */
function compress(blockLen: number, flags: number): void {
  const m = words;
  const s = SCHEDULE;
  let v0 = cv[0]!, v1 = cv[1]!, v2 = cv[2]!, v3 = cv[3]!, v4 = cv[4]!, v5 = cv[5]!, v6 = cv[6]!, v7 = cv[7]!;
  let v8 = IV0, v9 = IV1, v10 = IV2, v11 = IV3, v12 = 0, v13 = 0, v14 = blockLen, v15 = flags;
  for (let o = 0; o < 112; o += 16) {
    // Columns.
    v0 = (v0 + v4 + m[s[o]!]!) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
    v0 = (v0 + v4 + m[s[o + 1]!]!) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
    v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);

    v1 = (v1 + v5 + m[s[o + 2]!]!) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
    v1 = (v1 + v5 + m[s[o + 3]!]!) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
    v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);

    v2 = (v2 + v6 + m[s[o + 4]!]!) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
    v2 = (v2 + v6 + m[s[o + 5]!]!) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
    v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);

    v3 = (v3 + v7 + m[s[o + 6]!]!) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
    v3 = (v3 + v7 + m[s[o + 7]!]!) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
    v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);

    // Diagonals.
    v0 = (v0 + v5 + m[s[o + 8]!]!) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
    v0 = (v0 + v5 + m[s[o + 9]!]!) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
    v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);

    v1 = (v1 + v6 + m[s[o + 10]!]!) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
    v1 = (v1 + v6 + m[s[o + 11]!]!) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
    v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);

    v2 = (v2 + v7 + m[s[o + 12]!]!) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
    v2 = (v2 + v7 + m[s[o + 13]!]!) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
    v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);

    v3 = (v3 + v4 + m[s[o + 14]!]!) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
    v3 = (v3 + v4 + m[s[o + 15]!]!) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
    v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
  }
  cv[0] = v0 ^ v8;
  cv[1] = v1 ^ v9;
  cv[2] = v2 ^ v10;
  cv[3] = v3 ^ v11;
  cv[4] = v4 ^ v12;
  cv[5] = v5 ^ v13;
  cv[6] = v6 ^ v14;
  cv[7] = v7 ^ v15;
}

/** BLAKE3 of an input of at most one chunk (1024 bytes): the chunk's output is the root. */
function blake3SingleChunk(bytes: Uint8Array): Uint8Array {
  cv[0] = IV0; cv[1] = IV1; cv[2] = IV2; cv[3] = IV3; cv[4] = IV4; cv[5] = IV5; cv[6] = IV6; cv[7] = IV7;
  const n = bytes.length;
  const blocks = n === 0 ? 1 : Math.ceil(n / 64);
  for (let b = 0; b < blocks; b++) {
    const start = b * 64;
    const len = Math.min(64, n - start);
    if (len === 64) {
      for (let w = 0, p = start; w < 16; w++, p += 4) {
        words[w] = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
      }
    } else {
      words.fill(0);
      for (let i = 0; i < len; i++) words[i >> 2]! |= bytes[start + i]! << ((i & 3) * 8);
    }
    let flags = 0;
    if (b === 0) flags |= CHUNK_START;
    if (b === blocks - 1) flags |= CHUNK_END | ROOT;
    compress(len, flags);
  }
  const out = new Uint8Array(32);
  for (let w = 0; w < 8; w++) {
    const v = cv[w]!;
    out[4 * w] = v;
    out[4 * w + 1] = v >>> 8;
    out[4 * w + 2] = v >>> 16;
    out[4 * w + 3] = v >>> 24;
  }
  return out;
}

export function blake3(bytes: Uint8Array): Uint8Array {
  return bytes.length <= CHUNK_LEN ? blake3SingleChunk(bytes) : nobleBlake3(bytes);
}

/** The generic implementation, for tests and benchmarks. */
export function blake3Generic(bytes: Uint8Array): Uint8Array {
  return nobleBlake3(bytes);
}
