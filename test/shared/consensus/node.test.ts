// ConsensusNode: blocks sealed into the log, voters = etcd holders, snapshots round-trip, bad
// entries are reported with a path.

import { describe, expect, it } from 'vitest';
import { blockHashHex, encodeBlock, ZERO_HASH_HEX } from '../../../shared/attestation/block';
import { decodeCommand, encodeCommand } from '../../../shared/consensus/commands';
import { ConsensusNode } from '../../../shared/consensus/node';
import { ReplicatedState } from '../../../shared/consensus/replicated-state';
import { utf8Encode } from '../../../shared/kit/bytes';
import { Prng } from '../../../shared/kit/prng';
import { PRESCRIBED_HOMELAB } from '../../../shared/types/fabric';
import { promote, demote } from '../../../shared/types/roles';
import { HA_THREE_TARGET } from '../../../shared/types/target';
import { nodeEd25519, nodeSignerFromSeed } from '../../../electron/node/ed25519-node';

function makeNode(seed: number, forge?: { on: boolean }, deferWitnessChecks = false): ConsensusNode {
  const s = nodeSignerFromSeed(new Uint8Array(32).fill(seed));
  // `forge.on`: this node's signatures are garbage (a broken or impersonated leader key).
  const signer = forge ? { publicKey: s.publicKey, sign: (m: Uint8Array): Uint8Array => (forge.on ? new Uint8Array(64).fill(7) : s.sign(m)) } : s;
  return new ConsensusNode({ signer, verifier: nodeEd25519, clock: { nowMs: () => 1_700_000_000_000 + seed }, prng: new Prng(seed), deferWitnessChecks });
}

/** a leads; b and c are voters (etcd holders). */
function threeVoters(forge?: { on: boolean }, deferWitnessChecks = false): ConsensusNode[] {
  const all = [makeNode(1, forge, deferWitnessChecks), makeNode(2), makeNode(3)];
  const [a, b, c] = all as [ConsensusNode, ConsensusNode, ConsensusNode];
  a.bootstrap();
  drain(all);
  for (let i = 0; i < 30 && !a.isLeader(); i++) { a.tick(); drain(all); }
  for (const n of [b, c]) { a.addLearner(n.id); drain(all); a.proposeRole(promote(n.id, ['etcd'], 'scaling_up')); drain(all); }
  for (let i = 0; i < 25; i++) { for (const n of all) n.tick(); drain(all); }
  expect(a.raft.conf().voters.length).toBe(3);
  return all;
}

function drain(nodes: ConsensusNode[]): void {
  for (let round = 0; round < 50; round++) {
    const msgs = [];
    for (const n of nodes) {
      while (n.hasReady()) {
        const rd = n.ready();
        msgs.push(...rd.messages, ...rd.messagesAfterPersist);
        n.advance(rd);
      }
    }
    if (msgs.length === 0) return;
    for (const m of msgs) nodes.find((n) => n.id === m.to)?.step(m);
  }
}

