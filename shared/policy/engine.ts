// The policy engine: evaluates the policies in a fixed order on the Raft leader and damps their
// output so the mesh heals fast but calmly. Pure and deterministic: time comes in as an argument,
// proposals and the reasons for every decision (taken or withheld) go out as data.
//
// Damping rules, in the order they are applied to each tick's candidate commands:
//   1. not leader / no quorum: nothing is proposed (the crate's quorum gate, applied to every policy,
//      plus a majority of the live Raft voters when the view knows them);
//   2. hysteresis: a member whose health flipped `flapThreshold` times within `flapWindowMs`, or that
//      has been healthy for less than `stableForMs`, is never chosen as a candidate;
//   3. change window: a node changes roles at most once per `changeWindowMs`, except to replace a
//      dead holder (demoting the dead node, or promoting a replacement for a role that lost a holder
//      to death — remembered until the role is back at target, because the dead holder's demotion
//      usually commits before the replacement's: Raft takes one voter change at a time);
//   2b. for such a role, flapping ranks but does not veto: when no steady candidate is left, a
//      member held back only for its flap count — healthy again for at least `stableForMs` —
//      replaces the dead holder (fewer replicas than the target is worse than one that flapped in
//      the last `flapWindowMs`); a member healthy for less than `stableForMs` is never chosen;
//   4. at most `maxProposalsPerTick` commands, dead-holder replacements first.

import type { MeshShape } from '../types/mesh-shape';
import type { NodeId } from '../types/node-id';
import { describeRoleAssignment, promote, type NodeRole, type RoleAssignment } from '../types/roles';
import { targetFor, type TargetTopology } from '../types/target';
import { AUTO_REPLACEMENT, autoReplacement, votersReachable, type PolicyOutput } from './auto-replacement';
import { FORMATION, FormationPolicy } from './formation';
import type { TopologyStrategy } from './strategies';
import { aliveIds, normalizeView, type MembershipView } from './view';

export interface DampingConfig {
  /** A node changes roles at most once per window, except to replace a dead holder. */
  readonly changeWindowMs: number;
  /** Health flips within `flapWindowMs` that mark a member as flapping. */
  readonly flapThreshold: number;
  readonly flapWindowMs: number;
  /** A member must have been continuously healthy this long to be chosen. */
  readonly stableForMs: number;
  readonly maxProposalsPerTick: number;
}

export const DEFAULT_DAMPING: DampingConfig = Object.freeze({
  changeWindowMs: 60_000,
  flapThreshold: 3,
  flapWindowMs: 600_000,
  stableForMs: 10_000,
  maxProposalsPerTick: 8,
});

export interface PolicyEngineConfig {
  readonly target: TargetTopology;
  /** The formation strategy, evaluated after auto_replacement; null = auto_replacement only. */
  readonly topology: TopologyStrategy | null;
  readonly damping: DampingConfig;
}

export type DecisionReason =
  // taken
  | 'replace_dead_holder' | 'fill_target' | 'formation'
  // withheld
  | 'not_leader' | 'no_quorum' | 'not_enough_nodes' | 'hysteresis' | 'damped' | 'rate_limited' | 'duplicate' | 'conflict';

export interface PolicyDecision {
  readonly policy: string;
  readonly action: 'proposed' | 'withheld';
  readonly reason: DecisionReason;
  readonly command?: RoleAssignment;
  readonly node?: NodeId;
  readonly detail: string;
}

export interface TickInput {
  readonly view: MembershipView;
  readonly shape: MeshShape;
  readonly isLeader: boolean;
  /** Milliseconds on the host's monotonic clock. */
  readonly nowMs: number;
}

export interface TickOutput {
  /** Commands to propose, in order. */
  readonly proposals: readonly RoleAssignment[];
  /** Every decision of this tick, proposed and withheld, in evaluation order. */
  readonly decisions: readonly PolicyDecision[];
}

interface HealthHistory {
  healthy: boolean;
  healthySince: number;
  flips: number[];
}

interface Candidate {
  readonly policy: string;
  readonly command: RoleAssignment;
}

