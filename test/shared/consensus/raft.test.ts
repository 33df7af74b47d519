// Spec-anchored tests of RaftMachine: one test per rule, titled with the paper/dissertation section.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/kit/prng';
import { committedIndex } from '../../../shared/consensus/quorum';
import { DEFAULT_RAFT_TUNING, RaftMachine, type RaftConfig } from '../../../shared/consensus/raft';
import { message, type Entry, type Message } from '../../../shared/consensus/types';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function config(id: string, over: Partial<RaftConfig> = {}): RaftConfig {
  return { id, ...DEFAULT_RAFT_TUNING, prng: new Prng(id.charCodeAt(0)), ...over };
}

/** A tiny synchronous network: persist instantly, deliver everything unless cut. */
class Net {
  readonly nodes = new Map<string, RaftMachine>();
  readonly cut = new Set<string>(); // "a>b"
  readonly sent: Message[] = [];
  private queue: Message[] = [];

  constructor(ids: string[], over: Partial<RaftConfig> = {}, bootstrap = true) {
    for (const id of ids) {
      const r = new RaftMachine(config(id, over));
      if (bootstrap) r.bootstrap(ids);
      this.nodes.set(id, r);
    }
  }

  get(id: string): RaftMachine {
    return this.nodes.get(id)!;
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) { this.cut.add(`${id}>${other}`); this.cut.add(`${other}>${id}`); }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Drains readies and delivers messages until quiet. */
  stabilize(maxRounds = 100): void {
    for (let round = 0; round < maxRounds; round++) {
      let any = false;
      for (const r of this.nodes.values()) {
        while (r.hasReady()) {
          any = true;
          const rd = r.ready();
          this.queue.push(...rd.messages, ...rd.messagesAfterPersist);
          r.advance(rd);
        }
      }
      const batch = this.queue;
      this.queue = [];
      for (const m of batch) {
        this.sent.push(m);
        if (this.cut.has(`${m.from}>${m.to}`)) continue;
        this.nodes.get(m.to)?.step(m);
      }
      if (!any && batch.length === 0) return;
    }
  }

  tickAll(n: number): void {
    for (let i = 0; i < n; i++) {
      for (const r of this.nodes.values()) r.tick();
      this.stabilize();
    }
  }

  leaders(): RaftMachine[] {
    return [...this.nodes.values()].filter((r) => r.role === 'leader');
  }

  elect(id: string): void {
    this.get(id).campaign();
    this.stabilize();
    expect(this.get(id).role).toBe('leader');
  }
}

