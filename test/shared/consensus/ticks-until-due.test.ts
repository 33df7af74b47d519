// RaftMachine.ticksUntilDue: the ticks before the one it names only count, so a host may sleep
// through them (and catch them up before its next step); the named tick can act.

import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/kit/prng';
import { DEFAULT_RAFT_TUNING, RaftMachine, type RaftConfig } from '../../../shared/consensus/raft';
import type { Message } from '../../../shared/consensus/types';

function config(id: string, over: Partial<RaftConfig> = {}): RaftConfig {
  return { id, ...DEFAULT_RAFT_TUNING, prng: new Prng(id.charCodeAt(0) * 31 + 7), ...over };
}

/** What a tick can change that anyone outside the machine could see. */
function observable(r: RaftMachine): string {
  const s = r.status();
  return JSON.stringify([s.role, s.term, s.vote, s.leader, s.commit, s.lastIndex, r.hasReady()]);
}

/** Persists instantly and delivers every message (the nodes in `down` hear and say nothing). */
function settle(nodes: Map<string, RaftMachine>, down: ReadonlySet<string>): void {
  for (let round = 0; round < 50; round++) {
    const out: Message[] = [];
    for (const [id, r] of nodes) {
      while (r.hasReady()) {
        const rd = r.ready();
        if (!down.has(id)) out.push(...rd.messages, ...rd.messagesAfterPersist);
        r.advance(rd);
      }
    }
    if (out.length === 0) return;
    for (const m of out) if (!down.has(m.to)) nodes.get(m.to)?.step(m);
  }
}

describe('RaftMachine.ticksUntilDue', () => {
  it('a follower: silent until its randomized election timeout, then it campaigns on exactly that tick', () => {
    for (let seed = 0; seed < 10; seed++) {
      const r = new RaftMachine({ ...config('a'), prng: new Prng(seed) });
      r.bootstrap(['a', 'b', 'c']);
      r.advance(r.ready());
      const k = r.ticksUntilDue();
      expect(k).toBeGreaterThanOrEqual(DEFAULT_RAFT_TUNING.electionTicks);
      expect(k).toBeLessThan(2 * DEFAULT_RAFT_TUNING.electionTicks);
      const before = observable(r);
      for (let i = 1; i < k; i++) {
        r.tick();
        expect(observable(r)).toBe(before);
        expect(r.ticksUntilDue()).toBe(k - i);
      }
      r.tick();
      expect(r.role).toBe('pre-candidate');
    }
  });

  it('a leader: due at each heartbeat; alone in its configuration, never', () => {
    const solo = new RaftMachine(config('s'));
    solo.bootstrap(['s']);
    for (let i = 0; i < 3 * DEFAULT_RAFT_TUNING.electionTicks && solo.role !== 'leader'; i++) solo.tick();
    expect(solo.role).toBe('leader');
    while (solo.hasReady()) solo.advance(solo.ready());
    expect(solo.ticksUntilDue()).toBe(Infinity);
    const before = observable(solo);
    for (let i = 0; i < 10 * DEFAULT_RAFT_TUNING.electionTicks; i++) solo.tick();
    expect(observable(solo)).toBe(before);

    const nodes = new Map(['a', 'b', 'c'].map((id) => [id, new RaftMachine(config(id))]));
    for (const r of nodes.values()) r.bootstrap(['a', 'b', 'c']);
    const a = nodes.get('a')!;
    a.campaign();
    settle(nodes, new Set());
    expect(a.role).toBe('leader');
    for (let beat = 0; beat < 10; beat++) {
      const k = a.ticksUntilDue();
      expect(k).toBeLessThanOrEqual(DEFAULT_RAFT_TUNING.heartbeatTicks);
      for (let i = 1; i < k; i++) {
        a.tick();
        expect(a.hasReady()).toBe(false);
      }
      a.tick();
      expect(a.hasReady()).toBe(true);
      settle(nodes, new Set());
    }
  });

  it('a non-voter never needs a tick; ticks it sleeps through still count once it becomes a voter', () => {
    const l = new RaftMachine(config('l'));
    expect(l.ticksUntilDue()).toBe(Infinity);
    for (let i = 0; i < 5; i++) l.tick();
    l.bootstrap(['l', 'm']);
    expect(l.ticksUntilDue()).toBeLessThanOrEqual(2 * DEFAULT_RAFT_TUNING.electionTicks - 5);
  });

  it('across elections, partitions and CheckQuorum step-downs: never a tick that acts before the one named', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const nodes = new Map(ids.map((id) => [id, new RaftMachine(config(id))]));
    for (const r of nodes.values()) r.bootstrap(ids);
    const rng = new Prng(42);
    let down = new Set<string>();
    let acted = 0;
    for (let step = 0; step < 3000; step++) {
      if (step % 300 === 0) down = new Set(ids.filter(() => rng.chance(0.3)));
      const due = new Map([...nodes].map(([id, r]) => [id, r.ticksUntilDue()]));
      for (const [id, r] of nodes) {
        const before = observable(r);
        r.tick();
        const k = due.get(id)!;
        if (observable(r) !== before) {
          acted++;
          expect(k, `${id} acted at step ${step}`).toBe(1);
        }
      }
      settle(nodes, down);
    }
    expect(acted).toBeGreaterThan(50);
  });
});
