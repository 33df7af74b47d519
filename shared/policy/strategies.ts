// The six topology strategies of the crate (revoada-reference §6.4) with their rules, error
// messages and invariants. One deliberate change: Phalanx picks the masters it demotes
// deterministically (the most recently listed first) where the crate drew them from a hash set.

import { err, ok, type Result } from '../kit/result';
import {
  evict, promoteTo, reassign, roleOfState, TopoAssignment,
  type TopologyError, type TopoNodeId, type Transition,
} from './topology';

export const TOPOLOGY_STRATEGY_NAMES = ['solo', 'pair', 'quorum_3m', 'cluster_3m_nw', 'mesh_all_peers', 'phalanx'] as const;
export type TopologyStrategyName = (typeof TOPOLOGY_STRATEGY_NAMES)[number];

export function isTopologyStrategyName(value: unknown): value is TopologyStrategyName {
  return typeof value === 'string' && (TOPOLOGY_STRATEGY_NAMES as readonly string[]).includes(value);
}

export interface TopologyStrategy {
  readonly name: TopologyStrategyName;
  readonly minNodes: number;
  /** Initial shape over `eligible`, processed in list order. */
  assign(eligible: readonly TopoNodeId[]): Result<TopoAssignment, TopologyError>;
  /** Transitions that heal `current` after `lost` nodes are gone. */
  reactToLoss(current: TopoAssignment, lost: readonly TopoNodeId[]): Transition[];
  validate(assignment: TopoAssignment): Result<void, TopologyError>;
}

const insufficient = (needed: number, have: number): Result<never, TopologyError> => err({ kind: 'insufficient_nodes', needed, have });
const violated = (detail: string): Result<never, TopologyError> => err({ kind: 'invariant_violated', detail });

function isMasterIn(a: TopoAssignment, id: TopoNodeId): boolean {
  const s = a.get(id);
  return s !== undefined && roleOfState(s) === 'master';
}

function unique(ids: readonly TopoNodeId[]): TopoNodeId[] {
  return [...new Set(ids)];
}

function evictAll(lost: readonly TopoNodeId[]): Transition[] {
  return unique(lost).map(evict);
}

function firstN(eligible: readonly TopoNodeId[], masters: number, rest: 'standby' | 'worker'): TopoAssignment {
  const out = new TopoAssignment();
  let assigned = 0;
  for (const id of eligible) {
    // One entry per id, so a repeated id never takes a second role.
    if (out.get(id) !== undefined) continue;
    out.set(id, assigned < masters ? 'active:master' : rest === 'standby' ? 'standby' : 'active:worker');
    assigned++;
  }
  return out;
}

function fixedMasters(label: string, count: number, assignment: TopoAssignment): Result<void, TopologyError> {
  const masters = assignment.nodesWithRole('master').length;
  if (masters === count) return ok(undefined);
  return violated(count === 1 ? `${label} expects exactly 1 master; have ${masters}` : `${label} expects ${count} masters; have ${masters}`);
}

export const Solo: TopologyStrategy = {
  name: 'solo',
  minNodes: 1,
  assign(eligible) {
    const ids = unique(eligible);
    if (ids.length < 1) return insufficient(1, 0);
    return ok(firstN(ids, 1, 'standby'));
  },
  reactToLoss(current, lost) {
    const lostSet = new Set(lost);
    const out: Transition[] = [];
    if (lost.some((id) => isMasterIn(current, id))) {
      const next = current.assignments.find(([id, s]) => !lostSet.has(id) && (s === 'standby' || s === 'active:worker'));
      if (next) out.push(promoteTo(next[0], 'master'));
    }
    return [...out, ...evictAll(lost)];
  },
  validate(a) {
    return fixedMasters('Solo', 1, a);
  },
};

export const Pair: TopologyStrategy = {
  name: 'pair',
  minNodes: 2,
  assign(eligible) {
    const ids = unique(eligible);
    if (ids.length < 2) return insufficient(2, ids.length);
    return ok(firstN(ids, 2, 'worker'));
  },
  reactToLoss(current, lost) {
    const lostSet = new Set(lost);
    const mastersLost = unique(lost).filter((id) => isMasterIn(current, id)).length;
    if (mastersLost === 0) return [];
    const workers = current.assignments.filter(([id, s]) => !lostSet.has(id) && s === 'active:worker').map(([id]) => id);
    return [...workers.slice(0, mastersLost).map((id) => reassign(id, 'master')), ...evictAll(lost)];
  },
  validate(a) {
    return fixedMasters('Pair', 2, a);
  },
};

