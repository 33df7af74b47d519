// The policy inputs as one JSON document — membership view, committed shape, target and topology
// strategy — so plans can be made offline (`revoada target set … --dry-run --from FILE`) and the
// console and CLI share one form. Ours (the crate has none): snake_case keys, hex NodeIds.
//
//   {"members":[{"id":"<64 hex>","health":"healthy","raft":"voter","caught_up":true,
//                "capacity":{"cpu_cores":4,"memory_gib":16}}],
//    "shape":{"<64 hex>":["api_server","etcd"]},
//    "target":{"api_servers":1,"etcd_replicas":1,"schedulers":1,"controller_managers":1,"min_workers":1},
//    "topology":"quorum_3m"}

import { describeJsonError, isJsonObject, jsonTypeName, parseJson, type JsonValue } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { MeshShape } from '../types/mesh-shape';
import { parseNodeIdHex, type NodeId } from '../types/node-id';
import { isNodeRole, NODE_ROLES, normalizeRoles, type NodeRole } from '../types/roles';
import { HOMELAB_TARGET, type TargetTopology } from '../types/target';
import { isTopologyStrategyName, TOPOLOGY_STRATEGY_NAMES, type TopologyStrategyName } from './strategies';
import type { CapacityHints, MemberView, MembershipView } from './view';

export interface PolicySnapshot {
  readonly view: MembershipView;
  readonly shape: MeshShape;
  readonly target: TargetTopology;
  readonly topology: TopologyStrategyName | null;
}

export interface SnapshotError {
  readonly path: string;
  readonly message: string;
}

export function describeSnapshotError(e: SnapshotError, source = 'input'): string {
  return e.path ? `${source}: ${e.path}: ${e.message}` : `${source}: ${e.message}`;
}

export const TARGET_FIELDS = [
  ['api_servers', 'apiServers'], ['etcd_replicas', 'etcdReplicas'], ['schedulers', 'schedulers'],
  ['controller_managers', 'controllerManagers'], ['min_workers', 'minWorkers'],
] as const;

/** The largest count a target field accepts (a u32 in the crate; anything near it is a typo). */
export const TARGET_COUNT_MAX = 1000;

export function encodeTargetJson(t: TargetTopology): string {
  return `{${TARGET_FIELDS.map(([wire, field]) => `"${wire}":${t[field]}`).join(',')}}`;
}

function count(value: JsonValue | undefined, path: string): Result<number, SnapshotError> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > TARGET_COUNT_MAX) {
    return err({ path, message: `expected a whole number 0..${TARGET_COUNT_MAX}, got ${typeof value === 'number' ? value : jsonTypeName(value)}` });
  }
  return ok(value);
}

/** A target object; missing fields take the homelab value, unknown fields are refused (typos). */
export function decodeTarget(value: JsonValue | undefined, path = 'target'): Result<TargetTopology, SnapshotError> {
  if (!isJsonObject(value)) return err({ path, message: `expected an object, got ${jsonTypeName(value)}` });
  const known = new Set<string>(TARGET_FIELDS.map(([wire]) => wire));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) return err({ path: `${path}.${key}`, message: `unknown field; expected ${[...known].join(', ')}` });
  }
  const out: Record<string, number> = { ...HOMELAB_TARGET };
  for (const [wire, field] of TARGET_FIELDS) {
    if (value[wire] === undefined) continue;
    const n = count(value[wire], `${path}.${wire}`);
    if (!n.ok) return n;
    out[field] = n.value;
  }
  return ok(out as unknown as TargetTopology);
}

function decodeMember(value: JsonValue | undefined, path: string): Result<MemberView, SnapshotError> {
  if (!isJsonObject(value)) return err({ path, message: `expected a member object, got ${jsonTypeName(value)}` });
  const id = typeof value['id'] === 'string' ? parseNodeIdHex(value['id']) : null;
  if (id === null) return err({ path: `${path}.id`, message: 'expected a node id: 64 hex characters' });
  const health = value['health'] ?? 'healthy';
  if (health !== 'healthy' && health !== 'suspect' && health !== 'dead') return err({ path: `${path}.health`, message: 'expected healthy, suspect or dead' });
  const raft = value['raft'] ?? 'none';
  if (raft !== 'voter' && raft !== 'learner' && raft !== 'none') return err({ path: `${path}.raft`, message: 'expected voter, learner or none' });
  const caughtUp = value['caught_up'] ?? true;
  if (typeof caughtUp !== 'boolean') return err({ path: `${path}.caught_up`, message: 'expected true or false' });
  let capacity: CapacityHints | undefined;
  if (value['capacity'] !== undefined) {
    const c = value['capacity'];
    if (!isJsonObject(c)) return err({ path: `${path}.capacity`, message: 'expected an object' });
    const hints: { cpuCores?: number; memoryGiB?: number; weight?: number } = {};
    for (const [wire, field] of [['cpu_cores', 'cpuCores'], ['memory_gib', 'memoryGiB'], ['weight', 'weight']] as const) {
      const v = c[wire];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return err({ path: `${path}.capacity.${wire}`, message: 'expected a non-negative number' });
      hints[field] = v;
    }
    capacity = hints;
  }
  return ok({ id, health, raft, caughtUp, ...(capacity ? { capacity } : {}) });
}

