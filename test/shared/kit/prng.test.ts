import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/kit/prng';

describe('Prng', () => {
  it('replays exactly from its seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const seqA = Array.from({ length: 100 }, () => a.nextU32());
    const seqB = Array.from({ length: 100 }, () => b.nextU32());
    expect(seqA).toEqual(seqB);
    expect(new Set(seqA).size).toBe(100);
    expect(new Prng(43).nextU32()).not.toBe(seqA[0]);
  });

  it('draws integers uniformly within bounds', () => {
    const prng = new Prng(7);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[prng.nextInt(10)]++;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 1000; i++) {
      const v = prng.nextRange(150, 299);
      expect(v).toBeGreaterThanOrEqual(150);
      expect(v).toBeLessThanOrEqual(299);
    }
  });

  it('shuffles without losing items', () => {
    const prng = new Prng(1);
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = prng.shuffled(items);
    expect([...shuffled].sort((x, y) => x - y)).toEqual(items);
    expect(shuffled).not.toEqual(items);
  });
});
