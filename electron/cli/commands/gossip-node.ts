// `revoada gossip-node`: runs only the membership layer on a real UDP socket and prints what it
// sees as JSON lines. Used by the multi-process tests and the gossip benchmark; handy for poking
// at a mesh by hand (it speaks chitchat 0.10, so it can also join a Rust engenho mesh).
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fromHex } from '../../../shared/kit/bytes';
import { defaultLocalState, type LocalStateInput, type MembershipEvent } from '../../../shared/membership/machine';
import { PRESCRIBED_HOMELAB } from '../../../shared/types/fabric';
import { isNodeRole, type NodeRole } from '../../../shared/types/roles';
import { splitHostPort, UdpGossipNode } from '../../node/gossip/udp-gossip';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../io';

const USAGE = `revoada gossip-node [--listen 127.0.0.1:7800] [--seed HOST:PORT]... [--cluster engenho-default]
    [--identity HEX64] [--roles worker,api_server] [--report-ms N] [--exit-after-ms N]
    [--drop-rate 0..1] [--stall-every-ms N --stall-ms N] [--stdin-control]
    [--peer-selection adaptive|chitchat] [--suspect-trigger accrual|chitchat]
  Prints one JSON object per line: ready, health, state, removed, view (every --report-ms).
  --identity       32-byte ed25519 seed as hex (default: random); the node id is its public key
  --drop-rate      fault injection: drop this fraction of received datagrams
  --stall-every-ms / --stall-ms   fault injection: block the event loop periodically
  --peer-selection / --suspect-trigger   chitchat's own peer selection or suspect trigger instead
                   of ours (default adaptive, accrual), for comparisons
  --stdin-control  read JSON commands from stdin ({"cmd":"set-uptime","value":N}, {"cmd":"view"})
                   and exit when stdin closes`;