export class PolicyEngine {
  private config: PolicyEngineConfig;
  private formation: FormationPolicy | null;
  private readonly lastChange = new Map<NodeId, number>();
  private readonly health = new Map<NodeId, HealthHistory>();
  private lastShape: Record<string, readonly NodeRole[]> | null = null;
  private observedOnce = false;
  private lastObservedAt = -Infinity;
  /** Roles that lost a holder to death and are not back at target yet. */
  private readonly owed = new Set<NodeRole>();

  constructor(config: Partial<PolicyEngineConfig> & { readonly target: TargetTopology }) {
    this.config = { topology: null, damping: DEFAULT_DAMPING, ...config };
    this.formation = this.config.topology ? new FormationPolicy(this.config.topology) : null;
  }

  get target(): TargetTopology {
    return this.config.target;
  }

  /** Takes effect at the next tick; damping history is kept. */
  reconfigure(change: Partial<PolicyEngineConfig>): void {
    const topologyChanged = change.topology !== undefined && change.topology !== this.config.topology;
    this.config = { ...this.config, ...change };
    if (topologyChanged) this.formation = this.config.topology ? new FormationPolicy(this.config.topology) : null;
  }

  /** When a node last changed roles (from a proposal or an observed committed change). */
  lastChangeOf(id: NodeId): number | undefined {
    return this.lastChange.get(id);
  }

  /** True when the member is held back by hysteresis at `nowMs`. */
  isFlapping(id: NodeId, nowMs: number): boolean {
    const h = this.health.get(id);
    if (!h) return false;
    return h.flips.filter((t) => nowMs - t < this.config.damping.flapWindowMs).length >= this.config.damping.flapThreshold;
  }

  private observe(input: TickInput): void {
    const { view, shape, nowMs } = input;
    const first = !this.observedOnce;
    this.observedOnce = true;
    const seen = new Set<NodeId>();
    for (const m of normalizeView(view)) {
      seen.add(m.id);
      const healthy = m.health === 'healthy';
      const h = this.health.get(m.id);
      if (!h) {
        // Members present at the engine's first look are not penalised for being new.
        this.health.set(m.id, { healthy, healthySince: first ? -Infinity : nowMs, flips: [] });
      } else if (h.healthy !== healthy) {
        h.healthy = healthy;
        h.flips.push(nowMs);
        if (healthy) h.healthySince = nowMs;
      }
    }
    for (const [id, h] of this.health) {
      if (!seen.has(id) && h.healthy) {
        h.healthy = false;
        h.flips.push(nowMs);
      }
      const windowStart = nowMs - this.config.damping.flapWindowMs;
      while (h.flips.length > 0 && h.flips[0]! < windowStart) h.flips.shift();
      // Forget members that left long enough ago: if they return they start as new (stableForMs).
      if (!seen.has(id) && h.flips.length === 0) this.health.delete(id);
    }
    for (const [id, at] of this.lastChange) if (nowMs - at >= this.config.damping.changeWindowMs) this.lastChange.delete(id);
    // Committed role changes made by anyone (another leader, an operator) restart the window.
    const record = shape.toRecord();
    if (this.lastShape) {
      const ids = new Set([...Object.keys(record), ...Object.keys(this.lastShape)]);
      for (const id of ids) {
        const before = (this.lastShape[id] ?? []).join(',');
        const after = (record[id] ?? []).join(',');
        if (before === after) continue;
        // A change this engine proposed since the last look keeps its proposal time; anything
        // else (another leader, an operator) is dated to now, the earliest we can know of it.
        const proposed = this.lastChange.get(id as NodeId);
        if (proposed === undefined || proposed < this.lastObservedAt) this.lastChange.set(id as NodeId, nowMs);
      }
    }
    // Roles owed a replacement: held by a member that is not alive, or taken from one (a committed
    // demotion of a dead holder); forgiven once the live holders are back at target.
    const alive = aliveIds(view);
    for (const id of shape.nodes()) if (!alive.has(id)) for (const r of shape.rolesOf(id)) this.owed.add(r);
    if (this.lastShape) {
      for (const [id, before] of Object.entries(this.lastShape)) {
        if (alive.has(id as NodeId)) continue;
        const after = new Set(record[id] ?? []);
        for (const r of before) if (!after.has(r)) this.owed.add(r);
      }
    }
    for (const r of [...this.owed]) {
      if (shape.holders(r).filter((h) => alive.has(h)).length >= targetFor(this.config.target, r)) this.owed.delete(r);
    }
    this.lastShape = record;
    this.lastObservedAt = nowMs;
  }

