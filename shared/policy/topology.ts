// Topology types of the crate's `topology.rs` with their serde forms (revoada-reference §2.6, §6.4).
// These are the formation layer's own vocabulary: a node holds at most one topology Role, and the
// committed picture is an ordered list of (id, state) pairs. Order matters because every strategy
// breaks ties by assignment order, so the list is kept as an array, never as a map.

import type { JsonValue } from '../kit/json';
import { isJsonObject } from '../kit/json';
import { err, ok, type Result } from '../kit/result';

export const TOPOLOGY_ROLES = ['master', 'worker', 'bootstrap', 'observer'] as const;
export type Role = (typeof TOPOLOGY_ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (TOPOLOGY_ROLES as readonly string[]).includes(value);
}

/** `Role::is_voting`: masters and the bootstrap seed count toward the Raft quorum. */
export function isVoting(role: Role): boolean {
  return role === 'master' || role === 'bootstrap';
}

/** A topology node id is a plain string (in FormationPolicy: the 64-char hex of the crate NodeId). */
export type TopoNodeId = string;

/**
 * `topology::NodeState`. The unit variants are their snake_case names; `Active(role)` is written
 * `active:<role>` so that two states compare with `===` (the serde form is `{"active":"master"}`).
 */
export type ActiveState = `active:${Role}`;
export type TopoNodeState = 'joining' | 'standby' | 'demoting' | 'departing' | 'failed' | ActiveState;

const UNIT_STATES = ['joining', 'standby', 'demoting', 'departing', 'failed'] as const;

export function active(role: Role): ActiveState {
  return `active:${role}`;
}

/** `NodeState::role()`: the role of an Active state, otherwise null. */
export function roleOfState(state: TopoNodeState): Role | null {
  return state.startsWith('active:') ? (state.slice(7) as Role) : null;
}

/** `NodeState::is_serving`. */
export function isServing(state: TopoNodeState): boolean {
  return roleOfState(state) !== null;
}

/** `NodeState::is_eligible`: everything except Failed and Departing may hold a role. */
export function isEligible(state: TopoNodeState): boolean {
  return state !== 'failed' && state !== 'departing';
}

/** `Withheld::NoQuorum` — why a reaction to loss was not taken. */
export interface NoQuorum {
  readonly reachableVoters: number;
  readonly configuredVoters: number;
}

/** A proof that a majority of configured voters is reachable (the crate's sealed `QuorumWitness`). */
export interface QuorumWitness {
  readonly reachableVoters: number;
  readonly configuredVoters: number;
  readonly witnessed: true;
}

/** `topology::RoleAssignment`: an ordered list of (id, state); `set` updates in place or appends. */
export class TopoAssignment {
  private readonly entries: Array<[TopoNodeId, TopoNodeState]> = [];
  /** id → position of its first entry (a decoded list may repeat an id, like the crate's Vec). */
  private readonly index = new Map<TopoNodeId, number>();

  static from(pairs: Iterable<readonly [TopoNodeId, TopoNodeState]>): TopoAssignment {
    const out = new TopoAssignment();
    for (const [id, state] of pairs) out.set(id, state);
    return out;
  }