describe('ConsensusNode', () => {
  it('bootstraps a one-voter cluster whose genesis block grants etcd; later role entries link to it', () => {
    const a = makeNode(1);
    a.bootstrap();
    drain([a]);
    for (let i = 0; i < 30 && !a.isLeader(); i++) { a.tick(); drain([a]); }
    expect(a.isLeader()).toBe(true);
    const r = a.proposeRole(promote(a.id, ['api_server'], 'operator'));
    expect(r.ok).toBe(true);
    drain([a]);
    const blocks = a.state.blocks();
    expect(blocks.length).toBe(2);
    expect(blocks[0]!.prevHash).toBe(ZERO_HASH_HEX);
    expect(blocks[1]!.prevHash).toBe(blockHashHex(blocks[0]!));
    expect(blocks[1]!.leader).toBe(a.id);
    // The sealed entry's bytes are exactly the command's canonical encoding.
    const sealed = a.raft.log.entry(a.raft.log.lastIndex())!.data;
    const parsed = decodeCommand(sealed);
    expect(parsed.ok && encodeCommand(parsed.value)).toEqual(sealed);
    expect(a.state.shape.rolesOf(a.id)).toEqual(['api_server', 'etcd']);
  });

  it('a role change granting etcd is the configuration change (same entry); followers witness blocks', () => {
    const a = makeNode(1);
    const b = makeNode(2);
    const c = makeNode(3);
    a.bootstrap();
    const all = [a, b, c];
    drain(all);
    for (let i = 0; i < 30 && !a.isLeader(); i++) { a.tick(); drain(all); }
    for (const n of [b, c]) { a.addLearner(n.id); drain(all); }
    a.proposeRole(promote(b.id, ['etcd'], 'scaling_up'));
    const entry = a.raft.log.entry(a.raft.log.lastIndex())!;
    expect(entry.conf).toEqual({ op: 'add-voter', peer: b.id });
    drain(all);
    a.proposeRole(promote(c.id, ['etcd'], 'scaling_up'));
    drain(all);
    for (let i = 0; i < 25; i++) { for (const n of all) n.tick(); drain(all); }
    expect(a.raft.conf().voters).toEqual(a.state.shape.holders('etcd'));
    expect(a.raft.conf().voters.length).toBe(3);
    // Every node holds the same chain, and the promote(c) block carries b's witness signature.
    const last = a.state.blocks().at(-1)!;
    expect(last.witnessSignatures.map((w) => w.witness)).toContain(b.id);
    for (const n of [b, c]) expect(n.state.encode()).toEqual(a.state.encode());
    // Demoting etcd turns the voter back into a learner in the same entry.
    a.proposeRole(demote(c.id, ['etcd'], 'rebalance'));
    drain(all);
    expect(a.raft.conf().learners).toContain(c.id);
    expect(a.raft.conf().voters).toEqual(a.state.shape.holders('etcd'));
  });

  it('replicates target and strategy; the snapshot round-trips byte for byte', () => {
    const a = makeNode(4);
    a.bootstrap();
    drain([a]);
    for (let i = 0; i < 30 && !a.isLeader(); i++) { a.tick(); drain([a]); }
    a.proposeTarget(HA_THREE_TARGET);
    a.proposeStrategy({ ...PRESCRIBED_HOMELAB, name: 'custom' });
    drain([a]);
    expect(a.state.target).toEqual(HA_THREE_TARGET);
    expect(a.state.strategy.name).toBe('custom');
    const bytes = a.state.encode();
    const back = ReplicatedState.decode(bytes, nodeEd25519);
    expect(back.ok && back.value.encode()).toEqual(bytes);
  });

  it('rejects malformed commands with a path, and a faulty entry is recorded, not applied', () => {
    const bad = decodeCommand(utf8Encode('{"kind":"target","target":{"api_servers":-1}}'));
    expect(bad).toMatchObject({ ok: false, error: { path: '$.target.api_servers' } });
    expect(decodeCommand(utf8Encode('{"kind":"nope"}'))).toMatchObject({ ok: false, error: { path: '$.kind' } });
    expect(decodeCommand(new Uint8Array([0xff]))).toMatchObject({ ok: false });
    const st = new ReplicatedState(nodeEd25519);
    const outcome = st.apply({ term: 1, index: 1, data: utf8Encode('{"kind":"role"') });
    expect(outcome.kind).toBe('fault');
    expect(st.faults.length).toBe(1);
  });

  it('a follower acknowledges an entry before checking its block, then neither chains nor co-signs a block whose leader signature fails', () => {
    const forge = { on: false };
    const all = threeVoters(forge);
    const [a, b] = all as [ConsensusNode, ConsensusNode, ConsensusNode];
    const height = b.state.chain.length;
    forge.on = true;
    a.proposeRole(promote(a.id, ['observer'], 'operator'));
    const index = a.raft.log.lastIndex();
    // Leader → b: the append carrying the forged block.
    const toB = (): ReturnType<ConsensusNode['ready']>['messages'] => {
      const rd = a.ready();
      a.advance(rd);
      return [...rd.messages, ...rd.messagesAfterPersist].filter((m) => m.to === b.id);
    };
    for (const m of toB()) b.step(m);
    const rd = b.ready();
    // The acknowledgement leaves with the entry's persistence; the signature is checked only when
    // the entry is applied, after the commit index reaches b.
    expect(rd.messagesAfterPersist.some((m) => m.type === 'app-resp' && !m.reject && m.index >= index)).toBe(true);
    b.advance(rd);
    drain(all);
    for (let i = 0; i < 40; i++) { for (const n of all) n.tick(); drain(all); }
    expect(b.state.appliedIndex).toBeGreaterThanOrEqual(index);
    expect(b.state.faults.some((f) => f.includes(`entry ${index}`) && f.includes('signature'))).toBe(true);
    expect(b.state.blockAt(index)).toBeUndefined();
    expect(b.state.chain.length).toBe(height);
    // No co-signature for the forged block from b (or anyone) ever reached the log.
    for (const n of all) expect(n.state.blockAt(index)?.witnesses ?? []).toEqual([]);
  });

  it('the leader admits only co-signatures that verify; applying the log trusts what it admitted', () => {
    const all = threeVoters();
    const [a, b, c] = all as [ConsensusNode, ConsensusNode, ConsensusNode];
    a.proposeRole(promote(a.id, ['worker'], 'operator'));
    const index = a.raft.log.lastIndex();
    drain(all);
    expect(a.state.blockAt(index)).toBeDefined();
    // c proposes a forged co-signature in b's name for the block (and b's real one is still due).
    const forged = encodeCommand({ kind: 'witness', signatures: [{ index, witness: b.id, signature: new Uint8Array(64).fill(9) }] });
    const before = a.raft.log.lastIndex();
    a.step({ type: 'prop', from: c.id, to: a.id, term: 0, logTerm: 0, index: 0, commit: 0, reject: false, rejectHint: 0, snapshot: null, entries: [{ term: 0, index: 0, data: forged }] });
    expect(a.raft.log.lastIndex()).toBe(before); // dropped, never appended
    for (let i = 0; i < 40; i++) { for (const n of all) n.tick(); drain(all); }
    // The genuine co-signatures arrived through the log and are identical everywhere.
    const witnesses = a.state.blockAt(index)!.witnesses.map((w) => w.witness).sort();
    expect(witnesses).toEqual([b.id, c.id].sort());
    for (const n of [b, c]) expect(n.state.encode()).toEqual(a.state.encode());
    // The snapshot's chain is byte for byte the serde JSON of the blocks with their witnesses.
    const text = new TextDecoder().decode(a.state.encode());
    expect(text.endsWith(`"chain":[${a.state.blocks().map(encodeBlock).join(',')}]}`)).toBe(true);
    // Pieces encoded ahead of time (a few, then all) give the same bytes.
    for (const n of all) {
      const cold = n.state.encode();
      expect(n.warmSnapshot(3)).toBe(3);
      expect(n.state.encode()).toEqual(cold);
      while (n.warmSnapshot(100) > 0);
      expect(n.state.encode()).toEqual(cold);
    }
  });

  it('deferred checks: the leader hands forwarded co-signatures to the host and admits only those found valid', () => {
    const all = threeVoters(undefined, true);
    const [a, b, c] = all as [ConsensusNode, ConsensusNode, ConsensusNode];
    // Host loop with the checks done "elsewhere" (here: synchronously with the same verifier).
    const settle = (): void => {
      for (let i = 0; i < 40; i++) {
        for (const n of all) n.tick();
        drain(all);
        const checks = a.takeWitnessChecks();
        if (checks.length > 0) a.witnessesChecked(checks.map((check) => ({ check, valid: nodeEd25519.verify(check.publicKey, check.message, check.signature) })));
        drain(all);
      }
    };
    settle();
    a.proposeRole(promote(a.id, ['worker'], 'operator'));
    const index = a.raft.log.lastIndex();
    drain(all);
    const forged = encodeCommand({ kind: 'witness', signatures: [{ index, witness: b.id, signature: new Uint8Array(64).fill(9) }] });
    const before = a.raft.log.lastIndex();
    a.step({ type: 'prop', from: c.id, to: a.id, term: 0, logTerm: 0, index: 0, commit: 0, reject: false, rejectHint: 0, snapshot: null, entries: [{ term: 0, index: 0, data: forged }] });
    expect(a.raft.log.lastIndex()).toBe(before); // nothing enters the log before the verdict
    const queued = a.takeWitnessChecks();
    expect(queued.map((q) => [q.index, q.witness])).toEqual([[index, b.id]]);
    a.witnessesChecked(queued.map((check) => ({ check, valid: nodeEd25519.verify(check.publicKey, check.message, check.signature) })));
    expect(a.raft.log.lastIndex()).toBe(before); // invalid: dropped
    settle();
    expect(a.state.blockAt(index)!.witnesses.map((w) => w.witness).sort()).toEqual([b.id, c.id].sort());
    for (const n of [b, c]) expect(n.state.encode()).toEqual(a.state.encode());
  });

  it('deferred follower apply: committed entries wait for the next tick (or compaction), then apply and co-sign as usual', () => {
    const a = makeNode(1);
    const b = new ConsensusNode({ signer: nodeSignerFromSeed(new Uint8Array(32).fill(2)), verifier: nodeEd25519, clock: { nowMs: () => 2 }, prng: new Prng(2), deferFollowerApply: true });
    const c = makeNode(3);
    const all = [a, b, c];
    a.bootstrap();
    drain(all);
    for (let i = 0; i < 30 && !a.isLeader(); i++) { a.tick(); drain(all); }
    for (const n of [b, c]) { a.addLearner(n.id); drain(all); a.proposeRole(promote(n.id, ['etcd'], 'scaling_up')); drain(all); }
    for (let i = 0; i < 25; i++) { for (const n of all) n.tick(); drain(all); }
    a.proposeRole(promote(a.id, ['worker'], 'operator'));
    const index = a.raft.log.lastIndex();
    drain(all);
    a.tick(); // the heartbeat carries the commit index
    drain(all);
    expect(b.raft.log.committed).toBeGreaterThanOrEqual(index);
    expect(b.state.appliedIndex).toBeLessThan(index); // handed over, not applied yet
    expect(b.ticksUntilDue()).toBe(1); // a deadline-driven host must wake for it on the next tick
    expect(c.state.appliedIndex).toBeGreaterThanOrEqual(index);
    b.tick();
    expect(b.state.appliedIndex).toBeGreaterThanOrEqual(index);
    for (let i = 0; i < 40; i++) { for (const n of all) n.tick(); drain(all); }
    expect(a.state.blockAt(index)!.witnesses.map((w) => w.witness)).toContain(b.id);
    expect(b.state.encode()).toEqual(a.state.encode());
    // Compaction first applies what is pending: the snapshot matches the applied index.
    a.proposeRole(promote(a.id, ['observer'], 'operator'));
    drain(all);
    a.tick();
    drain(all);
    const snap = b.compact();
    expect(snap.index).toBe(b.state.appliedIndex);
    expect(ReplicatedState.decode(snap.data, nodeEd25519).ok).toBe(true);
  });
});