describe('§5.2 leader election', () => {
  it('§5.2 a follower that hears nothing starts an election after its randomized timeout (no PreVote: term+1)', () => {
    const net = new Net(['a', 'b', 'c'], { preVote: false });
    const a = net.get('a');
    const before = a.term;
    for (let i = 0; i < 2 * DEFAULT_RAFT_TUNING.electionTicks && a.role === 'follower'; i++) a.tick();
    expect(a.role).toBe('candidate');
    expect(a.term).toBe(before + 1);
    expect(a.vote).toBe('a');
  });

  it('§5.2 randomized timeouts fall in [electionTicks, 2·electionTicks) and differ between nodes', () => {
    const fired = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const r = new RaftMachine({ ...config('a', { preVote: false }), prng: new Prng(seed) });
      r.bootstrap(['a', 'b', 'c']);
      let ticks = 0;
      while (r.role === 'follower') { r.tick(); ticks++; }
      expect(ticks).toBeGreaterThanOrEqual(DEFAULT_RAFT_TUNING.electionTicks);
      expect(ticks).toBeLessThan(2 * DEFAULT_RAFT_TUNING.electionTicks);
      fired.add(ticks);
    }
    expect(fired.size).toBeGreaterThan(3);
  });

  it('§5.2 a candidate with a majority of votes becomes leader; each node votes once per term', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    expect(net.leaders().map((r) => r.id)).toEqual(['a']);
    // b now asks for votes in the same term a won: a and c already voted.
    const b = net.get('b');
    const grant = (to: RaftMachine): boolean => {
      to.step(message({ type: 'vote', from: 'x', to: to.id, term: a().term, index: 100, logTerm: 100 }));
      const rd = to.ready();
      to.advance(rd);
      return rd.messagesAfterPersist.some((m) => m.type === 'vote-resp' && !m.reject);
    };
    const a = (): RaftMachine => net.get('a');
    expect(grant(net.get('c'))).toBe(false);
    expect(b.vote).toBe('a');
  });

  it('§5.2 a candidate that learns of a leader of its term becomes follower', () => {
    const net = new Net(['a', 'b', 'c'], { preVote: false });
    net.isolate('b');
    net.get('b').campaign();
    net.stabilize();
    expect(net.get('b').role).toBe('candidate');
    net.heal();
    net.isolate('a');
    net.isolate('c');
    net.heal();
    net.elect('a'); // a's term is lower: it must first catch up via b's higher term
    net.tickAll(3);
    expect(net.leaders().length).toBe(1);
  });

  it('§5.4.1 votes are denied to a candidate whose log is less up to date', () => {
    const net = new Net(['a', 'b', 'c'], { checkQuorum: false });
    net.elect('a');
    net.isolate('c');
    net.get('a').propose(enc('x'));
    net.stabilize();
    // c's log lacks the entry: b refuses c.
    const b = net.get('b');
    b.step(message({ type: 'vote', from: 'c', to: 'b', term: b.term + 1, index: net.get('c').log.lastIndex(), logTerm: net.get('c').log.lastTerm() }));
    const rd = b.ready();
    b.advance(rd);
    expect(rd.messagesAfterPersist.find((m) => m.type === 'vote-resp')?.reject).toBe(true);
  });
});

