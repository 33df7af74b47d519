// UDP adapter for the membership machine: one dgram-as-promised socket (send and receive on the
// address we advertise, as chitchat requires), a tick timer, seed resolution, and nothing else.
// All protocol decisions live in shared/membership/machine.ts.
import { lookup } from 'node:dns/promises';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import DgramAsPromised, { type SocketAsPromised } from 'dgram-as-promised';
import { Prng } from '../../../shared/kit/prng';
import type { SuspectTrigger } from '../../../shared/membership/failure-detector';
import { Membership, type LocalStateInput, type MembershipEvent, type MembershipView, type PeerSelection } from '../../../shared/membership/machine';
import { canonicalIp, formatSocketAddr, type SocketAddr } from '../../../shared/membership/wire';
import type { FabricStrategy } from '../../../shared/types/fabric';
import { PRESCRIBED_HOMELAB } from '../../../shared/types/fabric';
import { nodeEd25519 } from '../ed25519-node';

export interface UdpGossipOptions {
  /** IP literal to bind and advertise (e.g. 127.0.0.1). */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly clusterId: string;
  /** "host:port" strings; host names are resolved at start and every 60 s. */
  readonly seeds: readonly string[];
  /** 32-byte ed25519 seed; the node id is its public key. */
  readonly identitySeed: Uint8Array;
  readonly timing?: FabricStrategy['membership'];
  /** Defaults to the current unix time in milliseconds (unique per restart, unlike seconds). */
  readonly generation?: bigint;
  readonly initialState: (advertise: string) => LocalStateInput;
  readonly onEvent?: (event: MembershipEvent, wallMs: number) => void;
  /** Fault injection for soak tests: drop this fraction of received datagrams. */
  readonly dropRate?: number;
  readonly deadNodeGraceMs?: number;
  /** Peer selection and suspect trigger (machine defaults: 'adaptive', 'accrual'); the bench's
   *  baseline runs chitchat's. */
  readonly peerSelection?: PeerSelection;
  readonly suspectTrigger?: SuspectTrigger;
}

export interface SeedParseError {
  readonly seed: string;
  readonly message: string;
}

/** Splits "host:port" / "[v6]:port"; returns an error naming the bad seed. */
export function splitHostPort(text: string, minPort = 1): { host: string; port: number } | SeedParseError {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text);
  if (m === null) return { seed: text, message: `'${text}' is not host:port` };
  const port = Number(m[3]);
  if (port < minPort || port > 65535) return { seed: text, message: `'${text}' has port ${port} outside ${minPort}..65535` };
  return { host: m[1] ?? m[2]!, port };
}

const SEED_REFRESH_MS = 60_000;

export class UdpGossipNode {
  private socket: SocketAsPromised | null = null;
  private machine: Membership | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private seedTimer: NodeJS.Timeout | null = null;
  private readonly prng = new Prng(randomBytes(4).readUInt32LE(0));
  private sendErrors = 0;
  private stopped = false;
  advertise: SocketAddr | null = null;

  constructor(private readonly options: UdpGossipOptions) {}

  /** Monotonic milliseconds (does not jump with wall-clock changes). */
  static now(): number {
    return performance.now();
  }

  get membership(): Membership {
    if (this.machine === null) throw new Error('gossip node not started');
    return this.machine;
  }

  async start(): Promise<SocketAddr> {
    const ip = canonicalIp(this.options.host);
    if (ip === null) throw new Error(`--listen host '${this.options.host}' must be an IP literal`);
    const socket = DgramAsPromised.createSocket({ type: ip.includes(':') ? 'udp6' : 'udp4' }, (msg, rinfo) => this.onMessage(msg, rinfo));
    const bound = await socket.bind(this.options.port, ip);
    this.socket = socket;
    this.advertise = { ip, port: bound.port };
    const timing = this.options.timing ?? PRESCRIBED_HOMELAB.membership;
    const signer = nodeEd25519.signerFromSeed(this.options.identitySeed);
    this.machine = new Membership({
      clusterId: this.options.clusterId,
      generation: this.options.generation ?? BigInt(Date.now()),
      advertiseAddr: this.advertise,
      seeds: [],
      timing,
      rngSeed: randomBytes(4).readUInt32LE(0),
      ...(this.options.deadNodeGraceMs !== undefined ? { deadNodeGraceMs: this.options.deadNodeGraceMs } : {}),
      ...(this.options.peerSelection !== undefined ? { peerSelection: this.options.peerSelection } : {}),
      ...(this.options.suspectTrigger !== undefined ? { suspectTrigger: this.options.suspectTrigger } : {}),
    }, { signer, verifier: nodeEd25519 }, UdpGossipNode.now());
    this.machine.setLocalState(this.options.initialState(formatSocketAddr(this.advertise)));
    await this.resolveSeeds();
    this.seedTimer = setInterval(() => void this.resolveSeeds(), SEED_REFRESH_MS);
    this.seedTimer.unref();
    const every = Math.max(5, timing.gossipCadenceMs / 4);
    this.tickTimer = setInterval(() => this.onTick(), every);
    this.onTick();
    return this.advertise;
  }

  private async resolveSeeds(): Promise<void> {
    const out: SocketAddr[] = [];
    for (const seed of this.options.seeds) {
      const hp = splitHostPort(seed);
      if ('message' in hp) continue;
      const literal = canonicalIp(hp.host);
      if (literal !== null) { out.push({ ip: literal, port: hp.port }); continue; }
      try {
        const family = this.advertise !== null && this.advertise.ip.includes(':') ? 6 : 4;
        const r = await lookup(hp.host, { family });
        const ip = canonicalIp(r.address);
        if (ip !== null) out.push({ ip, port: hp.port });
      } catch {
        // Unresolvable right now: try again at the next refresh.
      }
    }
    if (!this.stopped) this.machine?.setSeeds(out);
  }

  private onMessage(msg: Buffer, rinfo: { address: string; port: number }): void {
    const m = this.machine;
    if (m === null || this.stopped) return;
    if (this.options.dropRate !== undefined && this.prng.chance(this.options.dropRate)) return;
    const ip = canonicalIp(rinfo.address);
    if (ip === null) return;
    m.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), { ip, port: rinfo.port }, UdpGossipNode.now());
    this.flush();
  }

  private onTick(): void {
    const m = this.machine;
    if (m === null || this.stopped) return;
    m.tick(UdpGossipNode.now());
    this.flush();
  }

  /** Applies a local state change (signed, pushed to live peers at once). */
  setLocalState(state: LocalStateInput): void {
    this.membership.setLocalState(state);
    this.flush();
  }

  view(): MembershipView {
    return this.membership.view(UdpGossipNode.now());
  }

  get sendErrorCount(): number {
    return this.sendErrors;
  }

  private flush(): void {
    const m = this.machine;
    const s = this.socket;
    if (m === null || s === null) return;
    for (const out of m.drainOutbox()) {
      s.send(out.bytes, out.to.port, out.to.ip).catch(() => { this.sendErrors++; });
    }
    const onEvent = this.options.onEvent;
    const events = m.drainEvents();
    if (onEvent !== undefined) {
      const wall = Date.now();
      for (const e of events) onEvent(e, wall);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    if (this.seedTimer !== null) clearInterval(this.seedTimer);
    const s = this.socket;
    this.socket = null;
    if (s !== null) await s.close().catch(() => undefined);
  }
}
