// The node host: a thin adapter over the pure NodeCore (shared/node/core.ts), which holds the
// gossip membership, the consensus node, the policy engine and all the glue between them. The host
// owns what is not pure: the data directory and identity, the UDP socket (gossip), the Raft WAL and
// authenticated TCP transport, one timer, DNS for seeds, and the console server. The timer is
// deadline-driven: every wake-up (the timer itself, or one batch of datagrams, Raft messages and
// console commands) drains the core and arms one setTimeout for core.nextDeadlineMs() — the next
// instant anything is due — so an idle node sleeps between gossip rounds instead of waking every
// Raft tick (see wake()). It runs the core's Ready loop in the required order:
//   send rd.messages → write rd to the WAL and fdatasync it (on a slow disk on the thread pool: the
//   loop goes on, the Ready stays outstanding) → send rd.messagesAfterPersist → core.advance(rd)
// and carries out the effects the core emits (datagrams, transport peers, log lines, settled
// proposals). It runs unchanged in Electron main and in a plain Node process (`revoada node`).
import { createHmac, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import type { CommandResult, ConsoleHandlers, NodeStatusDto } from '../../shared/ipc/contract';
import { Prng } from '../../shared/kit/prng';
import { canonicalIp, type SocketAddr } from '../../shared/membership/wire';
import { NodeCore, type Submitted } from '../../shared/node/core';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../shared/product';
import { PRESCRIBED_HOMELAB, type FabricStrategy } from '../../shared/types/fabric';
import type { NodeId } from '../../shared/types/node-id';
import { startConsoleServer, type ConsoleServer } from '../console/server';
import type { Message } from '../../shared/consensus/types';
import type { Ready } from '../../shared/consensus/raft';
import { RaftTransport } from '../raft/transport';
import { Wal } from '../raft/wal';
import { formatHostPort, type HostPort } from './address';
import { CONSOLE_FILE, DataDir } from './data-dir';
import { ed25519Backend, nodeEd25519 } from './ed25519-node';
import type { EventLog } from './event-log';
import { writeFileAtomic } from './fs-atomic';
import { splitHostPort } from './gossip/udp-gossip';
import { rendererDir } from './paths';
import { loadClusterSecret, type ClusterSecret } from './secret';

export { RAFT_PROOF_KEY } from '../../shared/node/core';

export interface NodeHostOptions {
  readonly dataDir: string;
  readonly clusterId: string;
  readonly gossip: HostPort;
  readonly raft: HostPort;
  readonly seeds: readonly HostPort[];
  readonly bootstrap: boolean;
  /** Defaults to D/cluster.secret. */
  readonly secretFile?: string;
  /** The console server address, or null for --console off. */
  readonly console: HostPort | null;
  readonly allowRemoteConsole: boolean;
  readonly log: EventLog;
  /** Glue period: Raft peers and learners from gossip, advertised roles, log lines (ms, default 50). */
  readonly tickMs?: number;
  /** The built renderer served by the console server (default: dist/renderer next to the bundle). */
  readonly staticDir?: string;
  /** Called with every changed status (Electron main forwards it over IPC), at most every 100 ms. */
  readonly onStatus?: (status: NodeStatusDto) => void;
  /** Whether anyone shows onStatus now (default: always); the status is not even built when not. */
  readonly statusWanted?: () => boolean;
  /** A FabricStrategy (already validated) this node proposes once it leads, if it differs. */
  readonly strategy?: FabricStrategy;
}

export interface ConsoleSettings {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

/** Chain blocks pre-encoded for the next snapshot per wake-up (a few µs each). */
const WARM_BLOCKS_PER_WAKE = 16;
/** Wall time per Raft tick: election timeout 20 ticks = 200 ms, randomized in [200, 400) ms. */
const RAFT_TICK_MS = 10;
const SEED_REFRESH_MS = 60_000;
const PROPOSAL_TIMEOUT_MS = 5000;
/** Status pushes to console clients / Electron: this often on average (ms), and only when changed. */
const STATUS_EVERY_MS = 100;
/** A status push rides along a timer wake-up this close before it is due rather than waking on its own. */
const STATUS_SLACK_MS = 25;

export class NodeHost {
  private timer: NodeJS.Timeout | null = null;
  /** The deadline the timer is armed for. */
  private armedForMs = Infinity;
  private seedTimer: NodeJS.Timeout | null = null;
  private lastPublished = '';
  /** When the next status push is due (kept in phase, so early pushes do not raise the rate). */
  private statusDueMs = -Infinity;
  private scheduled = false;
  /** A Ready's fdatasync is in flight (see process). */
  private persisting = false;
  private reportFailure: (error: Error) => void = () => undefined;
  private failureReason: Error | null = null;
  private readonly failed = new Promise<Error>((resolve) => (this.reportFailure = resolve));
  /** A datagram arrived since the last core tick (the membership re-evaluates peers on a tick). */
  private gossipSinceTick = false;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private readonly waiters = new Map<number, (r: CommandResult) => void>();
  private sendErrors = 0;

  private constructor(
    private readonly options: NodeHostOptions,
    private readonly dir: DataDir,
    readonly nodeId: NodeId,
    readonly secret: ClusterSecret | null,
    private readonly core: NodeCore,
    private readonly socket: SocketAsPromised,
    private readonly wal: Wal | null,
    private readonly transport: RaftTransport | null,
    private consoleServer: ConsoleServer | null = null,
  ) {}

  static async start(options: NodeHostOptions): Promise<NodeHost> {
    const dir = await DataDir.open(options.dataDir);
    let wal: Wal | null = null;
    let transport: RaftTransport | null = null;
    let socket: SocketAsPromised | null = null;
    let host: NodeHost | null = null;
    try {
      const identity = await dir.identity();
      const secretFile = options.secretFile ?? dir.file('cluster.secret');
      const secret = await loadClusterSecret(secretFile, options.bootstrap);
      const log = options.log;
      // Raft: the WAL, then the authenticated transport (inbound messages go to the core).
      let raftAddr: string | null = null;
      const inbox: Message[] = [];
      if (secret !== null) {
        wal = Wal.open(dir.file('raft'));
        const { truncatedBytes, staleFilesRemoved } = wal.report;
        if (truncatedBytes > 0 || staleFilesRemoved.length > 0) {
          const parts = [
            ...(truncatedBytes > 0 ? [`cut a torn last record (${truncatedBytes} bytes) from the log`] : []),
            ...(staleFilesRemoved.length > 0 ? [`removed ${staleFilesRemoved.join(', ')} left by an interrupted write`] : []),
          ];
          log.log({ level: 'warn', layer: 'raft', event: 'raft.wal_recovered', message: `recovering after a crash: ${parts.join('; ')}` });
        }
        const address = options.raft;
        try {
          transport = await RaftTransport.listen({
            id: identity.nodeId, secret: secret.key, host: address.host, port: address.port,
            onNotice: (text) => log.log({ level: 'warn', layer: 'raft', event: 'raft.notice', message: text }),
            onMessage: (m) => (host ? host.onRaft(m) : inbox.push(m)),
          });
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          throw new Error(code === 'EADDRINUSE'
            ? `raft port ${formatHostPort(address)} is already in use — pass --raft HOST:PORT with a free port`
            : `cannot start Raft: ${error instanceof Error ? error.message : String(error)}`);
        }
        const bound = transport.address();
        raftAddr = formatHostPort({ host: bound.host, port: bound.port });
      }
      // Gossip: one UDP socket for sending and receiving, on the address we advertise.
      const gossipAddr = options.gossip;
      const ip = canonicalIp(gossipAddr.host);
      if (ip === null) throw new Error(`--gossip host '${gossipAddr.host}' must be an IP literal`);
      const datagrams: Array<{ msg: Buffer; from: SocketAddr }> = [];
      socket = DgramAsPromised.createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4' }, (msg, rinfo) => {
        const from = canonicalIp(rinfo.address);
        if (from === null) return;
        if (host) host.onDatagram(msg, { ip: from, port: rinfo.port });
        else datagrams.push({ msg, from: { ip: from, port: rinfo.port } });
      });
      let advertise: SocketAddr;
      try {
        const bound = await socket.bind(gossipAddr.port, ip);
        advertise = { ip, port: bound.port };
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(code === 'EADDRINUSE'
          ? `gossip port ${formatHostPort(gossipAddr)} is already in use — pass --gossip HOST:PORT with a free port`
          : `cannot start gossip on ${formatHostPort(gossipAddr)}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const seeds = await resolveSeeds(options.seeds, ip.includes(':') ? 6 : 4);
      const core = new NodeCore({
        clusterId: options.clusterId,
        gossipAddr: advertise,
        raftAddr,
        seeds,
        seedsText: options.seeds.map(formatHostPort).join(', '),
        generation: BigInt(Date.now()),
        secret: secret ? { key: secret.key, fingerprint: secret.fingerprint } : null,
        bootstrap: options.bootstrap ? 'if-empty' : false,
        ...(wal ? { restored: wal.restored } : {}),
        capacity: { cpu: String(os.cpus().length), memory: `${Math.round(os.totalmem() / 1024 / 1024)}Mi`, storage: '0', pods: 110 },
        timing: PRESCRIBED_HOMELAB.membership,
        ...(options.strategy ? { strategy: options.strategy } : {}),
        raftTickMs: RAFT_TICK_MS,
        glueEveryMs: options.tickMs ?? 50,
        proposalTimeoutMs: PROPOSAL_TIMEOUT_MS,
      }, {
        signer: nodeEd25519.signerFromSeed(identity.seed),
        verifier: nodeEd25519,
        hmacSha256: (key, data) => new Uint8Array(createHmac('sha256', key).update(data).digest()),
        wallClock: { nowMs: () => Date.now() },
        prng: new Prng(randomBytes(4).readUInt32LE(0)),
      }, performance.now());
      host = new NodeHost(options, dir, identity.nodeId, secret, core, socket, wal, transport);
      for (const m of inbox.splice(0)) core.receiveRaft(m);
      for (const d of datagrams.splice(0)) host.onDatagram(d.msg, d.from);
      if (options.console !== null) await host.startConsole(options.console);
      log.log({ level: 'info', layer: 'node', event: 'node.start', message: `${PRODUCT_NAME} node ${identity.nodeId.slice(0, 12)} started`, fields: { nodeId: identity.nodeId, dataDir: dir.root, cluster: options.clusterId, gossip: `${advertise.ip}:${advertise.port}`, raft: raftAddr, identityCreated: identity.created, ed25519: ed25519Backend.name } });
      if (ed25519Backend.fallbackReason) log.log({ level: 'warn', layer: 'node', event: 'node.ed25519_fallback', message: `ed25519 on OpenSSL (slower, same rule): ${ed25519Backend.fallbackReason}` });
      if (secret === null) {
        log.log({ level: 'warn', layer: 'raft', event: 'secret.missing', message: `no cluster secret at ${secretFile}: this node only gossips; it cannot vote or replicate until it has one (copy the bootstrap node's file and pass --secret-file, or pass --bootstrap to start a new cluster)` });
      } else if (secret.created) {
        log.log({ level: 'info', layer: 'raft', event: 'secret.created', message: `created the cluster secret ${secretFile}; copy it to joining nodes (--secret-file)`, fields: { fingerprint: secret.fingerprint } });
      }
      const started = host;
      host.seedTimer = setInterval(() => void started.refreshSeeds(), SEED_REFRESH_MS);
      host.seedTimer.unref();
      host.wake(true);
      return host;
    } catch (error) {
      if (host) await host.stopLayers();
      else {
        await socket?.close().catch(() => undefined);
        await transport?.close();
        wal?.close();
      }
      await dir.close();
      throw error;
    }
  }

  private async refreshSeeds(): Promise<void> {
    const family = this.core.membership.self.addr.ip.includes(':') ? 6 : 4;
    const seeds = await resolveSeeds(this.options.seeds, family);
    if (!this.stopped) this.core.setSeeds(seeds);
  }

  private onDatagram(msg: Buffer, from: SocketAddr): void {
    if (this.stopped) return;
    this.core.receiveGossip(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), from, performance.now());
    this.gossipSinceTick = true;
    this.schedule();
  }

  private onRaft(m: Message): void {
    if (this.stopped) return;
    this.core.receiveRaft(m, performance.now());
    this.schedule();
  }

  /**
   * One wake-up: tick the core (whatever is due by now runs), drain it, push the status if due,
   * and arm the timer for the core's next deadline. A wake-up for Raft messages or commands
   * skips the tick, as the 10 ms loop did (Raft's own ticks are caught up in receiveRaft); one
   * for datagrams ticks at once when that can change a peer's verdict (a peer not healthy, a new
   * member), so it is re-evaluated without waiting for the next deadline.
   */
  private wake(timer: boolean): void {
    if (this.stopped) return;
    const gossip = this.gossipSinceTick && this.core.tickAfterGossip();
    this.gossipSinceTick = false;
    if (timer || gossip) this.core.tick(performance.now());
    this.process();
    // Between writes: keep preallocated log space ahead (a 256 KiB write and sync every few hundred
    // entries), so that saves overwrite allocated blocks. Under sustained load a sync is nearly
    // always in flight and the save that runs out of space extends the file itself.
    if (timer && !this.persisting) this.wal?.prepareSpace();
    const now = performance.now();
    // On a timer wake-up the push may come a little early (it rides a gossip round or heartbeat
    // instead of waking on its own); input wake-ups are frequent in a mesh and wait until it is due.
    if (this.statusWanted() && now >= this.statusDueMs - (timer ? STATUS_SLACK_MS : 0)) {
      const next = this.statusDueMs + STATUS_EVERY_MS;
      this.statusDueMs = next > now ? next : now + STATUS_EVERY_MS;
      this.publishStatus();
    }
    this.arm();
  }

  /** One setTimeout for the next deadline; kept when it fires no later (an early wake-up is harmless). */
  private arm(): void {
    let deadline = this.core.nextDeadlineMs();
    if (this.statusWanted()) deadline = Math.min(deadline, this.statusDueMs);
    if (this.timer !== null && this.armedForMs <= deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = Math.min(Math.max(0, Math.ceil(deadline - performance.now())), SEED_REFRESH_MS);
    this.armedForMs = deadline;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedForMs = Infinity;
      this.wake(true);
    }, delay);
  }

  private statusWanted(): boolean {
    if ((this.consoleServer?.clientCount() ?? 0) > 0) return true;
    return this.options.onStatus !== undefined && (this.options.statusWanted?.() ?? true);
  }

  /** Batches everything that arrives in one turn of the event loop into one wake-up (one fsync). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.wake(false);
    });
  }

  /**
   * Drains the core: the Ready loop (persist before messagesAfterPersist), then the effects. A Ready
   * that must be durable (entries, term, vote) is fdatasynced here on a fast disk; on a slow one
   * (Wal.syncInBackground: syncs averaging over 2 ms — an SD card, a busy HDD) on the thread pool
   * (Wal.saveAsync), and it stays outstanding until it is on disk — its acknowledgements and votes
   * wait, no other Ready is taken — while this loop goes on with gossip, ticks, the console and
   * stepping Raft messages.
   */
  private process(): void {
    if (this.stopped) return;
    const core = this.core;
    while (!this.persisting && core.hasReady()) {
      const rd = core.ready();
      this.transport!.send(rd.messages);
      try {
        if (this.wal!.savesInBackground(rd)) {
          this.persisting = true;
          this.wal!.saveAsync(rd, (error) => {
            this.persisting = false;
            if (error) return this.fail(new Error(`the Raft log could not be written or synced: ${error.message}`));
            if (this.stopped) return;
            this.persisted(rd);
            this.wake(false);
          });
          break;
        }
        this.wal!.save(rd);
      } catch (error) {
        // A log that cannot be made durable must not acknowledge anything: the node stops.
        this.persisting = false;
        this.fail(new Error(`the Raft log could not be written or synced: ${error instanceof Error ? error.message : String(error)}`));
        return;
      }
      this.persisted(rd);
    }
    // While awake anyway: encode a few chain blocks for the next snapshot, so that compaction
    // copies cached bytes instead of serializing the chain in one turn.
    core.consensus?.warmSnapshot(WARM_BLOCKS_PER_WAKE);
    const fx = core.takeEffects();
    for (const d of fx.datagrams) this.socket.send(d.bytes, d.to.port, d.to.ip).catch(() => { this.sendErrors++; });
    for (const p of fx.peers) this.transport?.setPeer(p.id, { host: p.host, port: p.port });
    for (const record of fx.log) this.options.log.log(record);
    for (const s of fx.settled) {
      const resolve = this.waiters.get(s.ticket);
      this.waiters.delete(s.ticket);
      resolve?.(s.result);
    }
  }

  /** The Ready is on disk: what depended on it may leave, and the core moves on. */
  private persisted(rd: Ready): void {
    this.transport!.send(rd.messagesAfterPersist);
    const snapshot = this.core.advance(rd);
    // A local compaction's snapshot is written off the event loop (tmp, fdatasync, rename, fsync
    // dir); while one is still being written, the next is skipped — the log keeps everything.
    if (snapshot) this.wal!.saveSnapshotInBackground(snapshot, (e) => this.options.log.log({ level: 'warn', layer: 'raft', event: 'raft.snapshot_failed', message: `snapshot not saved (the log keeps everything): ${e.message}` }));
  }

  private publishStatus(): void {
    const status = this.core.status();
    const text = JSON.stringify(status);
    if (text === this.lastPublished) return;
    this.lastPublished = text;
    this.consoleServer?.publish('onDidChangeStatus', status);
    this.options.onStatus?.(status);
  }

  private async startConsole(address: HostPort): Promise<void> {
    const token = randomBytes(24).toString('hex');
    const handlers = this.handlers('console-server');
    try {
      this.consoleServer = await startConsoleServer({
        host: address.host, port: address.port, token, handlers,
        staticDir: this.options.staticDir ?? rendererDir(fileURLToPath(import.meta.url)),
        allowNonLoopback: this.options.allowRemoteConsole,
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'EADDRINUSE'
        ? `console port ${formatHostPort(address)} is already in use — pass --console HOST:PORT with a free port, or --console off`
        : `cannot start the console on ${formatHostPort(address)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const settings: ConsoleSettings = { url: this.consoleServer.url, token, pid: process.pid };
    await writeFileAtomic(this.dir.file(CONSOLE_FILE), `${JSON.stringify(settings, null, 2)}\n`, 0o600);
    if (this.options.allowRemoteConsole) {
      this.options.log.log({ level: 'warn', layer: 'console', event: 'console.remote', message: `WARNING: the console is reachable from other machines on ${address.host}; anyone with the token controls this node` });
    }
  }

  /** The console contract served by this node (over the console server or Electron IPC). */
  handlers(carrier: 'console-server' | 'electron'): ConsoleHandlers {
    return {
      getAppInfo: () => ({ product: PRODUCT_NAME, version: PRODUCT_VERSION, host: carrier, nodeRunning: true }),
      getStatus: () => this.core.status(),
      exportChain: ({ form }) => this.core.exportChain(form),
      getPolicySnapshot: () => {
        const text = this.core.policySnapshotText();
        return text === null ? null : { text };
      },
      getStrategy: () => {
        const json = this.core.strategyJson();
        return json === null ? null : { json };
      },
      setTarget: (target) => this.await(this.core.setTarget(target)),
      applyStrategy: ({ text }) => this.await(this.core.applyStrategyText(text)),
      propose: ({ text }) => this.await(this.core.proposeText(text)),
    };
  }

  /** Waits for a submitted command: the core settles it when applied here, or with the reason not. */
  private await(submitted: Submitted): Promise<CommandResult> {
    this.schedule();
    if ('done' in submitted) return Promise.resolve(submitted.done);
    return new Promise((resolve) => this.waiters.set(submitted.ticket, resolve));
  }

  get consoleUrl(): string | null {
    return this.consoleServer?.url ?? null;
  }

  get dataDir(): string {
    return this.dir.root;
  }

  status(): NodeStatusDto {
    return this.core.status();
  }

  /** The chain as a file: blocks with every witness signature that has reached the log. */
  exportChain(form: 'envelope' | 'rust'): { text: string; blocks: number } {
    return this.core.exportChain(form);
  }

  get gossipSendErrors(): number {
    return this.sendErrors;
  }

  private async stopLayers(): Promise<void> {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    if (this.seedTimer) clearInterval(this.seedTimer);
    this.timer = null;
    this.seedTimer = null;
    this.core.stop();
    this.process();
    this.stopped = true;
    // Commands still waiting for a commit get an answer instead of hanging.
    for (const resolve of this.waiters.values()) resolve({ ok: false, message: 'the node stopped before the command was applied' });
    this.waiters.clear();
    await this.socket.close().catch(() => undefined);
    await this.transport?.close();
    // With an fsync still in flight the log is closed when it completes: wait for that before the
    // lock is released (nothing may open the directory while this process can still write to it).
    this.wal?.close();
    await this.wal?.whenClosed();
    await this.consoleServer?.close();
  }

  /** Stops the layers and clears the console file (the lock is released by the caller). */
  private async shutdown(): Promise<void> {
    await this.stopLayers();
    await writeFileAtomic(this.dir.file(CONSOLE_FILE), `${JSON.stringify({ url: null, token: null, pid: null })}\n`, 0o600).catch(() => undefined);
  }

  /** Clean shutdown: stop the loop, close gossip, flush Raft, close the console, release the lock. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.shutdown();
      if (!this.failureReason) this.options.log.log({ level: 'info', layer: 'node', event: 'node.stop', message: 'node stopped cleanly' });
      await this.dir.close();
    })();
    return this.stopping;
  }

  /** Resolves with the reason if the node stops by itself on a fatal error (a failed fsync). */
  whenFailed(): Promise<Error> {
    return this.failed;
  }

  /** The reason the node stopped by itself, or null. */
  get failure(): Error | null {
    return this.failureReason;
  }

  /**
   * A fatal error (the Raft log cannot be written or synced): the node stops — acknowledging
   * nothing more — and whenFailed() resolves once it has. During a shutdown already under way the
   * error is only logged (and still reported through `failure`).
   */
  private fail(error: Error): void {
    if (this.failureReason) return;
    this.failureReason = error;
    this.options.log.log({ level: 'error', layer: 'node', event: 'node.failed', message: `stopping: ${error.message}` });
    if (this.stopping) {
      void this.stopping.finally(() => this.reportFailure(error));
      return;
    }
    this.stopping = (async () => {
      try {
        await this.shutdown();
      } catch (e) {
        this.options.log.log({ level: 'error', layer: 'node', event: 'node.stop_failed', message: `while stopping: ${e instanceof Error ? e.message : String(e)}` });
      } finally {
        await this.dir.close().catch(() => undefined);
      }
    })();
    void this.stopping.finally(() => this.reportFailure(error));
  }
}

/** Seeds as addresses: IP literals as they are, host names through DNS (unresolvable ones skipped). */
async function resolveSeeds(seeds: readonly HostPort[], family: 4 | 6): Promise<SocketAddr[]> {
  const out: SocketAddr[] = [];
  for (const seed of seeds) {
    const hp = splitHostPort(formatHostPort(seed));
    if ('message' in hp) continue;
    const literal = canonicalIp(hp.host);
    if (literal !== null) { out.push({ ip: literal, port: hp.port }); continue; }
    try {
      const r = await lookup(hp.host, { family });
      const ip = canonicalIp(r.address);
      if (ip !== null) out.push({ ip, port: hp.port });
    } catch {
      // Unresolvable right now: tried again at the next refresh.
    }
  }
  return out;
}

/** Reads D/console.json to find a running node's console (for `revoada status --data-dir`). */
export function consoleSettingsPath(dataDir: string): string {
  return path.join(dataDir, CONSOLE_FILE);
}