describe('§5.3 log replication', () => {
  it('§5.3 entries replicate and commit on a majority; followers learn the commit index (eager broadcast)', () => {
    const net = new Net(['a', 'b', 'c'], { eagerCommit: true });
    net.elect('a');
    const r = net.get('a').propose(enc('hello'));
    expect(r.ok).toBe(true);
    net.stabilize();
    for (const n of net.nodes.values()) {
      expect(n.log.committed).toBe(net.get('a').log.lastIndex());
      expect(new TextDecoder().decode(n.log.entry(n.log.lastIndex())!.data)).toBe('hello');
    }
  });

  it('lazy commit (default): no extra message when the commit index moves; the next heartbeat or append carries it', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    net.tickAll(1); // followers learn the no-op's commit
    const a = net.get('a');
    const sentBefore = net.sent.length;
    expect(a.propose(enc('one')).ok).toBe(true);
    net.stabilize();
    const exchanged = net.sent.slice(sentBefore);
    // One append to each follower and one acknowledgement back — nothing else.
    expect(exchanged.map((m) => `${m.type}:${m.from}>${m.to}`).sort()).toEqual(['app-resp:b>a', 'app-resp:c>a', 'app:a>b', 'app:a>c']);
    const last = a.log.lastIndex();
    expect(a.log.committed).toBe(last);
    for (const id of ['b', 'c']) expect(net.get(id).log.committed).toBe(last - 1);
    // The next append carries the commit index of the previous entry…
    expect(a.propose(enc('two')).ok).toBe(true);
    net.stabilize();
    for (const id of ['b', 'c']) expect(net.get(id).log.committed).toBe(last);
    // …and an idle leader's heartbeat carries the rest.
    net.tickAll(1);
    for (const n of net.nodes.values()) expect(n.log.committed).toBe(a.log.lastIndex());
  });

  it('§5.3 a follower rejects an append whose previous entry does not match, and conflicting entries are replaced', () => {
    const f = new RaftMachine(config('f'));
    f.bootstrap(['f', 'l']);
    // f has entries 3..5 from term 2 that the leader of term 3 never had.
    const mk = (index: number, term: number, s: string): Entry => ({ index, term, data: enc(s) });
    f.step(message({ type: 'app', from: 'old', to: 'f', term: 2, index: 2, logTerm: 1, entries: [mk(3, 2, 'x'), mk(4, 2, 'y'), mk(5, 2, 'z')], commit: 2 }));
    f.advance(f.ready());
    expect(f.log.lastIndex()).toBe(5);
    f.step(message({ type: 'app', from: 'l', to: 'f', term: 3, index: 5, logTerm: 3, entries: [], commit: 2 }));
    let rd = f.ready();
    f.advance(rd);
    const reject = rd.messagesAfterPersist.find((m) => m.type === 'app-resp')!;
    expect(reject.reject).toBe(true);
    // Fast backtracking hint: the largest index whose term ≤ 3 on f is 5 (term 2) → leader skips term 2 at once.
    expect(reject.rejectHint).toBe(5);
    expect(reject.logTerm).toBe(2);
    f.step(message({ type: 'app', from: 'l', to: 'f', term: 3, index: 2, logTerm: 1, entries: [mk(3, 3, 'A')], commit: 3 }));
    rd = f.ready();
    f.advance(rd);
    expect(f.log.lastIndex()).toBe(3);
    expect(f.log.entry(3)!.term).toBe(3);
    expect(rd.entries.map((e) => e.index)).toEqual([3]); // the host overwrites from index 3
    expect(f.log.committed).toBe(3);
  });

  it('batching: proposals made between two Readies leave as one append per follower, acknowledged with one message', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    net.stabilize();
    const a = net.get('a');
    const b = net.get('b');
    const first = a.log.lastIndex() + 1;
    for (let i = 0; i < 10; i++) expect(a.propose(enc(`p${i}`)).ok).toBe(true);
    const rd = a.ready();
    a.advance(rd);
    const apps = rd.messages.filter((m) => m.type === 'app');
    expect(apps.map((m) => m.to).sort()).toEqual(['b', 'c']);
    for (const m of apps) expect(m.entries.map((e) => e.index)).toEqual(Array.from({ length: 10 }, (_, i) => first + i));
    // Two appends reach b before it takes a Ready: its acknowledgement is cumulative, one message.
    for (let i = 0; i < 2; i++) expect(a.propose(enc(`q${i}`)).ok).toBe(true);
    const rd2 = a.ready();
    a.advance(rd2);
    const split = rd2.messages.find((m) => m.type === 'app' && m.to === 'b')!;
    b.step(apps.find((m) => m.to === 'b')!);
    b.step(split);
    const brd = b.ready();
    b.advance(brd);
    const acks = brd.messagesAfterPersist.filter((m) => m.type === 'app-resp');
    expect(acks.length).toBe(1);
    expect(acks[0]!.index).toBe(a.log.lastIndex());
    expect(brd.entries.map((e) => e.index)).toEqual(Array.from({ length: 12 }, (_, i) => first + i));
  });

  it('fast backtracking: a follower with a long divergent suffix converges in few round trips', () => {
    const net = new Net(['a', 'b', 'c'], { checkQuorum: false });
    net.elect('a');
    net.isolate('a');
    for (let i = 0; i < 200; i++) net.get('a').propose(enc(`lost${i}`)); // never committed
    net.stabilize();
    net.heal();
    net.isolate('a');
    net.elect('b');
    for (let i = 0; i < 5; i++) net.get('b').propose(enc(`kept${i}`));
    net.stabilize();
    net.heal();
    net.sent.length = 0;
    net.tickAll(2);
    const a = net.get('a');
    expect(a.role).toBe('follower');
    expect(a.log.lastIndex()).toBe(net.get('b').log.lastIndex());
    const rejects = net.sent.filter((m) => m.type === 'app-resp' && m.reject && m.from === 'a').length;
    expect(rejects).toBeLessThanOrEqual(3);
  });
});

