// `npm start`: the desktop app where the Electron binary exists; otherwise the node and the
// console are served on loopback and the URL is printed (revoada start).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = spawnSync(process.execPath, [path.join(root, 'build/build.mjs')], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

let electronBinary = null;
try {
  const candidate = createRequire(import.meta.url)('electron');
  if (typeof candidate === 'string' && existsSync(candidate)) electronBinary = candidate;
} catch {
  electronBinary = null;
}

const [command, args] = electronBinary
  ? [electronBinary, [path.join(root, 'dist/electron/main.cjs'), ...process.argv.slice(2)]]
  : [process.execPath, [path.join(root, 'dist/cli.mjs'), 'start', ...process.argv.slice(2)]];
if (!electronBinary) console.log('npm start: no Electron binary on this machine; running the node (or a demo mesh) with the console in the browser instead.');
const child = spawn(command, args, { stdio: 'inherit', cwd: root });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
