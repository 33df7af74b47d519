// Per-follower replication progress kept by the leader (etcd-raft tracker/progress.go in spirit):
// probe (one append in flight until a reply), replicate (pipelined up to an in-flight window),
// snapshot (waiting for a snapshot to land).

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** Probe: an append is outstanding; further appends wait for a reply or a heartbeat reply. */
  probeSent = false;
  /** Replicate: last index of each in-flight append, oldest first. */
  inflight: number[] = [];
  /** Heard from since the last CheckQuorum round. */
  recentActive = false;
  pendingSnapshot = 0;

  constructor(next: number, readonly maxInflight: number) {
    this.next = next;
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.probeSent = false;
    this.inflight = [];
    this.pendingSnapshot = 0;
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.inflight = [];
    this.probeSent = false;
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.inflight = [];
    this.probeSent = false;
  }

  /** An acknowledgement of `index`; false when stale. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift();
    return updated;
  }

  /**
   * A rejection of the append at `rejected`, with the leader-side probe point derived from the
   * follower's hint. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, probeIndex: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeIndex + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent;
      case 'replicate': return this.inflight.length >= this.maxInflight;
      case 'snapshot': return true;
    }
  }

  sentEntries(lastIndex: number): void {
    if (this.state === 'replicate') {
      this.next = lastIndex + 1;
      this.inflight.push(lastIndex);
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }
}
