// Byte helpers shared by every layer. Pure; no Buffer (not available in shared/ or the renderer).

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

const HEX_CODES = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEX_CODES[2 * i] = HEX.charCodeAt(i >> 4);
  HEX_CODES[2 * i + 1] = HEX.charCodeAt(i & 15);
}
let hexScratch = new Uint8Array(128);
const asciiDecoder = new TextDecoder();

export function toHex(bytes: Uint8Array): string {
  return hexOfRange(bytes, 0, bytes.length);
}

/** `toHex(bytes.subarray(start, end))` without the view. */
export function hexOfRange(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n < 16) {
    let out = '';
    for (let i = start; i < end; i++) out += HEX_PAIRS[bytes[i]!]!;
    return out;
  }
  // Longer values (hashes, keys, signatures: hex of every block) are written as ASCII and decoded
  // once: one flat string instead of a chain of concatenations (~30 short-lived strings for a
  // hash, and a flattening copy the first time the result is compared).
  if (hexScratch.length < 2 * n) hexScratch = new Uint8Array(2 * n);
  const out = hexScratch;
  for (let i = 0; i < n; i++) {
    const at = 2 * bytes[start + i]!;
    out[2 * i] = HEX_CODES[at]!;
    out[2 * i + 1] = HEX_CODES[at + 1]!;
  }
  return asciiDecoder.decode(out.subarray(0, 2 * n));
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** Strict hex decoding: even length, hex digits only (either case). Returns null on bad input. */
export function fromHex(text: string): Uint8Array | null {
  if (text.length % 2 !== 0) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = nibble(text.charCodeAt(2 * i));
    const low = nibble(text.charCodeAt(2 * i + 1));
    if (high < 0 || low < 0) return null;
    out[i] = (high << 4) | low;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic byte order (the order of Rust's `Ord` for `[u8; N]`). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const part of parts) total += part.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, returning null for invalid sequences instead of substituting U+FFFD. */
export function utf8DecodeStrict(bytes: Uint8Array): string | null {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return null;
  }
}
