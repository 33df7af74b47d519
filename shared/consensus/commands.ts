// Typed commands stored in Raft entries (the replicated state machine's input), and their encoding.
// An entry's data is compact JSON text; RoleAssignment and the attestation block inside it use the
// crate's exact serde forms (shared/types/roles.ts, shared/attestation/block.ts), so a block can be
// lifted out of the log byte-for-byte.
//
//   {"kind":"role","assignment":<serde RoleAssignment>,"block":<serde block>|null}
//   {"kind":"target","target":{"api_servers":…,"etcd_replicas":…,"schedulers":…,"controller_managers":…,"min_workers":…}}
//   {"kind":"strategy","strategy":<FabricStrategy as JSON, our camelCase form>}
//   {"kind":"member","op":"add-learner"|"remove","node_id":"<hex>"}
//   {"kind":"witness","signatures":[{"index":n,"witness":"<hex>","signature":"<hex>"}]}

import { decodeBlock, encodeBlock, type RoleAttestationBlock } from '../attestation/block';
import { fromHex, toHex, utf8DecodeStrict, utf8Encode } from '../kit/bytes';
import { describeJsonError, isJsonObject, parseJson, type JsonValue } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import type { FabricStrategy } from '../types/fabric';
import { parseNodeIdHex, type DecodeError, type NodeId } from '../types/node-id';
import { decodeRoleAssignment, describeRoleAssignment, encodeRoleAssignment, type RoleAssignment } from '../types/roles';
import type { TargetTopology } from '../types/target';

export interface WitnessEntry {
  /** Raft index of the RoleAssignment entry whose block is co-signed. */
  readonly index: number;
  readonly witness: NodeId;
  readonly signature: Uint8Array;
}

export type Command =
  | { readonly kind: 'role'; readonly assignment: RoleAssignment; readonly block: RoleAttestationBlock | null }
  | { readonly kind: 'target'; readonly target: TargetTopology }
  | { readonly kind: 'strategy'; readonly strategy: FabricStrategy }
  | { readonly kind: 'member'; readonly op: 'add-learner' | 'remove'; readonly nodeId: NodeId }
  | { readonly kind: 'witness'; readonly signatures: readonly WitnessEntry[] };

export function encodeCommandText(cmd: Command): string {
  switch (cmd.kind) {
    case 'role':
      return `{"kind":"role","assignment":${encodeRoleAssignment(cmd.assignment)},"block":${cmd.block ? encodeBlock(cmd.block) : 'null'}}`;
    case 'target': {
      const t = cmd.target;
      return `{"kind":"target","target":{"api_servers":${t.apiServers},"etcd_replicas":${t.etcdReplicas},"schedulers":${t.schedulers},"controller_managers":${t.controllerManagers},"min_workers":${t.minWorkers}}}`;
    }
    case 'strategy':
      return `{"kind":"strategy","strategy":${JSON.stringify(cmd.strategy)}}`;
    case 'member':
      return `{"kind":"member","op":"${cmd.op}","node_id":"${cmd.nodeId}"}`;
    case 'witness':
      return `{"kind":"witness","signatures":[${cmd.signatures.map((w) => `{"index":${w.index},"witness":"${w.witness}","signature":"${toHex(w.signature)}"}`).join(',')}]}`;
  }
}

export function encodeCommand(cmd: Command): Uint8Array {
  return utf8Encode(encodeCommandText(cmd));
}

const ROLE_PREFIX = utf8Encode('{"kind":"role"');

/** Cheap test used while scanning the log for the previous block. */
export function isRoleCommandBytes(data: Uint8Array): boolean {
  if (data.length < ROLE_PREFIX.length) return false;
  for (let i = 0; i < ROLE_PREFIX.length; i++) if (data[i] !== ROLE_PREFIX[i]) return false;
  return true;
}

function countField(obj: Record<string, JsonValue>, key: string, path: string): Result<number, DecodeError> {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffff) {
    return err({ path: `${path}.${key}`, message: 'expected an integer count 0..65535' });
  }
  return ok(v);
}

export function decodeTarget(value: JsonValue | undefined, path: string): Result<TargetTopology, DecodeError> {
  if (!isJsonObject(value)) return err({ path, message: 'expected a target topology object' });
  const keys = ['api_servers', 'etcd_replicas', 'schedulers', 'controller_managers', 'min_workers'] as const;
  const out: number[] = [];
  for (const k of keys) {
    const r = countField(value, k, path);
    if (!r.ok) return r;
    out.push(r.value);
  }
  const [apiServers, etcdReplicas, schedulers, controllerManagers, minWorkers] = out as [number, number, number, number, number];
  return ok({ apiServers, etcdReplicas, schedulers, controllerManagers, minWorkers });
}

const STRATEGY_SHAPE: Record<string, readonly string[]> = {
  membership: ['phiThreshold', 'gossipCadenceMs', 'failureDetectorTimeoutMs'],
  content: ['syncCadenceMs', 'gcRetentionMs'],
  reconciliation: ['millis'],
};

