// The node host: owns the data directory, the identity, the console server and the one timer,
// and drives the pure layers (membership, consensus, policy) with received bytes and ticks,
// performing their effects in order — persist before send. It runs unchanged in Electron main
// and in a plain Node process (`revoada node`).
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { ConsoleHandlers, NodeStatusDto } from '../../shared/ipc/contract';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../shared/product';
import { HOMELAB_TARGET } from '../../shared/types/target';
import { startConsoleServer, type ConsoleServer } from '../console/server';
import { CONSOLE_FILE, DataDir } from './data-dir';
import type { EventLog } from './event-log';
import { writeFileAtomic } from './fs-atomic';
import { formatHostPort, type HostPort } from './address';
import { rendererDir } from './paths';
import { loadClusterSecret, type ClusterSecret } from './secret';
import { randomBytes } from 'node:crypto';
import type { NodeId } from '../../shared/types/node-id';
import { PolicyEngine } from '../../shared/policy/engine';
import type { MembershipView, MemberView } from '../../shared/policy/view';
import { describeRoleAssignment } from '../../shared/types/roles';
import type { RaftRoleState } from '../../shared/ipc/contract';
import type { Message } from '../../shared/consensus/types';
import { ConsensusDriver } from './consensus-driver';
import { encodeChainBare, encodeChainEnvelope } from '../../shared/attestation/chain-file';
import { nodeEd25519 } from './ed25519-node';

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
  /** Host loop period (ms). */
  readonly tickMs?: number;
  /** The built renderer served by the console server (default: dist/renderer next to the bundle). */
  readonly staticDir?: string;
  /** Called with every changed status (Electron main forwards it over IPC). */
  readonly onStatus?: (status: NodeStatusDto) => void;
}

export interface ConsoleSettings {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

export class NodeHost {
  private timer: NodeJS.Timeout | null = null;
  private lastPublished = '';
  private consensus: ConsensusDriver | null = null;
  private readonly policy: PolicyEngine = new PolicyEngine({ target: HOMELAB_TARGET });
  private ticks = 0;
  private readonly startedAt = performance.now();
  private readonly tickMs: number;
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly options: NodeHostOptions,
    private readonly dir: DataDir,
    readonly nodeId: NodeId,
    readonly secret: ClusterSecret | null,
    private consoleServer: ConsoleServer | null,
  ) {
    this.tickMs = options.tickMs ?? 15;
  }

  static async start(options: NodeHostOptions): Promise<NodeHost> {
    const dir = await DataDir.open(options.dataDir);
    try {
      const identity = await dir.identity();
      const secretFile = options.secretFile ?? dir.file('cluster.secret');
      const secret = await loadClusterSecret(secretFile, options.bootstrap);
      const host = new NodeHost(options, dir, identity.nodeId, secret, null);
      if (options.console !== null) await host.startConsole(options.console);
      const log = options.log;
      host.consensus = new ConsensusDriver({
        signer: nodeEd25519.signerFromSeed(identity.seed),
        walDir: dir.file('raft'),
        electionTimeoutMs: 150,
        tickMs: host.tickMs,
        log,
        send: (message) => host.sendRaft(message),
      });
      log.log({ level: 'info', layer: 'node', event: 'node.start', message: `${PRODUCT_NAME} node ${identity.nodeId.slice(0, 12)} starting`, fields: { nodeId: identity.nodeId, dataDir: dir.root, cluster: options.clusterId, gossip: formatHostPort(options.gossip), raft: formatHostPort(options.raft), identityCreated: identity.created } });
      if (secret === null) {
        log.log({ level: 'warn', layer: 'raft', event: 'secret.missing', message: `no cluster secret at ${secretFile}: this node cannot vote or replicate until it has one (copy the bootstrap node's file and pass --secret-file, or pass --bootstrap to start a new cluster)` });
      } else if (secret.created) {
        log.log({ level: 'info', layer: 'raft', event: 'secret.created', message: `created the cluster secret ${secretFile}; copy it to joining nodes (--secret-file)`, fields: { fingerprint: secret.fingerprint } });
      }
      if (options.bootstrap && host.consensus.empty) host.consensus.bootstrap();
      else if (options.bootstrap) log.log({ level: 'info', layer: 'raft', event: 'raft.bootstrap-skipped', message: 'this data dir already holds Raft state; --bootstrap has no effect' });
      host.timer = setInterval(() => host.tick(), host.tickMs);
      return host;
    } catch (error) {
      await dir.close();
      throw error;
    }
  }

