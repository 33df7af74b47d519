// Child-process Raft node for multi-process tests and the benchmark: one RaftHost per OS process,
// driven over stdin/stdout JSON lines. Config comes in RAFT_NODE_CONFIG.
//   → {"cmd":"peers","peers":[{"id","host","port"}]}          ← nothing
//   → {"cmd":"propose","req":n,"op":{...}}                    ← {"type":"result","req":n,"ok":…}
//   → {"cmd":"ping","req":n}                                  ← {"type":"pong","req":n}  (client-path round trip)
//   → {"cmd":"cpu","req":n}                                   ← {"type":"cpu","req":n,"ms","sent","writes","syncs"}  (CPU time, counters)
//   → {"cmd":"status","req":n,"hash":bool}                    ← {"type":"status","req":n,…}  (stateHash only with hash)
// The process exits when stdin closes; SIGKILL is how tests and the bench "crash" it.

import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { RaftHost } from '../../../electron/raft/raft-host';
import { nodeEd25519, nodeSignerFromSeed } from '../../../electron/node/ed25519-node';
import { demote, promote, type NodeRole } from '../../../shared/types/roles';
import type { NodeId } from '../../../shared/types/node-id';

export interface ProcNodeConfig {
  readonly dir: string;
  readonly seedByte: number;
  readonly secretHex: string;
  readonly port?: number;
  readonly bootstrap: boolean;
}

export type ProcOp =
  | { readonly kind: 'add-learner'; readonly id: string }
  | { readonly kind: 'promote'; readonly id: string; readonly roles: NodeRole[] }
  | { readonly kind: 'demote'; readonly id: string; readonly roles: NodeRole[] };

export async function runRaftNodeProcess(): Promise<void> {
  const cfg = JSON.parse(process.env['RAFT_NODE_CONFIG'] ?? '{}') as ProcNodeConfig;
  const signer = nodeSignerFromSeed(new Uint8Array(32).fill(cfg.seedByte));
  // RAFT_NODE_NULL_CRYPTO=1 (bench:raft's diagnostic phase only): signatures become 64 zero bytes
  // and every check passes, to measure what the attestation's signatures cost a commit. Not a
  // usable configuration — nothing it signs verifies.
  const nullCrypto = process.env['RAFT_NODE_NULL_CRYPTO'] === '1';
  const host = await RaftHost.start({
    dir: cfg.dir,
    signer: nullCrypto ? { publicKey: signer.publicKey, sign: () => new Uint8Array(64) } : signer,
    verifier: nullCrypto ? { verify: () => true } : nodeEd25519,
    verifyAsync: nullCrypto ? () => Promise.resolve(true) : undefined,
    secret: new Uint8Array(Buffer.from(cfg.secretHex, 'hex')), port: cfg.port, bootstrap: cfg.bootstrap,
    // RAFT_NODE_TUNING: JSON overrides of ConsensusTuning (experiments: e.g. witness batching).
    tuning: JSON.parse(process.env['RAFT_NODE_TUNING'] ?? '{}') as Record<string, number>,
  });
  const out = (o: unknown): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  out({ type: 'listening', id: host.id, port: host.address().port });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const msg = JSON.parse(line) as { cmd: string; req?: number; hash?: boolean; peers?: { id: string; host: string; port: number }[]; op?: ProcOp };
    if (msg.cmd === 'peers') {
      for (const p of msg.peers ?? []) host.setPeer(p.id, { host: p.host, port: p.port });
    } else if (msg.cmd === 'propose' && msg.op) {
      const op = msg.op;
      void host.proposeAndWait((n) => {
        if (op.kind === 'add-learner') return n.addLearner(op.id as NodeId);
        if (op.kind === 'promote') return n.proposeRole(promote(op.id as NodeId, op.roles, 'operator'));
        return n.proposeRole(demote(op.id as NodeId, op.roles, 'operator'));
      }).then((r) => out({ type: 'result', req: msg.req, ok: r.ok, error: r.ok ? undefined : r.error }));
    } else if (msg.cmd === 'ping') {
      out({ type: 'pong', req: msg.req });
    } else if (msg.cmd === 'cpu') {
      const u = process.cpuUsage();
      const t = host.transport.stats;
      out({ type: 'cpu', req: msg.req, ms: (u.user + u.system) / 1000, sysMs: u.system / 1000, sent: t.sent, writes: t.writes, syncs: host.wal.syncs });
    } else if (msg.cmd === 'status') {
      const s = host.node.status();
      const state = host.node.state;
      out({
        type: 'status', req: msg.req, role: s.role, term: s.term, leader: s.leader, commit: s.commit, applied: state.appliedIndex,
        last: s.lastIndex, voters: s.conf.voters, blocks: state.chain.length, faults: state.faults.length,
        // Encoding and hashing the whole state costs tens of ms on a long chain: only on request
        // (polling for the leader with it once starved the nodes' event loops into an election storm).
        stateHash: msg.hash === true ? createHash('sha256').update(state.encode()).digest('hex') : undefined,
      });
    }
  });
  rl.on('close', () => {
    void host.stop().then(() => process.exit(0));
  });
}
