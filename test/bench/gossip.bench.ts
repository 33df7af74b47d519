// bench:gossip — membership layer (issue 4).
//
//   codec       SynAck (5-node digest + 5 signed NodeStates) encode/decode throughput
//               (baseline: JSON.stringify/JSON.parse of the same message, same run)
//   Configuration measured: the machine's defaults — adaptive peer selection (calm rounds: one
//   exchange or none, 5-byte beacons; rounds with news: fanout 3) and the accrual suspect trigger
//   — with the homelab strategy (100 ms cadence, phi 8, failure_detector_timeout 300 ms).
//   sim         simulator (nodes tick at random phases, as processes do), homelab strategy:
//               convergence time for N = 5, 20, 50 nodes and detection time of a killed node
//               (baseline: chitchat — its peer selection and its own verdict — with engenho's
//               settings, 500 ms rounds, phi 8, in the same simulator, same run); the bytes /
//               detection trade-off: chitchat's selection at fanout 1, 2, 3 with chitchat's phi
//               as the trigger (the previous design), adaptive selection with chitchat's phi, and
//               adaptive selection with the accrual trigger (ours)
//   procs       5 real processes on loopback UDP, ≥ 20 trials: SIGKILL one node, time until every
//               survivor marks it dead (p50/p99), restart it; a state change's time to reach all
//               other nodes (p50/p99, measured in this process on receipt of their lines, so it
//               includes pipe latency); idle bytes/s sent and received per node (max over nodes;
//               UDP payload bytes, as counted by the machine), and the same for 5 processes with
//               chitchat's peer selection and trigger (baseline, same run)
//   soak        5 processes, 5 % receive loss on every node, 200 ms event-loop stalls every
//               second on one node: count false "dead" verdicts (default 60 s;
//               --soak-ms=600000 for the 10-minute run the issue describes)
// Options: --trials=N (default 20), --soak-ms=N (default 60000; 0 skips).
// The LAST line is one JSON object with the figures and ratios.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { nodeEd25519 } from '../../electron/node/ed25519-node';
import { defaultLocalState } from '../../shared/membership/machine';
import { signNodeState } from '../../shared/membership/node-state';
import { decodeMessage, encodeMessage, KvStatus, MessageType, type ChitchatId, type Message } from '../../shared/membership/wire';
import { PRESCRIBED_HOMELAB } from '../../shared/types/fabric';
import { Sim, type SimOptions } from '../shared/membership/sim';
import { allHealthy, buildCli, startCluster, startMember, type GossipProc } from '../electron/gossip/procs';

const args = process.argv.slice(2);
function numArg(name: string, fallback: number): number {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  if (a === undefined) return fallback;
  const n = Number(a.slice(name.length + 3));
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}=N expects a non-negative number, got '${a}'`);
  return n;
}
const TRIALS = Math.max(1, Math.floor(numArg('trials', 20)));
const SOAK_MS = numArg('soak-ms', 60_000);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}
function pct(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
const r1 = (x: number): number => Math.round(x * 10) / 10;
const load = (): string => `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
/** chitchat as engenho runs it: its peer selection and its own phi as the trigger. */
const CHITCHAT: Partial<SimOptions> = { peerSelection: 'chitchat', suspectTrigger: 'chitchat' };
const r2 = (x: number): number => Math.round(x * 100) / 100;

