// Electron main: the composition root. Keeps one instance (two would share one data dir and
// ports), serves the renderer over app://, wires the typed IPC server. The node itself runs in
// this process through the same host code the headless CLI uses.
import { app, type BrowserWindow } from 'electron';
import path from 'node:path';
import type { ConsoleHandlers } from '../../shared/ipc/contract';
import { noNodeHandlers } from '../../shared/ipc/no-node';
import { createEventLog } from '../node/event-log';
import { NodeHost } from '../node/host';
import { startIpcServer } from './ipc-server';
import { registerAppScheme, serveRenderer } from './protocol';
import { APP_ORIGIN, createMainWindow } from './window';

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let mainWindow: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });

  let host: NodeHost | null = null;
  let quitting = false;

  void app.whenReady().then(async () => {
    const distDir = path.resolve(__dirname, '..');
    serveRenderer(path.join(distDir, 'renderer'));
    const idle = noNodeHandlers('electron');
    // Every method goes to the node once it runs; until then (or if it failed) to the idle answers.
    const handlers = Object.fromEntries(Object.keys(idle).map((method) => [method,
      (arg: unknown) => ((host ? host.handlers('electron') : idle) as Record<string, (a: unknown) => unknown>)[method]!(arg)])) as unknown as ConsoleHandlers;
    const ipc = startIpcServer(
      handlers,
      APP_ORIGIN,
      () => (mainWindow ? [mainWindow.webContents] : []),
    );
    mainWindow = createMainWindow(path.join(__dirname, 'preload.cjs'));
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
    // The desktop node: same host as `revoada node`, its data in the OS app-data folder. The
    // renderer talks to it over IPC, so no console server is opened by default.
    try {
      host = await NodeHost.start({
        dataDir: path.join(app.getPath('userData'), 'node'),
        clusterId: 'revoada',
        gossip: { host: '127.0.0.1', port: 0 },
        raft: { host: '127.0.0.1', port: 0 },
        seeds: [],
        bootstrap: false,
        console: null,
        allowRemoteConsole: false,
        staticDir: path.join(distDir, 'renderer'),
        log: createEventLog((line) => process.stderr.write(line), 'text'),
        onStatus: (status) => ipc.publish('onDidChangeStatus', status),
        // Nobody sees a minimized or hidden window: no status is built for it (it gets the
        // current one as soon as it shows again).
        statusWanted: () => mainWindow !== null && mainWindow.isVisible() && !mainWindow.isMinimized(),
      });
      // A node that stops by itself (its Raft log cannot be written) is no longer served: the
      // window falls back to the idle answers, which say that no node runs.
      const running = host;
      void running.whenFailed().then((error) => {
        process.stderr.write(`revoada: the desktop node stopped: ${error.message}\n`);
        if (host === running) host = null;
      });
    } catch (error) {
      process.stderr.write(`revoada: the desktop node did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });

  app.on('before-quit', (event) => {
    if (quitting || host === null) return;
    // Leave gossip, flush and release the data dir before the process goes.
    event.preventDefault();
    quitting = true;
    void host.stop().finally(() => app.quit());
  });

  app.on('window-all-closed', () => app.quit());
}