  private heldBack(nowMs: number): Map<NodeId, string> {
    const out = new Map<NodeId, string>();
    for (const [id, h] of this.health) {
      const flips = h.flips.filter((t) => nowMs - t < this.config.damping.flapWindowMs).length;
      if (flips >= this.config.damping.flapThreshold) {
        out.set(id, `flapping: health changed ${flips} times in the last ${Math.round(this.config.damping.flapWindowMs / 1000)} s`);
      } else if (h.healthy && nowMs - h.healthySince < this.config.damping.stableForMs) {
        out.set(id, `healthy for only ${Math.round((nowMs - h.healthySince) / 1000)} s of the ${Math.round(this.config.damping.stableForMs / 1000)} s required`);
      }
    }
    return out;
  }

  private runPolicies(view: MembershipView, shape: MeshShape, excluded: ReadonlySet<NodeId>): Array<{ policy: string; out: PolicyOutput }> {
    const runs = [{ policy: AUTO_REPLACEMENT, out: autoReplacement(view, shape, this.config.target, { excluded }) }];
    if (this.formation) runs.push({ policy: FORMATION, out: this.formation.evaluate(view, shape, excluded) });
    return runs;
  }

  /**
   * For roles owed a replacement that auto_replacement could not fill from steady members: promote
   * healthy, caught-up members held back only by hysteresis instead of leaving the role short.
   */
  private withHeldBackReplacements(
    runs: Array<{ policy: string; out: PolicyOutput }>, view: MembershipView, shape: MeshShape,
    excluded: ReadonlySet<NodeId>, heldBack: ReadonlyMap<NodeId, string>, owedRoles: ReadonlySet<NodeRole>,
  ): Array<{ policy: string; out: PolicyOutput }> {
    const auto = runs[0];
    if (!auto || auto.policy !== AUTO_REPLACEMENT || heldBack.size === 0) return runs;
    const short = new Set(auto.out.shortfalls.filter((s) => s.reason === 'not_enough_nodes' && s.role !== undefined && owedRoles.has(s.role)).map((s) => s.role!));
    if (short.size === 0) return runs;
    const nowMs = this.lastObservedAt;
    const settled = (id: NodeId) => {
      const h = this.health.get(id);
      return h !== undefined && h.healthy && nowMs - h.healthySince >= this.config.damping.stableForMs;
    };
    const relaxed = new Set([...excluded].filter((id) => !(heldBack.has(id) && settled(id))));
    const extra = autoReplacement(view, shape, this.config.target, { excluded: relaxed }).commands
      .filter((c) => c.kind === 'promote' && heldBack.has(c.nodeId) && settled(c.nodeId) && c.roles.every((r) => short.has(r)));
    if (extra.length === 0) return runs;
    const filled = new Set(extra.flatMap((c) => (c.kind === 'promote' ? c.roles : [])));
    const out: PolicyOutput = {
      commands: [...auto.out.commands, ...extra],
      shortfalls: auto.out.shortfalls.filter((s) => !(s.role !== undefined && filled.has(s.role))),
    };
    return [{ policy: AUTO_REPLACEMENT, out }, ...runs.slice(1)];
  }