// ------------------------------------------------------------------------------------------------
// codec
function codecBench(): Record<string, number> {
  const ids: ChitchatId[] = [];
  const values: string[] = [];
  for (let i = 0; i < 5; i++) {
    const signer = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(i + 1));
    const nodeId = Buffer.from(signer.publicKey).toString('hex');
    ids.push({ nodeId, generation: 1763840000000n + BigInt(i), addr: { ip: '127.0.0.1', port: 7800 + i } });
    values.push(signNodeState({ ...defaultLocalState(`127.0.0.1:${7800 + i}`), nodeId: nodeId as never }, signer));
  }
  const msg: Message = {
    type: MessageType.SynAck,
    digest: ids.map((id, i) => ({ id, heartbeat: 1000n + BigInt(i), lastGcVersion: 0n, maxVersion: 3n })),
    delta: ids.map((id, i) => ({ id, lastGcVersion: 0n, fromVersionExcluded: 0n, setMaxVersion: null, kvs: [{ key: 'engenho.revoada.node', value: values[i]!, version: 3n, status: KvStatus.Set }] })),
  };
  const bytes = encodeMessage(msg);
  const json = JSON.stringify(msg, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const time = (fn: () => void, minMs = 400): number => {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < minMs) { for (let i = 0; i < 100; i++) fn(); n += 100; }
    return n / ((performance.now() - start) / 1000);
  };
  let sink = 0;
  const enc = time(() => { sink += encodeMessage(msg).length; });
  const dec = time(() => { const r = decodeMessage(bytes); if (r.ok) sink++; });
  const encJson = time(() => { sink += JSON.stringify(msg, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).length; });
  const decJson = time(() => { sink += (JSON.parse(json) as { type: number }).type; });
  if (sink === 0) throw new Error('unreachable');
  log(`codec: SynAck of ${bytes.length} B (JSON ${json.length} B): encode ${Math.round(enc)}/s (${r1(enc * bytes.length / 1e6)} MB/s), decode ${Math.round(dec)}/s (${r1(dec * bytes.length / 1e6)} MB/s)`);
  log(`codec baseline JSON: stringify ${Math.round(encJson)}/s, parse ${Math.round(decJson)}/s`);
  return { synAckBytes: bytes.length, jsonBytes: json.length, encodePerSec: Math.round(enc), decodePerSec: Math.round(dec),
    encodeVsJson: r2(enc / encJson), decodeVsJson: r2(dec / decJson) };
}

// ------------------------------------------------------------------------------------------------
// simulator
function simConvergence(n: number, timing = PRESCRIBED_HOMELAB.membership, mode: Partial<SimOptions> = {}): number | null {
  const sim = new Sim({ seed: 1000 + n, crypto: nodeEd25519, timing, tickPhases: 'random', ...mode });
  for (let i = 0; i < n; i++) sim.addNode(i, [0]);
  return sim.runUntil(() => sim.converged(), 60_000);
}

function simDetection(seed: number, timing: typeof PRESCRIBED_HOMELAB.membership, mode: Partial<SimOptions>, chitchatVerdict: boolean): number | null {
  const sim = new Sim({ seed, crypto: nodeEd25519, timing, tickPhases: 'random', ...mode });
  for (let i = 0; i < 5; i++) sim.addNode(i, [0]);
  if (sim.runUntil(() => sim.converged(), 20_000) === null) return null;
  sim.run(3000 + (seed % 7) * 37);
  const victim = sim.node(4).machine.self;
  sim.kill(4);
  return sim.runUntil(() => sim.nodes.filter((x) => x.alive).every((x) => {
    const m = x.machine.view(sim.now).members.find((y) => y.id.nodeId === victim.nodeId)!;
    return chitchatVerdict ? !m.chitchatLive : m.health === 'dead';
  }), 60_000);
}

/** Idle bytes sent per node (mean over nodes and seeds) and detection p50/p99 for one mode. */
function simTradeOff(mode: Partial<SimOptions>): { idleBytesPerSec: number; detectP50Ms: number; detectP99Ms: number } {
  const det: number[] = [];
  let bps = 0;
  const seeds = 10;
  for (let seed = 0; seed < seeds; seed++) {
    const sim = new Sim({ seed: 500 + seed, crypto: nodeEd25519, tickPhases: 'random', ...mode });
    for (let i = 0; i < 5; i++) sim.addNode(i, [0]);
    sim.runUntil(() => sim.converged(), 10_000);
    sim.run(3000);
    const b0 = sim.nodes.map((n) => n.machine.stats().bytesOut);
    sim.run(5000);
    bps += sim.nodes.reduce((a, n, i) => a + (n.machine.stats().bytesOut - b0[i]!) / 5, 0) / 5 / seeds;
    sim.run((seed * 37) % 100);
    const v = sim.node(4).machine.self.nodeId;
    sim.kill(4);
    const t = sim.runUntil(() => sim.nodes.filter((n) => n.alive).every((n) => n.machine.view(sim.now).members.find((m) => m.id.nodeId === v)!.health === 'dead'), 10_000);
    if (t !== null) det.push(t);
  }
  return { idleBytesPerSec: Math.round(bps), detectP50Ms: pct(det, 50), detectP99Ms: pct(det, 99) };
}

