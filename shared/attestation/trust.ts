// Trust lists for `revoada verify --trust FILE`: the node keys allowed to sign as leader or witness.
//
// Accepted forms:
//   - text: one key per line as 64 hex characters, optionally followed by whitespace and a label;
//     `#` starts a comment; blank lines are ignored;
//   - JSON: an array of keys (64-hex strings or serde `NodeId` arrays of 32 integers), or an object
//     with such an array under "node_keys" (so a chain envelope can serve as its own trust list,
//     when the operator decides it should).

import { isJsonObject, locate, parseJson, type JsonValue } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { decodeNodeId, parseNodeIdHex, type NodeId } from '../types/node-id';
import { offsetOfPath, type ChainFileError } from './chain-file';

function fail(text: string, offset: number, message: string, path: string | null = null): { ok: false; error: ChainFileError } {
  const where = locate(text, offset);
  return err({ message, path, line: where.line, column: where.column });
}

export function parseTrustList(text: string): Result<ReadonlySet<NodeId>, ChainFileError> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = body.trimStart()[0];
  const keys = new Set<NodeId>();
  if (first === '[' || first === '{') {
    const parsed = parseJson(body);
    if (!parsed.ok) return err({ message: parsed.error.message, line: parsed.error.line, column: parsed.error.column, path: null });
    let list: JsonValue | undefined = parsed.value;
    let path = '$';
    if (isJsonObject(list)) {
      list = list['node_keys'];
      path = '$.node_keys';
      if (!Array.isArray(list)) return fail(body, offsetOfPath(body, path), 'expected an object with "node_keys": an array of node keys', path);
    }
    if (!Array.isArray(list)) return fail(body, 0, 'expected an array of node keys');
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const where = `${path}[${i}]`;
      let id: NodeId | null = null;
      if (typeof item === 'string') id = parseNodeIdHex(item);
      else if (Array.isArray(item)) {
        const decoded = decodeNodeId(item, where);
        id = decoded.ok ? decoded.value : null;
      }
      if (id === null) return fail(body, offsetOfPath(body, where), 'expected a node key: 64 hex characters or an array of 32 integers 0..255', where);
      keys.add(id);
    }
  } else {
    let offset = 0;
    for (const rawLine of body.split('\n')) {
      const lineStart = offset;
      offset += rawLine.length + 1;
      const hash = rawLine.indexOf('#');
      const content = (hash >= 0 ? rawLine.slice(0, hash) : rawLine).trim();
      if (content === '') continue;
      const token = content.split(/\s+/)[0]!;
      const id = parseNodeIdHex(token);
      if (id === null) {
        return fail(body, lineStart + rawLine.indexOf(token), `expected a node key (64 hex characters), got '${token.length > 80 ? `${token.slice(0, 80)}…` : token}'`);
      }
      keys.add(id);
    }
  }
  if (keys.size === 0) return fail(body, 0, 'the trust list holds no keys: every block would be untrusted');
  return ok(keys);
}
