// The full report: every problem with field, check, expected/actual and a plain-language cause,
// and the checks beyond the crate (minimum witnesses, trust list, rollback against a known head).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../../shared/attestation/block';
import { AttestationChain } from '../../../shared/attestation/chain';
import { parseChainFile } from '../../../shared/attestation/chain-file';
import { computeFacts, formatHead, parseSinceHead, verifyChainReport, type ChainReport } from '../../../shared/attestation/verify';
import { pureEd25519 } from '../../../shared/crypto/ed25519';
import { ZERO_HASH_HEX } from '../../../shared/attestation/block';
import { nodeIdFromBytes } from '../../../shared/types/node-id';
import { promote } from '../../../shared/types/roles';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const load = (name: string) => {
  const parsed = parseChainFile(readFileSync(new URL(`../../fixtures/attestation/${name}.json`, import.meta.url), 'utf8'));
  if (!parsed.ok) throw new Error(`${name}: ${parsed.error.message}`);
  return parsed.value.blocks;
};
const report = (name: string, options = {}) => verifyChainReport(load(name), nodeEd25519, options);
const kinds = (r: ChainReport) => r.errors.map((e) => `${e.kind}@${e.index}`);

describe('full report: causes in plain language', () => {
  it('a block modified after signing: named, and the next link blamed on it', () => {
    const r = report('tampered_time_6');
    expect(kinds(r)).toEqual(['invalid_leader_signature@6', 'broken_link@7']);
    expect(r.errors[0]!.cause).toMatch(/^block 6 was modified after it was signed/);
    expect(r.errors[0]!.field).toBe('leader_signature');
    expect(r.errors[1]!.cause).toMatch(/block 6 was modified after it was signed, so its hash no longer matches/);
  });
  it('a deleted block and reordered blocks', () => {
    const deleted = report('deleted_5');
    expect(kinds(deleted)).toEqual(['broken_link@5']);
    expect(deleted.errors[0]!.cause).toMatch(/^block 5 is missing or blocks were reordered/);
    const blocks = load('deleted_5');
    const facts = computeFacts(blocks, nodeEd25519);
    expect(deleted.errors[0]).toMatchObject({ field: 'prev_hash', check: 'link', expected: facts[4]!.hashHex, actual: blocks[5]!.prevHash });
    const reordered = report('reordered_2');
    expect(reordered.errors[0]!.kind).toBe('broken_link');
    expect(reordered.errors[0]!.cause).toMatch(/reordered: block 2 belongs right after block 3/);
  });
  it('swapped leader, short signature, forged witness, bad genesis, rewritten prev_hash', () => {
    const swap = report('leader_swap_5').errors[0]!;
    expect(swap.cause).toMatch(/block 5's leader field was changed: the signature is by [0-9a-f]{12}/);
    expect(swap).toMatchObject({ field: 'leader', actual: load('leader_swap_5')[5]!.leader });
    expect(swap.expected).toMatch(/^[0-9a-f]{64}$/);
    expect(swap.expected).not.toBe(swap.actual);
    const short = report('short_sig_3').errors[0]!;
    expect(short.cause).toMatch(/32 bytes instead of 64/);
    expect(short.actual).toMatch(/^[0-9a-f]{64}$/);
    const forged = report('forged_witness_7').errors[0]!;
    expect(forged).toMatchObject({ kind: 'invalid_witness_signature', index: 7, field: 'witness_signatures[1].signature', check: 'witness_signature' });
    expect(forged.cause).toMatch(/never signed block 7/);
    const genesis = report('bad_genesis').errors[0]!;
    expect(genesis).toMatchObject({ kind: 'invalid_genesis', index: null, field: 'prev_hash', expected: ZERO_HASH_HEX });
    expect(genesis.message).toBe('genesis block must have prev_hash = [0; 32]');
    expect(report('broken_link_4').errors[0]!.cause).toMatch(/block 4's prev_hash was changed after it was signed/);
  });
  it('a signature copied from another block is recognised', () => {
    const chain = new AttestationChain();
    const s = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(7));
    for (let i = 0; i < 3; i++) chain.append(s, promote(nodeIdFromBytes(new Uint8Array(32).fill(i)), ['etcd'], 'operator'), i, 1, i + 1);
    const blocks = chain.blocks();
    blocks[2] = { ...blocks[2]!, leaderSignature: blocks[0]!.leaderSignature };
    expect(verifyChainReport(blocks, nodeEd25519).errors[0]!.cause).toMatch(/copy of block 0's/);
  });
  it('the report is the same with the pure-JS verifier (the renderer path)', () => {
    for (const name of ['tampered_time_6', 'leader_swap_5', 'forged_witness_7', 'reordered_2']) {
      expect(verifyChainReport(load(name), pureEd25519)).toEqual(report(name));
    }
  });
});

describe('warnings (never errors): indexes that do not increase, terms and times that go back', () => {
  it('are raised for the reordered chain and not for the valid ones', () => {
    expect(report('valid_40').warnings).toEqual([]);
    expect(report('long_2000').warnings).toEqual([]);
    expect(report('reordered_2').warnings.map((w) => `${w.field}@${w.index}`)).toEqual(['raft_log_index@3', 'committed_at_ms@3']);
  });
  it('leave a validly signed chain valid', () => {
    const s = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(9));
    const chain = new AttestationChain();
    const id = nodeIdFromBytes(s.publicKey);
    chain.append(s, promote(id, ['worker'], 'operator'), 5000, 3, 10n);
    chain.append(s, promote(id, ['etcd'], 'operator'), 4000, 2, 10);
    const r = verifyChainReport(chain.blocks(), nodeEd25519);
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.field)).toEqual(['raft_log_index', 'raft_term', 'committed_at_ms']);
    expect(r.warnings[2]!.message).toMatch(/goes back 1000 ms/);
  });
});

