// Property tests (issue 3): append-then-verify always passes; any single change in any field of any
// block is detected at the right index, first error as the crate orders it; canonical encoding is
// identical for equal values however they were built.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalText, encodeBlock, type RoleAttestationBlock } from '../../../shared/attestation/block';
import { AttestationChain } from '../../../shared/attestation/chain';
import { encodeChainBare, encodeChainEnvelope, parseChainFile } from '../../../shared/attestation/chain-file';
import { verifyChain, verifyChainReport, type CrateErrorKind } from '../../../shared/attestation/verify';
import { fromHex, toHex } from '../../../shared/kit/bytes';
import { U64_MAX, type U64 } from '../../../shared/kit/json';
import { nodeIdFromBytes, type NodeId } from '../../../shared/types/node-id';
import { demote, NODE_ROLES, promote, quarantine, REASONS, restore, type NodeRole, type RoleAssignment } from '../../../shared/types/roles';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const signers = Array.from({ length: 6 }, (_, i) => nodeEd25519.signerFromSeed(new Uint8Array(32).fill(0x80 + i)));

const arbNodeId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => nodeIdFromBytes(b));
const arbRoles = fc.array(fc.constantFrom(...NODE_ROLES), { maxLength: 9 });
const arbReason = fc.constantFrom(...REASONS);
const arbAssignment: fc.Arbitrary<RoleAssignment> = fc.oneof(
  fc.tuple(arbNodeId, arbRoles, arbReason).map(([id, roles, reason]) => promote(id, roles, reason)),
  fc.tuple(arbNodeId, arbRoles, arbReason).map(([id, roles, reason]) => demote(id, roles, reason)),
  fc.tuple(arbNodeId, arbReason).map(([id, reason]) => quarantine(id, reason)),
  arbNodeId.map((id) => restore(id)),
);
// u64 values across the whole range, as the JSON reader returns them (number when safe, else bigint).
const arbU64: fc.Arbitrary<U64> = fc.oneof(
  fc.integer({ min: 0, max: 1_000_000 }),
  fc.bigInt({ min: 0n, max: U64_MAX }).map((v) => (v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v)),
);

interface Spec {
  readonly leader: number;
  readonly assignment: RoleAssignment;
  readonly ms: U64;
  readonly term: U64;
  readonly index: U64;
  readonly witnesses: readonly number[];
}

const arbSpec: fc.Arbitrary<Spec> = fc.record({
  leader: fc.integer({ min: 0, max: signers.length - 1 }),
  assignment: arbAssignment,
  ms: arbU64,
  term: arbU64,
  index: arbU64,
  witnesses: fc.uniqueArray(fc.integer({ min: 0, max: signers.length - 1 }), { maxLength: 2 }),
});

function buildChain(specs: readonly Spec[]): RoleAttestationBlock[] {
  const chain = new AttestationChain();
  specs.forEach((s, i) => {
    chain.append(signers[s.leader]!, s.assignment, s.ms, s.term, s.index);
    for (const w of s.witnesses) chain.witness(i, signers[w]!);
  });
  return chain.blocks();
}

const flipHexByte = (hex: string, at: number, xor: number): string => {
  const bytes = fromHex(hex)!;
  bytes[at % bytes.length]! ^= xor;
  return toHex(bytes);
};
const flipByte = (bytes: Uint8Array, at: number, xor: number): Uint8Array => {
  const out = bytes.slice();
  out[at % out.length]! ^= xor;
  return out;
};
const bumpU64 = (v: U64): U64 => (typeof v === 'bigint' ? (v === U64_MAX ? v - 1n : v + 1n) : v + 1);

type Tamper =
  | 'prev_hash' | 'assignment.node_id' | 'assignment.kind' | 'assignment.roles' | 'committed_at_ms' | 'raft_term' | 'raft_log_index'
  | 'leader' | 'leader_signature' | 'leader_signature.truncate' | 'witness.key' | 'witness.signature';