describe('§5.4 safety', () => {
  it('§5.4.2 a leader does not commit a previous-term entry by counting replicas, only via a current-term entry', () => {
    const l = new RaftMachine(config('a', { preVote: false }));
    l.bootstrap(['a', 'b', 'c']);
    // Give a an old-term entry (term 2) then make it leader in term 4.
    l.step(message({ type: 'app', from: 'b', to: 'a', term: 2, index: 3, logTerm: 1, entries: [{ index: 4, term: 2, data: enc('old') }], commit: 3 }));
    l.advance(l.ready());
    l.step(message({ type: 'heartbeat', from: 'c', to: 'a', term: 3, commit: 3 }));
    l.advance(l.ready());
    l.campaign();
    let rd = l.ready();
    l.advance(rd);
    l.step(message({ type: 'vote-resp', from: 'b', to: 'a', term: l.term }));
    expect(l.role).toBe('leader');
    rd = l.ready();
    l.advance(rd);
    const noopIndex = l.log.lastIndex();
    // b acknowledges only the old entry (index 4): a majority holds it, but it is from term 2.
    l.step(message({ type: 'app-resp', from: 'b', to: 'a', term: l.term, index: 4 }));
    expect(l.log.committed).toBe(3);
    l.step(message({ type: 'app-resp', from: 'b', to: 'a', term: l.term, index: noopIndex }));
    expect(l.log.committed).toBe(noopIndex);
  });
});

describe('PreVote and CheckQuorum (dissertation §9.6, §6.2)', () => {
  it('a partitioned node does not inflate its term, and on return does not disrupt the leader', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    const term = net.get('a').term;
    net.isolate('c');
    net.tickAll(100);
    expect(net.get('c').term).toBe(term); // PreVote: no term bump without a pre-vote majority
    expect(net.get('c').role).toBe('pre-candidate');
    net.heal();
    net.tickAll(30);
    expect(net.get('a').role).toBe('leader');
    expect(net.get('a').term).toBe(term);
    expect(net.get('c').leader).toBe('a');
  });

  it('with CheckQuorum, a node that hears from a live leader ignores a vote request with a higher term', () => {
    const net = new Net(['a', 'b', 'c'], { preVote: false });
    net.elect('a');
    const b = net.get('b');
    const term = b.term;
    b.step(message({ type: 'vote', from: 'c', to: 'b', term: term + 5, index: 1000, logTerm: 1000 }));
    expect(b.term).toBe(term);
    expect(b.hasReady()).toBe(false);
  });

  it('CheckQuorum: a leader cut off from the majority steps down within an election timeout', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    net.isolate('a');
    net.tickAll(2 * DEFAULT_RAFT_TUNING.electionTicks + 1);
    expect(net.get('a').role).not.toBe('leader');
    // The majority side elects a new leader.
    net.tickAll(4 * DEFAULT_RAFT_TUNING.electionTicks);
    const leaders = net.leaders();
    expect(leaders.length).toBe(1);
    expect(leaders[0]!.id).not.toBe('a');
  });
});

describe('proposals on followers', () => {
  it('are forwarded to the leader and commit', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    const r = net.get('b').propose(enc('via-b'));
    expect(r.ok && 'forwardedTo' in r.value && r.value.forwardedTo).toBe('a');
    net.stabilize();
    const a = net.get('a');
    expect(new TextDecoder().decode(a.log.entry(a.log.committed)!.data)).toBe('via-b');
  });

  it('are redirected with the leader id when forwarding is off, and fail clearly with no leader', () => {
    const net = new Net(['a', 'b', 'c'], { forwardProposals: false });
    expect(net.get('b').propose(enc('x'))).toMatchObject({ ok: false, error: { code: 'no-leader' } });
    net.elect('a');
    expect(net.get('b').propose(enc('x'))).toMatchObject({ ok: false, error: { code: 'not-leader', leader: 'a' } });
  });
});