  get assignments(): ReadonlyArray<readonly [TopoNodeId, TopoNodeState]> {
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  set(id: TopoNodeId, state: TopoNodeState): void {
    const at = this.index.get(id);
    if (at !== undefined) this.entries[at]![1] = state;
    else {
      this.index.set(id, this.entries.length);
      this.entries.push([id, state]);
    }
  }

  /** Appends without merging (deserialisation keeps a repeated id, as serde does for a Vec). */
  pushRaw(id: TopoNodeId, state: TopoNodeState): void {
    if (!this.index.has(id)) this.index.set(id, this.entries.length);
    this.entries.push([id, state]);
  }

  get(id: TopoNodeId): TopoNodeState | undefined {
    const at = this.index.get(id);
    return at === undefined ? undefined : this.entries[at]![1];
  }

  /** Nodes actively serving `role`, in assignment order. */
  nodesWithRole(role: Role): TopoNodeId[] {
    return this.entries.filter((e) => roleOfState(e[1]) === role).map((e) => e[0]);
  }

  /** Nodes that are not Failed or Departing, in assignment order. */
  eligible(): TopoNodeId[] {
    return this.entries.filter((e) => isEligible(e[1])).map((e) => e[0]);
  }

  /** Count of Active(Master | Bootstrap) entries. */
  votingCount(): number {
    return this.entries.filter((e) => {
      const role = roleOfState(e[1]);
      return role !== null && isVoting(role);
    }).length;
  }

  /** The configured voters as a sorted set. */
  voters(): TopoNodeId[] {
    const out = new Set<TopoNodeId>();
    for (const [id, state] of this.entries) {
      const role = roleOfState(state);
      if (role !== null && isVoting(role)) out.add(id);
    }
    return [...out].sort();
  }

  /**
   * Counts distinct reachable ids that are configured voters; a majority (⌊v/2⌋ + 1) yields a
   * witness. Strangers and non-voters never count, and an assignment without voters never has a
   * quorum (§6.4).
   */
  quorumWitness(reachable: Iterable<TopoNodeId>): Result<QuorumWitness, NoQuorum> {
    const voters = new Set(this.voters());
    if (voters.size === 0) return err({ reachableVoters: 0, configuredVoters: 0 });
    let count = 0;
    for (const id of new Set(reachable)) if (voters.has(id)) count++;
    if (count >= Math.floor(voters.size / 2) + 1) {
      return ok({ reachableVoters: count, configuredVoters: voters.size, witnessed: true });
    }
    return err({ reachableVoters: count, configuredVoters: voters.size });
  }

  hasMajority(reachable: Iterable<TopoNodeId>): boolean {
    return this.quorumWitness(reachable).ok;
  }

  clone(): TopoAssignment {
    return TopoAssignment.from(this.entries);
  }

  equals(other: TopoAssignment): boolean {
    return encodeTopoAssignment(this) === encodeTopoAssignment(other);
  }
}

/** A single proposed change of the topology (the crate's `Transition`). */
export type Transition =
  | { readonly kind: 'admit'; readonly id: TopoNodeId }
  | { readonly kind: 'promote'; readonly id: TopoNodeId; readonly role: Role }
  | { readonly kind: 'demote'; readonly id: TopoNodeId }
  | { readonly kind: 'reassign'; readonly id: TopoNodeId; readonly role: Role }
  | { readonly kind: 'evict'; readonly id: TopoNodeId };

export const admit = (id: TopoNodeId): Transition => ({ kind: 'admit', id });
export const promoteTo = (id: TopoNodeId, role: Role): Transition => ({ kind: 'promote', id, role });
export const demoteNode = (id: TopoNodeId): Transition => ({ kind: 'demote', id });
export const reassign = (id: TopoNodeId, role: Role): Transition => ({ kind: 'reassign', id, role });
export const evict = (id: TopoNodeId): Transition => ({ kind: 'evict', id });

/**
 * `apply_transition`: the transition function ignores the prior state and never refuses
 * (§6.5) — Admit → Standby, Promote/Reassign → Active(role), Demote → Demoting, Evict → Failed.
 */
export function applyTransition(assignment: TopoAssignment, t: Transition): void {
  switch (t.kind) {
    case 'admit':
      assignment.set(t.id, 'standby');
      break;
    case 'promote':
    case 'reassign':
      assignment.set(t.id, active(t.role));
      break;
    case 'demote':
      assignment.set(t.id, 'demoting');
      break;
    case 'evict':
      assignment.set(t.id, 'failed');
      break;
  }
}

export function applyTransitions(assignment: TopoAssignment, ts: Iterable<Transition>): void {
  for (const t of ts) applyTransition(assignment, t);
}

export function describeTransition(t: Transition): string {
  return t.kind === 'promote' || t.kind === 'reassign' ? `${t.kind} ${t.id} ${t.role}` : `${t.kind} ${t.id}`;
}

// ---- TopologyError (kinds from Appendix B) ------------------------------------------------------

export type TopologyError =
  | { readonly kind: 'insufficient_nodes'; readonly needed: number; readonly have: number }
  | { readonly kind: 'invariant_violated'; readonly detail: string }
  | { readonly kind: 'unsatisfiable_shape' };

export function describeTopologyError(e: TopologyError): string {
  switch (e.kind) {
    case 'insufficient_nodes':
      return `not enough eligible nodes: need ${e.needed}, have ${e.have}`;
    case 'invariant_violated':
      return `invariant violated: ${e.detail}`;
    case 'unsatisfiable_shape':
      return 'strategy cannot satisfy desired shape with available nodes';
  }
}

// ---- serde forms (§2.6) ---------------------------------------------------------------------------

export function encodeTopoNodeState(state: TopoNodeState): string {
  const role = roleOfState(state);
  return role === null ? `"${state}"` : `{"active":"${role}"}`;
}

export function encodeTopoAssignment(a: TopoAssignment): string {
  const pairs = a.assignments.map(([id, state]) => `[${JSON.stringify(id)},${encodeTopoNodeState(state)}]`);
  return `{"assignments":[${pairs.join(',')}]}`;
}

export function encodeTransition(t: Transition): string {
  const id = JSON.stringify(t.id);
  switch (t.kind) {
    case 'admit': return `{"Admit":${id}}`;
    case 'promote': return `{"Promote":[${id},"${t.role}"]}`;
    case 'demote': return `{"Demote":${id}}`;
    case 'reassign': return `{"Reassign":[${id},"${t.role}"]}`;
    case 'evict': return `{"Evict":${id}}`;
  }
}

export function encodeWithheld(w: NoQuorum): string {
  return `{"NoQuorum":{"reachable_voters":${w.reachableVoters},"configured_voters":${w.configuredVoters}}}`;
}

export function decodeTopoNodeState(value: JsonValue | undefined): Result<TopoNodeState, string> {
  if (typeof value === 'string') {
    return (UNIT_STATES as readonly string[]).includes(value) ? ok(value as TopoNodeState) : err(`unknown node state ${JSON.stringify(value)}`);
  }
  if (isJsonObject(value)) {
    const keys = Object.keys(value);
    const role = value['active'];
    if (keys.length === 1 && isRole(role)) return ok(active(role));
  }
  return err('expected a node state: a state name or {"active":role}');
}

export function decodeTopoAssignment(value: JsonValue | undefined): Result<TopoAssignment, string> {
  if (!isJsonObject(value) || !Array.isArray(value['assignments'])) return err('expected {"assignments":[...]}');
  const out = new TopoAssignment();
  for (const pair of value['assignments']) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') return err('expected an [id, state] pair');
    const state = decodeTopoNodeState(pair[1]);
    if (!state.ok) return state;
    // Deserialisation pushes pairs as they are (a Vec), so a repeated id is kept, like serde would.
    out.pushRaw(pair[0], state.value);
  }
  return ok(out);
}