/** Structural check of a FabricStrategy (full validation lives with the fabric parser). */
export function decodeStrategy(value: JsonValue | undefined, path: string): Result<FabricStrategy, DecodeError> {
  if (!isJsonObject(value)) return err({ path, message: 'expected a fabric strategy object' });
  if (typeof value['name'] !== 'string' || value['name'].length === 0) return err({ path: `${path}.name`, message: 'expected a non-empty name' });
  for (const [section, fields] of Object.entries(STRATEGY_SHAPE)) {
    const obj = value[section];
    if (!isJsonObject(obj)) return err({ path: `${path}.${section}`, message: 'expected an object' });
    for (const f of fields) {
      if (typeof obj[f] !== 'number') return err({ path: `${path}.${section}.${f}`, message: 'expected a number' });
    }
  }
  const consensus = value['consensus'];
  if (!isJsonObject(consensus) || !isJsonObject(consensus['kind'])) return err({ path: `${path}.consensus.kind`, message: 'expected a consensus kind object' });
  const attestation = value['attestation'];
  if (!isJsonObject(attestation) || typeof attestation['requireOperatorSignature'] !== 'boolean') {
    return err({ path: `${path}.attestation`, message: 'expected {sealIntervalMs, requireOperatorSignature}' });
  }
  const placement = value['placement'];
  if (!isJsonObject(placement) || typeof placement['kind'] !== 'string') return err({ path: `${path}.placement.kind`, message: 'expected a placement kind' });
  // Plain JSON numbers/strings/booleans only; bigint never appears in a valid strategy.
  return ok(JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))) as FabricStrategy);
}

function decodeWitnesses(value: JsonValue | undefined, path: string): Result<WitnessEntry[], DecodeError> {
  if (!Array.isArray(value)) return err({ path, message: 'expected an array of witness signatures' });
  const out: WitnessEntry[] = [];
  for (let i = 0; i < value.length; i++) {
    const w = value[i];
    const where = `${path}[${i}]`;
    if (!isJsonObject(w)) return err({ path: where, message: 'expected {index, witness, signature}' });
    const index = w['index'];
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) return err({ path: `${where}.index`, message: 'expected a positive log index' });
    const witness = typeof w['witness'] === 'string' ? parseNodeIdHex(w['witness']) : null;
    if (!witness) return err({ path: `${where}.witness`, message: 'expected a 64-hex node id' });
    const signature = typeof w['signature'] === 'string' ? fromHex(w['signature']) : null;
    if (!signature || signature.length !== 64) return err({ path: `${where}.signature`, message: 'expected 128 hex digits' });
    out.push({ index, witness, signature });
  }
  return ok(out);
}

export function decodeCommand(data: Uint8Array): Result<Command, DecodeError> {
  const text = utf8DecodeStrict(data);
  if (text === null) return err({ path: '$', message: 'command is not valid UTF-8' });
  const parsed = parseJson(text);
  if (!parsed.ok) return err({ path: '$', message: describeJsonError(parsed.error, 'command') });
  const v = parsed.value;
  if (!isJsonObject(v)) return err({ path: '$', message: 'expected a command object' });
  switch (v['kind']) {
    case 'role': {
      const assignment = decodeRoleAssignment(v['assignment'], '$.assignment');
      if (!assignment.ok) return assignment;
      if (v['block'] === null || v['block'] === undefined) return ok({ kind: 'role', assignment: assignment.value, block: null });
      const block = decodeBlock(v['block'], '$.block');
      if (!block.ok) return block;
      return ok({ kind: 'role', assignment: assignment.value, block: block.value });
    }
    case 'target': {
      const target = decodeTarget(v['target'], '$.target');
      return target.ok ? ok({ kind: 'target', target: target.value }) : target;
    }
    case 'strategy': {
      const strategy = decodeStrategy(v['strategy'], '$.strategy');
      return strategy.ok ? ok({ kind: 'strategy', strategy: strategy.value }) : strategy;
    }
    case 'member': {
      const op = v['op'];
      if (op !== 'add-learner' && op !== 'remove') return err({ path: '$.op', message: 'expected "add-learner" or "remove"' });
      const nodeId = typeof v['node_id'] === 'string' ? parseNodeIdHex(v['node_id']) : null;
      if (!nodeId) return err({ path: '$.node_id', message: 'expected a 64-hex node id' });
      return ok({ kind: 'member', op, nodeId });
    }
    case 'witness': {
      const sigs = decodeWitnesses(v['signatures'], '$.signatures');
      return sigs.ok ? ok({ kind: 'witness', signatures: sigs.value }) : sigs;
    }
    default:
      return err({ path: '$.kind', message: `unknown command kind ${JSON.stringify(v['kind'])}; expected role, target, strategy, member or witness` });
  }
}

export function describeCommand(cmd: Command): string {
  switch (cmd.kind) {
    case 'role': return `role ${describeRoleAssignment(cmd.assignment)}${cmd.block ? ' +block' : ''}`;
    case 'target': return `target ${cmd.target.apiServers}/${cmd.target.etcdReplicas}/${cmd.target.schedulers}/${cmd.target.controllerManagers}/${cmd.target.minWorkers}`;
    case 'strategy': return `strategy ${cmd.strategy.name}`;
    case 'member': return `member ${cmd.op} ${cmd.nodeId.slice(0, 12)}`;
    case 'witness': return `witness ×${cmd.signatures.length}`;
  }
}
