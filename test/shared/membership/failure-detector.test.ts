import { describe, expect, it } from 'vitest';
import { chitchatPhi, IntervalWindow, LocalHealth, PeerDetector, type DetectorSettings } from '../../../shared/membership/failure-detector';

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