  /** One evaluation. Records the proposed changes as the nodes' latest change. */
  tick(input: TickInput): TickOutput {
    const { view, shape, nowMs } = input;
    this.observe(input);
    const decisions: PolicyDecision[] = [];
    if (!input.isLeader) {
      return { proposals: [], decisions: [{ policy: 'engine', action: 'withheld', reason: 'not_leader', detail: 'policies run only on the Raft leader' }] };
    }
    const quorum = engineQuorum(view, shape);
    if (!quorum.ok) {
      return { proposals: [], decisions: [{ policy: 'engine', action: 'withheld', reason: 'no_quorum', detail: quorum.detail }] };
    }

    const alive = aliveIds(view);
    const deadHolderRoles = new Set<NodeRole>();
    for (const r of this.owed) deadHolderRoles.add(r);
    const isReplacement = (cmd: RoleAssignment): boolean =>
      (cmd.kind === 'demote' && !alive.has(cmd.nodeId)) ||
      (cmd.kind === 'promote' && cmd.roles.some((r) => deadHolderRoles.has(r)));
    const window = this.config.damping.changeWindowMs;
    const damped = (id: NodeId): number | null => {
      const last = this.lastChange.get(id);
      return last !== undefined && nowMs - last < window ? nowMs - last : null;
    };

    // Hysteresis: report what would have been chosen, then choose among steady members only.
    const heldBack = this.heldBack(nowMs);
    const excluded = new Set<NodeId>(heldBack.keys());
    if (heldBack.size > 0) {
      for (const run of this.runPolicies(view, shape, new Set())) {
        for (const cmd of run.out.commands) {
          if (cmd.kind === 'promote' && heldBack.has(cmd.nodeId)) {
            decisions.push({ policy: run.policy, action: 'withheld', reason: 'hysteresis', command: cmd, node: cmd.nodeId, detail: `${describeRoleAssignment(cmd)} held back: ${heldBack.get(cmd.nodeId)}` });
          }
        }
      }
    }
    // Damping: a recently changed node is not chosen for a non-replacement promotion; re-run so
    // another candidate can take its place.
    let runs = this.runPolicies(view, shape, excluded);
    runs = this.withHeldBackReplacements(runs, view, shape, excluded, heldBack, deadHolderRoles);
    for (let round = 0; round < 64; round++) {
      let more = false;
      for (const run of runs) {
        for (const cmd of run.out.commands) {
          const since = damped(cmd.nodeId);
          if (cmd.kind === 'promote' && since !== null && !isReplacement(cmd) && !excluded.has(cmd.nodeId)) {
            excluded.add(cmd.nodeId);
            more = true;
            decisions.push({ policy: run.policy, action: 'withheld', reason: 'damped', command: cmd, node: cmd.nodeId, detail: `${describeRoleAssignment(cmd)} damped: the node changed roles ${Math.round(since / 1000)} s ago (window ${Math.round(window / 1000)} s)` });
          }
        }
      }
      if (!more) break;
      runs = this.withHeldBackReplacements(this.runPolicies(view, shape, excluded), view, shape, excluded, heldBack, deadHolderRoles);
    }

    // Merge in policy order: drop duplicates, trim promotions to roles not yet held or granted,
    // refuse conflicting directions for the same (node, role).
    const intents = new Map<string, 'add' | 'remove'>();
    const candidates: Candidate[] = [];
    for (const run of runs) {
      for (const short of run.out.shortfalls) {
        decisions.push({ policy: run.policy, action: 'withheld', reason: short.reason, detail: short.detail });
      }
      for (const cmd of run.out.commands) {
        if (damped(cmd.nodeId) !== null && !isReplacement(cmd)) {
          decisions.push({ policy: run.policy, action: 'withheld', reason: 'damped', command: cmd, node: cmd.nodeId, detail: `${describeRoleAssignment(cmd)} damped: the node changed roles ${Math.round(damped(cmd.nodeId)! / 1000)} s ago (window ${Math.round(window / 1000)} s)` });
          continue;
        }
        if (cmd.kind === 'demote' && alive.has(cmd.nodeId)) {
          // The target wins over a topology strategy: never step a live holder down below it
          // (otherwise formation and auto_replacement would undo each other, tick after tick).
          const floor = cmd.rolesRelinquished.find((r) => {
            const remaining = shape.holders(r).filter((h) => alive.has(h) && intents.get(`${h}/${r}`) !== 'remove').length - 1;
            return remaining < targetFor(this.config.target, r);
          });
          if (floor !== undefined) {
            decisions.push({ policy: run.policy, action: 'withheld', reason: 'conflict', command: cmd, node: cmd.nodeId, detail: `${describeRoleAssignment(cmd)}: would take ${floor} below its target of ${targetFor(this.config.target, floor)}` });
            continue;
          }
        }
        const merged = mergeCommand(cmd, shape, intents);
        if (merged.kind === 'keep') candidates.push({ policy: run.policy, command: merged.command });
        else decisions.push({ policy: run.policy, action: 'withheld', reason: merged.kind, command: cmd, node: cmd.nodeId, detail: `${describeRoleAssignment(cmd)}: ${merged.detail}` });
      }
    }

    // Bounded proposals: replacements of dead holders first, then the rest, each in policy order.
    const ordered = [...candidates.filter((c) => isReplacement(c.command)), ...candidates.filter((c) => !isReplacement(c.command))];
    const proposals: RoleAssignment[] = [];
    for (const c of ordered) {
      if (proposals.length >= this.config.damping.maxProposalsPerTick) {
        decisions.push({ policy: c.policy, action: 'withheld', reason: 'rate_limited', command: c.command, node: c.command.nodeId, detail: `${describeRoleAssignment(c.command)}: at most ${this.config.damping.maxProposalsPerTick} proposals per tick` });
        continue;
      }
      proposals.push(c.command);
      const reason: DecisionReason = isReplacement(c.command) ? 'replace_dead_holder' : c.policy === FORMATION ? 'formation' : 'fill_target';
      decisions.push({ policy: c.policy, action: 'proposed', reason, command: c.command, node: c.command.nodeId, detail: describeRoleAssignment(c.command) });
    }
    for (const cmd of proposals) this.lastChange.set(cmd.nodeId, nowMs);
    return { proposals, decisions };
  }
}

