// The node host: owns the data directory, the identity, the console server, the gossip adapter
// (UDP, layer A), the Raft host (WAL + authenticated TCP, layer B) and the policy loop (layer C),
// and connects them:
//   gossip → Raft peers: every member whose signed NodeState advertises a raft address and whose
//            membership proof checks out with our cluster secret becomes a transport peer;
//   gossip → Raft config: the leader adds such members as learners (one change at a time);
//   gossip + Raft → policy: the leader evaluates the policies over the Raft members with their
//            gossip health and proposes the role changes (voters = etcd holders, atomically);
//   Raft → gossip: our committed roles are re-advertised in our NodeState.
// It runs unchanged in Electron main and in a plain Node process (`revoada node`).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeChainBare, encodeChainEnvelope } from '../../shared/attestation/chain-file';
import type { CommandResult, ConsoleHandlers, MemberDto, NodeStatusDto, RaftRoleState } from '../../shared/ipc/contract';
import { describeJsonError, parseJson } from '../../shared/kit/json';
import { checkFabricStrategyText, encodeFabricStrategyJson, formatDiagnostic } from '../../shared/policy/fabric';
import { encodeSnapshot } from '../../shared/policy/snapshot';
import type { MembershipEvent, MemberView as GossipMember } from '../../shared/membership/machine';
import type { LocalStateInput } from '../../shared/membership/machine';
import { PolicyEngine } from '../../shared/policy/engine';
import type { MembershipView, MemberView } from '../../shared/policy/view';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../shared/product';
import { PRESCRIBED_HOMELAB, type FabricStrategy } from '../../shared/types/fabric';
import type { NodeId } from '../../shared/types/node-id';
import { decodeRoleAssignment, describeRoleAssignment } from '../../shared/types/roles';
import { HOMELAB_TARGET } from '../../shared/types/target';
import { startConsoleServer, type ConsoleServer } from '../console/server';
import { RaftHost } from '../raft/raft-host';
import { formatHostPort, type HostPort } from './address';
import { CONSOLE_FILE, DataDir } from './data-dir';
import { nodeEd25519 } from './ed25519-node';
import type { EventLog } from './event-log';
import { writeFileAtomic } from './fs-atomic';
import { UdpGossipNode } from './gossip/udp-gossip';
import { rendererDir } from './paths';
import { loadClusterSecret, type ClusterSecret } from './secret';

/** Gossip key holding HMAC(secret, cluster id, node id): proof that a member holds the secret. */
export const RAFT_PROOF_KEY = 'revoada.raft.proof';

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
  /** Host loop period for status and policy (ms). */
  readonly tickMs?: number;
  /** The built renderer served by the console server (default: dist/renderer next to the bundle). */
  readonly staticDir?: string;
  /** Called with every changed status (Electron main forwards it over IPC). */
  readonly onStatus?: (status: NodeStatusDto) => void;
  /** A FabricStrategy (already validated) this node proposes once it leads, if it differs. */
  readonly strategy?: FabricStrategy;
}

export interface ConsoleSettings {
  readonly url: string;
  readonly token: string;
  readonly pid: number;
}

function membershipProof(secret: Uint8Array, clusterId: string, nodeId: string): string {
  return createHmac('sha256', secret).update(`revoada-raft-member\0${clusterId}\0${nodeId}`).digest('hex');
}

/** How long a Raft member missing from gossip counts as "not yet heard" rather than dead. */
const GOSSIP_GRACE_MS = 10_000;
const POLICY_EVERY_MS = 250;

