// Chain files: read and write both forms.
//
//   bare      — what engenho-revoada writes: `serde_json::to_string(&Vec<RoleAttestationBlock>)`,
//               a JSON array of blocks.
//   envelope  — our export: an object with metadata and the same blocks:
//               {"format":"revoada-attestation-chain","version":1,"cluster_id":"…",
//                "exported_at_ms":1700000000000,"node_keys":["<64 hex>",…],"blocks":[…]}
//               `cluster_id`, `exported_at_ms` and `node_keys` are optional (null when absent).
//               The node keys are information (who was in the cluster at export time), never
//               trust: trust comes only from a list the verifier supplies.
//
// Reading never throws: malformed JSON, wrong types, out-of-range integers and invalid UTF-8 come
// back as one error with the line and column (and, for type errors, the JSON path) of the culprit.

import { utf8DecodeStrict } from '../kit/bytes';
import { encodeJsonString, encodeU64, isJsonObject, isU64, jsonTypeName, locate, parseJson, type JsonValue, type U64 } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { parseNodeIdHex, type NodeId } from '../types/node-id';
import { decodeBlock, encodeBlock, type RoleAttestationBlock } from './block';

export const CHAIN_FILE_FORMAT = 'revoada-attestation-chain';
export const CHAIN_FILE_VERSION = 1;

export interface ChainFile {
  readonly form: 'bare' | 'envelope';
  readonly blocks: readonly RoleAttestationBlock[];
  readonly clusterId: string | null;
  readonly exportedAtMs: U64 | null;
  readonly nodeKeys: readonly NodeId[] | null;
}

export interface ChainFileError {
  readonly message: string;
  /** 1-based; 0 when the problem is not at a place in the text (e.g. an empty file has line 1). */
  readonly line: number;
  readonly column: number;
  /** JSON path of the offending value, e.g. `$[3].assignment.node_id[5]`; null for syntax errors. */
  readonly path: string | null;
}

