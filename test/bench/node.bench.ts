// bench:node — idle cost of real node processes: CPU (% of one core) and RSS after a settling
// period, for one node and for a small mesh, against a baseline measured in the same run: a bare
// Node.js process that only keeps a 1 s interval alive (the floor any Node-based node pays).
//
//   npm run bench:node                    # 60 s window (what the README figures use)
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

interface Sample { readonly cpuTicks: number; readonly rssBytes: number }

function sample(pid: number): Sample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    return { cpuTicks: utime + stime, rssBytes: rssKb * 1024 };
  } catch {
    return null;
  }
}

interface Cost { readonly cpuPercent: number; readonly rssMb: number }

async function measure(pids: readonly number[], seconds: number): Promise<Cost[]> {
  const before = pids.map(sample);
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return pids.map((pid, i) => {
    const a = before[i];
    const b = sample(pid);
    if (!a || !b) return { cpuPercent: NaN, rssMb: NaN };
    return { cpuPercent: ((b.cpuTicks - a.cpuTicks) / clockTicks / elapsed) * 100, rssMb: b.rssBytes / 1024 / 1024 };
  });
}

const round = (n: number, digits = 2) => Number.isFinite(n) ? Number(n.toFixed(digits)) : null;

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
    console.log(`measuring one idle node and the baseline for ${windowSeconds} s …`);
    const [base, solo] = await measure([baseline.pid ?? 0, one.child.pid ?? 0], windowSeconds);
    await one.stop();

    // The demo: from `DemoMesh.start` (what `revoada demo` runs) to one leader seen by all and
    // every member healthy everywhere.
    const demoStart = performance.now();
    demo = await DemoMesh.start({ nodes: meshSize, root: path.join(root, 'demo'), cliPath });
    const spawnedMs = performance.now() - demoStart;
    await demo.waitConverged(30_000, 10);
    const convergedMs = performance.now() - demoStart;
    const mesh = demo.nodes;
    console.log(`measuring a ${meshSize}-node mesh for ${windowSeconds} s …`);
    const meshCosts = await measure(mesh.map((n) => n.child?.pid ?? 0), windowSeconds);
    const meshCpu = meshCosts.reduce((s, c) => s + c.cpuPercent, 0);
    const meshRss = meshCosts.reduce((s, c) => s + c.rssMb, 0);

    console.log(`baseline (bare Node process): ${base!.cpuPercent.toFixed(2)} % CPU, ${base!.rssMb.toFixed(1)} MB RSS`);
    console.log(`one idle node:                ${solo!.cpuPercent.toFixed(2)} % CPU, ${solo!.rssMb.toFixed(1)} MB RSS  (target ≤ 1 %, ≤ 80 MB)`);
    console.log(`${meshSize}-node mesh (sum):          ${meshCpu.toFixed(2)} % CPU, ${meshRss.toFixed(1)} MB RSS`);
    console.log(`demo → converged mesh with a leader: ${(convergedMs / 1000).toFixed(2)} s (processes up after ${(spawnedMs / 1000).toFixed(2)} s; target ≤ 3 s)`);
    console.log(JSON.stringify({
      bench: 'node', windowSeconds,
      baseline: { cpuPercent: round(base!.cpuPercent), rssMb: round(base!.rssMb, 1) },
      oneNode: { cpuPercent: round(solo!.cpuPercent), rssMb: round(solo!.rssMb, 1), meetsCpuTarget: solo!.cpuPercent <= 1, meetsRssTarget: solo!.rssMb <= 80 },
      mesh: { nodes: meshSize, cpuPercentSum: round(meshCpu), rssMbSum: round(meshRss, 1) },
      demo: { convergedSeconds: round(convergedMs / 1000), processesUpSeconds: round(spawnedMs / 1000), meetsTarget: convergedMs <= 3000 },
      ratios: { oneNodeRssVsBaseline: round(solo!.rssMb / base!.rssMb), oneNodeCpuMinusBaseline: round(solo!.cpuPercent - base!.cpuPercent) },
    }));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await demo?.stop();
    for (const child of children) child.kill('SIGKILL');
    await fs.rm(root, { recursive: true, force: true });
  }
}

await main();
