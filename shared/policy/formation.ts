// FormationPolicy (revoada-reference §6.6) over a TopologyReactor. Fixes the crate's gaps: the
// reactor is fed back from the committed MeshShape on every evaluation (no re-bootstrap, and the
// loss path runs behind a real quorum witness), only members that can serve are eligible, and a
// node stepping back to worker keeps its worker role and any quarantine mark.

import type { MeshShape } from '../types/mesh-shape';
import { compareNodeIds, parseNodeIdHex, type NodeId } from '../types/node-id';
import { demote, MASTER_ROLES, promote, type NodeRole, type RoleAssignment } from '../types/roles';
import type { PolicyOutput, PolicyShortfall } from './auto-replacement';
import { TopologyReactor, type Observation } from './reactor';
import { phalanxTargetMasters, type TopologyStrategy } from './strategies';
import { TopoAssignment, type TopoNodeState, type Transition } from './topology';
import { canServe, compareCandidates, isAlive, normalizeView, type MembershipView } from './view';

export const FORMATION = 'formation';

/**
 * The reactor's picture of the committed shape: etcd holders are masters (they are the Raft
 * control-plane voters), quarantined nodes are out (departing), every other node that holds roles
 * or can serve is a worker; members the engine holds back are listed as departing so no strategy
 * picks them. Listed in NodeId order, as the crate admits them.
 */
export function topologyFromShape(view: MembershipView, shape: MeshShape, excluded: ReadonlySet<NodeId> = new Set()): TopoAssignment {
  const members = new Map(normalizeView(view).map((m) => [m.id, m]));
  const ids = new Set<NodeId>([...shape.nodes(), ...[...members.values()].filter(canServe).map((m) => m.id)]);
  const out = new TopoAssignment();
  for (const id of [...ids].sort(compareNodeIds)) {
    const roles = shape.rolesOf(id);
    let state: TopoNodeState;
    if (roles.includes('quarantined')) state = 'departing';
    else if (roles.includes('etcd')) state = 'active:master';
    else if (excluded.has(id)) state = 'departing'; // held back: never a candidate this round
    else if (roles.length > 0 || canServe(members.get(id)!)) state = 'active:worker';
    else continue;
    out.set(id, state);
  }
  return out;
}

export interface FormationOutput extends PolicyOutput {
  readonly observation: Observation;
}

export class FormationPolicy {
  readonly reactor: TopologyReactor;

  constructor(readonly strategy: TopologyStrategy) {
    this.reactor = new TopologyReactor(strategy);
  }

  evaluate(view: MembershipView, shape: MeshShape, excluded: ReadonlySet<NodeId> = new Set()): FormationOutput {
    this.reactor.reset(topologyFromShape(view, shape, excluded));
    const members = normalizeView(view);
    const alive = new Set(members.filter(isAlive).map((m) => m.id));
    const current = this.reactor.current();
    // Eligible: members that can serve, plus live nodes that already hold master (so a suspect
    // master still counts toward the quorum witness but is never newly chosen).
    const eligible = members
      .filter((m) => (canServe(m) && !excluded.has(m.id) && current.get(m.id) !== 'departing') || (alive.has(m.id) && current.get(m.id) === 'active:master'))
      .map((m) => m.id as string);
    const failed = shape.nodes().filter((id) => !alive.has(id) && shape.rolesOf(id).some((r) => r !== 'quarantined'));
    const observation = this.reactor.observe(eligible, failed);
    const commands: RoleAssignment[] = [];
    for (const t of observation.transitions) {
      const cmd = translate(t, shape);
      if (cmd) commands.push(cmd);
    }
    // Beyond the crate (whose reactor only bootstraps and reacts to loss): after a strategy change
    // or growth, bring the live masters up to the strategy's count, behind the same quorum witness.
    const promotes = observation.transitions.some((t) => (t.kind === 'promote' || t.kind === 'reassign') && (t.role === 'master' || t.role === 'bootstrap'));
    if (!promotes && failed.length === 0) {
      const liveMasters = current.nodesWithRole('master').filter((id) => alive.has(id as NodeId));
      const serving = members.filter((m) => canServe(m) && !excluded.has(m.id) && current.get(m.id) !== 'departing');
      const desired = desiredMasters(this.strategy, serving.length + liveMasters.filter((id) => !serving.some((m) => m.id === id)).length);
      if (liveMasters.length > 0 && liveMasters.length < desired && current.quorumWitness(eligible).ok) {
        const masterSet = new Set(liveMasters);
        const grow = serving.filter((m) => !masterSet.has(m.id)).sort(compareCandidates).slice(0, desired - liveMasters.length);
        for (const m of grow) commands.push(promote(m.id, MASTER_ROLES, 'scaling_up'));
      }
    }
    const shortfalls: PolicyShortfall[] = [];
    if (observation.withheld && observation.withheld.configuredVoters > 0) {
      shortfalls.push({ reason: 'no_quorum', detail: `topology ${this.strategy.name}: ${observation.withheld.reachableVoters} of ${observation.withheld.configuredVoters} voters reachable` });
    }
    const masters = current.nodesWithRole('master').filter((id) => alive.has(id as NodeId)).length;
    if (masters === 0 && eligible.length < this.strategy.minNodes) {
      shortfalls.push({ reason: 'not_enough_nodes', detail: `topology ${this.strategy.name} needs ${this.strategy.minNodes} node${this.strategy.minNodes === 1 ? '' : 's'} that can serve; ${eligible.length} can` });
    }
    return { commands, shortfalls, observation };
  }
}

/** The number of masters the strategy keeps with `n` nodes that can serve. */
export function desiredMasters(strategy: TopologyStrategy, n: number): number {
  switch (strategy.name) {
    case 'solo': return Math.min(1, n);
    case 'pair': return Math.min(2, n);
    case 'quorum_3m':
    case 'cluster_3m_nw':
      return Math.min(3, n);
    case 'mesh_all_peers': return n;
    case 'phalanx': return n === 0 ? 0 : Math.max(1, phalanxTargetMasters(n));
  }
}

function heldRoles(shape: MeshShape, id: NodeId, only?: readonly NodeRole[]): NodeRole[] {
  return shape.rolesOf(id).filter((r) => r !== 'quarantined' && (only === undefined || only.includes(r)));
}

/** The crate's Transition → RoleAssignment table (ids that are not NodeId hex are skipped). */
export function translate(t: Transition, shape: MeshShape): RoleAssignment | null {
  const id = parseNodeIdHex(t.id);
  if (id === null || t.id.length !== 64) return null;
  switch (t.kind) {
    case 'admit':
      return null;
    case 'promote':
      return t.role === 'master' || t.role === 'bootstrap' ? promote(id, MASTER_ROLES, 'replacing_failed') : null;
    case 'reassign': {
      if (t.role === 'master' || t.role === 'bootstrap') return promote(id, MASTER_ROLES, 'rebalance');
      const roles = heldRoles(shape, id, MASTER_ROLES);
      return roles.length > 0 ? demote(id, roles, 'rebalance') : null;
    }
    case 'demote': {
      const roles = heldRoles(shape, id);
      return roles.length > 0 ? demote(id, roles, 'operator') : null;
    }
    case 'evict': {
      const roles = heldRoles(shape, id);
      return roles.length > 0 ? demote(id, roles, 'replacing_failed') : null;
    }
  }
}
