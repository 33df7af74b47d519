// `revoada start`: what `npm start` runs when the Electron binary is not available.
//   - a data dir with a cluster secret → run that node, console on loopback, print the URL;
//   - no cluster configured yet → offer the demo: start a 5-node mesh on loopback and print its URL;
//   - --console-only → serve the console without a node (used by the browser tests).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { noNodeHandlers } from '../../../shared/ipc/no-node';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../../shared/product';
import { startConsoleServer } from '../../console/server';
import { rendererDir } from '../../node/paths';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, type CliCommand } from '../io';
import { defaultDataDir } from '../../node/data-dir';
import { demoCommand } from './demo';
import { nodeCommand } from './node';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'what npm start runs without Electron: your node, or a demo mesh, with the console in the browser',
  usage: 'revoada start [--data-dir D] [--host 127.0.0.1] [--port 7780] [--allow-remote] [--console-only]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      'data-dir': { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'console-only': { type: 'boolean' },
    }, false);
    const host = values.host ?? '127.0.0.1';
    const port = integerOption('port', values.port, 7780, 0, 65535);
    if (values['console-only'] !== true) {
      const dataDir = path.resolve(io.cwd, values['data-dir'] ?? defaultDataDir(io.env));
      if (existsSync(path.join(dataDir, 'cluster.secret'))) {
        io.stdout(`${PRODUCT_NAME} ${PRODUCT_VERSION}: running the node in ${dataDir}; the console opens in your browser.\n`);
        return nodeCommand.run(['--data-dir', dataDir, '--console', `${host.includes(':') ? `[${host}]` : host}:${port}`,
          ...(values['allow-remote'] === true ? ['--allow-remote-console'] : [])], io);
      }
      io.stdout(`${PRODUCT_NAME} ${PRODUCT_VERSION}: no cluster is configured in ${dataDir} yet, so here is a demo mesh of 5 real nodes on loopback.\n`);
      io.stdout(`To run your own node instead: revoada node --data-dir ${dataDir} --bootstrap (first node) or --secret-file F --seed HOST:PORT (joining).\n`);
      return demoCommand.run(['--nodes', '5'], io);
    }
    const token = randomBytes(24).toString('hex');
    let server;
    try {
      server = await startConsoleServer({
        host, port, token,
        staticDir: rendererDir(fileURLToPath(import.meta.url)),
        allowNonLoopback: values['allow-remote'] === true,
        handlers: noNodeHandlers('console-server'),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use; pass --port with a free port (or 0 for any)`
        : error instanceof Error ? error.message : String(error);
      io.stderr(`revoada start: ${reason}\n`);
      return EXIT_FAILED;
    }
    if (values['allow-remote'] === true) io.stderr(`revoada start: WARNING: the console is reachable from other machines on ${host}\n`);
    io.stdout(`${PRODUCT_NAME} ${PRODUCT_VERSION}: the Electron window is not available here, so the console is served in your browser.\n`);
    io.stdout(`Open: ${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return EXIT_OK;
  },
};
