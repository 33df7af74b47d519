// `revoada demo`: N real node processes on loopback in one mesh, the console URL, and chaos
// controls on stdin (kill / restart / status / quit) so a first-time user watches the mesh heal.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { TARGET_PRESETS } from '../../../shared/types/target';
import { DemoMesh } from '../../demo/supervisor';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand, type CliIo } from '../io';

const HELP = `chaos controls: kill N | restart N | status | quit`;

async function control(mesh: DemoMesh, line: string, io: CliIo): Promise<boolean> {
  const [verb, arg] = line.trim().split(/\s+/);
  const index = arg === undefined ? NaN : Number(arg);
  try {
    switch (verb) {
      case undefined:
      case '':
        return true;
      case 'kill':
        await mesh.kill(index);
        io.stdout(`node ${index} killed (SIGKILL); watch the mesh notice and heal\n`);
        return true;
      case 'restart':
        await mesh.startNode(index);
        io.stdout(`node ${index} restarted\n`);
        return true;
      case 'status': {
        const statuses = await mesh.statuses();
        statuses.forEach((s, i) => io.stdout(s === null
          ? `node ${i}: down\n`
          : `node ${i}: ${s.nodeId.slice(0, 12)} ${s.raft.state} term ${s.raft.term} members ${s.members.length} chain ${s.chain.length}\n`));
        return true;
      }
      case 'quit':
      case 'exit':
        return false;
      default:
        io.stdout(`unknown control '${verb}'. ${HELP}\n`);
        return true;
    }
  } catch (error) {
    io.stdout(`${error instanceof Error ? error.message : String(error)}\n`);
    return true;
  }
}

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'start a demo mesh of N real nodes on loopback, with chaos controls',
  usage: 'revoada demo [--nodes N] [--target homelab|ha-three] [--data-root D] [--wait-ms MS]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      nodes: { type: 'string' },
      target: { type: 'string' },
      'data-root': { type: 'string' },
      'wait-ms': { type: 'string' },
    }, false);
    const count = integerOption('nodes', values.nodes, 5, 1, 15);
    const target = values.target ?? 'homelab';
    if (target !== 'homelab' && target !== 'ha-three') throw new UsageError(`--target must be homelab or ha-three, got '${target}'`);
    const waitMs = integerOption('wait-ms', values['wait-ms'], 30_000, 0);
    const root = values['data-root'] !== undefined ? path.resolve(io.cwd, values['data-root']) : await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-demo-'));
    const cliPath = fileURLToPath(import.meta.url).replace(/[^/\\]+$/, 'cli.mjs');
    io.stdout(`starting ${count} nodes on loopback (data under ${root}) …\n`);
    let mesh: DemoMesh;
    try {
      mesh = await DemoMesh.start({ nodes: count, root, cliPath });
    } catch (error) {
      io.stderr(`revoada demo: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
      return EXIT_FAILED;
    }
    io.stdout(`console: ${mesh.nodes[0]!.consoleUrl}\n`);
    try {
      if (target !== 'homelab') {
        const result = await mesh.nodes[0]!.client!.call('setTarget', { ...TARGET_PRESETS[target] });
        io.stdout(`target ${target}: ${result.message}\n`);
      }
      const took = await mesh.waitConverged(waitMs);
      io.stdout(`mesh converged: one leader, ${count} healthy members, in ${(took / 1000).toFixed(2)} s\n`);
    } catch (error) {
      io.stdout(`${error instanceof Error ? error.message : String(error)}; the nodes keep running — check 'status'\n`);
    }
    io.stdout(`${HELP}\n`);
    const stdin = createInterface({ input: process.stdin, terminal: false });
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
      stdin.once('close', resolve);
    });
    let busy = Promise.resolve(true);
    stdin.on('line', (line) => {
      busy = busy.then(async (keepGoing) => keepGoing && control(mesh, line, io)).then((keepGoing) => {
        if (!keepGoing) stdin.close();
        return keepGoing;
      });
    });
    await stopped;
    await busy;
    io.stdout('stopping the demo mesh …\n');
    await mesh.stop();
    if (values['data-root'] === undefined) await fs.rm(root, { recursive: true, force: true });
    return EXIT_OK;
  },
};
