// NodeId: the node's ed25519 public key. In TypeScript it travels as 64 lowercase hex characters
// (cheap to compare, usable as a Map key, sorts like the bytes). On the Rust wire it is a JSON
// array of exactly 32 integers (revoada-reference §2.1).

import { fromHex, toHex } from '../kit/bytes';
import type { JsonValue } from '../kit/json';
import { err, ok, type Result } from '../kit/result';

declare const nodeIdBrand: unique symbol;
export type NodeId = string & { readonly [nodeIdBrand]: true };

export const NODE_ID_SIZE = 32;
const NODE_ID_HEX = /^[0-9a-f]{64}$/;

export function isNodeId(value: unknown): value is NodeId {
  return typeof value === 'string' && NODE_ID_HEX.test(value);
}

export function nodeIdFromBytes(bytes: Uint8Array): NodeId {
  if (bytes.length !== NODE_ID_SIZE) throw new RangeError(`node id must be ${NODE_ID_SIZE} bytes, got ${bytes.length}`);
  return toHex(bytes) as NodeId;
}

export function nodeIdToBytes(id: NodeId): Uint8Array {
  return fromHex(id)!;
}

/** Parses user input: 64 hex characters, either case. */
export function parseNodeIdHex(text: string): NodeId | null {
  const lower = text.trim().toLowerCase();
  return NODE_ID_HEX.test(lower) ? (lower as NodeId) : null;
}

/** `NodeId::Display`: the first 6 bytes as 12 hex characters. */
export function shortNodeId(id: NodeId): string {
  return id.slice(0, 12);
}

/** Rust `Ord` on `[u8; 32]` equals string order on lowercase hex. */
export function compareNodeIds(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const arrayTextCache = new Map<string, string>();
const ARRAY_TEXT_CACHE_MAX = 8192;

/** The serde JSON form of 32 bytes: `[1,2,…]`. Cached: node ids repeat in every block. */
export function encodeByteArray32(hex: string): string {
  let text = arrayTextCache.get(hex);
  if (text === undefined) {
    text = `[${Array.from(fromHex(hex)!).join(',')}]`;
    if (arrayTextCache.size >= ARRAY_TEXT_CACHE_MAX) arrayTextCache.clear();
    arrayTextCache.set(hex, text);
  }
  return text;
}

export interface DecodeError {
  /** Where in the document, e.g. `$[3].assignment.node_id`. */
  readonly path: string;
  readonly message: string;
}

/** Decodes a serde `[u8; N]`: an array of exactly N integers in 0..=255. */
export function decodeByteArray(value: JsonValue | undefined, size: number, path: string): Result<Uint8Array, DecodeError> {
  if (!Array.isArray(value)) {
    return err({ path, message: `expected an array of ${size} integers 0..255` });
  }
  if (value.length !== size) {
    return err({ path, message: `expected exactly ${size} bytes, got ${value.length}` });
  }
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const byte = value[i];
    if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255) {
      return err({ path: `${path}[${i}]`, message: 'expected an integer 0..255' });
    }
    out[i] = byte;
  }
  return ok(out);
}

/** Decodes a serde `Vec<u8>` of any length (e.g. a signature that may be malformed). */
export function decodeByteVec(value: JsonValue | undefined, path: string, lengthMax = 1 << 20): Result<Uint8Array, DecodeError> {
  if (!Array.isArray(value)) return err({ path, message: 'expected an array of integers 0..255' });
  if (value.length > lengthMax) return err({ path, message: `byte array longer than ${lengthMax}` });
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const byte = value[i];
    if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < 0 || byte > 255) {
      return err({ path: `${path}[${i}]`, message: 'expected an integer 0..255' });
    }
    out[i] = byte;
  }
  return ok(out);
}

export function decodeNodeId(value: JsonValue | undefined, path: string): Result<NodeId, DecodeError> {
  const bytes = decodeByteArray(value, NODE_ID_SIZE, path);
  return bytes.ok ? ok(nodeIdFromBytes(bytes.value)) : bytes;
}
