import { describe, expect, it } from 'vitest';
import { chitchatPhi, IntervalWindow, LocalHealth, normalQuantileForPhi, normalTailLog10, PeerDetector, type DetectorSettings } from '../../../shared/membership/failure-detector';

const s: DetectorSettings = { phiThreshold: 8, initialIntervalMs: 100, timeoutMs: 300, suspicionMs: 150, suspicionMaxMs: 1200, confirmations: 2 };

describe('chitchat phi (chitchat-wire §3.5)', () => {
  it.each([
    // intervals, elapsed, expected phi: mean = (sum + 5·100) / (n + 5)
    [[100], 100, 100 / ((100 + 500) / 6)],
    [[50, 50, 50, 50, 50], 400, 400 / ((250 + 500) / 10)],
    [[1000], 0, 0],
  ])('intervals %j, elapsed %d ms', (intervals, elapsed, want) => {
    const w = new IntervalWindow();
    for (const i of intervals) w.add(i);
    expect(chitchatPhi(w, 1000, 1000 + elapsed, 100)).toBeCloseTo(want, 10);
  });
  it('no interval sampled ⇒ phi undefined', () => {
    expect(chitchatPhi(new IntervalWindow(), 0, 50, 100)).toBeNull();
  });
  it('window keeps the last N samples', () => {
    const w = new IntervalWindow(3);
    for (const i of [1000, 1000, 10, 10, 10]) w.add(i);
    expect(w.size).toBe(3);
    expect(w.mean(0)).toBeCloseTo(30 / 8, 10);
  });
  it('intervals over 10 s are not sampled', () => {
    const d = new PeerDetector();
    d.reportHeartbeat(0);
    d.reportHeartbeat(20_000);
    expect(d.window.size).toBe(0);
    d.reportHeartbeat(20_100);
    expect(d.window.size).toBe(1);
  });
});

describe('verdicts', () => {
  function warmed(): PeerDetector {
    const d = new PeerDetector();
    for (let t = 0; t <= 2000; t += 25) d.reportHeartbeat(t);
    expect(d.evaluate(2000, s, 1, 3)).toBe('healthy');
    return d;
  }
  it('silence past phi and the timeout ⇒ suspect; confirmed + suspicion period ⇒ dead', () => {
    const d = warmed();
    expect(d.evaluate(2250, s, 1, 3)).toBe('healthy'); // phi > 8 but silence < 300 ms
    expect(d.evaluate(2310, s, 1, 3)).toBe('suspect');
    d.confirmedBy.add('a');
    d.confirmedBy.add('b');
    expect(d.evaluate(2400, s, 1, 3)).toBe('suspect'); // suspicion period not over
    expect(d.evaluate(2470, s, 1, 3)).toBe('dead');
    expect(d.window.size).toBe(0);
  });
  it('without confirmations only the long suspicion timeout kills', () => {
    const d = warmed();
    expect(d.evaluate(2310, s, 1, 3)).toBe('suspect');
    expect(d.evaluate(3000, s, 1, 3)).toBe('suspect');
    expect(d.evaluate(3520, s, 1, 3)).toBe('dead');
  });
  it('no other live peers ⇒ no confirmations needed', () => {
    const d = warmed();
    expect(d.evaluate(2310, s, 1, 0)).toBe('suspect');
    expect(d.evaluate(2470, s, 1, 0)).toBe('dead');
  });
  it('a fresh heartbeat clears suspicion', () => {
    const d = warmed();
    expect(d.evaluate(2310, s, 1, 3)).toBe('suspect');
    d.reportHeartbeat(2320);
    expect(d.evaluate(2330, s, 1, 3)).toBe('healthy');
  });
  it('the local-health multiplier stretches every threshold', () => {
    const d = warmed();
    expect(d.evaluate(2310, s, 3, 3)).toBe('healthy');
    expect(d.evaluate(2910, s, 3, 3)).toBe('suspect');
  });
  it('rebase moves the last arrival past a stall', () => {
    const d = warmed();
    d.rebase(5000);
    expect(d.evaluate(7100, s, 1, 3)).toBe('healthy');
  });
  it('local health saturates and recovers', () => {
    const h = new LocalHealth();
    h.penalize(5);
    h.penalize(5);
    expect(h.multiplier).toBe(9);
    h.recover();
    expect(h.score).toBe(7);
  });
});

