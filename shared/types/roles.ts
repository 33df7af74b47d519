// NodeRole, Reason and RoleAssignment with engenho-revoada's exact serde forms
// (revoada-reference §2.2, §2.3). Role sets are kept sorted in declaration order with no
// duplicates, so equal values always encode to equal bytes however they were built.

import type { JsonValue } from '../kit/json';
import { isJsonObject } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { decodeNodeId, encodeByteArray32, type DecodeError, type NodeId } from './node-id';

/** Declaration order is wire-significant: it is the sort order of every role set. */
export const NODE_ROLES = [
  'api_server',
  'etcd',
  'scheduler',
  'controller_manager',
  'worker',
  'quarantined',
  'observer',
] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

const ROLE_RANK: ReadonlyMap<string, number> = new Map(NODE_ROLES.map((role, i) => [role, i]));

export function isNodeRole(value: unknown): value is NodeRole {
  return typeof value === 'string' && ROLE_RANK.has(value);
}

/** The four control-plane roles a master holds (FormationPolicy's master set). */
export const MASTER_ROLES: readonly NodeRole[] = ['api_server', 'etcd', 'scheduler', 'controller_manager'];

export const REASONS = ['replacing_failed', 'scaling_up', 'scaling_down', 'health_degraded', 'operator', 'rebalance'] as const;
export type Reason = (typeof REASONS)[number];

export function isReason(value: unknown): value is Reason {
  return typeof value === 'string' && (REASONS as readonly string[]).includes(value);
}

/** Sorted (declaration order), de-duplicated copy. */
export function normalizeRoles(roles: Iterable<NodeRole>): NodeRole[] {
  const unique = [...new Set(roles)];
  unique.sort((a, b) => ROLE_RANK.get(a)! - ROLE_RANK.get(b)!);
  return unique;
}

export type RoleAssignment =
  | { readonly kind: 'promote'; readonly nodeId: NodeId; readonly roles: readonly NodeRole[]; readonly reason: Reason }
  | { readonly kind: 'demote'; readonly nodeId: NodeId; readonly rolesRelinquished: readonly NodeRole[]; readonly reason: Reason }
  | { readonly kind: 'quarantine'; readonly nodeId: NodeId; readonly reason: Reason }
  | { readonly kind: 'restore'; readonly nodeId: NodeId };

export function promote(nodeId: NodeId, roles: Iterable<NodeRole>, reason: Reason): RoleAssignment {
  return { kind: 'promote', nodeId, roles: normalizeRoles(roles), reason };
}

export function demote(nodeId: NodeId, roles: Iterable<NodeRole>, reason: Reason): RoleAssignment {
  return { kind: 'demote', nodeId, rolesRelinquished: normalizeRoles(roles), reason };
}

export function quarantine(nodeId: NodeId, reason: Reason): RoleAssignment {
  return { kind: 'quarantine', nodeId, reason };
}

export function restore(nodeId: NodeId): RoleAssignment {
  return { kind: 'restore', nodeId };
}

function encodeRoles(roles: readonly NodeRole[]): string {
  return `[${normalizeRoles(roles).map((r) => `"${r}"`).join(',')}]`;
}

/** serde_json bytes of a RoleAssignment: tag first, then fields in declaration order. */
export function encodeRoleAssignment(cmd: RoleAssignment): string {
  const id = encodeByteArray32(cmd.nodeId);
  switch (cmd.kind) {
    case 'promote':
      return `{"kind":"promote","node_id":${id},"roles":${encodeRoles(cmd.roles)},"reason":"${cmd.reason}"}`;
    case 'demote':
      return `{"kind":"demote","node_id":${id},"roles_relinquished":${encodeRoles(cmd.rolesRelinquished)},"reason":"${cmd.reason}"}`;
    case 'quarantine':
      return `{"kind":"quarantine","node_id":${id},"reason":"${cmd.reason}"}`;
    case 'restore':
      return `{"kind":"restore","node_id":${id}}`;
  }
}

function decodeRoles(value: JsonValue | undefined, path: string): Result<NodeRole[], DecodeError> {
  if (!Array.isArray(value)) return err({ path, message: 'expected an array of role names' });
  const roles: NodeRole[] = [];
  for (let i = 0; i < value.length; i++) {
    const role = value[i];
    if (!isNodeRole(role)) {
      return err({ path: `${path}[${i}]`, message: `unknown role ${JSON.stringify(role)}; expected one of ${NODE_ROLES.join(', ')}` });
    }
    roles.push(role);
  }
  return ok(normalizeRoles(roles));
}

function decodeReason(value: JsonValue | undefined, path: string): Result<Reason, DecodeError> {
  if (!isReason(value)) {
    return err({ path, message: `unknown reason ${JSON.stringify(value)}; expected one of ${REASONS.join(', ')}` });
  }
  return ok(value);
}

/**
 * Decodes the serde form. Like serde (no deny_unknown_fields), unknown fields are ignored; role
 * arrays may be in any order and may repeat (they are sets).
 */
export function decodeRoleAssignment(value: JsonValue | undefined, path: string): Result<RoleAssignment, DecodeError> {
  if (!isJsonObject(value)) return err({ path, message: 'expected a role assignment object' });
  const kind = value['kind'];
  const nodeId = decodeNodeId(value['node_id'], `${path}.node_id`);
  if (kind !== 'promote' && kind !== 'demote' && kind !== 'quarantine' && kind !== 'restore') {
    return err({ path: `${path}.kind`, message: `unknown kind ${JSON.stringify(kind)}; expected promote, demote, quarantine or restore` });
  }
  if (!nodeId.ok) return nodeId;
  if (kind === 'restore') return ok(restore(nodeId.value));
  const reason = decodeReason(value['reason'], `${path}.reason`);
  if (kind === 'quarantine') return reason.ok ? ok(quarantine(nodeId.value, reason.value)) : reason;
  const rolesKey = kind === 'promote' ? 'roles' : 'roles_relinquished';
  const roles = decodeRoles(value[rolesKey], `${path}.${rolesKey}`);
  if (!roles.ok) return roles;
  if (!reason.ok) return reason;
  return ok(kind === 'promote' ? promote(nodeId.value, roles.value, reason.value) : demote(nodeId.value, roles.value, reason.value));
}

/** One line for logs and tests: `promote 8a88e3dd7409 [api_server] (operator)`. */
export function describeRoleAssignment(cmd: RoleAssignment): string {
  const who = cmd.nodeId.slice(0, 12);
  switch (cmd.kind) {
    case 'promote':
      return `promote ${who} [${cmd.roles.join(',')}] (${cmd.reason})`;
    case 'demote':
      return `demote ${who} [${cmd.rolesRelinquished.join(',')}] (${cmd.reason})`;
    case 'quarantine':
      return `quarantine ${who} (${cmd.reason})`;
    case 'restore':
      return `restore ${who}`;
  }
}
