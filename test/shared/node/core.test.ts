import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/kit/prng';
import type { SocketAddr } from '../../../shared/membership/wire';
import { NodeCore, RAFT_PROOF_KEY, type NodeCoreOptions } from '../../../shared/node/core';
import { encodeRoleAssignment, promote } from '../../../shared/types/roles';
import { HA_THREE_TARGET } from '../../../shared/types/target';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const capacity = { cpu: '2', memory: '2048Mi', storage: '0', pods: 110 };

function core(i: number, over: Partial<NodeCoreOptions> = {}, now = 0): NodeCore {
  const seed = new Uint8Array(32).fill(i + 1);
  const addr: SocketAddr = { ip: `127.0.0.${i + 1}`, port: 7000 };
  return new NodeCore({
    clusterId: 'c', gossipAddr: addr, raftAddr: `127.0.0.${i + 1}:7001`, seeds: [], generation: 1n,
    secret: { key: new Uint8Array(32).fill(9), fingerprint: 'fp' }, bootstrap: false, capacity, ...over,
  }, {
    signer: nodeEd25519.signerFromSeed(seed), verifier: nodeEd25519,
    hmacSha256: (k, d) => hmac(sha256, k, d), wallClock: { nowMs: () => 1_700_000_000_000 }, prng: new Prng(i),
  }, now);
}

describe('NodeCore', () => {
  it('admits a member as a Raft peer only with the right membership proof; names a foreign secret once', () => {
    const a = core(0, { seeds: [{ ip: '127.0.0.2', port: 7000 }] });
    const b = core(1, { seeds: [{ ip: '127.0.0.1', port: 7000 }] });
    const foreign = core(2, { seeds: [{ ip: '127.0.0.1', port: 7000 }], secret: { key: new Uint8Array(32).fill(1), fingerprint: 'other' } });
    const all = [a, b, foreign];
    const peers = new Map<NodeCore, string[]>(all.map((c) => [c, []]));
    const logs: string[] = [];
    const byAddr = new Map(all.map((c) => [c.membership.self.addr.ip, c]));
    for (let t = 25; t <= 3000; t += 25) {
      for (const c of all) {
        c.tick(t);
        const fx = c.takeEffects();
        peers.get(c)!.push(...fx.peers.map((p) => p.id));
        if (c === a) logs.push(...fx.log.filter((l) => l.event === 'secret.mismatch').map((l) => l.message));
        for (const d of fx.datagrams) byAddr.get(d.to.ip)?.receiveGossip(d.bytes, c.membership.self.addr, t);
      }
    }
    expect(peers.get(a)).toEqual([b.nodeId]);
    expect(peers.get(b)).toEqual([a.nodeId]);
    expect(peers.get(foreign)).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(foreign.nodeId.slice(0, 12));
    expect(a.membership.getKey(RAFT_PROOF_KEY)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never throws on malformed datagrams and keeps its state', () => {
    const a = core(0);
    const before = JSON.stringify(a.status());
    const prng = new Prng(5);
    for (let i = 0; i < 500; i++) {
      const bytes = new Uint8Array(prng.nextInt(200));
      for (let j = 0; j < bytes.length; j++) bytes[j] = prng.nextInt(256);
      expect(() => a.receiveGossip(bytes, { ip: '127.0.0.9', port: 1 }, i)).not.toThrow();
    }
    expect(JSON.stringify(a.status())).toBe(before);
  });

  it('without a cluster secret: gossip only, no Raft, commands say why', () => {
    const a = core(0, { secret: null, raftAddr: null });
    expect(a.consensus).toBeNull();
    expect(a.status().raft.state).toBe('none');
    expect(a.setTarget(HA_THREE_TARGET)).toEqual({ done: { ok: false, message: 'this node has no cluster secret, so it cannot propose changes' } });
    expect(a.proposeText('{')).toMatchObject({ done: { ok: false } });
  });

  it('settles a proposal once applied, and reports one that never commits after the timeout', () => {
    const a = core(0, { bootstrap: 'if-empty' });
    const drive = (now: number, persist: boolean): void => {
      a.tick(now);
      while (persist && a.hasReady()) a.advance(a.ready());
    };
    let t = 0;
    while (!a.consensus!.isLeader()) drive((t += 5), true);
    const ticket = a.setTarget(HA_THREE_TARGET);
    expect('ticket' in ticket).toBe(true);
    drive((t += 5), true);
    expect(a.takeEffects().settled).toEqual([{ ticket: (ticket as { ticket: number }).ticket, result: { ok: true, message: expect.stringMatching(/^target: committed at raft index \d+$/) } }]);
    expect(a.status().target).toEqual({ ...HA_THREE_TARGET });
    // Nothing is persisted any more (a stuck disk): the proposal never commits.
    const stuck = a.proposeText(encodeRoleAssignment(promote(a.nodeId, ['scheduler'], 'operator')));
    if ('done' in stuck) throw new Error(stuck.done.message);
    for (let i = 0; i < 1100; i++) drive((t += 5), false);
    const settled = a.takeEffects().settled;
    expect(settled).toHaveLength(1);
    expect(settled[0]!.result.ok).toBe(false);
    expect(settled[0]!.result.message).toContain('not committed within 5 s');
  });
});