function decodeShape(value: JsonValue | undefined): Result<MeshShape, SnapshotError> {
  if (value === undefined) return ok(new MeshShape());
  if (!isJsonObject(value)) return err({ path: 'shape', message: `expected an object {"<node id>": [roles]}, got ${jsonTypeName(value)}` });
  const record: Record<string, NodeRole[]> = {};
  for (const [key, roles] of Object.entries(value)) {
    const id = parseNodeIdHex(key);
    if (id === null || key.length !== 64) return err({ path: `shape.${key}`, message: 'keys must be node ids: 64 hex characters' });
    if (!Array.isArray(roles)) return err({ path: `shape.${key}`, message: 'expected an array of roles' });
    for (let i = 0; i < roles.length; i++) {
      if (!isNodeRole(roles[i])) return err({ path: `shape.${key}[${i}]`, message: `unknown role; expected one of ${NODE_ROLES.join(', ')}` });
    }
    record[id] = normalizeRoles(roles as NodeRole[]);
  }
  return ok(MeshShape.fromRecord(record));
}

export function decodeSnapshot(value: JsonValue): Result<PolicySnapshot, SnapshotError> {
  if (!isJsonObject(value)) return err({ path: '', message: `expected an object, got ${jsonTypeName(value)}` });
  const known = new Set(['members', 'shape', 'target', 'topology']);
  for (const key of Object.keys(value)) if (!known.has(key)) return err({ path: key, message: 'unknown field; expected members, shape, target, topology' });
  const membersValue = value['members'] ?? [];
  if (!Array.isArray(membersValue)) return err({ path: 'members', message: 'expected an array' });
  const members: MemberView[] = [];
  const seen = new Set<NodeId>();
  for (let i = 0; i < membersValue.length; i++) {
    const m = decodeMember(membersValue[i], `members[${i}]`);
    if (!m.ok) return m;
    if (seen.has(m.value.id)) return err({ path: `members[${i}].id`, message: 'duplicate member id' });
    seen.add(m.value.id);
    members.push(m.value);
  }
  const shape = decodeShape(value['shape']);
  if (!shape.ok) return shape;
  const target = value['target'] === undefined ? ok(HOMELAB_TARGET) : decodeTarget(value['target']);
  if (!target.ok) return target;
  const topology = value['topology'] ?? null;
  if (topology !== null && !isTopologyStrategyName(topology)) {
    return err({ path: 'topology', message: `unknown topology strategy; expected one of ${TOPOLOGY_STRATEGY_NAMES.join(', ')}` });
  }
  return ok({ view: { members }, shape: shape.value, target: target.value, topology });
}

export function parseSnapshot(text: string, source = 'input'): Result<PolicySnapshot, string> {
  const json = parseJson(text);
  if (!json.ok) return err(describeJsonError(json.error, source));
  const snap = decodeSnapshot(json.value);
  return snap.ok ? snap : err(describeSnapshotError(snap.error, source));
}

export function encodeSnapshot(s: PolicySnapshot): string {
  const members = s.view.members.map((m) => {
    const fields = [`"id":"${m.id}"`, `"health":"${m.health}"`, `"raft":"${m.raft}"`, `"caught_up":${m.caughtUp}`];
    if (m.capacity) {
      const c: string[] = [];
      if (m.capacity.cpuCores !== undefined) c.push(`"cpu_cores":${m.capacity.cpuCores}`);
      if (m.capacity.memoryGiB !== undefined) c.push(`"memory_gib":${m.capacity.memoryGiB}`);
      if (m.capacity.weight !== undefined) c.push(`"weight":${m.capacity.weight}`);
      fields.push(`"capacity":{${c.join(',')}}`);
    }
    return `{${fields.join(',')}}`;
  });
  return `{"members":[${members.join(',')}],"shape":${JSON.stringify(s.shape.toRecord())},"target":${encodeTargetJson(s.target)},"topology":${s.topology === null ? 'null' : `"${s.topology}"`}}`;
}