function tamper(block: RoleAttestationBlock, field: Tamper, at: number, xor: number): RoleAttestationBlock | null {
  switch (field) {
    case 'prev_hash': return { ...block, prevHash: flipHexByte(block.prevHash, at, xor) };
    case 'assignment.node_id': return { ...block, assignment: { ...block.assignment, nodeId: flipHexByte(block.assignment.nodeId, at, xor) as NodeId } };
    case 'assignment.kind': {
      const a = block.assignment;
      return { ...block, assignment: a.kind === 'restore' ? quarantine(a.nodeId, 'operator') : restore(a.nodeId) };
    }
    case 'assignment.roles': {
      const a = block.assignment;
      if (a.kind !== 'promote') return null;
      const role: NodeRole = NODE_ROLES[at % NODE_ROLES.length]!;
      const roles = a.roles.includes(role) ? a.roles.filter((r) => r !== role) : [...a.roles, role];
      return { ...block, assignment: promote(a.nodeId, roles, a.reason) };
    }
    case 'committed_at_ms': return { ...block, committedAtMs: bumpU64(block.committedAtMs) };
    case 'raft_term': return { ...block, raftTerm: bumpU64(block.raftTerm) };
    case 'raft_log_index': return { ...block, raftLogIndex: bumpU64(block.raftLogIndex) };
    case 'leader': return { ...block, leader: flipHexByte(block.leader, at, xor) as NodeId };
    case 'leader_signature': return { ...block, leaderSignature: flipByte(block.leaderSignature, at, xor) };
    case 'leader_signature.truncate': return { ...block, leaderSignature: block.leaderSignature.slice(0, at % 64) };
    case 'witness.key':
    case 'witness.signature': {
      if (block.witnessSignatures.length === 0) return null;
      const k = at % block.witnessSignatures.length;
      const witnessSignatures = block.witnessSignatures.map((w, i) =>
        i !== k ? w : field === 'witness.key' ? { ...w, witness: flipHexByte(w.witness, at, xor) as NodeId } : { ...w, signature: flipByte(w.signature, at, xor) },
      );
      return { ...block, witnessSignatures };
    }
  }
}

function expectedFirst(field: Tamper, k: number): { kind: CrateErrorKind; index: number | null } {
  if (field === 'prev_hash') return k === 0 ? { kind: 'invalid_genesis', index: null } : { kind: 'broken_link', index: k };
  if (field === 'witness.key' || field === 'witness.signature') return { kind: 'invalid_witness_signature', index: k };
  return { kind: 'invalid_leader_signature', index: k };
}

const TAMPERS: readonly Tamper[] = ['prev_hash', 'assignment.node_id', 'assignment.kind', 'assignment.roles', 'committed_at_ms', 'raft_term', 'raft_log_index', 'leader', 'leader_signature', 'leader_signature.truncate', 'witness.key', 'witness.signature'];

