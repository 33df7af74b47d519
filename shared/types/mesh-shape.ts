// MeshShape: the replicated state machine of role assignments (revoada-reference §4.1).
// Keyed by hex NodeId: the crate's own JSON form cannot be serialized (NodeId map keys are arrays),
// so our serialized form is `{"assignments":{"<hex>":[roles]},"last_applied_term":…,"last_applied_index":…}`
// with keys in NodeId order — documented as ours, not the crate's.

import { compareNodeIds, type NodeId } from './node-id';
import { normalizeRoles, type NodeRole, type RoleAssignment } from './roles';

export class MeshShape {
  private readonly assignments = new Map<NodeId, Set<NodeRole>>();
  lastAppliedTerm = 0;
  lastAppliedIndex = 0;

  /** Applies one committed command. Always records (term, index), even for no-ops. */
  apply(cmd: RoleAssignment, term: number, index: number): void {
    switch (cmd.kind) {
      case 'promote': {
        const roles = this.getOrCreate(cmd.nodeId);
        for (const role of cmd.roles) roles.add(role);
        break;
      }
      case 'demote': {
        const roles = this.assignments.get(cmd.nodeId);
        if (roles) {
          for (const role of cmd.rolesRelinquished) roles.delete(role);
          if (roles.size === 0) this.assignments.delete(cmd.nodeId);
        }
        break;
      }
      case 'quarantine':
        this.getOrCreate(cmd.nodeId).add('quarantined');
        break;
      case 'restore':
        // The node is never removed here, even when its set becomes empty (crate behaviour).
        this.assignments.get(cmd.nodeId)?.delete('quarantined');
        break;
    }
    this.lastAppliedTerm = term;
    this.lastAppliedIndex = index;
  }

  private getOrCreate(nodeId: NodeId): Set<NodeRole> {
    let roles = this.assignments.get(nodeId);
    if (!roles) {
      roles = new Set();
      this.assignments.set(nodeId, roles);
    }
    return roles;
  }

  /** Sorted holders of a role (a quarantined node still holds its other roles). */
  holders(role: NodeRole): NodeId[] {
    const out: NodeId[] = [];
    for (const [id, roles] of this.assignments) if (roles.has(role)) out.push(id);
    return out.sort(compareNodeIds);
  }

  rolesOf(nodeId: NodeId): NodeRole[] {
    const roles = this.assignments.get(nodeId);
    return roles ? normalizeRoles(roles) : [];
  }

  has(nodeId: NodeId): boolean {
    return this.assignments.has(nodeId);
  }

  /** Node ids in NodeId order. */
  nodes(): NodeId[] {
    return [...this.assignments.keys()].sort(compareNodeIds);
  }

  /** Plain sorted record `{hex: roles}` (status, IPC, snapshots). */
  toRecord(): Record<string, NodeRole[]> {
    const out: Record<string, NodeRole[]> = {};
    for (const id of this.nodes()) out[id] = this.rolesOf(id);
    return out;
  }

  static fromRecord(record: Readonly<Record<string, readonly NodeRole[]>>, term = 0, index = 0): MeshShape {
    const shape = new MeshShape();
    for (const [id, roles] of Object.entries(record)) shape.assignments.set(id as NodeId, new Set(roles));
    shape.lastAppliedTerm = term;
    shape.lastAppliedIndex = index;
    return shape;
  }

  clone(): MeshShape {
    return MeshShape.fromRecord(this.toRecord(), this.lastAppliedTerm, this.lastAppliedIndex);
  }

  /** Our JSON form (see the header comment). */
  toJson(): string {
    const entries = this.nodes().map((id) => `"${id}":[${this.rolesOf(id).map((r) => `"${r}"`).join(',')}]`);
    return `{"assignments":{${entries.join(',')}},"last_applied_term":${this.lastAppliedTerm},"last_applied_index":${this.lastAppliedIndex}}`;
  }

  equals(other: MeshShape): boolean {
    return this.toJson() === other.toJson();
  }
}
