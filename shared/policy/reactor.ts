// TopologyReactor (revoada-reference §6.5): turns "who is eligible / who failed" into topology
// transitions through a strategy, and refuses to move roles without a quorum witness.

import {
  admit, applyTransitions, evict, roleOfState, TopoAssignment,
  type NoQuorum, type TopoNodeId, type Transition,
} from './topology';
import type { TopologyStrategy } from './strategies';

export interface Observation {
  readonly transitions: readonly Transition[];
  /** Why a reaction to loss was not taken (or was bookkeeping only). */
  readonly withheld: NoQuorum | null;
}

export class TopologyReactor {
  private currentAssignment: TopoAssignment;

  constructor(readonly strategy: TopologyStrategy, initial?: TopoAssignment) {
    this.currentAssignment = initial ? initial.clone() : new TopoAssignment();
  }

  static withInitial(strategy: TopologyStrategy, assignment: TopoAssignment): TopologyReactor {
    return new TopologyReactor(strategy, assignment);
  }

  get strategyName(): string {
    return this.strategy.name;
  }

  /** A copy of the last committed picture. */
  current(): TopoAssignment {
    return this.currentAssignment.clone();
  }

  /** Replaces the committed picture (how FormationPolicy feeds the reactor from the committed shape). */
  reset(assignment: TopoAssignment): void {
    this.currentAssignment = assignment.clone();
  }

  /** Pure: computes the transitions for this observation without changing `current`. */
  observe(eligibleNow: readonly TopoNodeId[], failedNow: readonly TopoNodeId[]): Observation {
    const current = this.currentAssignment;
    const eligible = [...new Set(eligibleNow)];
    const out: Transition[] = [];

    for (const id of eligible) if (current.get(id) === undefined) out.push(admit(id));

    const hasMaster = current.assignments.some(([, s]) => roleOfState(s) === 'master');
    if (!hasMaster && eligible.length >= this.strategy.minNodes) {
      const assigned = this.strategy.assign(eligible);
      if (assigned.ok) {
        for (const [id, state] of assigned.value.assignments) {
          const role = roleOfState(state);
          if (role === null) continue;
          const now = current.get(id);
          if (now === undefined || roleOfState(now) !== role) out.push({ kind: 'promote', id, role });
        }
      }
    }

    let withheld: NoQuorum | null = null;
    if (failedNow.length > 0) {
      const witness = current.quorumWitness(eligible);
      if (witness.ok) {
        const effective = current.clone();
        for (const id of eligible) if (effective.get(id) === undefined) effective.set(id, 'standby');
        const reaction = this.strategy.reactToLoss(effective, failedNow);
        out.push(...reaction);
        const evicted = new Set(reaction.filter((t) => t.kind === 'evict').map((t) => t.id));
        for (const id of new Set(failedNow)) if (!evicted.has(id)) out.push(evict(id));
      } else if (witness.error.configuredVoters === 0) {
        for (const id of new Set(failedNow)) out.push(evict(id));
        withheld = witness.error;
      } else {
        withheld = witness.error;
      }
    }
    return { transitions: out, withheld };
  }

  observeMembership(eligibleNow: readonly TopoNodeId[], failedNow: readonly TopoNodeId[]): readonly Transition[] {
    return this.observe(eligibleNow, failedNow).transitions;
  }

  applyTransition(t: Transition): void {
    applyTransitions(this.currentAssignment, [t]);
  }

  applyTransitions(ts: Iterable<Transition>): void {
    applyTransitions(this.currentAssignment, ts);
  }
}
