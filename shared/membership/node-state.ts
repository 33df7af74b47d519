// engenho-revoada's gossiped NodeState and its signed envelope (revoada-reference §2.2, §5.2, §5.4).
//
// Value of chitchat key `engenho.revoada.node`: `{"state":<NodeState>,"signature":[64 ints]}`.
// The signature is ed25519 by the key whose public key is `state.node_id`, over the canonical
// compact JSON of the state as serde writes it: fields in declaration order, `raft_addr` omitted
// when absent, roles sorted in declaration order, quantities canonical, no extra fields. A verifier
// (like the Rust one) re-serializes what it decoded and checks the signature over THOSE bytes.

import type { Ed25519Signer, Ed25519Verifier } from '../crypto/ed25519';
import { toHex, utf8Encode } from '../kit/bytes';
import { encodeJsonString, encodeU64, isJsonObject, isU64, parseJson, type JsonValue, type U64 } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { decodeByteVec, decodeNodeId, encodeByteArray32, nodeIdToBytes, type DecodeError, type NodeId } from '../types/node-id';
import { isNodeRole, normalizeRoles, type NodeRole } from '../types/roles';

export const NODE_STATE_KEY = 'engenho.revoada.node';

export interface NodeCapacity {
  readonly cpu: string;
  readonly memory: string;
  readonly storage: string;
  readonly pods: number;
}

export interface NodeState {
  readonly nodeId: NodeId;
  readonly gossipAddr: string;
  readonly raftAddr: string | null;
  readonly roles: readonly NodeRole[];
  readonly capacity: NodeCapacity;
  readonly k8sVersion: string;
  readonly uptimeSec: U64;
  readonly membershipGeneration: U64;
}

const QUANTITY = /^([+-]?)(\d+)(?:\.(\d+))?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/**
 * The canonical re-render of a Kubernetes quantity as the crate's `Quantity` prints it: integer
 * without leading zeros or '+', fraction with the fewest digits, suffix kept ("1.0" → "1",
 * "+4" → "4", "04" → "4", "2.50" → "2.5"). Forms it does not parse are kept verbatim (`Other`).
 */
export function canonicalQuantity(text: string): string {
  const m = QUANTITY.exec(text);
  if (m === null) return text;
  const int = m[2]!.replace(/^0+(?=\d)/, '');
  const frac = (m[3] ?? '').replace(/0+$/, '');
  const zero = /^0+$/.test(int) && frac === '';
  const sign = m[1] === '-' && !zero ? '-' : '';
  return `${sign}${int}${frac === '' ? '' : `.${frac}`}${m[4] ?? ''}`;
}

/** serde_json of NodeState — the exact bytes that are signed. */
export function encodeNodeState(s: NodeState): string {
  const raft = s.raftAddr === null ? '' : `,"raft_addr":${encodeJsonString(s.raftAddr)}`;
  const roles = normalizeRoles(s.roles).map((r) => `"${r}"`).join(',');
  const c = s.capacity;
  return `{"node_id":${encodeByteArray32(s.nodeId)},"gossip_addr":${encodeJsonString(s.gossipAddr)}${raft},"roles":[${roles}],` +
    `"capacity":{"cpu":${encodeJsonString(canonicalQuantity(c.cpu))},"memory":${encodeJsonString(canonicalQuantity(c.memory))},` +
    `"storage":${encodeJsonString(canonicalQuantity(c.storage))},"pods":${c.pods}},"k8s_version":${encodeJsonString(s.k8sVersion)},` +
    `"uptime_sec":${encodeU64(s.uptimeSec)},"membership_generation":${encodeU64(s.membershipGeneration)}}`;
}

/** Signs the state and returns the chitchat value: `{"state":…,"signature":[…]}`. */
export function signNodeState(s: NodeState, signer: Ed25519Signer): string {
  if (toHex(signer.publicKey) !== s.nodeId) throw new RangeError('NodeState.nodeId must be the signing key');
  const canonical = encodeNodeState(s);
  const signature = signer.sign(utf8Encode(canonical));
  return `{"state":${canonical},"signature":[${Array.from(signature).join(',')}]}`;
}

function str(obj: Record<string, JsonValue>, key: string, path: string): Result<string, DecodeError> {
  const v = obj[key];
  return typeof v === 'string' ? ok(v) : err({ path: `${path}.${key}`, message: v === undefined ? 'missing field' : 'expected a string' });
}

function u64(obj: Record<string, JsonValue>, key: string, path: string): Result<U64, DecodeError> {
  const v = obj[key];
  return isU64(v) ? ok(v) : err({ path: `${path}.${key}`, message: v === undefined ? 'missing field' : 'expected an unsigned 64-bit integer' });
}

