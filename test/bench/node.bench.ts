// bench:node — idle cost of real node processes: CPU (% of one core), wake-ups per second (the
// main thread's voluntary context switches: each is one sleep of the event loop) and RSS after a
// settling period, for one node and for a small mesh, against a baseline measured in the same run:
// a bare Node.js process that only keeps a 1 s interval alive (the floor any Node-based node pays).
// CPU is process CPU time (all threads), so it is fairly robust to other load; the load average is
// printed next to it.
//
//   npm run bench:node                    # 60 s windows, each after 3 s of settling (README figures)
//   npm run bench:node -- --seconds=10    # quicker look
//
// Targets (issue 7): one node ≤ 1 % of a core and ≤ 80 MB RSS when idle.
// Reads /proc, so it runs on Linux; elsewhere it reports null figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DemoMesh } from '../../electron/demo/supervisor';
import { cliPath, freePort, startNodeProcess, type NodeProcess } from '../support/node-process';

const secondsArg = process.argv.find((a) => a.startsWith('--seconds='));
const windowSeconds = secondsArg ? Math.max(2, Number(secondsArg.split('=')[1])) : 60;
const meshSize = 5;
const clockTicks = 100; // USER_HZ on Linux

interface Sample { readonly cpuTicks: number; readonly rssBytes: number; readonly sleeps: number }

function sample(pid: number): Sample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    // /proc/PID/status is the main thread's: its voluntary switches count the event loop's sleeps.
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    const sleeps = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
    return { cpuTicks: utime + stime, rssBytes: rssKb * 1024, sleeps };
  } catch {
    return null;
  }
}

interface Cost { readonly cpuPercent: number; readonly rssMb: number; readonly wakeupsPerS: number }

async function measure(pids: readonly number[], seconds: number): Promise<Cost[]> {
  const before = pids.map(sample);
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return pids.map((pid, i) => {
    const a = before[i];
    const b = sample(pid);
    if (!a || !b) return { cpuPercent: NaN, rssMb: NaN, wakeupsPerS: NaN };
    return { cpuPercent: ((b.cpuTicks - a.cpuTicks) / clockTicks / elapsed) * 100, rssMb: b.rssBytes / 1024 / 1024, wakeupsPerS: (b.sleeps - a.sleeps) / elapsed };
  });
}

const round = (n: number, digits = 2) => Number.isFinite(n) ? Number(n.toFixed(digits)) : null;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  if (process.platform !== 'linux') {
    console.log('bench:node reads /proc and runs on Linux only');
    console.log(JSON.stringify({ bench: 'node', supported: false }));
    return;
  }
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-bench-node-'));
  const children: ChildProcess[] = [];
  const nodes: NodeProcess[] = [];
  let demo: DemoMesh | null = null;
  try {
    const baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    children.push(baseline);

    const one = await startNodeProcess(['--data-dir', path.join(root, 'solo'), '--bootstrap', '--console', '127.0.0.1:0',
      '--gossip', `127.0.0.1:${await freePort()}`, '--raft', `127.0.0.1:${await freePort()}`]);
    nodes.push(one);
    // Let it settle (bootstrap, genesis and the first policy proposals) before measuring.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    console.log(`measuring one idle node and the baseline for ${windowSeconds} s … (load average ${load()})`);
    const [base, solo] = await measure([baseline.pid ?? 0, one.child.pid ?? 0], windowSeconds);
    const soloLoad = load();
    await one.stop();

    // The demo: from `DemoMesh.start` (what `revoada demo` runs) to one leader seen by all and
    // every member healthy everywhere.
    const demoStart = performance.now();
    demo = await DemoMesh.start({ nodes: meshSize, root: path.join(root, 'demo'), cliPath });
    const spawnedMs = performance.now() - demoStart;
    await demo.waitConverged(30_000, 10);
    const convergedMs = performance.now() - demoStart;
    const mesh = demo.nodes;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    console.log(`measuring a ${meshSize}-node mesh for ${windowSeconds} s … (load average ${load()})`);
    const meshCosts = await measure(mesh.map((n) => n.child?.pid ?? 0), windowSeconds);
    const meshLoad = load();
    const meshCpu = meshCosts.reduce((s, c) => s + c.cpuPercent, 0);
    const meshRss = meshCosts.reduce((s, c) => s + c.rssMb, 0);
    const meshWakeups = meshCosts.reduce((s, c) => s + c.wakeupsPerS, 0);
    const perNode = (n: number) => n / meshSize;

    console.log(`baseline (bare Node process): ${base!.cpuPercent.toFixed(2)} % CPU, ${base!.wakeupsPerS.toFixed(1)} wake-ups/s, ${base!.rssMb.toFixed(1)} MB RSS`);
    console.log(`one idle node:                ${solo!.cpuPercent.toFixed(2)} % CPU, ${solo!.wakeupsPerS.toFixed(1)} wake-ups/s, ${solo!.rssMb.toFixed(1)} MB RSS  (target ≤ 1 %, ≤ 80 MB; load average ${soloLoad})`);
    console.log(`${meshSize}-node mesh (sum):          ${meshCpu.toFixed(2)} % CPU, ${meshWakeups.toFixed(0)} wake-ups/s, ${meshRss.toFixed(1)} MB RSS  (load average ${meshLoad})`);
    console.log(`  per node:                   ${meshCosts.map((c) => `${c.cpuPercent.toFixed(2)} % / ${c.wakeupsPerS.toFixed(0)} wake-ups/s`).join(', ')}`);
    console.log(`demo → converged mesh with a leader: ${(convergedMs / 1000).toFixed(2)} s (processes up after ${(spawnedMs / 1000).toFixed(2)} s; target ≤ 3 s)`);
    console.log(JSON.stringify({
      bench: 'node', windowSeconds, loadAverage: { oneNode: soloLoad, mesh: meshLoad },
      baseline: { cpuPercent: round(base!.cpuPercent), wakeupsPerS: round(base!.wakeupsPerS, 1), rssMb: round(base!.rssMb, 1) },
      oneNode: { cpuPercent: round(solo!.cpuPercent), wakeupsPerS: round(solo!.wakeupsPerS, 1), rssMb: round(solo!.rssMb, 1), meetsCpuTarget: solo!.cpuPercent <= 1, meetsRssTarget: solo!.rssMb <= 80 },
      mesh: {
        nodes: meshSize, cpuPercentSum: round(meshCpu), rssMbSum: round(meshRss, 1), wakeupsPerSSum: round(meshWakeups, 0),
        cpuPercentPerNode: round(perNode(meshCpu)), wakeupsPerSPerNode: round(perNode(meshWakeups), 0),
        cpuPercentByNode: meshCosts.map((c) => round(c.cpuPercent)),
      },
      demo: { convergedSeconds: round(convergedMs / 1000), processesUpSeconds: round(spawnedMs / 1000), meetsTarget: convergedMs <= 3000 },
      ratios: {
        oneNodeRssVsBaseline: round(solo!.rssMb / base!.rssMb), oneNodeCpuMinusBaseline: round(solo!.cpuPercent - base!.cpuPercent),
        oneNodeWakeupsVsBaseline: round(solo!.wakeupsPerS / base!.wakeupsPerS, 1),
        meshCpuPerNodeMinusBaseline: round(perNode(meshCpu) - base!.cpuPercent), meshWakeupsPerNodeVsBaseline: round(perNode(meshWakeups) / base!.wakeupsPerS, 1),
      },
    }));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await demo?.stop();
    for (const child of children) child.kill('SIGKILL');
    await fs.rm(root, { recursive: true, force: true });
  }
}

await main();