function simBench(): Record<string, number> {
  const out: Record<string, number> = {};
  const engenho = { phiThreshold: 8, gossipCadenceMs: 500, failureDetectorTimeoutMs: 1 };
  for (const n of [5, 20, 50]) {
    const t0 = performance.now();
    const ours = simConvergence(n);
    const base = simConvergence(n, engenho, CHITCHAT);
    log(`sim: ${n} nodes converge (everyone healthy with verified states) in ${ours} ms simulated [ours, homelab]; ${base} ms for chitchat with engenho's 500 ms rounds (${r1(performance.now() - t0)} ms wall)`);
    out[`convergeMs_${n}`] = ours ?? -1;
    out[`convergeBaselineMs_${n}`] = base ?? -1;
    if (ours !== null && base !== null) out[`convergeSpeedup_${n}`] = r2(base / ours);
  }
  const ours: number[] = [];
  const base: number[] = [];
  for (let s = 0; s < 10; s++) {
    const a = simDetection(s, PRESCRIBED_HOMELAB.membership, {}, false);
    const b = simDetection(s, engenho, CHITCHAT, true);
    if (a !== null) ours.push(a);
    if (b !== null) base.push(b);
  }
  log(`sim detection (10 runs): ours p50 ${pct(ours, 50)} ms p99 ${pct(ours, 99)} ms; chitchat's verdict at engenho settings p50 ${pct(base, 50)} ms p99 ${pct(base, 99)} ms`);
  out.simDetectP50Ms = pct(ours, 50);
  out.simDetectP99Ms = pct(ours, 99);
  out.simDetectBaselineP50Ms = pct(base, 50);
  out.simDetectBaselineP99Ms = pct(base, 99);
  out.simDetectSpeedupP50 = r2(pct(base, 50) / pct(ours, 50));
  // The bandwidth / detection trade-off at the homelab cadence (10 seeds each, one kill each).
  const rows: Array<[string, string, Partial<SimOptions>]> = [
    ['fanout1', 'chitchat selection, fanout 1, chitchat phi', { ...CHITCHAT, fanout: 1 }],
    ['fanout2', 'chitchat selection, fanout 2, chitchat phi', { ...CHITCHAT, fanout: 2 }],
    ['fanout3', 'chitchat selection, fanout 3, chitchat phi (previous default)', { ...CHITCHAT, fanout: 3 }],
    ['adaptiveChitchatPhi', 'adaptive selection, chitchat phi', { suspectTrigger: 'chitchat' }],
    ['adaptiveAccrual', 'adaptive selection, accrual trigger (ours)', {}],
  ];
  for (const [key, label, mode] of rows) {
    const r = simTradeOff(mode);
    log(`sim trade-off, ${label}: idle ${r.idleBytesPerSec} B/s sent per node, detection p50 ${r.detectP50Ms} ms p99 ${r.detectP99Ms} ms`);
    out[`${key}IdleBytesPerSec`] = r.idleBytesPerSec;
    out[`${key}DetectP50Ms`] = r.detectP50Ms;
    out[`${key}DetectP99Ms`] = r.detectP99Ms;
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// real processes
interface IdleFigures {
  sent: number[];
  received: number[];
  quietRoundShare: number;
  beaconsPerSec: number;
}

/** Bytes/s each node sent and received over a 5 s window of a settled mesh (machine counters). */
async function idleRates(procs: readonly GossipProc[]): Promise<IdleFigures> {
  interface Snap { out: number; in: number; t: number; rounds: number; quiet: number; beacons: number }
  const snap = async (): Promise<Snap[]> => {
    const marks = procs.map((p) => p.lines.length);
    procs.forEach((p) => p.send({ cmd: 'view' }));
    await Promise.all(procs.map((p, i) => p.waitFor(() => p.lines.slice(marks[i]).some((l) => l.event === 'view'), 5000, 'view')));
    return procs.map((p, i) => {
      const st = p.lines.slice(marks[i]).find((l) => l.event === 'view')!.stats as unknown as { bytesOut: number; bytesIn: number; rounds: number; quietRounds?: number; beacons?: number };
      return { out: st.bytesOut, in: st.bytesIn, t: p.lines.slice(marks[i]).find((l) => l.event === 'view')!.at, rounds: st.rounds, quiet: st.quietRounds ?? 0, beacons: st.beacons ?? 0 };
    });
  };
  const a = await snap();
  await new Promise((r) => setTimeout(r, 5000));
  const b = await snap();
  const secs = (i: number): number => (b[i]!.t - a[i]!.t) / 1000;
  const rounds = b.reduce((x, y, i) => x + y.rounds - a[i]!.rounds, 0);
  return {
    sent: a.map((x, i) => (b[i]!.out - x.out) / secs(i)),
    received: a.map((x, i) => (b[i]!.in - x.in) / secs(i)),
    quietRoundShare: rounds > 0 ? b.reduce((x, y, i) => x + y.quiet - a[i]!.quiet, 0) / rounds : 0,
    beaconsPerSec: a.reduce((x, y, i) => x + (b[i]!.beacons - y.beacons) / secs(i), 0) / a.length,
  };
}

/** Idle traffic of 5 processes running chitchat's own peer selection and trigger (same run). */
async function baselineIdle(cli: string): Promise<number> {
  const o = { count: 5, exitAfterMs: 60_000, cluster: 'bench-baseline', extraArgs: () => ['--peer-selection', 'chitchat', '--suspect-trigger', 'chitchat'] };
  const procs = await startCluster(cli, o);
  try {
    await Promise.all(procs.map((p) => p.waitFor(() => allHealthy(procs), 15_000, 'baseline convergence')));
    await new Promise((r) => setTimeout(r, 1500));
    const idle = await idleRates(procs);
    log(`procs idle, chitchat's peer selection (fanout 3) and trigger [baseline]: sent ${idle.sent.map((x) => Math.round(x)).join(', ')} B/s per node (${load()})`);
    return Math.max(...idle.sent);
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function procsBench(cli: string): Promise<Record<string, number>> {
  const o = { count: 5, exitAfterMs: 30_000 + TRIALS * 6000, cluster: 'bench-procs' };
  const procs: GossipProc[] = await startCluster(cli, o);
  try {
    log(`procs: 5 processes started (${load()})`);
    await Promise.all(procs.map((p) => p.waitFor(() => allHealthy(procs), 15_000, 'convergence')));
    // Idle traffic: 5 s window of byte counters.
    await new Promise((r) => setTimeout(r, 1500));
    const idle = await idleRates(procs);
    const outRates = idle.sent;
    const inRates = idle.received;
    log(`procs idle [ours]: sent ${outRates.map((x) => Math.round(x)).join(', ')} B/s, received ${inRates.map((x) => Math.round(x)).join(', ')} B/s per node; ${Math.round(idle.quietRoundShare * 100)} % of rounds quiet, ${r1(idle.beaconsPerSec)} beacons/s per node (${load()})`);

    // State change propagation.
    const prop: number[] = [];
    for (let k = 1; k <= TRIALS; k++) {
      const src = procs[k % procs.length]!;
      const others = procs.filter((p) => p !== src);
      const marks = others.map((p) => p.lines.length);
      const start = performance.now();
      src.send({ cmd: 'set-uptime', value: 1000 + k });
      await Promise.all(others.map((p, i) => p.waitFor(() => p.lines.slice(marks[i]).some((l) => l.event === 'state' && l.node === src.nodeId && l.uptime === 1000 + k), 5000, 'state change')));
      prop.push(Math.max(...others.map((p, i) => p.lines.slice(marks[i]).find((l) => l.event === 'state' && l.node === src.nodeId && l.uptime === 1000 + k)!.at)) - start);
      await new Promise((r) => setTimeout(r, 50));
    }
    log(`procs state change → all 4 others (${TRIALS} trials): p50 ${r2(pct(prop, 50))} ms, p99 ${r2(pct(prop, 99))} ms`);

    // Detection trials.
    const detect: number[] = [];
    const rejoin: number[] = [];
    for (let k = 0; k < TRIALS; k++) {
      const vi = 1 + (k % (procs.length - 1));
      const victim = procs[vi]!;
      const survivors = procs.filter((p) => p !== victim);
      const marks = survivors.map((p) => p.lines.length);
      await new Promise((r) => setTimeout(r, 200 + (k * 53) % 300));
      const killedAt = performance.now();
      victim.kill('SIGKILL');
      const isDead = (p: GossipProc, i: number) => p.lines.slice(marks[i]).find((l) => l.event === 'health' && l.node === victim.nodeId && l.generation === victim.generation && l.to === 'dead');
      await Promise.all(survivors.map((p, i) => p.waitFor(() => isDead(p, i) !== undefined, 15_000, 'victim dead')));
      detect.push(Math.max(...survivors.map((p, i) => isDead(p, i)!.at)) - killedAt);
      const t0 = performance.now();
      const reborn = startMember(cli, o, vi, procs[0]!.addr);
      procs[vi] = reborn;
      await reborn.waitFor(() => reborn.addr !== '', 10_000, 'restart');
      await Promise.all(procs.map((p) => p.waitFor(() => allHealthy(procs), 15_000, 'rejoin')));
      rejoin.push(performance.now() - t0);
    }
    log(`procs SIGKILL → dead at all 4 survivors (${TRIALS} trials): p50 ${Math.round(pct(detect, 50))} ms, p99 ${Math.round(pct(detect, 99))} ms, max ${Math.round(Math.max(...detect))} ms (${load()})`);
    log(`procs restart → healthy everywhere again: p50 ${Math.round(pct(rejoin, 50))} ms (includes process start)`);
    return {
      idleSentBytesPerSecPerNode: Math.round(Math.max(...outRates)),
      idleRecvBytesPerSecPerNode: Math.round(Math.max(...inRates)),
      idleQuietRoundShare: r2(idle.quietRoundShare),
      idleBeaconsPerSecPerNode: r1(idle.beaconsPerSec),
      stateChangeP50Ms: r2(pct(prop, 50)), stateChangeP99Ms: r2(pct(prop, 99)),
      detectP50Ms: Math.round(pct(detect, 50)), detectP99Ms: Math.round(pct(detect, 99)), detectMaxMs: Math.round(Math.max(...detect)),
      rejoinP50Ms: Math.round(pct(rejoin, 50)), trials: TRIALS,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

async function soakBench(cli: string): Promise<Record<string, number>> {
  if (SOAK_MS <= 0) return { soakMs: 0 };
  const o = { count: 5, exitAfterMs: SOAK_MS + 60_000, cluster: 'bench-soak',
    extraArgs: (i: number) => ['--drop-rate', '0.05', ...(i === 2 ? ['--stall-every-ms', '1000', '--stall-ms', '200'] : [])] };
  const procs = await startCluster(cli, o);
  try {
    log(`soak: 5 processes started (${load()})`);
    await Promise.all(procs.map((p) => p.waitFor(() => allHealthy(procs), 20_000, 'soak convergence')));
    const marks = procs.map((p) => p.lines.length);
    await new Promise((r) => setTimeout(r, SOAK_MS));
    let falseDead = 0;
    let suspicions = 0;
    procs.forEach((p, i) => {
      for (const l of p.lines.slice(marks[i])) {
        if (l.event !== 'health' || l.from === 'new') continue;
        if (l.to === 'dead') falseDead++;
        if (l.to === 'suspect') suspicions++;
      }
    });
    // Evidence that the faults happened: the stalled node's own stall counter.
    const stalled = procs[2]!;
    const mark = stalled.lines.length;
    stalled.send({ cmd: 'view' });
    await stalled.waitFor(() => stalled.lines.slice(mark).some((l) => l.event === 'view'), 5000, 'view');
    const stalls = (stalled.lines.slice(mark).find((l) => l.event === 'view')!.stats as unknown as { stalls: number }).stalls;
    log(`soak ${Math.round(SOAK_MS / 1000)} s, 5 % loss everywhere, 200 ms stalls every 1 s on one node (it counted ${stalls} stalls of its own): ${falseDead} false dead verdicts, ${suspicions} suspicions (all nodes) (${load()})`);
    return { soakMs: SOAK_MS, soakFalseDead: falseDead, soakSuspicions: suspicions, stalledNodeStallsSeen: stalls };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}

const started = performance.now();
log(`bench:gossip — ${load()}`);
const codec = codecBench();
const sim = simBench();
const cli = await buildCli();
const procs = await procsBench(cli);
const baselineIdleBytesPerSec = Math.round(await baselineIdle(cli));
const soak = await soakBench(cli);
const mode = {
  peerSelection: 'adaptive', suspectTrigger: 'accrual', calmFanout: 1, newsFanout: 3,
  ...PRESCRIBED_HOMELAB.membership,
};
const targets = { idleSentBytesPerSecPerNode: 8000, detectP50Ms: 600, detectP99Ms: 1200, stateChangeP99Ms: 50, soakFalseDead: 0 };
const met = {
  idle: procs.idleSentBytesPerSecPerNode! <= targets.idleSentBytesPerSecPerNode,
  detectP50: procs.detectP50Ms! <= targets.detectP50Ms,
  detectP99: procs.detectP99Ms! <= targets.detectP99Ms,
  stateChangeP99: procs.stateChangeP99Ms! <= targets.stateChangeP99Ms,
  soak: soak.soakMs === 0 ? null : soak.soakFalseDead === 0,
};
log(`mode: ${JSON.stringify(mode)}`);
log(`ours: idle ${procs.idleSentBytesPerSecPerNode} B/s sent per node (target ≤ ${targets.idleSentBytesPerSecPerNode}; chitchat selection ${baselineIdleBytesPerSec} in this run), detection p50 ${procs.detectP50Ms} ms p99 ${procs.detectP99Ms} ms (targets ${targets.detectP50Ms} / ${targets.detectP99Ms}), state change p99 ${procs.stateChangeP99Ms} ms (target ${targets.stateChangeP99Ms}), soak false dead ${soak.soakFalseDead ?? 'skipped'} (target 0)`);
log(`targets met: ${JSON.stringify(met)}; bench wall time ${Math.round((performance.now() - started) / 1000)} s; ${load()}`);
log(JSON.stringify({ bench: 'gossip', mode, codec, sim, procs: { ...procs, baselineIdleSentBytesPerSecPerNode: baselineIdleBytesPerSec }, soak, targets, met,
  ratios: {
    idleVsTarget: r2(procs.idleSentBytesPerSecPerNode! / targets.idleSentBytesPerSecPerNode),
    idleVsChitchatSelectionSameRun: r2(procs.idleSentBytesPerSecPerNode! / Math.max(1, baselineIdleBytesPerSec)),
    detectP50VsTarget: r2(procs.detectP50Ms! / targets.detectP50Ms),
    detectP99VsTarget: r2(procs.detectP99Ms! / targets.detectP99Ms),
    stateChangeP99VsTarget: r2(procs.stateChangeP99Ms! / targets.stateChangeP99Ms),
    idleVsSerf40kBps: r2(40_000 / Math.max(1, procs.idleSentBytesPerSecPerNode!)),
    detectP50VsChitchat8s: r2(8000 / procs.detectP50Ms!),
    simDetectSpeedupP50: sim.simDetectSpeedupP50,
    codecDecodeVsJson: codec.decodeVsJson, codecEncodeVsJson: codec.encodeVsJson,
  } }));