describe('options beyond the crate', () => {
  it('--min-witnesses counts distinct valid witnesses other than the leader', () => {
    expect(report('valid_witnessed', { minWitnesses: 2 }).ok).toBe(true);
    const three = report('valid_witnessed', { minWitnesses: 3 });
    expect(three.errors.length).toBe(12);
    expect(three.errors.every((e) => e.kind === 'insufficient_witnesses' && e.actual === '2')).toBe(true);
    const noWitnesses = report('valid_40', { minWitnesses: 1 });
    expect(noWitnesses.errors[0]!.cause).toMatch(/never co-signed/);

    const leader = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(1));
    const w = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(2));
    const chain = new AttestationChain();
    chain.append(leader, promote(nodeIdFromBytes(leader.publicKey), ['worker'], 'operator'), 1, 1, 1);
    chain.witness(0, leader); // the leader witnessing itself does not count
    chain.witness(0, w);
    chain.witness(0, w); // nor does the same witness twice
    const r = verifyChainReport(chain.blocks(), nodeEd25519, { minWitnesses: 2 });
    expect(kinds(r)).toEqual(['insufficient_witnesses@0']);
    expect(r.errors[0]!.actual).toBe('1');
    expect(verifyChainReport(chain.blocks(), nodeEd25519, { minWitnesses: 1 }).ok).toBe(true);
    // An invalid witness signature neither counts nor goes unreported.
    const block = chain.blockAt(0)!;
    const forged = [{ ...block, witnessSignatures: [{ witness: block.witnessSignatures[1]!.witness, signature: leader.sign(canonicalBytes(block)) }] }];
    expect(kinds(verifyChainReport(forged, nodeEd25519, { minWitnesses: 1 }))).toEqual(['invalid_witness_signature@0', 'insufficient_witnesses@0']);
  });

  it('--trust: leaders and witnesses outside the list are reported', () => {
    const blocks = load('valid_witnessed');
    const signers = new Set(blocks.flatMap((b) => [b.leader, ...b.witnessSignatures.map((w) => w.witness)]));
    expect(report('valid_witnessed', { trust: signers }).ok).toBe(true);
    const dropped = blocks[0]!.leader;
    const trust = new Set([...signers].filter((k) => k !== dropped));
    const r = report('valid_witnessed', { trust });
    expect(r.ok).toBe(false);
    const leaderBlocks = blocks.flatMap((b, i) => (b.leader === dropped ? [i] : []));
    expect(r.errors.filter((e) => e.kind === 'untrusted_leader').map((e) => e.index)).toEqual(leaderBlocks);
    expect(r.errors.every((e) => e.kind === 'untrusted_leader' || e.kind === 'untrusted_witness')).toBe(true);
    // Untrusted witnesses do not count towards --min-witnesses.
    const witness = blocks[0]!.witnessSignatures[0]!.witness;
    const withoutWitness = new Set([...signers].filter((k) => k !== witness));
    expect(report('valid_witnessed', { trust: withoutWitness, minWitnesses: 2 }).errors.some((e) => e.kind === 'insufficient_witnesses')).toBe(true);
  });

  it('--since-head: the chain must still hold the head verified before', () => {
    const full = report('valid_40');
    const head = parseSinceHead(formatHead(full)!);
    expect(head.ok).toBe(true);
    if (!head.ok) return;
    expect(head.value.index).toBe(39);
    expect(report('valid_40', { sinceHead: head.value }).ok).toBe(true);
    const at20 = computeFacts(load('valid_40'), nodeEd25519)[20]!.hashHex;
    expect(report('valid_40', { sinceHead: { index: 20, hashHex: at20 } }).ok).toBe(true);
    const forked = report('valid_40', { sinceHead: { index: 20, hashHex: 'ab'.repeat(32) } });
    expect(kinds(forked)).toEqual(['rollback@20']);
    expect(forked.errors[0]!.cause).toMatch(/history was rewritten/);
    const rolledBack = verifyChainReport(load('valid_40').slice(0, 30), nodeEd25519, { sinceHead: head.value });
    expect(kinds(rolledBack)).toEqual(['rollback@null']);
    expect(rolledBack.errors[0]!.cause).toMatch(/rolled back: 10 blocks/);
  });

  it('crate problems come first, then the option checks', () => {
    const r = report('tampered_time_6', { minWitnesses: 1, sinceHead: { index: 2, hashHex: '00'.repeat(32) } });
    expect(r.errors[0]!.kind).toBe('invalid_leader_signature');
    expect(r.errors[1]!.kind).toBe('broken_link');
    expect(r.errors.slice(2).every((e) => ['insufficient_witnesses', 'rollback'].includes(e.kind))).toBe(true);
  });

  it('parseSinceHead refuses malformed input', () => {
    for (const bad of ['', '5', '5:abc', 'x:' + 'a'.repeat(64), '-1:' + 'a'.repeat(64), '5:' + 'g'.repeat(64)]) expect(parseSinceHead(bad).ok).toBe(false);
    expect(parseSinceHead('7:' + 'AB'.repeat(32))).toEqual({ ok: true, value: { index: 7, hashHex: 'ab'.repeat(32) } });
  });
});
