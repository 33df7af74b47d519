// BLAKE3-256 (default, unkeyed). Neither node:crypto nor WebCrypto has BLAKE3, so every layer uses
// @noble/hashes; ~8 µs for a 450-byte canonical block on the reference machine.
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';

export const HASH_SIZE = 32;

export function blake3(bytes: Uint8Array): Uint8Array {
  return nobleBlake3(bytes);
}