describe('normal tail and quantile (the accrual model)', () => {
  it.each([
    // z, log10 P(Z > z) — reference values from 0.5·erfc(z/√2) in double precision
    [-3, -0.0005866493137900705],
    [-1, -0.07502601295781802],
    [0, -0.3010299956639812],
    [1, -0.7995455414919704],
    [1.999, -1.6419855980582176], // just below the switch from the series to the continued fraction
    [2.001, -1.6440469468873542], // just above it
    [3, -2.8696990359293686],
    [5.612, -7.999996876659292],
    [8, -15.206142551017152],
    [12, -32.750439161191856],
    [30, -197.3092092616609],
  ])('log10 Q(%d)', (z, want) => {
    expect(Math.abs(normalTailLog10(z) - want) / Math.abs(want)).toBeLessThan(1e-9);
  });
  it('far below the mean the tail is 1 (phi 0), never NaN', () => {
    for (const z of [-8, -40, -1e6]) {
      const v = normalTailLog10(z);
      expect(Number.isFinite(v)).toBe(true);
      expect(Math.abs(v)).toBeLessThan(1e-15);
    }
  });
  it.each([
    [1, 1.2815515655446004],
    [2, 2.3263478740408408],
    [3, 3.090232306167813],
    [8, 5.612001244174788],
  ])('phi %d ⇒ z %d', (phi, want) => {
    expect(normalQuantileForPhi(phi)).toBeCloseTo(want, 8);
  });
  it('smoothing toward the prior applies to both moments', () => {
    const w = new IntervalWindow();
    w.add(80);
    w.add(120);
    // 5 pseudo-samples of mean 100 and sd 25: mean (200 + 500) / 7 = 100,
    // second moment (6400 + 14400 + 5·(10000 + 625)) / 7 = 10560.71…, sd √560.71… = 23.679…
    const { mean, sd } = w.smoothed(100, 25);
    expect(mean).toBeCloseTo(100, 10);
    expect(sd).toBeCloseTo(23.679406363215406, 9);
    expect(new IntervalWindow().smoothed(100, 25)).toEqual({ mean: 100, sd: 25 });
  });
});

