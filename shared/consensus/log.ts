// RaftLog: the in-memory log after the last snapshot, with the persisted/unpersisted boundary and
// the configuration in effect (configuration entries take effect when appended, dissertation §4.1).
// The whole uncompacted log lives in memory; durability is the host's job (Ready.entries).

import { assert } from '../kit/assert';
import { applyConfChange, type ConfState, type Entry, type Snapshot } from './types';

export class RaftLog {
  snapshot: Snapshot;
  /** entries[i].index === snapshot.index + 1 + i */
  entries: Entry[] = [];
  committed: number;
  applied: number;
  /** Entries with index ≤ stableIndex are durable on this node. */
  stableIndex: number;
  /** A snapshot received from the leader that the host has not yet persisted/applied. */
  pendingSnapshot: Snapshot | null = null;
  conf: ConfState;
  /** Index of the configuration entry that produced `conf` (snapshot.index when none in the log). */
  confIndex: number;

  constructor(snapshot: Snapshot, entries: readonly Entry[], committed: number) {
    this.snapshot = snapshot;
    this.entries = entries.slice();
    for (let i = 0; i < this.entries.length; i++) {
      assert(this.entries[i]!.index === snapshot.index + 1 + i, 'log entries must be contiguous after the snapshot');
    }
    this.committed = Math.max(committed, snapshot.index);
    assert(this.committed <= this.lastIndex(), `commit ${committed} beyond last index ${this.lastIndex()}`);
    this.applied = snapshot.index;
    this.stableIndex = this.lastIndex();
    this.conf = snapshot.conf;
    this.confIndex = snapshot.index;
    this.recomputeConf();
  }

  firstIndex(): number {
    return this.snapshot.index + 1;
  }

  lastIndex(): number {
    return this.snapshot.index + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex())!;
  }

  /** Term at `index`, or null when compacted away or beyond the end. */
  term(index: number): number | null {
    if (index === this.snapshot.index) return this.snapshot.term;
    if (index < this.snapshot.index || index > this.lastIndex()) return null;
    return this.entries[index - this.snapshot.index - 1]!.term;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - this.snapshot.index - 1];
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: the candidate's log is at least as up to date as ours. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi) — lo must be ≥ firstIndex. */
  slice(lo: number, hi: number, maxCount = Infinity): Entry[] {
    assert(lo >= this.firstIndex(), `slice from compacted index ${lo}`);
    const end = Math.min(hi, lo + maxCount, this.lastIndex() + 1);
    return this.entries.slice(lo - this.snapshot.index - 1, end - this.snapshot.index - 1);
  }

  /** Leader append: entries must continue the log exactly. */
  append(entries: readonly Entry[]): void {
    for (const e of entries) {
      assert(e.index === this.lastIndex() + 1, `append index ${e.index} after ${this.lastIndex()}`);
      this.entries.push(e);
      if (e.conf) {
        this.conf = applyConfChange(this.conf, e.conf);
        this.confIndex = e.index;
      }
    }
  }

  /** Raft §5.3 AppendEntries receiver: returns the last new index, or null on a log mismatch. */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    let start = entries.length;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.index <= this.snapshot.index) continue; // already compacted ⇒ committed ⇒ identical
      const ours = this.term(e.index);
      if (ours === e.term) continue;
      if (ours !== null) {
        // Conflict: delete it and everything that follows (§5.3). Committed entries never conflict.
        assert(e.index > this.committed, `conflict at committed index ${e.index}`);
        this.truncateFrom(e.index);
      }
      start = i;
      break;
    }
    if (start < entries.length) this.append(entries.slice(start));
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  private truncateFrom(index: number): void {
    this.entries.length = index - this.snapshot.index - 1;
    this.stableIndex = Math.min(this.stableIndex, index - 1);
    if (this.confIndex >= index) this.recomputeConf();
  }

  private recomputeConf(): void {
    let conf = this.snapshot.conf;
    let confIndex = this.snapshot.index;
    for (const e of this.entries) {
      if (e.conf) {
        conf = applyConfChange(conf, e.conf);
        confIndex = e.index;
      }
    }
    this.conf = conf;
    this.confIndex = confIndex;
  }

  commitTo(index: number): void {
    if (index > this.committed) {
      assert(index <= this.lastIndex(), `commit ${index} beyond last index ${this.lastIndex()}`);
      this.committed = index;
    }
  }

  /**
   * Fast backtracking (etcd findConflictByTerm): the largest index ≤ `index` whose term ≤ `term`,
   * so a whole term of mismatching entries is skipped in one round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.snapshot.index; i--) {
      const t = this.term(i)!;
      if (t <= term) return { index: i, term: t };
    }
    return { index: this.snapshot.index, term: this.snapshot.term };
  }

  unstableEntries(): Entry[] {
    return this.stableIndex >= this.lastIndex() ? [] : this.slice(this.stableIndex + 1, this.lastIndex() + 1);
  }

  /** Installs a snapshot from the leader: the log is replaced when it does not contain the snapshot's last entry. */
  restore(snapshot: Snapshot): void {
    if (this.matchTerm(snapshot.index, snapshot.term)) {
      // We already have the snapshot's last entry: keep the suffix (Raft §7).
      this.entries = this.entries.slice(snapshot.index - this.snapshot.index);
    } else {
      this.entries = [];
    }
    this.snapshot = snapshot;
    this.committed = Math.max(this.committed, snapshot.index);
    this.stableIndex = Math.max(Math.min(this.stableIndex, this.lastIndex()), snapshot.index);
    this.pendingSnapshot = snapshot;
    this.recomputeConf();
  }

  /** Local compaction: drops entries ≤ index, which must be applied. */
  compact(index: number, data: Uint8Array): Snapshot {
    assert(index <= this.applied && index > this.snapshot.index, `compact to ${index} (applied ${this.applied}, snapshot ${this.snapshot.index})`);
    const term = this.term(index)!;
    let conf = this.snapshot.conf;
    for (const e of this.entries) {
      if (e.index > index) break;
      if (e.conf) conf = applyConfChange(conf, e.conf);
    }
    const snapshot: Snapshot = { index, term, conf, data };
    this.entries = this.entries.slice(index - this.snapshot.index);
    this.snapshot = snapshot;
    return snapshot;
  }
}
