// Consensus data types: entries, hard state, snapshots, configuration changes and the message
// union exchanged by RaftMachine instances (etcd-raft's raftpb, reshaped for TypeScript).
// Terms and indexes are plain numbers (exact up to 2^53 − 1, far beyond any reachable log).

/** A Raft peer id. In revoada this is the node's hex NodeId; the core treats it as an opaque string. */
export type PeerId = string;

/**
 * One server at a time: a configuration change adds or removes exactly one server, so the old and
 * the new majorities always overlap (Raft dissertation §4.1) and no joint state is needed.
 */
export type ConfChange =
  | { readonly op: 'add-voter'; readonly peer: PeerId }
  | { readonly op: 'add-learner'; readonly peer: PeerId } // also demotes a voter to learner
  | { readonly op: 'remove'; readonly peer: PeerId };

/** The configuration in effect: sorted, disjoint voter and learner sets. */
export interface ConfState {
  readonly voters: readonly PeerId[];
  readonly learners: readonly PeerId[];
}

export interface Entry {
  readonly term: number;
  readonly index: number;
  /** Application bytes (empty for the leader's no-op entry). */
  readonly data: Uint8Array;
  /** Present on configuration entries; takes effect when appended (dissertation §4.1). */
  readonly conf?: ConfChange;
}

/** What must be durable before any message that depends on it leaves (Raft §5.1, Figure 2). */
export interface HardState {
  readonly term: number;
  readonly vote: PeerId | null;
  readonly commit: number;
}

export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
  /** The application's serialized state machine at `index`. */
  readonly data: Uint8Array;
}

export type MessageType =
  | 'app' | 'app-resp'
  | 'vote' | 'vote-resp'
  | 'prevote' | 'prevote-resp'
  | 'heartbeat' | 'heartbeat-resp'
  | 'snap'
  | 'prop';

export interface Message {
  readonly type: MessageType;
  readonly from: PeerId;
  readonly to: PeerId;
  readonly term: number;
  /** app: term of the entry before `entries`; vote/prevote: candidate's last log term; app-resp reject: hint term. */
  readonly logTerm: number;
  /** app: index before `entries`; vote: candidate's last index; app-resp: match index or rejected index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** app-resp reject: the follower's hint for fast backtracking. */
  readonly rejectHint: number;
  readonly snapshot: Snapshot | null;
}

export function message(fields: Partial<Message> & Pick<Message, 'type' | 'from' | 'to' | 'term'>): Message {
  return {
    logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, snapshot: null,
    ...fields,
  };
}

export const EMPTY_CONF: ConfState = Object.freeze({ voters: [], learners: [] });

function sortedWith(list: readonly PeerId[], peer: PeerId): PeerId[] {
  return [...new Set([...list, peer])].sort();
}

/** Applies one change; pure. */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const voters = conf.voters.filter((p) => p !== change.peer);
  const learners = conf.learners.filter((p) => p !== change.peer);
  switch (change.op) {
    case 'add-voter':
      return { voters: sortedWith(voters, change.peer), learners };
    case 'add-learner':
      return { voters, learners: sortedWith(learners, change.peer) };
    case 'remove':
      return { voters, learners };
  }
}

export function describeConfChange(change: ConfChange): string {
  return `${change.op} ${change.peer.slice(0, 12)}`;
}

export function describeMessage(m: Message): string {
  const who = `${m.from.slice(0, 6)}->${m.to.slice(0, 6)}`;
  const extra = m.type === 'app'
    ? ` prev=${m.index}/${m.logTerm} n=${m.entries.length} commit=${m.commit}`
    : m.type === 'app-resp' ? ` index=${m.index}${m.reject ? ` reject hint=${m.rejectHint}/${m.logTerm}` : ''}`
      : m.type.endsWith('resp') ? (m.reject ? ' reject' : ' grant') : '';
  return `${m.type} ${who} t${m.term}${extra}`;
}