/** `source:line:column: message (at path)` */
export function describeChainFileError(error: ChainFileError, source: string): string {
  return `${source}:${error.line}:${error.column}: ${error.message}${error.path ? ` (at ${error.path})` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Locating a JSON path in text (only on the error path; the text is known to be valid JSON)

type Segment = string | number;

function pathSegments(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) out.push(m[1] !== undefined ? m[1] : Number(m[2]));
  return out;
}

function skipWs(text: string, pos: number): number {
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 10 || c === 13 || c === 9) pos++;
    else break;
  }
  return pos;
}

function skipString(text: string, pos: number): number {
  pos++; // opening quote
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c === 92) pos += 2;
    else if (c === 34) return pos + 1;
    else pos++;
  }
  return pos;
}

function skipValue(text: string, pos: number): number {
  const c = text.charCodeAt(pos);
  if (c === 34) return skipString(text, pos);
  if (c === 91 || c === 123) {
    let depth = 0;
    while (pos < text.length) {
      const d = text.charCodeAt(pos);
      if (d === 34) {
        pos = skipString(text, pos);
        continue;
      }
      if (d === 91 || d === 123) depth++;
      else if (d === 93 || d === 125) {
        depth--;
        if (depth === 0) return pos + 1;
      }
      pos++;
    }
    return pos;
  }
  while (pos < text.length) {
    const d = text.charCodeAt(pos);
    if (d === 44 || d === 93 || d === 125 || d === 32 || d === 10 || d === 13 || d === 9) break;
    pos++;
  }
  return pos;
}

/** Offset of the value at `path` in valid JSON `text`, or of the deepest enclosing value that exists. */
export function offsetOfPath(text: string, path: string): number {
  let pos = skipWs(text, 0);
  for (const seg of pathSegments(path)) {
    const c = text.charCodeAt(pos);
    if (typeof seg === 'number') {
      if (c !== 91) return pos;
      let p = skipWs(text, pos + 1);
      if (text.charCodeAt(p) === 93) return pos;
      for (let k = 0; k < seg; k++) {
        p = skipWs(text, skipValue(text, p));
        if (text.charCodeAt(p) !== 44) return pos;
        p = skipWs(text, p + 1);
      }
      pos = p;
    } else {
      if (c !== 123) return pos;
      let p = skipWs(text, pos + 1);
      let found = -1;
      while (found < 0 && text.charCodeAt(p) === 34) {
        const keyEnd = skipString(text, p);
        const key = JSON.parse(text.slice(p, keyEnd)) as string;
        p = skipWs(text, skipWs(text, keyEnd) + 1); // past ':'
        if (key === seg) {
          found = p;
          break;
        }
        p = skipWs(text, skipValue(text, p));
        if (text.charCodeAt(p) !== 44) break;
        p = skipWs(text, p + 1);
      }
      if (found < 0) return pos;
      pos = found;
    }
  }
  return pos;
}

function errorAtPath(text: string, path: string, message: string): ChainFileError {
  const where = locate(text, offsetOfPath(text, path));
  return { message, path, line: where.line, column: where.column };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** The first byte offset where `bytes` stops being valid UTF-8, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Reads a chain file from its bytes: UTF-8 (a leading BOM is skipped), then `parseChainFile`. */
export function parseChainFileBytes(bytes: Uint8Array): Result<ChainFile, ChainFileError> {
  let body = bytes;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) body = body.subarray(3);
  const text = utf8DecodeStrict(body);
  if (text === null) {
    const at = Math.max(0, firstInvalidUtf8(body));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (body[i] === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return err({ message: `invalid UTF-8 (byte 0x${body[at]?.toString(16).padStart(2, '0') ?? '??'} at byte offset ${at}); a chain file is JSON text`, line, column: at - lineStart + 1, path: null });
  }
  return parseChainFile(text);
}

/**
 * Offset of the first number literal that is not an unsigned integer (a sign, a fraction or an
 * exponent), outside strings; -1 if none. Every number in a chain file is a u8 or a u64, and serde
 * refuses `1.0`, `1e3` and `-1` for those, so we refuse them too instead of silently reading them.
 */
export function firstNonUnsignedNumber(text: string): number {
  let inString = false;
  let numberStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      numberStart = -1;
    } else if (c === 45) {
      return i; // '-' outside a string can only start a negative number in valid JSON
    } else if (c >= 48 && c <= 57) {
      if (numberStart < 0) numberStart = i;
    } else if (c === 46 || c === 101 || c === 69) {
      if (numberStart >= 0) return numberStart;
    } else {
      numberStart = -1;
    }
  }
  return -1;
}

/** Reads a chain file (bare Rust array or our envelope) from text. */
export function parseChainFile(text: string): Result<ChainFile, ChainFileError> {
  const parsed = parseJson(text);
  if (!parsed.ok) return err({ message: parsed.error.message, line: parsed.error.line, column: parsed.error.column, path: null });
  const notUnsigned = firstNonUnsignedNumber(text);
  if (notUnsigned >= 0) {
    const where = locate(text, notUnsigned);
    const literal = /^-?[0-9.eE+-]+/.exec(text.slice(notUnsigned, notUnsigned + 40))?.[0] ?? '';
    return err({ message: `number ${literal} is not an unsigned integer; every number in a chain file is a byte or a u64`, line: where.line, column: where.column, path: null });
  }
  const root = parsed.value;
  if (Array.isArray(root)) {
    const blocks = decodeBlocks(text, root, '$');
    return blocks.ok ? ok({ form: 'bare', blocks: blocks.value, clusterId: null, exportedAtMs: null, nodeKeys: null }) : blocks;
  }
  if (!isJsonObject(root) || !('blocks' in root)) {
    return err(errorAtPath(text, '$', `expected a JSON array of attestation blocks (the engenho-revoada form) or a chain envelope object with "blocks", got ${jsonTypeName(root)}`));
  }
  const format = root['format'];
  if (format !== undefined && format !== CHAIN_FILE_FORMAT) {
    return err(errorAtPath(text, '$.format', `unknown chain file format ${JSON.stringify(format)}; expected "${CHAIN_FILE_FORMAT}"`));
  }
  const version = root['version'];
  if (version !== undefined && version !== CHAIN_FILE_VERSION) {
    return err(errorAtPath(text, '$.version', `unsupported chain file version ${String(version)}; this verifier reads version ${CHAIN_FILE_VERSION}`));
  }
  const clusterId = root['cluster_id'];
  if (clusterId !== undefined && clusterId !== null && typeof clusterId !== 'string') {
    return err(errorAtPath(text, '$.cluster_id', `expected a string, got ${jsonTypeName(clusterId)}`));
  }
  const exportedAt = root['exported_at_ms'];
  if (exportedAt !== undefined && exportedAt !== null && !isU64(exportedAt)) {
    return err(errorAtPath(text, '$.exported_at_ms', `expected unix milliseconds as an unsigned integer, got ${jsonTypeName(exportedAt)}`));
  }
  const keys = decodeNodeKeys(text, root['node_keys']);
  if (!keys.ok) return keys;
  const blocksValue = root['blocks'];
  if (!Array.isArray(blocksValue)) return err(errorAtPath(text, '$.blocks', `expected an array of blocks, got ${jsonTypeName(blocksValue)}`));
  const blocks = decodeBlocks(text, blocksValue, '$.blocks');
  if (!blocks.ok) return blocks;
  return ok({
    form: 'envelope',
    blocks: blocks.value,
    clusterId: typeof clusterId === 'string' ? clusterId : null,
    exportedAtMs: exportedAt === undefined || exportedAt === null ? null : (exportedAt as U64),
    nodeKeys: keys.value,
  });
}

function decodeNodeKeys(text: string, value: JsonValue | undefined): Result<NodeId[] | null, ChainFileError> {
  if (value === undefined || value === null) return ok(null);
  if (!Array.isArray(value)) return err(errorAtPath(text, '$.node_keys', `expected an array of 64-hex node keys, got ${jsonTypeName(value)}`));
  const out: NodeId[] = [];
  for (let i = 0; i < value.length; i++) {
    const item = value[i];
    const id = typeof item === 'string' && /^[0-9a-f]{64}$/.test(item) ? parseNodeIdHex(item) : null;
    if (id === null) return err(errorAtPath(text, `$.node_keys[${i}]`, 'expected a node key as 64 lowercase hex characters'));
    out.push(id);
  }
  return ok(out);
}

function decodeBlocks(text: string, values: readonly JsonValue[], path: string): Result<RoleAttestationBlock[], ChainFileError> {
  const blocks: RoleAttestationBlock[] = [];
  for (let i = 0; i < values.length; i++) {
    const decoded = decodeBlock(values[i], `${path}[${i}]`);
    if (!decoded.ok) return err(errorAtPath(text, decoded.error.path, `block ${i}: ${decoded.error.message}`));
    blocks.push(decoded.value);
  }
  return ok(blocks);
}

// ---------------------------------------------------------------------------------------------
// Writing

/** The bare form, byte-identical to `serde_json::to_string(&blocks)`. */
export function encodeChainBare(blocks: readonly RoleAttestationBlock[]): string {
  return `[${blocks.map(encodeBlock).join(',')}]`;
}

export interface EnvelopeMeta {
  readonly clusterId?: string | null;
  readonly exportedAtMs?: U64 | null;
  readonly nodeKeys?: readonly NodeId[] | null;
}

/** Our envelope form: metadata first, then one block per line (diff-friendly, still one JSON value). */
export function encodeChainEnvelope(blocks: readonly RoleAttestationBlock[], meta: EnvelopeMeta = {}): string {
  const head =
    `{"format":"${CHAIN_FILE_FORMAT}","version":${CHAIN_FILE_VERSION}` +
    `,"cluster_id":${meta.clusterId == null ? 'null' : encodeJsonString(meta.clusterId)}` +
    `,"exported_at_ms":${meta.exportedAtMs == null ? 'null' : encodeU64(meta.exportedAtMs)}` +
    `,"node_keys":${meta.nodeKeys == null ? 'null' : `[${meta.nodeKeys.map((k) => `"${k}"`).join(',')}]`}`;
  if (blocks.length === 0) return `${head},"blocks":[]}\n`;
  return `${head},"blocks":[\n${blocks.map(encodeBlock).join(',\n')}\n]}\n`;
}

/** Writes `file` back in the form it was read in. */
export function encodeChainFile(file: ChainFile): string {
  return file.form === 'bare' ? encodeChainBare(file.blocks) : encodeChainEnvelope(file.blocks, file);
}