function quorumReact(current: TopoAssignment, lost: readonly TopoNodeId[]): Transition[] {
  const lostSet = new Set(lost);
  const mastersLost = unique(lost).filter((id) => isMasterIn(current, id)).length;
  if (mastersLost === 0) return [];
  const priority = (state: string): number => (state === 'active:worker' ? 0 : state === 'standby' ? 1 : 2);
  const candidates = current.assignments
    .filter(([id, s]) => !lostSet.has(id) && s !== 'failed' && s !== 'departing' && roleOfState(s) !== 'master')
    .map(([id, s], index) => ({ id, p: priority(s), index }))
    .sort((a, b) => a.p - b.p || a.index - b.index);
  return [...candidates.slice(0, mastersLost).map((c) => promoteTo(c.id, 'master')), ...evictAll(lost)];
}

function quorumAssign(eligible: readonly TopoNodeId[]): Result<TopoAssignment, TopologyError> {
  const ids = unique(eligible);
  if (ids.length < 3) return insufficient(3, ids.length);
  return ok(firstN(ids, 3, 'worker'));
}

export const Quorum3M: TopologyStrategy = {
  name: 'quorum_3m',
  minNodes: 3,
  assign: quorumAssign,
  reactToLoss: quorumReact,
  validate(a) {
    return fixedMasters('Quorum3M', 3, a);
  },
};

export const Cluster3MNW: TopologyStrategy = {
  name: 'cluster_3m_nw',
  minNodes: 3,
  assign: quorumAssign,
  reactToLoss: quorumReact,
  validate(a) {
    return fixedMasters('Cluster3MNW', 3, a);
  },
};

export const MeshAllPeers: TopologyStrategy = {
  name: 'mesh_all_peers',
  minNodes: 1,
  assign(eligible) {
    const ids = unique(eligible);
    if (ids.length < 1) return insufficient(1, 0);
    return ok(TopoAssignment.from(ids.map((id) => [id, 'active:master'] as const)));
  },
  reactToLoss(_current, lost) {
    return evictAll(lost);
  },
  validate() {
    return ok(undefined);
  },
};

/** `Phalanx::target_masters(n)`: 0 for 0, else ⌈2n/5⌉. */
export function phalanxTargetMasters(n: number): number {
  return n === 0 ? 0 : Math.ceil((2 * n) / 5);
}

export const Phalanx: TopologyStrategy = {
  name: 'phalanx',
  minNodes: 1,
  assign(eligible) {
    const ids = unique(eligible);
    if (ids.length < 1) return insufficient(1, 0);
    return ok(firstN(ids, Math.max(1, phalanxTargetMasters(ids.length)), 'worker'));
  },
  reactToLoss(current, lost) {
    const lostSet = new Set(lost);
    const surviving = current.eligible().filter((id) => !lostSet.has(id));
    if (surviving.length === 0) return [];
    const target = Math.max(1, phalanxTargetMasters(surviving.length));
    const masters = surviving.filter((id) => isMasterIn(current, id));
    const out: Transition[] = [];
    if (masters.length < target) {
      const workers = surviving.filter((id) => current.get(id) === 'active:worker');
      for (const id of workers.slice(0, target - masters.length)) out.push(reassign(id, 'master'));
    } else if (masters.length > target) {
      // Deterministic: the most recently listed masters step down first (the crate drew from a
      // hash set, so which master was demoted varied from run to run).
      for (const id of masters.slice(target).reverse()) out.push(reassign(id, 'worker'));
    }
    return [...out, ...evictAll(lost)];
  },
  validate() {
    return ok(undefined);
  },
};

export const TOPOLOGY_STRATEGIES: Readonly<Record<TopologyStrategyName, TopologyStrategy>> = {
  solo: Solo,
  pair: Pair,
  quorum_3m: Quorum3M,
  cluster_3m_nw: Cluster3MNW,
  mesh_all_peers: MeshAllPeers,
  phalanx: Phalanx,
};

/** Accepts the strategies' `name()` strings and the config spellings (`quorum3_m`, `mesh`, …). */
export function topologyStrategyByName(name: string): TopologyStrategy | null {
  const aliases: Record<string, TopologyStrategyName> = {
    quorum3_m: 'quorum_3m', cluster3_m_n_w: 'cluster_3m_nw', mesh: 'mesh_all_peers',
  };
  const key = aliases[name] ?? name;
  return isTopologyStrategyName(key) ? TOPOLOGY_STRATEGIES[key] : null;
}

/**
 * How many voters (masters) the strategy keeps: fixed for Solo/Pair/Quorum3M/Cluster3MNW; for
 * MeshAllPeers and Phalanx it depends on the node count (null when that is unknown).
 */
export function strategyVoterCapacity(name: TopologyStrategyName, nodes?: number): number | null {
  switch (name) {
    case 'solo': return 1;
    case 'pair': return 2;
    case 'quorum_3m':
    case 'cluster_3m_nw':
      return nodes === undefined ? 3 : Math.min(3, nodes);
    case 'mesh_all_peers': return nodes ?? null;
    case 'phalanx': return nodes === undefined ? null : Math.max(1, phalanxTargetMasters(nodes));
  }
}