export function decodeTransition(value: JsonValue | undefined): Result<Transition, string> {
  if (!isJsonObject(value)) return err('expected a transition object');
  const keys = Object.keys(value);
  if (keys.length !== 1) return err('expected exactly one variant key');
  const tag = keys[0]!;
  const body = value[tag];
  const single = (kind: 'admit' | 'demote' | 'evict'): Result<Transition, string> =>
    typeof body === 'string' ? ok({ kind, id: body }) : err(`${tag} expects a node id string`);
  const pair = (kind: 'promote' | 'reassign'): Result<Transition, string> =>
    Array.isArray(body) && body.length === 2 && typeof body[0] === 'string' && isRole(body[1])
      ? ok({ kind, id: body[0], role: body[1] })
      : err(`${tag} expects [id, role]`);
  switch (tag) {
    case 'Admit': return single('admit');
    case 'Demote': return single('demote');
    case 'Evict': return single('evict');
    case 'Promote': return pair('promote');
    case 'Reassign': return pair('reassign');
    default: return err(`unknown transition ${JSON.stringify(tag)}`);
  }
}

export function decodeWithheld(value: JsonValue | undefined): Result<NoQuorum, string> {
  if (!isJsonObject(value) || !isJsonObject(value['NoQuorum'])) return err('expected {"NoQuorum":{...}}');
  const body = value['NoQuorum'];
  const r = body['reachable_voters'];
  const c = body['configured_voters'];
  if (typeof r !== 'number' || typeof c !== 'number') return err('expected integer voter counts');
  return ok({ reachableVoters: r, configuredVoters: c });
}
