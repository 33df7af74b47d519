// `revoada start`: what `npm start` runs when the Electron binary is not available. Serves the
// console on loopback and prints its URL.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { noNodeHandlers } from '../../../shared/ipc/no-node';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../../shared/product';
import { startConsoleServer } from '../../console/server';
import { rendererDir } from '../../node/paths';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, type CliCommand } from '../io';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'serve the console in a browser (what npm start runs without Electron)',
  usage: 'revoada start [--host 127.0.0.1] [--port 7780] [--allow-remote]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      host: { type: 'string' },
      port: { type: 'string' },
      'allow-remote': { type: 'boolean' },
    }, false);
    const host = values.host ?? '127.0.0.1';
    const port = integerOption('port', values.port, 7780, 0, 65535);
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
