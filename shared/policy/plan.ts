// plan(view, shape, target): a dry run of a target or strategy change. Runs the same policies the
// leader runs (without damping — a plan shows where the mesh ends up, not how fast) round after
// round on a copy of the shape until nothing more is proposed, and reports every proposal, each
// node's roles before and after, and warnings about the resulting control plane.

import type { MeshShape } from '../types/mesh-shape';
import type { NodeId } from '../types/node-id';
import { MASTER_ROLES, type NodeRole, type RoleAssignment } from '../types/roles';
import type { TargetTopology } from '../types/target';
import { PolicyEngine, type PolicyDecision } from './engine';
import { strategyVoterCapacity, type TopologyStrategy } from './strategies';
import { canServe, normalizeView, type MemberHealth, type MembershipView, type RaftMembership } from './view';

export interface NodePlan {
  readonly id: NodeId;
  readonly health: MemberHealth | 'absent';
  readonly raft: RaftMembership;
  readonly canServe: boolean;
  readonly before: readonly NodeRole[];
  readonly after: readonly NodeRole[];
}

export type PlanWarningCode = 'even_etcd' | 'fewer_nodes_than_target' | 'no_failure_tolerance' | 'no_quorum' | 'below_target' | 'not_converged';

export interface PlanWarning {
  readonly code: PlanWarningCode;
  readonly message: string;
}

export interface PlanResult {
  readonly proposals: readonly RoleAssignment[];
  readonly rounds: number;
  readonly converged: boolean;
  readonly nodes: readonly NodePlan[];
  readonly warnings: readonly PlanWarning[];
  /** Withheld decisions of the last round (why the plan stops short, if it does). */
  readonly withheld: readonly PolicyDecision[];
}

export interface PlanOptions {
  readonly topology?: TopologyStrategy | null;
  readonly maxRounds?: number;
}

const NO_DAMPING = { changeWindowMs: 0, flapThreshold: Number.POSITIVE_INFINITY, flapWindowMs: 0, stableForMs: 0, maxProposalsPerTick: Number.POSITIVE_INFINITY };

export function plan(view: MembershipView, shape: MeshShape, target: TargetTopology, options: PlanOptions = {}): PlanResult {
  const engine = new PolicyEngine({ target, topology: options.topology ?? null, damping: NO_DAMPING });
  const after = shape.clone();
  const proposals: RoleAssignment[] = [];
  const maxRounds = options.maxRounds ?? 16;
  let rounds = 0;
  let converged = false;
  let withheld: PolicyDecision[] = [];
  for (; rounds < maxRounds; rounds++) {
    const out = engine.tick({ view, shape: after, isLeader: true, nowMs: rounds });
    withheld = out.decisions.filter((d) => d.action === 'withheld');
    if (out.proposals.length === 0) {
      converged = true;
      break;
    }
    for (const cmd of out.proposals) after.apply(cmd, after.lastAppliedTerm, after.lastAppliedIndex + 1);
    proposals.push(...out.proposals);
  }

  const members = new Map(normalizeView(view).map((m) => [m.id, m]));
  const ids = [...new Set<NodeId>([...members.keys(), ...shape.nodes(), ...after.nodes()])].sort();
  const nodes: NodePlan[] = ids.map((id) => {
    const m = members.get(id);
    return {
      id,
      health: m?.health ?? 'absent',
      raft: m?.raft ?? 'none',
      canServe: m ? canServe(m) : false,
      before: shape.rolesOf(id),
      after: after.rolesOf(id),
    };
  });
  return { proposals, rounds, converged, nodes, warnings: planWarnings(view, after, target, options, converged, withheld), withheld };
}

function planWarnings(view: MembershipView, after: MeshShape, target: TargetTopology, options: PlanOptions, converged: boolean, withheld: readonly PolicyDecision[]): PlanWarning[] {
  const out: PlanWarning[] = [];
  const members = normalizeView(view);
  const serving = members.filter(canServe).length;
  const alive = new Set(members.filter((m) => m.health !== 'dead').map((m) => m.id));
  if (target.etcdReplicas > 0 && target.etcdReplicas % 2 === 0) {
    out.push({
      code: 'even_etcd',
      message: `an even etcd count (${target.etcdReplicas}) survives no more failures than ${target.etcdReplicas - 1} and can split evenly; use ${target.etcdReplicas - 1} or ${target.etcdReplicas + 1}`,
    });
  }
  const perRole: Array<[string, number]> = [
    ['api_servers', target.apiServers], ['etcd_replicas', target.etcdReplicas], ['schedulers', target.schedulers],
    ['controller_managers', target.controllerManagers], ['min_workers', target.minWorkers],
  ];
  const [widestName, widest] = perRole.reduce((a, b) => (b[1] > a[1] ? b : a));
  if (widest > serving) {
    out.push({ code: 'fewer_nodes_than_target', message: `the target needs ${widest} distinct nodes (${widestName}) but only ${serving} can serve (healthy, Raft member, caught up)` });
  }
  const voters = after.holders('etcd').filter((id) => alive.has(id)).length;
  const strategyVoters = options.topology ? strategyVoterCapacity(options.topology.name, serving) : null;
  if (voters > 0 && voters < 3) {
    out.push({
      code: 'no_failure_tolerance',
      message: voters === 1
        ? 'a single etcd voter: losing that node stops every role change until it returns'
        : 'two etcd voters: losing either one loses the quorum — the set cannot survive one failure',
    });
  } else if (voters === 0 && (target.etcdReplicas > 0 || (strategyVoters ?? 0) > 0)) {
    out.push({ code: 'no_failure_tolerance', message: 'no live etcd voter after the plan: the control plane has no quorum' });
  }
  for (const role of MASTER_ROLES) {
    const want = role === 'api_server' ? target.apiServers : role === 'etcd' ? target.etcdReplicas : role === 'scheduler' ? target.schedulers : target.controllerManagers;
    const have = after.holders(role).filter((id) => alive.has(id)).length;
    if (have < want) out.push({ code: 'below_target', message: `${role}: ${have} of ${want} after the plan` });
  }
  if (withheld.some((d) => d.reason === 'no_quorum')) {
    out.push({ code: 'no_quorum', message: withheld.find((d) => d.reason === 'no_quorum')!.detail });
  }
  if (!converged) out.push({ code: 'not_converged', message: 'the policies were still proposing changes when the plan stopped' });
  return out;
}
