// Drives the pure ConsensusNode for the node host: tick and step in, then the Ready loop in the
// order Raft's safety needs — leader traffic out, WAL save + fsync, then votes/acks out, then
// apply — and compaction when the log grows. Every committed change is reported to the event log.
import { randomBytes } from 'node:crypto';
import type { Ed25519Signer } from '../../shared/crypto/ed25519';
import { Prng } from '../../shared/kit/prng';
import { describeCommand, decodeCommand } from '../../shared/consensus/commands';
import { ConsensusNode } from '../../shared/consensus/node';
import type { Message } from '../../shared/consensus/types';
import { nodeEd25519 } from './ed25519-node';
import type { EventLog } from './event-log';
import { Wal } from '../raft/wal';

export interface ConsensusDriverOptions {
  readonly signer: Ed25519Signer;
  /** D/raft: the WAL and snapshot. */
  readonly walDir: string;
  readonly electionTimeoutMs: number;
  readonly tickMs: number;
  readonly log: EventLog;
  /** Sends a message to a peer (best effort; Raft retries). */
  readonly send: (message: Message) => void;
}

export class ConsensusDriver {
  readonly node: ConsensusNode;
  private readonly wal: Wal;
  private lastRole = '';

  constructor(private readonly options: ConsensusDriverOptions) {
    this.wal = Wal.open(options.walDir);
    if (this.wal.report.truncatedBytes > 0) {
      options.log.log({ level: 'warn', layer: 'raft', event: 'wal.torn-tail', message: `the Raft log ended in a torn write (crash during a write); cut ${this.wal.report.truncatedBytes} bytes, nothing acknowledged was lost`, fields: { bytes: this.wal.report.truncatedBytes } });
    }
    const seed = randomBytes(4).readUInt32LE(0);
    const electionTicks = Math.max(3, Math.round(options.electionTimeoutMs / options.tickMs));
    this.node = new ConsensusNode({
      signer: options.signer,
      verifier: nodeEd25519,
      clock: { nowMs: () => Date.now() },
      prng: new Prng(seed),
      tuning: { electionTicks, heartbeatTicks: Math.max(1, Math.floor(electionTicks / 4)) },
    }, this.wal.restored);
  }

  /** True when the data dir has no Raft state yet (a `--bootstrap` may initialise it). */
  get empty(): boolean {
    const r = this.wal.restored;
    return r.snapshot === null && r.entries.length === 0 && r.hardState.term === 0;
  }

  bootstrap(): void {
    this.node.bootstrap();
    this.options.log.log({ level: 'info', layer: 'raft', event: 'raft.bootstrap', message: 'bootstrapped a new one-voter cluster' });
    this.drain();
  }

  tick(): void {
    this.node.tick();
    this.drain();
  }

  receive(message: Message): void {
    this.node.step(message);
    this.drain();
  }

  private drain(): void {
    while (this.node.hasReady()) {
      const rd = this.node.ready();
      for (const m of rd.messages) this.options.send(m);
      this.wal.save(rd);
      for (const m of rd.messagesAfterPersist) this.options.send(m);
      this.node.advance(rd);
      for (const entry of rd.committed) {
        if (entry.data.length === 0) continue;
        const cmd = decodeCommand(entry.data);
        if (cmd.ok && cmd.value.kind !== 'witness') {
          this.options.log.log({ level: 'info', layer: 'raft', event: 'raft.commit', message: `committed #${entry.index}: ${describeCommand(cmd.value)}`, fields: { index: entry.index, term: entry.term } });
        }
      }
    }
    if (this.node.shouldCompact()) {
      const snapshot = this.node.compact();
      this.wal.saveSnapshot(snapshot);
      this.options.log.log({ level: 'info', layer: 'raft', event: 'raft.snapshot', message: `snapshot at #${snapshot.index}; log compacted`, fields: { index: snapshot.index } });
    }
    const status = this.node.status();
    const role = `${status.role}/${status.term}/${status.leader ?? ''}`;
    if (role !== this.lastRole) {
      this.lastRole = role;
      this.options.log.log({ level: 'info', layer: 'raft', event: 'raft.role', message: `${status.role} in term ${status.term}${status.leader ? `, leader ${status.leader.slice(0, 12)}` : ''}`, fields: { role: status.role, term: status.term, leader: status.leader } });
    }
  }

  close(): void {
    this.wal.close();
  }
}
