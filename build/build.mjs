// Builds everything the app runs: the node/CLI bundle, the Electron main and preload bundles,
// worker bundles, benchmark bundles and the renderer. Entries are found by convention:
//   electron/node/workers/*.worker.ts  → dist/workers/*.mjs
//   test/bench/*.bench.ts              → dist/bench/*.mjs      (only with --bench)
// Usage: node build/build.mjs [--no-renderer] [--bench]
import { build } from 'esbuild';
import { existsSync, readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const started = Date.now();

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

function listEntries(dir, suffix) {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full).filter((f) => f.endsWith(suffix)).map((f) => path.join(dir, f));
}

mkdirSync(path.join(root, 'dist'), { recursive: true });
const jobs = [];

// The CLI and node host: ESM, dependencies resolved from node_modules at run time.
jobs.push(build({ ...common, entryPoints: { cli: 'electron/cli/main.ts' }, outdir: 'dist', format: 'esm',
  outExtension: { '.js': '.mjs' }, packages: 'external' }));

const workers = listEntries('electron/node/workers', '.worker.ts');
if (workers.length > 0) {
  jobs.push(build({ ...common, entryPoints: workers, outdir: 'dist/workers', format: 'esm',
    outExtension: { '.js': '.mjs' }, packages: 'external', entryNames: '[name]' }));
}

if (existsSync(path.join(root, 'electron/main/index.ts'))) {
  jobs.push(build({ ...common, entryPoints: { main: 'electron/main/index.ts' }, outdir: 'dist/electron', format: 'cjs',
    outExtension: { '.js': '.cjs' }, packages: 'external' }));
}
if (existsSync(path.join(root, 'electron/preload/index.ts'))) {
  // A sandboxed preload may only require('electron'): bundle everything else into it.
  jobs.push(build({ ...common, entryPoints: { preload: 'electron/preload/index.ts' }, outdir: 'dist/electron', format: 'cjs',
    outExtension: { '.js': '.cjs' }, external: ['electron'] }));
}

if (args.has('--bench')) {
  const benches = listEntries('test/bench', '.bench.ts');
  if (benches.length > 0) {
    jobs.push(build({ ...common, entryPoints: benches, outdir: 'dist/bench', format: 'esm',
      outExtension: { '.js': '.mjs' }, packages: 'external', entryNames: '[name]' }));
  }
}

await Promise.all(jobs);

if (!args.has('--no-renderer')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: path.join(root, 'build/vite.config.ts'), logLevel: 'warn' });
}
console.log(`build: done in ${Date.now() - started} ms`);