describe('membership (one server at a time, dissertation §4.1)', () => {
  it('a learner replicates the log but neither votes in the quorum nor campaigns', () => {
    const net = new Net(['a', 'b', 'c']);
    const d = new RaftMachine(config('d'));
    net.nodes.set('d', d);
    net.elect('a');
    expect(net.get('a').propose(new Uint8Array(0), { op: 'add-learner', peer: 'd' }).ok).toBe(true);
    net.stabilize();
    net.get('a').propose(enc('data'));
    net.stabilize();
    expect(d.log.lastIndex()).toBe(net.get('a').log.lastIndex());
    expect(d.conf().learners).toEqual(['d']);
    for (let i = 0; i < 100; i++) d.tick();
    expect(d.role).toBe('follower');
    // Quorum excludes learners: with b and c cut off, a + learner d cannot commit.
    net.isolate('b'); net.isolate('c'); net.cut.delete('a>d'); net.cut.delete('d>a');
    net.cut.add('b>d'); net.cut.add('c>d');
    const before = net.get('a').log.committed;
    net.get('a').propose(enc('no-quorum'));
    net.stabilize();
    expect(net.get('a').log.committed).toBe(before);
  });

  it('only one configuration change may be pending; the next waits for the commit', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    const a = net.get('a');
    net.isolate('b'); net.isolate('c');
    expect(a.propose(new Uint8Array(0), { op: 'add-learner', peer: 'd' }).ok).toBe(true);
    expect(a.propose(new Uint8Array(0), { op: 'add-learner', peer: 'e' })).toMatchObject({ ok: false, error: { code: 'conf-change-pending' } });
    net.heal();
    net.stabilize();
    expect(a.propose(new Uint8Array(0), { op: 'add-learner', peer: 'e' }).ok).toBe(true);
  });

  it('a new leader makes no configuration change before committing an entry of its term', () => {
    const net = new Net(['a', 'b', 'c']);
    net.isolate('b'); net.isolate('c');
    const a = net.get('a');
    a.campaign();
    net.stabilize();
    net.heal();
    net.cut.add('b>a'); net.cut.add('c>a');
    // a cannot win alone; simulate a leader whose no-op is not committed yet:
    const solo = new RaftMachine(config('s'));
    solo.bootstrap(['s', 't', 'u']);
    solo.campaign();
    solo.advance(solo.ready());
    solo.step(message({ type: 'prevote-resp', from: 't', to: 's', term: solo.term + 1 }));
    solo.advance(solo.ready());
    solo.step(message({ type: 'vote-resp', from: 't', to: 's', term: solo.term }));
    expect(solo.role).toBe('leader');
    expect(solo.propose(new Uint8Array(0), { op: 'add-voter', peer: 'v' })).toMatchObject({ ok: false, error: { code: 'conf-change-pending' } });
  });

  it('a leader that removes itself steps down once the removal commits', () => {
    const net = new Net(['a', 'b', 'c']);
    net.elect('a');
    expect(net.get('a').propose(new Uint8Array(0), { op: 'remove', peer: 'a' }).ok).toBe(true);
    net.stabilize();
    expect(net.get('a').role).toBe('follower');
    expect(net.get('b').conf().voters).toEqual(['b', 'c']);
    net.tickAll(4 * DEFAULT_RAFT_TUNING.electionTicks);
    expect(net.leaders().map((r) => r.id).filter((id) => id !== 'a').length).toBe(1);
  });
});

describe('quorum arithmetic', () => {
  it('committedIndex equals the largest index acknowledged by a majority (vs a dumb reference)', () => {
    fc.assert(fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 9 }), (matches) => {
      const voters = matches.map((_, i) => `v${i}`);
      const got = committedIndex(voters, (p) => matches[Number(p.slice(1))]!);
      let expected = 0;
      for (let idx = 0; idx <= 50; idx++) {
        if (matches.filter((m) => m >= idx).length * 2 > matches.length) expected = idx;
      }
      expect(got).toBe(expected);
    }));
  });
});
