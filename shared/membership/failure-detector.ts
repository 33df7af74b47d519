// Failure detection: chitchat's phi (chitchat-wire §3.5) plus protection against false "dead"
// verdicts when THIS node is the slow one.
//
// chitchat part (exact): per peer, a window of heartbeat inter-arrival intervals; intervals longer
// than `maxIntervalMs` are not sampled; mean = (sum + 5·prior) / (n + 5) with prior =
// initialInterval; phi = (now − lastArrival) / mean; undefined (⇒ not live) before the first
// interval; chitchat calls a peer live iff phi ≤ threshold (`chitchatLive`).
//
// Our verdict (healthy → suspect → dead), evaluated every tick:
//   suspect  when phi > threshold·m AND silence > failure_detector_timeout·m, where m ≥ 1 is the
//            local-health multiplier (below);
//   dead     when a suspect peer stays silent for the suspicion period AND either k independent
//            confirmations arrived (digests from other peers, received after the suspicion began,
//            that carry no newer heartbeat for it — they have not heard it either) or the long
//            suspicion timeout ran out (nobody to confirm). A fresh heartbeat clears suspicion.
//   Local health: a saturating score 0..LOCAL_HEALTH_MAX; m = 1 + score. The host's clock
//            observations raise it: a gap between entry calls far beyond the cadence means our
//            event loop stalled or the machine slept. Every calm round lowers it by one.
//   Rebase:  after a detected stall, every peer's last-arrival time is moved forward by the stall,
//            so silence that we could not have observed does not count against them.

export const PRIOR_WEIGHT = 5;
export const WINDOW_SIZE = 1000;
export const MAX_INTERVAL_MS = 10_000;
export const LOCAL_HEALTH_MAX = 8;

export type PeerHealth = 'healthy' | 'suspect' | 'dead';

export interface DetectorSettings {
  readonly phiThreshold: number;
  /** chitchat `initial_interval` (engenho sets it to the gossip interval). */
  readonly initialIntervalMs: number;
  /** failure_detector_timeout_ms: the least silence that can make a peer suspect. */
  readonly timeoutMs: number;
  /** Least time a peer stays suspect before it can be declared dead (with confirmations). */
  readonly suspicionMs: number;
  /** Longest suspicion without confirmations before a peer is declared dead anyway. */
  readonly suspicionMaxMs: number;
  /** Confirmations wanted (capped by the number of other live peers). */
  readonly confirmations: number;
}

/** Ring buffer of sampled intervals with chitchat's smoothed mean. */
export class IntervalWindow {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;

  constructor(readonly capacity = WINDOW_SIZE) {
    this.samples = new Float64Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(intervalMs: number): void {
    if (this.count === this.capacity) this.sum -= this.samples[this.next]!;
    else this.count++;
    this.samples[this.next] = intervalMs;
    this.sum += intervalMs;
    this.next = (this.next + 1) % this.capacity;
  }

  clear(): void {
    this.next = 0;
    this.count = 0;
    this.sum = 0;
  }

  /** chitchat's additive-smoothing mean; null with no samples. */
  mean(priorMs: number): number | null {
    if (this.count === 0) return null;
    return (this.sum + PRIOR_WEIGHT * priorMs) / (this.count + PRIOR_WEIGHT);
  }
}

/** chitchat phi: elapsed / smoothed mean; null when no interval has been sampled. */
export function chitchatPhi(window: IntervalWindow, lastArrivalMs: number | null, nowMs: number, priorMs: number): number | null {
  const mean = window.mean(priorMs);
  if (mean === null || lastArrivalMs === null) return null;
  return Math.max(0, nowMs - lastArrivalMs) / mean;
}

/** Per-peer detector state. */
export class PeerDetector {
  readonly window = new IntervalWindow();
  lastArrivalMs: number | null = null;
  health: PeerHealth = 'dead';
  suspectSinceMs: number | null = null;
  /** Senders whose digests confirmed the suspicion (they have no newer heartbeat either). */
  readonly confirmedBy = new Set<string>();
  deadSinceMs: number | null = null;

  /** A strictly higher heartbeat was observed at `nowMs`. */
  reportHeartbeat(nowMs: number): void {
    if (this.lastArrivalMs !== null) {
      const interval = nowMs - this.lastArrivalMs;
      if (interval >= 0 && interval <= MAX_INTERVAL_MS) this.window.add(interval);
    }
    this.lastArrivalMs = nowMs;
    this.suspectSinceMs = null;
    this.confirmedBy.clear();
  }

  phi(nowMs: number, s: DetectorSettings): number | null {
    return chitchatPhi(this.window, this.lastArrivalMs, nowMs, s.initialIntervalMs);
  }

  /** chitchat's own verdict (for parity): live iff phi is defined and ≤ threshold. */
  chitchatLive(nowMs: number, s: DetectorSettings): boolean {
    const phi = this.phi(nowMs, s);
    return phi !== null && phi <= s.phiThreshold;
  }

  /** Moves the last arrival forward by a stall this node could not observe through. */
  rebase(stallMs: number): void {
    if (this.lastArrivalMs !== null) this.lastArrivalMs += stallMs;
    if (this.suspectSinceMs !== null) this.suspectSinceMs += stallMs;
  }

  /**
   * Re-evaluates the verdict. `multiplier` is the local-health multiplier; `othersLive` the number
   * of other live peers that could confirm. Returns the new health.
   */
  evaluate(nowMs: number, s: DetectorSettings, multiplier: number, othersLive: number): PeerHealth {
    const phi = this.phi(nowMs, s);
    if (phi === null || this.lastArrivalMs === null) {
      // Never sampled an interval: chitchat treats it as dead; we call it suspect while it is
      // new (it joins as soon as a second heartbeat arrives) unless it was dead already.
      if (this.health !== 'dead') this.health = 'suspect';
      return this.health;
    }
    const silence = nowMs - this.lastArrivalMs;
    const overdue = phi > s.phiThreshold * multiplier && silence > s.timeoutMs * multiplier;
    if (!overdue) {
      this.health = 'healthy';
      this.suspectSinceMs = null;
      this.deadSinceMs = null;
      this.confirmedBy.clear();
      return this.health;
    }
    if (this.health === 'dead') return this.health;
    if (this.suspectSinceMs === null) {
      this.suspectSinceMs = nowMs;
      this.confirmedBy.clear();
    }
    this.health = 'suspect';
    const suspectFor = nowMs - this.suspectSinceMs;
    const wanted = Math.min(s.confirmations, othersLive);
    const confirmed = this.confirmedBy.size >= wanted;
    if ((confirmed && suspectFor >= s.suspicionMs * multiplier) || suspectFor >= s.suspicionMaxMs * multiplier) {
      this.health = 'dead';
      this.deadSinceMs = nowMs;
      // chitchat clears the sampling window when a node turns dead (it keeps the arrival time).
      this.window.clear();
    }
    return this.health;
  }
}

/** Saturating local-health score (Lifeguard's "awareness"). */
export class LocalHealth {
  score = 0;
  stalls = 0;
  lastStallMs = 0;

  get multiplier(): number {
    return 1 + this.score;
  }

  penalize(points: number): void {
    this.score = Math.min(LOCAL_HEALTH_MAX, this.score + points);
  }

  recover(): void {
    if (this.score > 0) this.score--;
  }
}