describe('the crate proptests, as written (src/attestation/mod.rs)', () => {
  it('arb_chain_verifies: random seed byte, 1..10 random commands, ms 100+i, term 1, index i+1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.array(arbAssignment, { minLength: 1, maxLength: 10 }), (seedByte, cmds) => {
        const signer = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(seedByte));
        const chain = new AttestationChain();
        cmds.forEach((cmd, i) => chain.append(signer, cmd, 100 + i, 1, i + 1));
        expect(chain.verify(nodeEd25519).ok).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
  it('arb_tampered_chain_always_rejected: 3 blocks; committed_at_ms or raft_log_index = 9999, or prev_hash[0] flipped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), (seedByte, which, kind) => {
        const signer = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(seedByte));
        const chain = new AttestationChain();
        for (let i = 0; i < 3; i++) chain.append(signer, promote(nodeIdFromBytes(new Uint8Array(32).fill(i + 1)), ['api_server'], 'operator'), 100 + i, 1, i + 1);
        const blocks = chain.blocks();
        const b = blocks[which]!;
        if (kind === 0) blocks[which] = { ...b, committedAtMs: 9999 };
        else if (kind === 1) blocks[which] = { ...b, raftLogIndex: 9999 };
        else {
          const k = Math.max(1, which); // non-genesis
          blocks[k] = { ...blocks[k]!, prevHash: flipHexByte(blocks[k]!.prevHash, 0, 0xff) };
        }
        expect(verifyChain(blocks, nodeEd25519).ok).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe('attestation chain properties', () => {
  it('append then verify always passes, and survives a write/read round trip in both file forms (arb_chain_verifies)', () => {
    fc.assert(
      fc.property(fc.array(arbSpec, { minLength: 1, maxLength: 10 }), (specs) => {
        const blocks = buildChain(specs);
        expect(verifyChain(blocks, nodeEd25519).ok).toBe(true);
        const report = verifyChainReport(blocks, nodeEd25519);
        expect(report.ok).toBe(true);
        for (const text of [encodeChainBare(blocks), encodeChainEnvelope(blocks, { clusterId: 'c', exportedAtMs: 1n << 60n })]) {
          const parsed = parseChainFile(text);
          expect(parsed.ok).toBe(true);
          if (!parsed.ok) return;
          expect(parsed.value.blocks).toEqual(blocks);
          expect(verifyChainReport(parsed.value.blocks, nodeEd25519)).toEqual(report);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('any single change in any field of any block is detected at that block, first error in the crate order (arb_tampered_chain_always_rejected)', () => {
    fc.assert(
      fc.property(
        fc.array(arbSpec, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(...TAMPERS),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (specs, pick, field, at, xor) => {
          const blocks = buildChain(specs);
          const k = pick % blocks.length;
          const changed = tamper(blocks[k]!, field, at, xor);
          fc.pre(changed !== null);
          blocks[k] = changed!;
          const want = expectedFirst(field, k);
          const result = verifyChain(blocks, nodeEd25519);
          expect(result.ok).toBe(false);
          if (result.ok) return;
          expect({ kind: result.error.kind, index: result.error.index }).toEqual(want);
          const report = verifyChainReport(blocks, nodeEd25519);
          expect(report.ok).toBe(false);
          expect(report.errors[0]!.kind).toBe(result.error.kind);
          expect(report.errors[0]!.index).toBe(result.error.index);
          // Nothing before the tampered block is blamed.
          for (const e of report.errors) expect(e.index === null || e.index >= k).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any changed digit inside a block of the file is rejected at that block, or the file is refused as malformed', () => {
    fc.assert(
      fc.property(fc.array(arbSpec, { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat(), fc.integer({ min: 1, max: 9 }), (specs, pick, at, delta) => {
        const blocks = buildChain(specs);
        const k = pick % blocks.length;
        const texts = blocks.map(encodeBlock);
        const digits = [...texts[k]!.matchAll(/\d/g)].map((m) => m.index!);
        const pos = digits[at % digits.length]!;
        const old = texts[k]!.charCodeAt(pos) - 48;
        texts[k] = texts[k]!.slice(0, pos) + String((old + delta) % 10) + texts[k]!.slice(pos + 1);
        const parsed = parseChainFile(`[${texts.join(',')}]`);
        if (!parsed.ok) return; // e.g. a byte above 255, a leading zero, a u64 overflow: refused with a location
        const result = verifyChain(parsed.value.blocks, nodeEd25519);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        if (result.error.kind === 'invalid_genesis') expect(k).toBe(0);
        else expect(result.error.index).toBe(k);
      }),
      { numRuns: 300 },
    );
  });

  it('canonical encoding is identical for equal values however they were built', () => {
    fc.assert(
      fc.property(arbNodeId, arbNodeId, arbRoles, arbReason, arbU64, fc.uint8Array({ minLength: 32, maxLength: 32 }), (id, leader, roles, reason, ms, prev) => {
        const a = promote(id, roles, reason);
        // Same set, other order and repeats; a literal object with fields in another order.
        const b: RoleAssignment = { reason, roles: [...roles].reverse().concat(roles), nodeId: id, kind: 'promote' } as unknown as RoleAssignment;
        const msOther: U64 = typeof ms === 'bigint' ? ms : BigInt(ms);
        const base = { prevHash: toHex(prev), committedAtMs: ms, raftTerm: 1, raftLogIndex: 2, leader };
        const x = canonicalText({ ...base, assignment: a });
        const y = canonicalText({ raftLogIndex: 2n, leader, assignment: b, committedAtMs: msOther, raftTerm: 1n, prevHash: toHex(prev).toUpperCase().toLowerCase() });
        expect(y).toBe(x);
        // And decoding what we wrote gives back the same canonical text.
        const parsed = parseChainFile(`[${encodeBlock({ ...base, assignment: b, leaderSignature: new Uint8Array(64), witnessSignatures: [] })}]`);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) expect(canonicalText(parsed.value.blocks[0]!)).toBe(x);
      }),
      { numRuns: 200 },
    );
  });
});
