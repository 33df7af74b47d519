import { MeshShape } from '../../../shared/types/mesh-shape';
import { nodeIdFromBytes, type NodeId } from '../../../shared/types/node-id';
import type { NodeRole, RoleAssignment } from '../../../shared/types/roles';
import type { MemberView, MembershipView } from '../../../shared/policy/view';

/** NodeId([b; 32]). */
export function nid(b: number): NodeId {
  return nodeIdFromBytes(new Uint8Array(32).fill(b));
}

export function member(b: number, over: Partial<MemberView> = {}): MemberView {
  return { id: nid(b), health: 'healthy', raft: 'voter', caughtUp: true, ...over };
}

export function view(...members: MemberView[]): MembershipView {
  return { members };
}

export function shapeOf(entries: Array<[number, NodeRole[]]>): MeshShape {
  const record: Record<string, NodeRole[]> = {};
  for (const [b, roles] of entries) record[nid(b)] = roles;
  return MeshShape.fromRecord(record);
}

export function applyAll(shape: MeshShape, cmds: readonly RoleAssignment[]): void {
  for (const c of cmds) shape.apply(c, 1, shape.lastAppliedIndex + 1);
}