describe('accrual trigger on simulated arrival sequences', () => {
  /** Direct evidence (beacons, the peer's own digests) at the given gaps, starting at t = 0. */
  function fed(gaps: readonly number[]): { d: PeerDetector; last: number } {
    const d = new PeerDetector();
    let t = 0;
    d.reportHeartbeat(t);
    for (const g of gaps) {
      t += g;
      d.reportHeartbeat(t);
    }
    d.evaluate(t, s, 1, 3);
    return { d, last: t };
  }
  const repeat = <T>(xs: readonly T[], n: number): T[] => Array.from({ length: n }, () => xs).flat();

  it.each([
    // name, gaps, suspect-after (μ + z·σ over the smoothed window, floored at the 300 ms timeout)
    ['clockwork: every 100 ms', repeat([100], 100), 300],
    ['jittery: 20 / 180 ms alternating', repeat([20, 180], 50), 539.2085695125877],
    ['stall-prone: a 300 ms gap every 10th', repeat([100, 100, 100, 100, 100, 100, 100, 100, 100, 300], 10), 449.94036523184747],
  ])('%s', (_name, gaps, limit) => {
    const { d, last } = fed(gaps);
    expect(d.suspectAfterMs(s, 1)).toBeCloseTo(limit, 6);
    expect(d.suspectAfterMs(s, 2)).toBeCloseTo(2 * limit, 6);
    expect(d.evaluate(last + limit - 1, s, 1, 3)).toBe('healthy');
    expect(d.evaluate(last + limit + 1, s, 1, 3)).toBe('suspect');
    // Above the floor, the bound is where Hayashibara's phi crosses the threshold.
    if (limit > s.timeoutMs) expect(d.accrualPhi(last + limit, s)).toBeCloseTo(s.phiThreshold, 6);
  });

  it('chitchat trigger: m · max(timeout, threshold · mean of heartbeat gaps)', () => {
    const { d, last } = fed(repeat([100], 100));
    const c: DetectorSettings = { ...s, trigger: 'chitchat' };
    const mean = (100 * 100 + 5 * 100) / 105;
    expect(d.suspectAfterMs(c, 1)).toBeCloseTo(8 * mean, 9);
    expect(d.evaluate(last + 8 * mean - 1, c, 1, 3)).toBe('healthy');
    expect(d.evaluate(last + 8 * mean + 1, c, 1, 3)).toBe('suspect');
  });

  it('evidence closer than the coalescing window is one observation', () => {
    const d = new PeerDetector();
    d.reportEvidence(0, 10);
    d.reportEvidence(3, 10);
    d.reportEvidence(100, 10);
    expect(d.evidence.size).toBe(1);
    expect(d.evidence.mean(100)).toBeCloseTo((97 + 500) / 6, 9);
    expect(d.lastEvidenceMs).toBe(100);
  });

  it('relayed heartbeats: not evidence while healthy, a refutation while suspect, then evidence until heard directly', () => {
    const { d, last } = fed(repeat([100], 100));
    // Relayed news while healthy feeds chitchat's window only.
    d.reportHeartbeat(last + 50, true, 0, false);
    expect(d.lastArrivalMs).toBe(last + 50);
    expect(d.lastEvidenceMs).toBe(last);
    expect(d.phi(last + 50, s)).toBe(0);
    expect(d.evaluate(last + 301, s, 1, 3)).toBe('suspect');
    // …the same news while suspect refutes, and relayed news counts from then on.
    d.reportHeartbeat(last + 320, true, 0, false);
    expect(d.evaluate(last + 321, s, 1, 3)).toBe('healthy');
    expect(d.relayedCounts).toBe(true);
    d.reportHeartbeat(last + 500, true, 0, false);
    expect(d.lastEvidenceMs).toBe(last + 500);
    // Direct evidence ends that.
    d.reportEvidence(last + 550);
    expect(d.relayedCounts).toBe(false);
    d.reportHeartbeat(last + 600, true, 0, false);
    expect(d.lastEvidenceMs).toBe(last + 550);
    // With relayedWhileHealthy (chitchat selection: no beacons) relayed news always counts.
    d.reportHeartbeat(last + 650, true, 0, true);
    expect(d.lastEvidenceMs).toBe(last + 650);
  });

  it('rebase moves the evidence clock too', () => {
    const { d, last } = fed(repeat([100], 100));
    d.rebase(1000);
    expect(d.evaluate(last + 1200, s, 1, 3)).toBe('healthy');
    expect(d.evaluate(last + 1301, s, 1, 0)).toBe('suspect');
  });

  it('our dead verdict clears only our window; chitchat clears its own when its phi crosses the threshold', () => {
    const { d, last } = fed(repeat([100], 100));
    expect(d.evaluate(last + 301, s, 1, 0)).toBe('suspect');
    expect(d.evaluate(last + 460, s, 1, 0)).toBe('dead');
    expect(d.evidence.size).toBe(0);
    expect(d.joined).toBe(false);
    // chitchat: phi = 460 / 100 ≤ 8, still live, window kept.
    expect(d.chitchatLive(last + 460, s)).toBe(true);
    expect(d.window.size).toBe(100);
    d.evaluate(last + 801, s, 1, 0);
    expect(d.chitchatLive(last + 801, s)).toBe(false);
    expect(d.window.size).toBe(0);
    // One relayed heartbeat brings it back in both views (as in chitchat: it keeps the arrival time).
    d.reportHeartbeat(last + 900, true, 0, false);
    expect(d.evaluate(last + 900, s, 1, 0)).toBe('healthy');
    expect(d.chitchatLive(last + 900, s)).toBe(true);
  });
});