type Merge =
  | { readonly kind: 'keep'; readonly command: RoleAssignment }
  | { readonly kind: 'duplicate' | 'conflict'; readonly detail: string };

function mergeCommand(cmd: RoleAssignment, shape: MeshShape, intents: Map<string, 'add' | 'remove'>): Merge {
  if (cmd.kind !== 'promote' && cmd.kind !== 'demote') return { kind: 'keep', command: cmd };
  const roles = cmd.kind === 'promote' ? cmd.roles : cmd.rolesRelinquished;
  const direction = cmd.kind === 'promote' ? 'add' : 'remove';
  const held = new Set(shape.rolesOf(cmd.nodeId));
  const keep: NodeRole[] = [];
  for (const role of roles) {
    const key = `${cmd.nodeId}/${role}`;
    const prior = intents.get(key);
    if (prior !== undefined && prior !== direction) return { kind: 'conflict', detail: `an earlier policy in this tick moves ${role} the other way` };
    if (prior === direction) continue;
    if (direction === 'add' ? held.has(role) : !held.has(role)) continue;
    keep.push(role);
  }
  if (keep.length === 0) return { kind: 'duplicate', detail: 'already held or already proposed this tick' };
  for (const role of keep) intents.set(`${cmd.nodeId}/${role}`, direction);
  if (keep.length === roles.length) return { kind: 'keep', command: cmd };
  return { kind: 'keep', command: cmd.kind === 'promote' ? promote(cmd.nodeId, keep, cmd.reason) : { ...cmd, rolesRelinquished: keep } };
}

/**
 * The engine's quorum gate: the crate's (a majority of etcd holders alive) and, when the view lists
 * Raft voters, a majority of them alive too — without it no proposal could commit anyway.
 */
export function engineQuorum(view: MembershipView, shape: MeshShape): { ok: boolean; detail: string } {
  const alive = aliveIds(view);
  const etcd = votersReachable(shape, alive);
  if (!etcd.ok) return { ok: false, detail: `only ${etcd.reachableVoters} of ${etcd.configuredVoters} etcd holders are alive` };
  const voters = normalizeView(view).filter((m) => m.raft === 'voter');
  if (voters.length > 0) {
    const up = voters.filter((m) => m.health !== 'dead').length;
    if (up < Math.floor(voters.length / 2) + 1) return { ok: false, detail: `only ${up} of ${voters.length} Raft voters are alive` };
  }
  return { ok: true, detail: 'quorum' };
}
