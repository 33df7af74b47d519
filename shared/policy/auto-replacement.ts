// AutoReplacementPolicy (revoada-reference §6.2): keeps each control-plane role at its target by
// demoting dead holders and promoting live candidates — only when a majority of the etcd voters is
// alive. Candidate choice goes beyond the crate: only members that can serve (Raft learner/voter,
// caught up, healthy) are considered, ordered by capacity with NodeId order as the tie-breaker.

import type { MeshShape } from '../types/mesh-shape';
import type { NodeId } from '../types/node-id';
import { demote, promote, type NodeRole, type RoleAssignment } from '../types/roles';
import { targetFor, type TargetTopology } from '../types/target';
import { aliveIds, canServe, compareCandidates, normalizeView, type MembershipView } from './view';

export const AUTO_REPLACEMENT = 'auto_replacement';

/** The fixed evaluation order of roles. */
export const REPLACED_ROLES: readonly NodeRole[] = ['api_server', 'etcd', 'scheduler', 'controller_manager'];

export interface QuorumCheck {
  readonly ok: boolean;
  readonly reachableVoters: number;
  readonly configuredVoters: number;
}

/** `voters_reachable`: no etcd holders passes; else a strict majority of them must be alive. */
export function votersReachable(shape: MeshShape, alive: ReadonlySet<NodeId>): QuorumCheck {
  const voters = shape.holders('etcd');
  const reachable = voters.filter((id) => alive.has(id)).length;
  const ok = voters.length === 0 || reachable >= Math.floor(voters.length / 2) + 1;
  return { ok, reachableVoters: reachable, configuredVoters: voters.length };
}

/** A decision the policy could not take, with its reason (for the event log). */
export interface PolicyShortfall {
  readonly reason: 'no_quorum' | 'not_enough_nodes';
  readonly role?: NodeRole;
  readonly detail: string;
}

export interface PolicyOutput {
  readonly commands: readonly RoleAssignment[];
  readonly shortfalls: readonly PolicyShortfall[];
}

export interface CandidateFilter {
  /** Members the caller has ruled out (e.g. flapping nodes held back by hysteresis). */
  readonly excluded?: ReadonlySet<NodeId>;
}

export function autoReplacement(view: MembershipView, shape: MeshShape, target: TargetTopology, filter: CandidateFilter = {}): PolicyOutput {
  const alive = aliveIds(view);
  const gate = votersReachable(shape, alive);
  if (!gate.ok) {
    return {
      commands: [],
      shortfalls: [{ reason: 'no_quorum', detail: `only ${gate.reachableVoters} of ${gate.configuredVoters} etcd voters are alive; a majority is ${Math.floor(gate.configuredVoters / 2) + 1}` }],
    };
  }
  const members = normalizeView(view);
  const quarantined = new Set(shape.holders('quarantined'));
  const commands: RoleAssignment[] = [];
  const shortfalls: PolicyShortfall[] = [];
  for (const role of REPLACED_ROLES) {
    const holders = shape.holders(role);
    const aliveHolders = holders.filter((id) => alive.has(id));
    for (const id of holders) if (!alive.has(id)) commands.push(demote(id, [role], 'replacing_failed'));
    const needed = targetFor(target, role) - aliveHolders.length;
    if (needed <= 0) continue;
    const holding = new Set(aliveHolders);
    const candidates = members
      .filter((m) => canServe(m) && !holding.has(m.id) && !quarantined.has(m.id) && !filter.excluded?.has(m.id))
      .sort(compareCandidates);
    for (const m of candidates.slice(0, needed)) commands.push(promote(m.id, [role], 'replacing_failed'));
    if (candidates.length < needed) {
      shortfalls.push({ reason: 'not_enough_nodes', role, detail: `${role}: need ${needed} more holder${needed === 1 ? '' : 's'}, ${candidates.length} candidate${candidates.length === 1 ? '' : 's'} can serve` });
    }
  }
  return { commands, shortfalls };
}
