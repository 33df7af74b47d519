// Electron main: the composition root. Keeps one instance (two would share one data dir and
// ports), serves the renderer over app://, wires the typed IPC server. The node itself runs in
// this process through the same host code the headless CLI uses.
import { app, type BrowserWindow } from 'electron';
import path from 'node:path';
import { PRODUCT_NAME, PRODUCT_VERSION } from '../../shared/product';
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

  void app.whenReady().then(() => {
    const distDir = path.resolve(__dirname, '..');
    serveRenderer(path.join(distDir, 'renderer'));
    startIpcServer(
      {
        getAppInfo: () => ({ product: PRODUCT_NAME, version: PRODUCT_VERSION, host: 'electron', nodeRunning: false }),
        getStatus: () => null,
      },
      APP_ORIGIN,
      () => (mainWindow ? [mainWindow.webContents] : []),
    );
    mainWindow = createMainWindow(path.join(__dirname, 'preload.cjs'));
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  });

  app.on('window-all-closed', () => app.quit());
}