function bigintJson(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export const gossipNodeCommand: CliCommand = {
  name: 'gossip-node',
  summary: 'run the gossip membership layer alone on UDP and print JSON lines',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      listen: { type: 'string' },
      seed: { type: 'string', multiple: true },
      cluster: { type: 'string' },
      identity: { type: 'string' },
      roles: { type: 'string' },
      'report-ms': { type: 'string' },
      'exit-after-ms': { type: 'string' },
      'drop-rate': { type: 'string' },
      'stall-every-ms': { type: 'string' },
      'stall-ms': { type: 'string' },
      'stdin-control': { type: 'boolean' },
      'peer-selection': { type: 'string' },
      'suspect-trigger': { type: 'string' },
    }, false);
    const listen = splitHostPort(values.listen ?? '127.0.0.1:7800', 0);
    if ('message' in listen) throw new UsageError(`--listen: ${listen.message}`);
    const seeds = values.seed ?? [];
    for (const s of seeds) {
      const hp = splitHostPort(s);
      if ('message' in hp) throw new UsageError(`--seed: ${hp.message}`);
    }
    let identity: Uint8Array;
    if (values.identity !== undefined) {
      const b = /^[0-9a-fA-F]{64}$/.test(values.identity) ? fromHex(values.identity.toLowerCase()) : null;
      if (b === null) throw new UsageError('--identity expects 64 hex characters (a 32-byte ed25519 seed)');
      identity = b;
    } else {
      identity = new Uint8Array(randomBytes(32));
    }
    const roles: NodeRole[] = [];
    for (const r of (values.roles ?? 'worker').split(',').filter((x) => x !== '')) {
      if (!isNodeRole(r)) throw new UsageError(`--roles: unknown role '${r}'`);
      roles.push(r);
    }
    const reportMs = integerOption('report-ms', values['report-ms'], 0, 0, 3_600_000);
    const exitAfterMs = integerOption('exit-after-ms', values['exit-after-ms'], 0, 0, 86_400_000);
    const stallEvery = integerOption('stall-every-ms', values['stall-every-ms'], 0, 0, 3_600_000);
    const stallMs = integerOption('stall-ms', values['stall-ms'], 0, 0, 60_000);
    let dropRate: number | undefined;
    if (values['drop-rate'] !== undefined) {
      dropRate = Number(values['drop-rate']);
      if (!Number.isFinite(dropRate) || dropRate < 0 || dropRate > 1) throw new UsageError(`--drop-rate expects a number in 0..1, got '${values['drop-rate']}'`);
    }

    const selection = values['peer-selection'];
    if (selection !== undefined && selection !== 'adaptive' && selection !== 'chitchat') throw new UsageError(`--peer-selection expects adaptive or chitchat, got '${selection}'`);
    const trigger = values['suspect-trigger'];
    if (trigger !== undefined && trigger !== 'accrual' && trigger !== 'chitchat') throw new UsageError(`--suspect-trigger expects accrual or chitchat, got '${trigger}'`);

    const emit = (obj: Record<string, unknown>): void => io.stdout(`${JSON.stringify(obj, bigintJson)}\n`);
    const onEvent = (e: MembershipEvent, wallMs: number): void => {
      const base = { t: wallMs, node: e.id.nodeId, generation: e.id.generation, addr: `${e.id.addr.ip}:${e.id.addr.port}` };
      if (e.kind === 'health') emit({ event: 'health', ...base, from: e.from, to: e.to });
      else if (e.kind === 'state') emit({ event: 'state', ...base, uptime: e.state.uptimeSec, roles: e.state.roles, membershipGeneration: e.state.membershipGeneration });
      else emit({ event: 'removed', ...base });
    };
    let uptime = 0;
    let localState: LocalStateInput | null = null;
    const node = new UdpGossipNode({
      host: listen.host,
      port: listen.port,
      clusterId: values.cluster ?? 'engenho-default',
      seeds,
      identitySeed: identity,
      timing: PRESCRIBED_HOMELAB.membership,
      initialState: (advertise) => (localState = { ...defaultLocalState(advertise, roles) }),
      onEvent,
      ...(dropRate !== undefined ? { dropRate } : {}),
      ...(selection !== undefined ? { peerSelection: selection } : {}),
      ...(trigger !== undefined ? { suspectTrigger: trigger } : {}),
    });
    let addr;
    try {
      addr = await node.start();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.stderr(`revoada gossip-node: ${code === 'EADDRINUSE' ? `${values.listen} is already in use` : error instanceof Error ? error.message : String(error)}\n`);
      await node.stop();
      return EXIT_FAILED;
    }
    const m = node.membership;
    emit({ event: 'ready', t: Date.now(), node: m.self.nodeId, generation: m.self.generation, addr: `${addr.ip}:${addr.port}`, cluster: values.cluster ?? 'engenho-default' });

    const printView = (): void => {
      const v = node.view();
      emit({
        event: 'view', t: Date.now(), localHealth: v.localHealthScore,
        members: v.members.map((x) => ({ node: x.id.nodeId, generation: x.id.generation, health: x.health, phi: x.phi === null ? null : Number(x.phi.toFixed(3)), accrualPhi: x.accrualPhi === null ? null : Number(x.accrualPhi.toFixed(3)), suspectAfterMs: x.suspectAfterMs === null ? null : Math.round(x.suspectAfterMs), lastHeardMs: x.lastHeardAgeMs === null ? null : Math.round(x.lastHeardAgeMs), self: x.isSelf, verified: x.state !== null })),
        stats: m.stats(),
      });
    };
    const timers: NodeJS.Timeout[] = [];
    if (reportMs > 0) timers.push(setInterval(printView, reportMs));
    if (stallEvery > 0 && stallMs > 0) {
      timers.push(setInterval(() => {
        const until = performance.now() + stallMs;
        while (performance.now() < until) { /* fault injection: block the event loop */ }
      }, stallEvery));
    }
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      if (exitAfterMs > 0) timers.push(setTimeout(resolve, exitAfterMs));
      if (values['stdin-control'] === true) {
        const rl = createInterface({ input: process.stdin });
        rl.on('line', (line) => {
          let cmd: unknown;
          try { cmd = JSON.parse(line); } catch { io.stderr(`revoada gossip-node: ignoring non-JSON control line\n`); return; }
          const c = cmd as { cmd?: unknown; value?: unknown };
          if (c.cmd === 'set-uptime' && typeof c.value === 'number' && Number.isSafeInteger(c.value) && c.value >= 0 && localState !== null) {
            uptime = c.value;
            localState = { ...localState, uptimeSec: uptime };
            emit({ event: 'set', t: Date.now(), uptime });
            node.setLocalState(localState);
          } else if (c.cmd === 'view') {
            printView();
          } else {
            io.stderr(`revoada gossip-node: unknown control command ${line.slice(0, 80)}\n`);
          }
        });
        rl.on('close', resolve);
      }
    });
    for (const t of timers) clearInterval(t);
    printView();
    await node.stop();
    return EXIT_OK;
  },
};