export class NodeHost {
  private timer: NodeJS.Timeout | null = null;
  private lastPublished = '';
  private raft: RaftHost | null = null;
  private gossip: UdpGossipNode | null = null;
  private readonly policy = new PolicyEngine({ target: HOMELAB_TARGET });
  private readonly startedAt = performance.now();
  private readonly startedWall = Date.now();
  private readonly tickMs: number;
  private ticks = 0;
  private stopping: Promise<void> | null = null;
  private readonly withheld = new Set<string>();
  private loggedChain = 0;
  private lastRaftRole = '';
  private advertisedRoles = '';
  private raftAddr: string | null = null;
  private readonly peersSet = new Map<string, string>();
  private strategyProposed = false;
  private readonly foreignSecret = new Set<string>();
  private seedWarned = false;
  private policyShapeIndex = 0;

  private constructor(
    private readonly options: NodeHostOptions,
    private readonly dir: DataDir,
    readonly nodeId: NodeId,
    private readonly seed: Uint8Array,
    readonly secret: ClusterSecret | null,
    private consoleServer: ConsoleServer | null = null,
  ) {
    this.tickMs = options.tickMs ?? 50;
  }

  static async start(options: NodeHostOptions): Promise<NodeHost> {
    const dir = await DataDir.open(options.dataDir);
    let host: NodeHost | null = null;
    try {
      const identity = await dir.identity();
      const secretFile = options.secretFile ?? dir.file('cluster.secret');
      const secret = await loadClusterSecret(secretFile, options.bootstrap);
      host = new NodeHost(options, dir, identity.nodeId, identity.seed, secret);
      const log = options.log;
      if (secret !== null) await host.startRaft();
      await host.startGossip();
      if (options.console !== null) await host.startConsole(options.console);
      log.log({ level: 'info', layer: 'node', event: 'node.start', message: `${PRODUCT_NAME} node ${identity.nodeId.slice(0, 12)} started`, fields: { nodeId: identity.nodeId, dataDir: dir.root, cluster: options.clusterId, gossip: host.gossip?.advertise ? `${host.gossip.advertise.ip}:${host.gossip.advertise.port}` : null, raft: host.raftAddr, identityCreated: identity.created } });
      if (secret === null) {
        log.log({ level: 'warn', layer: 'raft', event: 'secret.missing', message: `no cluster secret at ${secretFile}: this node only gossips; it cannot vote or replicate until it has one (copy the bootstrap node's file and pass --secret-file, or pass --bootstrap to start a new cluster)` });
      } else if (secret.created) {
        log.log({ level: 'info', layer: 'raft', event: 'secret.created', message: `created the cluster secret ${secretFile}; copy it to joining nodes (--secret-file)`, fields: { fingerprint: secret.fingerprint } });
      }
      const started = host;
      host.timer = setInterval(() => started.tick(), host.tickMs);
      return host;
    } catch (error) {
      await host?.stopLayers();
      await dir.close();
      throw error;
    }
  }

