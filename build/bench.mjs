// Runs benchmarks: `node build/bench.mjs [name…]` builds test/bench/*.bench.ts and runs each
// (all when no name is given). A benchmark prints its figures; its LAST line of output is one JSON
// object with its figures and ratios against a baseline measured in the same run.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = spawnSync(process.execPath, [path.join(root, 'build/build.mjs'), '--no-renderer', '--bench'], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const available = readdirSync(path.join(root, 'test/bench')).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : available;
let failed = 0;
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`bench: no benchmark named '${name}' (have: ${available.join(', ')})`);
    failed++;
    continue;
  }
  console.log(`\n=== bench:${name} ===`);
  const run = spawnSync(process.execPath, [path.join(root, 'dist/bench', `${name}.bench.mjs`), ...process.argv.slice(2).filter((a) => a.startsWith('-'))],
    { stdio: 'inherit', cwd: root });
  if (run.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
