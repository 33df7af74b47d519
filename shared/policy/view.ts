// The policy engine's input: who is on the mesh and what each member can do. The membership layer
// (gossip + phi accrual) and the consensus layer (Raft configuration, match indexes) each provide
// part of it; the node host merges their outputs into this shape.

import { compareNodeIds, type NodeId } from '../types/node-id';

export type MemberHealth = 'healthy' | 'suspect' | 'dead';
/** The member's place in this cluster's Raft configuration ('none' = gossip-only peer). */
export type RaftMembership = 'voter' | 'learner' | 'none';

/** Optional capacity hints from the member's gossip state; absent hints rank lowest. */
export interface CapacityHints {
  readonly cpuCores?: number;
  readonly memoryGiB?: number;
  /** An operator-given weight; when present it overrides the derived score. */
  readonly weight?: number;
}

export interface MemberView {
  readonly id: NodeId;
  readonly health: MemberHealth;
  readonly raft: RaftMembership;
  /** The member's log is close enough to the leader's to take a role now. */
  readonly caughtUp: boolean;
  readonly capacity?: CapacityHints;
}

export interface MembershipView {
  /**
   * Every known member, dead ones included; a member missing from the list counts as dead. Every
   * configured Raft voter must be listed (dead or alive) so the engine can count its majority.
   */
  readonly members: readonly MemberView[];
}

/** Alive as the crate means it: present in the view and not declared dead. */
export function isAlive(m: MemberView): boolean {
  return m.health !== 'dead';
}

/**
 * Can take a role: a healthy Raft learner or voter of this cluster (it holds the cluster secret)
 * whose log is caught up. Gossip-only peers (a Rust engenho node, any plain chitchat peer) are
 * shown but never promoted; suspect members wait until they are healthy again.
 */
export function canServe(m: MemberView): boolean {
  return m.health === 'healthy' && m.raft !== 'none' && m.caughtUp;
}

/** Derived capacity: the operator weight, else cores + GiB/4 (one core ≈ 4 GiB), else 0. */
export function capacityScore(m: MemberView): number {
  const c = m.capacity;
  if (!c) return 0;
  if (c.weight !== undefined && Number.isFinite(c.weight)) return c.weight;
  const cpu = c.cpuCores !== undefined && Number.isFinite(c.cpuCores) ? Math.max(0, c.cpuCores) : 0;
  const mem = c.memoryGiB !== undefined && Number.isFinite(c.memoryGiB) ? Math.max(0, c.memoryGiB) : 0;
  return cpu + mem / 4;
}

/** Candidate order: higher capacity first, NodeId order as the tie-breaker (the crate's order). */
export function compareCandidates(a: MemberView, b: MemberView): number {
  return capacityScore(b) - capacityScore(a) || compareNodeIds(a.id, b.id);
}

/** Members sorted by NodeId, one entry per id (the last report of an id wins). */
export function normalizeView(view: MembershipView): MemberView[] {
  const byId = new Map<NodeId, MemberView>();
  for (const m of view.members) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => compareNodeIds(a.id, b.id));
}

export function aliveIds(view: MembershipView): Set<NodeId> {
  return new Set(view.members.filter(isAlive).map((m) => m.id));
}