  private async startRaft(): Promise<void> {
    const address = this.options.raft;
    try {
      this.raft = await RaftHost.start({
        dir: this.dir.file('raft'),
        signer: nodeEd25519.signerFromSeed(this.seed),
        verifier: nodeEd25519,
        secret: this.secret!.key,
        host: address.host,
        port: address.port,
        tickMs: 10,
        bootstrap: this.options.bootstrap ? 'if-empty' : false,
        onNotice: (text) => this.options.log.log({ level: 'warn', layer: 'raft', event: 'raft.notice', message: text }),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'EADDRINUSE'
        ? `raft port ${formatHostPort(address)} is already in use — pass --raft HOST:PORT with a free port`
        : `cannot start Raft: ${error instanceof Error ? error.message : String(error)}`);
    }
    const bound = this.raft.address();
    this.raftAddr = formatHostPort({ host: bound.host, port: bound.port });
  }

  private localState(advertise: string): LocalStateInput {
    const roles = this.raft?.node.state.shape.rolesOf(this.nodeId) ?? [];
    return {
      gossipAddr: advertise,
      raftAddr: this.raftAddr,
      roles: [...roles],
      capacity: { cpu: String(os.cpus().length), memory: `${Math.round(os.totalmem() / 1024 / 1024)}Mi`, storage: '0', pods: 110 },
      k8sVersion: '',
      uptimeSec: Math.floor((Date.now() - this.startedWall) / 1000),
      membershipGeneration: 0,
    };
  }

  private async startGossip(): Promise<void> {
    const address = this.options.gossip;
    this.gossip = new UdpGossipNode({
      host: address.host,
      port: address.port,
      clusterId: this.options.clusterId,
      seeds: this.options.seeds.map(formatHostPort),
      identitySeed: this.seed,
      timing: PRESCRIBED_HOMELAB.membership,
      initialState: (advertise) => this.localState(advertise),
      onEvent: (event) => this.onGossipEvent(event),
    });
    try {
      await this.gossip.start();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'EADDRINUSE'
        ? `gossip port ${formatHostPort(address)} is already in use — pass --gossip HOST:PORT with a free port`
        : `cannot start gossip on ${formatHostPort(address)}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (this.secret) this.gossip.membership.setKey(RAFT_PROOF_KEY, membershipProof(this.secret.key, this.options.clusterId, this.nodeId));
  }

  private onGossipEvent(event: MembershipEvent): void {
    if (event.kind !== 'health') return;
    const id = event.id.nodeId.slice(0, 12);
    const level = event.to === 'dead' ? 'warn' : 'info';
    this.options.log.log({ level, layer: 'gossip', event: `member.${event.to}`, message: event.from === 'new' ? `member ${id} joined (${event.to})` : `member ${id} is ${event.to} (was ${event.from})`, fields: { nodeId: event.id.nodeId, addr: `${event.id.addr.ip}:${event.id.addr.port}` } });
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
      getStatus: () => this.status(),
      exportChain: ({ form }) => this.exportChain(form),
      getPolicySnapshot: () => {
        const node = this.raft?.node;
        if (!node) return null;
        return { text: encodeSnapshot({ view: this.policyView(this.gossipMembers()), shape: node.state.shape, target: node.state.target, topology: null }) };
      },
      getStrategy: () => (this.raft ? { json: encodeFabricStrategyJson(this.raft.node.state.strategy) } : null),
      setTarget: (target) => this.replicate('target', (n) => n.proposeTarget(target)),
      applyStrategy: ({ text }) => {
        const report = checkFabricStrategyText(text);
        if (report.errors > 0 || report.strategy === null) {
          return { ok: false, message: `the strategy was not applied: ${report.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, 'strategy')).join('; ')}` };
        }
        const strategy = report.strategy;
        return this.replicate(`strategy ${strategy.name}`, (n) => n.proposeStrategy(strategy));
      },
      propose: ({ text }) => {
        const json = parseJson(text);
        if (!json.ok) return { ok: false, message: describeJsonError(json.error, 'assignment') };
        const assignment = decodeRoleAssignment(json.value, 'assignment');
        if (!assignment.ok) return { ok: false, message: `${assignment.error.path}: ${assignment.error.message}` };
        return this.replicate(describeRoleAssignment(assignment.value), (n) => n.proposeRole(assignment.value));
      },
    };
  }

  /** Proposes through Raft and waits (bounded) until it is applied here, or says why not. */
  private async replicate(what: string, propose: Parameters<RaftHost['proposeAndWait']>[0]): Promise<CommandResult> {
    const raft = this.raft;
    if (!raft) return { ok: false, message: 'this node has no cluster secret, so it cannot propose changes' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ ok: false; error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, error: 'not committed within 5 s (is a majority of the voters reachable?)' }), 5000);
    });
    const result = await Promise.race([raft.proposeAndWait(propose), timeout]);
    clearTimeout(timer);
    if (result.ok) return { ok: true, message: `${what}: committed at raft index ${result.value}` };
    if (result.error.startsWith('forwarded to')) return { ok: true, message: `${what}: ${result.error.replace('; not tracked', '')} (the leader commits it)` };
    return { ok: false, message: `${what}: ${result.error}` };
  }

  get consoleUrl(): string | null {
    return this.consoleServer?.url ?? null;
  }

  get dataDir(): string {
    return this.dir.root;
  }

  /** Gossip members that are not superseded by a newer generation, keyed by node id. */
  private gossipMembers(): Map<string, GossipMember> {
    const out = new Map<string, GossipMember>();
    if (!this.gossip) return out;
    for (const m of this.gossip.view().members) {
      if (m.superseded) continue;
      out.set(m.state?.nodeId ?? m.id.nodeId, m);
    }
    return out;
  }

  /** True when the member proved it holds our cluster secret. */
  private provenMember(m: GossipMember): boolean {
    if (!this.secret || !this.gossip || m.state === null) return false;
    const claimed = this.gossip.membership.getPeerKey(m.key, RAFT_PROOF_KEY);
    if (claimed === null || !/^[0-9a-f]{64}$/.test(claimed)) return false;
    const expected = membershipProof(this.secret.key, this.options.clusterId, m.state.nodeId);
    return timingSafeEqual(Buffer.from(claimed, 'hex'), Buffer.from(expected, 'hex'));
  }

  status(): NodeStatusDto {
    const members: MemberDto[] = [];
    const shapeRoles = (id: string) => [...(this.raft?.node.state.shape.rolesOf(id as NodeId) ?? [])];
    for (const [id, m] of this.gossipMembers()) {
      members.push({
        nodeId: id,
        gossipAddr: `${m.id.addr.ip}:${m.id.addr.port}`,
        health: m.isSelf ? 'healthy' : m.health,
        phi: m.isSelf || m.phi === null || !Number.isFinite(m.phi) ? null : Number(m.phi.toFixed(3)),
        lastHeardMs: m.isSelf ? 0 : m.lastHeardAgeMs === null ? null : Math.round(m.lastHeardAgeMs),
        roles: shapeRoles(id),
      });
    }
    const node = this.raft?.node;
    if (!node) {
      return {
        nodeId: this.nodeId, clusterId: this.options.clusterId,
        raft: { state: 'none', term: 0, leaderId: null, commitIndex: 0, appliedIndex: 0, voters: [], learners: [] },
        members, shape: {}, target: { ...HOMELAB_TARGET }, strategy: PRESCRIBED_HOMELAB.name, chain: { length: 0, headHash: null },
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
      members,
      shape,
      target: { ...state.target },
      strategy: state.strategy.name,
      chain: { length: state.chain.length, headHash: head?.hash ?? null },
    };
  }

  /** The chain as a file: blocks with every witness signature that has reached the log. */
  exportChain(form: 'envelope' | 'rust'): { text: string; blocks: number } {
    const node = this.raft?.node;
    const blocks = (node?.state.chain ?? []).map((c) => ({ ...c.block, witnessSignatures: [...c.witnesses] }));
    const conf = node?.status().conf;
    const text = form === 'rust' ? encodeChainBare(blocks) : encodeChainEnvelope(blocks, {
      clusterId: this.options.clusterId,
      exportedAtMs: Date.now(),
      nodeKeys: conf ? [...conf.voters, ...conf.learners].sort() as NodeId[] : [],
    });
    return { text, blocks: blocks.length };
  }

  /** Raft peers and learners from gossip; our roles back into gossip. */
  private connectLayers(gossip: Map<string, GossipMember>): void {
    const raft = this.raft;
    if (!raft || !this.gossip) return;
    const conf = raft.node.status().conf;
    const members = new Set([...conf.voters, ...conf.learners]);
    let learnerProposed = false;
    this.warnAboutMembership(gossip);
    for (const [id, m] of gossip) {
      if (m.isSelf || m.state?.raftAddr == null || !this.provenMember(m)) continue;
      const addr = m.state.raftAddr;
      if (this.peersSet.get(id) !== addr) {
        const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
        if (match) {
          raft.setPeer(id, { host: match[1] ?? match[2]!, port: Number(match[3]) });
          this.peersSet.set(id, addr);
        }
      }
      if (!learnerProposed && raft.node.isLeader() && !members.has(id) && m.health === 'healthy') {
        learnerProposed = true;
        const added = raft.node.addLearner(id as NodeId);
        raft.process();
        if (added.ok) this.options.log.log({ level: 'info', layer: 'raft', event: 'raft.add-learner', message: `adding ${id.slice(0, 12)} as a learner (it gossips with our cluster secret's proof)` });
      }
    }
    const roles = [...raft.node.state.shape.rolesOf(this.nodeId)].join(',');
    if (roles !== this.advertisedRoles && this.gossip.advertise) {
      this.advertisedRoles = roles;
      this.gossip.setLocalState(this.localState(`${this.gossip.advertise.ip}:${this.gossip.advertise.port}`));
    }
  }

  /** One clear event-log line for a member holding a different cluster secret, or a seed never heard. */
  private warnAboutMembership(gossip: Map<string, GossipMember>): void {
    if (this.secret && this.gossip) {
      for (const [id, m] of gossip) {
        if (m.isSelf || m.state === null || this.foreignSecret.has(id)) continue;
        const claimed = this.gossip.membership.getPeerKey(m.key, RAFT_PROOF_KEY);
        if (claimed !== null && !this.provenMember(m)) {
          this.foreignSecret.add(id);
          this.options.log.log({ level: 'warn', layer: 'raft', event: 'secret.mismatch', message: `member ${id.slice(0, 12)} (${m.id.addr.ip}:${m.id.addr.port}) holds a different cluster secret, so it will not be admitted to Raft — copy the bootstrap node's secret file to it (ours has fingerprint ${this.secret.fingerprint})` });
        }
      }
    }
    if (!this.seedWarned && this.options.seeds.length > 0 && performance.now() - this.startedAt > 10_000 && [...gossip.values()].every((m) => m.isSelf)) {
      this.seedWarned = true;
      this.options.log.log({ level: 'warn', layer: 'gossip', event: 'seed.unreachable', message: `no member answered in 10 s from the seeds ${this.options.seeds.map(formatHostPort).join(', ')} — check the address, the --cluster-id, and that UDP is not blocked` });
    }
  }

  /** What the policy engine sees: the Raft members, with their gossip health. */
  private policyView(gossip: Map<string, GossipMember>): MembershipView {
    const raft = this.raft!.node.status();
    const members: MemberView[] = [];
    const young = performance.now() - this.startedAt < GOSSIP_GRACE_MS;
    for (const id of [...raft.conf.voters, ...raft.conf.learners]) {
      const isSelf = id === this.nodeId;
      const seen = gossip.get(id);
      const health = isSelf ? 'healthy' : seen ? seen.health : young ? 'suspect' : 'dead';
      const match = raft.progress[id]?.match ?? 0;
      members.push({
        id: id as NodeId,
        health,
        raft: raft.conf.voters.includes(id) ? 'voter' : 'learner',
        caughtUp: isSelf || match + 64 >= raft.lastIndex,
      });
    }
    return { members };
  }

  private runPolicy(gossip: Map<string, GossipMember>): void {
    const raft = this.raft;
    if (!raft) return;
    const state = raft.node.state;
    if (this.policy.target !== state.target) this.policy.reconfigure({ target: state.target });
    // Every node ticks the engine (followers only observe), so a new leader inherits the damping
    // and flap history instead of starting blind.
    const isLeader = raft.node.isLeader();
    const out = this.policy.tick({ view: this.policyView(gossip), shape: state.shape, isLeader, nowMs: performance.now() - this.startedAt });
    if (!isLeader) return;
    const wanted = this.options.strategy;
    if (wanted && !this.strategyProposed) {
      this.strategyProposed = true;
      if (encodeFabricStrategyJson(wanted) !== encodeFabricStrategyJson(state.strategy)) {
        void this.replicate(`strategy ${wanted.name} from --strategy`, (n) => n.proposeStrategy(wanted)).then((r) => this.options.log.log({ level: r.ok ? 'info' : 'warn', layer: 'policy', event: 'strategy.apply', message: r.message }));
      }
    }
    for (const command of out.proposals) {
      const result = raft.node.proposeRole(command);
      this.options.log.log(result.ok
        ? { level: 'info', layer: 'policy', event: 'policy.propose', message: `proposed ${describeRoleAssignment(command)}` }
        : { level: 'warn', layer: 'policy', event: 'policy.propose-failed', message: `could not propose ${describeRoleAssignment(command)}: ${result.error.message}` });
    }
    if (out.proposals.length > 0) raft.process();
    for (const decision of out.decisions) {
      if (decision.action !== 'withheld' || decision.reason === 'not_leader') continue;
      const key = `${decision.reason}:${decision.detail}`;
      if (this.withheld.has(key)) continue;
      if (this.withheld.size > 1000) this.withheld.clear();
      this.withheld.add(key);
      this.options.log.log({ level: 'info', layer: 'policy', event: 'policy.withheld', message: `${decision.policy}: withheld (${decision.reason}): ${decision.detail}` });
    }
  }

  /** Event-log lines for Raft role changes and new chain blocks. */
  private logRaft(): void {
    const node = this.raft?.node;
    if (!node) return;
    const s = node.status();
    const role = `${s.role}/${s.term}/${s.leader ?? ''}`;
    if (role !== this.lastRaftRole) {
      this.lastRaftRole = role;
      this.options.log.log({ level: 'info', layer: 'raft', event: 'raft.role', message: `${s.role} in term ${s.term}${s.leader ? `, leader ${s.leader.slice(0, 12)}` : ''}`, fields: { role: s.role, term: s.term, leader: s.leader } });
    }
    const chain = node.state.chain;
    for (; this.loggedChain < chain.length; this.loggedChain++) {
      const c = chain[this.loggedChain]!;
      this.options.log.log({ level: 'info', layer: 'chain', event: 'chain.block', message: `block ${this.loggedChain} at raft #${String(c.block.raftLogIndex)}: ${describeRoleAssignment(c.block.assignment)}`, fields: { hash: c.hash } });
    }
  }

  private tick(): void {
    this.ticks++;
    const gossip = this.gossipMembers();
    this.connectLayers(gossip);
    // The policy runs every POLICY_EVERY_MS, and at once on the leader when the applied shape moved:
    // a dead voter's replacement needs two voter changes in turn (Raft takes one at a time), so
    // the second is proposed as soon as the first commits instead of a policy period later.
    const applied = this.raft?.node.state.shape.lastAppliedIndex ?? 0;
    const shapeMoved = applied !== this.policyShapeIndex && this.raft?.node.isLeader() === true;
    if (shapeMoved || this.ticks % Math.max(1, Math.round(POLICY_EVERY_MS / this.tickMs)) === 0) {
      this.policyShapeIndex = applied;
      this.runPolicy(gossip);
    }
    this.logRaft();
    if (this.ticks % Math.max(1, Math.round(100 / this.tickMs)) !== 0) return;
    const status = this.status();
    const text = JSON.stringify(status);
    if (text !== this.lastPublished) {
      this.lastPublished = text;
      this.consoleServer?.publish('onDidChangeStatus', status);
      this.options.onStatus?.(status);
    }
  }

  private async stopLayers(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.gossip?.stop();
    await this.raft?.stop();
    await this.consoleServer?.close();
  }

  /** Clean shutdown: stop the loop, leave gossip, flush Raft, close the console, release the lock. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.stopLayers();
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