  private async startConsole(address: HostPort): Promise<void> {
    const token = randomBytes(24).toString('hex');
    const handlers: ConsoleHandlers = {
      getAppInfo: () => ({ product: PRODUCT_NAME, version: PRODUCT_VERSION, host: 'console-server', nodeRunning: true }),
      getStatus: () => this.status(),
      exportChain: ({ form }) => this.exportChain(form),
    };
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

  get consoleUrl(): string | null {
    return this.consoleServer?.url ?? null;
  }

  get dataDir(): string {
    return this.dir.root;
  }

  status(): NodeStatusDto {
    const node = this.consensus?.node;
    if (!node) {
      return {
        nodeId: this.nodeId, clusterId: this.options.clusterId,
        raft: { state: 'none', term: 0, leaderId: null, commitIndex: 0, appliedIndex: 0, voters: [], learners: [] },
        members: [], shape: {}, target: { ...HOMELAB_TARGET }, strategy: 'homelab', chain: { length: 0, headHash: null },
      };
    }
    const raft = node.status();
    const state = node.state;
    const inConf = raft.conf.voters.includes(this.nodeId) || raft.conf.learners.includes(this.nodeId);
    const role: RaftRoleState = !inConf ? 'none'
      : raft.conf.learners.includes(this.nodeId) ? 'learner'
      : raft.role === 'pre-candidate' ? 'candidate' : raft.role;
    const shape: Record<string, string[]> = {};
    for (const id of state.shape.nodes()) shape[id] = [...state.shape.rolesOf(id)];
    const head = state.chain[state.chain.length - 1];
    return {
      nodeId: this.nodeId,
      clusterId: this.options.clusterId,
      raft: { state: role, term: raft.term, leaderId: raft.leader, commitIndex: raft.commit, appliedIndex: state.appliedIndex, voters: [...raft.conf.voters], learners: [...raft.conf.learners] },
      members: [],
      shape,
      target: { ...state.target },
      strategy: state.strategy.name,
      chain: { length: state.chain.length, headHash: head?.hash ?? null },
    };
  }

  /** The chain as a file: blocks with every witness signature that has reached the log. */
  exportChain(form: 'envelope' | 'rust'): { text: string; blocks: number } {
    const node = this.consensus?.node;
    const blocks = (node?.state.chain ?? []).map((c) => ({ ...c.block, witnessSignatures: [...c.witnesses] }));
    const conf = node?.status().conf;
    const text = form === 'rust' ? encodeChainBare(blocks) : encodeChainEnvelope(blocks, {
      clusterId: this.options.clusterId,
      exportedAtMs: Date.now(),
      nodeKeys: conf ? [...conf.voters, ...conf.learners].sort() as NodeId[] : [],
    });
    return { text, blocks: blocks.length };
  }

  /** Raft messages to peers. The peer transport arrives with the consensus adapters. */
  private sendRaft(_message: Message): void {
    // No peer transport yet: a one-voter cluster needs none.
  }

  /** What the policy engine sees: the Raft members, with health from gossip (self is healthy). */
  private policyView(): MembershipView {
    const node = this.consensus!.node;
    const raft = node.status();
    const members: MemberView[] = [];
    for (const id of [...raft.conf.voters, ...raft.conf.learners]) {
      const isSelf = id === this.nodeId;
      const match = raft.progress[id]?.match ?? 0;
      members.push({
        id: id as NodeId,
        health: isSelf ? 'healthy' : 'suspect',
        raft: raft.conf.voters.includes(id) ? 'voter' : 'learner',
        caughtUp: isSelf || match + 100 >= raft.lastIndex,
      });
    }
    return { members };
  }

  private runPolicy(): void {
    const node = this.consensus?.node;
    if (!node?.isLeader()) return;
    const state = node.state;
    if (this.policy.target !== state.target) this.policy.reconfigure({ target: state.target });
    const out = this.policy.tick({ view: this.policyView(), shape: state.shape, isLeader: true, nowMs: performance.now() - this.startedAt });
    for (const command of out.proposals) {
      const result = node.proposeRole(command);
      this.options.log.log(result.ok
        ? { level: 'info', layer: 'policy', event: 'policy.propose', message: `proposed ${describeRoleAssignment(command)}` }
        : { level: 'warn', layer: 'policy', event: 'policy.propose-failed', message: `could not propose ${describeRoleAssignment(command)}: ${result.error.message}` });
    }
    for (const decision of out.decisions) {
      if (decision.action !== 'withheld' || decision.reason === 'not_leader') continue;
      const key = `${decision.reason}:${decision.detail}`;
      if (this.withheld.has(key)) continue;
      this.withheld.add(key);
      this.options.log.log({ level: 'info', layer: 'policy', event: `policy.withheld`, message: `${decision.policy}: withheld (${decision.reason}): ${decision.detail}` });
    }
  }

  private readonly withheld = new Set<string>();

  private tick(): void {
    this.ticks++;
    this.consensus?.tick();
    if (this.ticks % Math.max(1, Math.round(250 / this.tickMs)) === 0) this.runPolicy();
    if (this.ticks % Math.max(1, Math.round(100 / this.tickMs)) !== 0) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text !== this.lastPublished) {
      this.lastPublished = text;
      this.consoleServer?.publish('onDidChangeStatus', status);
      this.options.onStatus?.(status);
    }
  }

  /** Clean shutdown: stop the loop, close the console, release the lock. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      this.consensus?.close();
      await this.consoleServer?.close();
      await writeFileAtomic(this.dir.file(CONSOLE_FILE), `${JSON.stringify({ url: null, token: null, pid: null })}\n`, 0o600).catch(() => undefined);
      this.options.log.log({ level: 'info', layer: 'node', event: 'node.stop', message: 'node stopped cleanly' });
      await this.dir.close();
    })();
    return this.stopping;
  }
}

/** Reads D/console.json to find a running node's console (for `revoada status --data-dir`). */
export function consoleSettingsPath(dataDir: string): string {
  return path.join(dataDir, CONSOLE_FILE);
}
