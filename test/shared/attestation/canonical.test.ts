// The byte writer gives exactly utf8Encode(canonicalText(block)): on every block the decoder can
// produce (fast path) and on blocks built by hand with values outside the types (fallback).
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseChainFile } from '../../../shared/attestation/chain-file';
import { ByteSink, canonicalBytes, canonicalText, writeCanonical, type UnsignedBlock } from '../../../shared/attestation/canonical';
import { toHex, utf8Encode } from '../../../shared/kit/bytes';
import { U64_MAX, type U64 } from '../../../shared/kit/json';
import type { NodeId } from '../../../shared/types/node-id';
import { NODE_ROLES, REASONS, type RoleAssignment } from '../../../shared/types/roles';

const lowerHex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b));
const arbId = fc.oneof(
  { weight: 8, arbitrary: lowerHex64 },
  { weight: 1, arbitrary: lowerHex64.map((h) => h.toUpperCase()) },
) as fc.Arbitrary<NodeId>;
// The decoder's roles (known, sorted, distinct) and hand-built ones (repeated, unsorted).
const arbRoles = fc.array(fc.constantFrom(...NODE_ROLES), { maxLength: 9 });
const arbReason = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...REASONS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'grapheme' }) },
) as fc.Arbitrary<(typeof REASONS)[number]>;
const arbAssignment: fc.Arbitrary<RoleAssignment> = fc.oneof(
  fc.record({ kind: fc.constant('promote' as const), nodeId: arbId, roles: arbRoles, reason: arbReason }),
  fc.record({ kind: fc.constant('demote' as const), nodeId: arbId, rolesRelinquished: arbRoles, reason: arbReason }),
  fc.record({ kind: fc.constant('quarantine' as const), nodeId: arbId, reason: arbReason }),
  fc.record({ kind: fc.constant('restore' as const), nodeId: arbId }),
);
const arbU64: fc.Arbitrary<U64> = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.maxSafeNat(),
  fc.constantFrom(0, 9, 10, 999_999_999, 1_000_000_000, 1_000_000_001, 2 ** 31, 2 ** 32 + 7, 1_700_000_000_000, Number.MAX_SAFE_INTEGER),
  fc.bigInt({ min: 0n, max: U64_MAX }).map((v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);
const arbPrevHash = fc.oneof(
  { weight: 8, arbitrary: lowerHex64 },
  { weight: 1, arbitrary: fc.constant('0'.repeat(64)) },
  { weight: 1, arbitrary: lowerHex64.map((h) => h.toUpperCase()) },
);
const arbBlock: fc.Arbitrary<UnsignedBlock> = fc.record({
  prevHash: arbPrevHash,
  assignment: arbAssignment,
  committedAtMs: arbU64,
  raftTerm: arbU64,
  raftLogIndex: arbU64,
  leader: arbId,
});

// Compared as hex: one string comparison instead of a deep comparison of typed arrays.
const reference = (block: UnsignedBlock) => toHex(utf8Encode(canonicalText(block)));

describe('canonical bytes writer', () => {
  it('equals the UTF-8 of the canonical text on random blocks', () => {
    fc.assert(
      fc.property(arbBlock, (block) => {
        expect(toHex(canonicalBytes(block))).toBe(reference(block));
      }),
      { numRuns: 1000 },
    );
  });

  it('writes many blocks back to back into one growing sink', () => {
    fc.assert(
      fc.property(fc.array(arbBlock, { minLength: 1, maxLength: 40 }), (blocks) => {
        const sink = new ByteSink(64);
        const lengths = blocks.map((b) => writeCanonical(sink, b));
        let at = 0;
        blocks.forEach((b, i) => {
          expect(toHex(sink.view().subarray(at, at + lengths[i]!))).toBe(reference(b));
          at += lengths[i]!;
        });
        expect(at).toBe(sink.length);
      }),
      { numRuns: 100 },
    );
  });

  it('falls back to the text for values outside the types (odd hashes, non-ASCII reasons, bad numbers)', () => {
    const id = 'ab'.repeat(32) as NodeId;
    const base: UnsignedBlock = { prevHash: '00'.repeat(32), assignment: { kind: 'restore', nodeId: id }, committedAtMs: 1, raftTerm: 2, raftLogIndex: 3, leader: id };
    const odd: UnsignedBlock[] = [
      { ...base, prevHash: 'abc' },
      { ...base, prevHash: 'zz'.repeat(32) },
      { ...base, assignment: { kind: 'quarantine', nodeId: id, reason: 'opérateur' as never } },
      { ...base, assignment: { kind: 'promote', nodeId: id, roles: ['worker', 'etcd', 'worker'], reason: 'operator' } },
      { ...base, committedAtMs: 1.5 },
      { ...base, raftTerm: -1 },
      { ...base, raftLogIndex: U64_MAX + 1n },
    ];
    for (const block of odd) expect(toHex(canonicalBytes(block))).toBe(reference(block));
  });

  it('reproduces every fixture block', () => {
    const parsed = parseChainFile(readFileSync(new URL('../../fixtures/attestation/long_2000.json', import.meta.url), 'utf8'));
    if (!parsed.ok) throw new Error('fixture');
    const sink = new ByteSink();
    for (const block of parsed.value.blocks) {
      sink.length = 0;
      writeCanonical(sink, block);
      expect(toHex(sink.view())).toBe(reference(block));
    }
  });
});
