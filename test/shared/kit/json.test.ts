import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJson, type JsonValue } from '../../../shared/kit/json';

function parsed(text: string): JsonValue {
  const result = parseJson(text);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

function failure(text: string) {
  const result = parseJson(text);
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

function roundBigints(value: JsonValue): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(roundBigints);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: roundBigints(item), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

describe('strict JSON reader', () => {
  it('agrees with JSON.parse on ordinary documents', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
      const text = JSON.stringify(value);
      // Integers beyond ±(2^53 − 1) come back as exact bigints; JSON.parse rounds them. Compare
      // after rounding ours the same way, and check the bigint is exactly the written integer.
      expect(roundBigints(parsed(text))).toEqual(JSON.parse(text));

    }), { numRuns: 300 });
  });

  it('keeps u64 integers exact above 2^53 − 1', () => {
    expect(parsed('9007199254740991')).toBe(9007199254740991);
    expect(parsed('9007199254740993')).toBe(9007199254740993n);
    expect(parsed('18446744073709551615')).toBe(18446744073709551615n);
    expect(parsed('[1.5, 1e3, -0]')).toEqual([1.5, 1000, -0]);
    expect(parsed('-9007199254740992')).toBe(-9007199254740992n);
  });

  it('reports line and column of errors', () => {
    expect(failure('{\n  "a": [1,\n  2,,]\n}')).toMatchObject({ line: 3, column: 5, message: expect.stringContaining("expected a JSON value but found character ','") });
    expect(failure('')).toMatchObject({ line: 1, column: 1 });
    expect(failure('[1, 2')).toMatchObject({ message: expect.stringContaining('end of input') });
    expect(failure('{"a":1} x')).toMatchObject({ column: 9 });
  });

  it('rejects duplicate keys, lone surrogates, leading zeros, raw control characters and deep nesting', () => {
    expect(failure('{"k":1,"k":2}').message).toBe('duplicate key "k"');
    expect(failure('"\\ud800"').message).toContain('lone surrogate');
    expect(failure('012').message).toContain('leading zeros');
    expect(failure('"a\u0001b"').message).toContain('must be escaped');
    expect(failure('['.repeat(100) + ']'.repeat(100)).message).toContain('nesting deeper than 64');
    expect(parsed('"\\ud83d\\ude00"')).toBe('😀');
  });

  it('treats __proto__ as plain data', () => {
    const value = parsed('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('never throws on random input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 64 }), (text) => {
      const result = parseJson(text);
      expect(typeof result.ok).toBe('boolean');
    }), { numRuns: 2000 });
  });
});