/** Decodes a NodeState as serde does (unknown fields ignored; `raft_addr` absent or null → none). */
export function decodeNodeState(value: JsonValue | undefined, path: string): Result<NodeState, DecodeError> {
  if (!isJsonObject(value)) return err({ path, message: 'expected an object' });
  const nodeId = decodeNodeId(value['node_id'], `${path}.node_id`);
  if (!nodeId.ok) return nodeId;
  const gossipAddr = str(value, 'gossip_addr', path);
  if (!gossipAddr.ok) return gossipAddr;
  const rawRaft = value['raft_addr'];
  if (rawRaft !== undefined && rawRaft !== null && typeof rawRaft !== 'string') return err({ path: `${path}.raft_addr`, message: 'expected a string or null' });
  const rawRoles = value['roles'];
  if (!Array.isArray(rawRoles)) return err({ path: `${path}.roles`, message: rawRoles === undefined ? 'missing field' : 'expected an array of roles' });
  const roles: NodeRole[] = [];
  for (let i = 0; i < rawRoles.length; i++) {
    const r = rawRoles[i];
    if (!isNodeRole(r)) return err({ path: `${path}.roles[${i}]`, message: `unknown role ${JSON.stringify(r)}` });
    roles.push(r);
  }
  const cap = value['capacity'];
  if (!isJsonObject(cap)) return err({ path: `${path}.capacity`, message: cap === undefined ? 'missing field' : 'expected an object' });
  const cpu = str(cap, 'cpu', `${path}.capacity`);
  if (!cpu.ok) return cpu;
  const memory = str(cap, 'memory', `${path}.capacity`);
  if (!memory.ok) return memory;
  const storage = str(cap, 'storage', `${path}.capacity`);
  if (!storage.ok) return storage;
  const pods = cap['pods'];
  if (typeof pods !== 'number' || !Number.isInteger(pods) || pods < 0 || pods > 0xffffffff) {
    return err({ path: `${path}.capacity.pods`, message: pods === undefined ? 'missing field' : 'expected a u32' });
  }
  const k8sVersion = str(value, 'k8s_version', path);
  if (!k8sVersion.ok) return k8sVersion;
  const uptimeSec = u64(value, 'uptime_sec', path);
  if (!uptimeSec.ok) return uptimeSec;
  const membershipGeneration = u64(value, 'membership_generation', path);
  if (!membershipGeneration.ok) return membershipGeneration;
  return ok({
    nodeId: nodeId.value,
    gossipAddr: gossipAddr.value,
    raftAddr: typeof rawRaft === 'string' ? rawRaft : null,
    roles: normalizeRoles(roles),
    capacity: { cpu: canonicalQuantity(cpu.value), memory: canonicalQuantity(memory.value), storage: canonicalQuantity(storage.value), pods },
    k8sVersion: k8sVersion.value,
    uptimeSec: uptimeSec.value,
    membershipGeneration: membershipGeneration.value,
  });
}

export type StateRejection = 'unparsable' | 'bad-shape' | 'signature-length' | 'bad-signature' | 'key-mismatch';
export const STATE_REJECTIONS: readonly StateRejection[] = ['unparsable', 'bad-shape', 'signature-length', 'bad-signature', 'key-mismatch'];

export interface RejectedState {
  readonly reason: StateRejection;
  readonly detail: string;
}

/** Largest value we will try to parse (a real one is ~0.6–0.8 KB). */
const MAX_VALUE_CHARS = 16_384;

/**
 * Parses and verifies a gossiped `engenho.revoada.node` value published by chitchat node
 * `ownerHex`. Accepts it only if the signature verifies under `state.node_id` over the canonical
 * re-serialization AND `state.node_id` is the publishing node's own id (so a node cannot replay
 * another node's validly signed state as its own).
 */
export function verifySignedNodeState(value: string, ownerHex: string, verifier: Ed25519Verifier): Result<NodeState, RejectedState> {
  if (value.length > MAX_VALUE_CHARS) return err({ reason: 'unparsable', detail: `value of ${value.length} characters exceeds ${MAX_VALUE_CHARS}` });
  const parsed = parseJson(value);
  if (!parsed.ok) return err({ reason: 'unparsable', detail: `JSON: ${parsed.error.message}` });
  const root = parsed.value;
  if (!isJsonObject(root)) return err({ reason: 'bad-shape', detail: '$: expected an object' });
  const state = decodeNodeState(root['state'], '$.state');
  if (!state.ok) return err({ reason: 'bad-shape', detail: `${state.error.path}: ${state.error.message}` });
  const sig = decodeByteVec(root['signature'], '$.signature', 1024);
  if (!sig.ok) return err({ reason: 'bad-shape', detail: `${sig.error.path}: ${sig.error.message}` });
  if (sig.value.length !== 64) return err({ reason: 'signature-length', detail: `signature has ${sig.value.length} bytes, expected 64` });
  if (state.value.nodeId !== ownerHex) {
    return err({ reason: 'key-mismatch', detail: `state.node_id ${state.value.nodeId.slice(0, 12)}… published by node ${ownerHex.slice(0, 12)}…` });
  }
  const message = utf8Encode(encodeNodeState(state.value));
  if (!verifier.verify(nodeIdToBytes(state.value.nodeId), message, sig.value)) {
    return err({ reason: 'bad-signature', detail: 'ed25519 signature does not verify over the canonical state' });
  }
  return ok(state.value);
}
