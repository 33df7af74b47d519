// `npm test`: build, typecheck, lint, unit + integration tests (Vitest), browser end-to-end tests
// (Playwright + Debian Chromium). Stops at the first failing stage; ends with one count line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const results = path.join(root, 'test-results');
rmSync(path.join(results, 'unit.json'), { force: true });
rmSync(path.join(results, 'e2e.json'), { force: true });

const stages = [
  ['build', process.execPath, [path.join(root, 'build/build.mjs')]],
  ['typecheck', bin('tsc'), ['-b']],
  ['lint', bin('eslint'), ['--config', 'build/eslint.config.js', '--max-warnings', '0', '.']],
  ['unit+integration', bin('vitest'), ['run', '--config', 'build/vitest.config.ts', '--reporter=default',
    '--reporter=json', `--outputFile.json=${path.join(results, 'unit.json')}`]],
  ['e2e', bin('playwright'), ['test', '--config', 'test/e2e/playwright.config.ts']],
];

const counts = { passed: 0, failed: 0, skipped: 0 };
function addVitest() {
  const file = path.join(results, 'unit.json');
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  counts.passed += report.numPassedTests ?? 0;
  counts.failed += report.numFailedTests ?? 0;
  counts.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
function addPlaywright() {
  const file = path.join(results, 'e2e.json');
  if (!existsSync(file)) return;
  const stats = JSON.parse(readFileSync(file, 'utf8')).stats ?? {};
  counts.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
  counts.failed += stats.unexpected ?? 0;
  counts.skipped += stats.skipped ?? 0;
}

let failedStage = null;
for (const [name, command, args] of stages) {
  const started = Date.now();
  console.log(`\n── npm test: ${name} ──`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  console.log(`── ${name}: ${run.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (run.status !== 0) {
    failedStage = name;
    break;
  }
}
addVitest();
addPlaywright();
if (failedStage && counts.failed === 0) counts.failed = 1; // a failed build/lint stage counts as a failure
console.log(failedStage ? `\nnpm test FAILED at stage: ${failedStage}` : '\nnpm test: all stages passed');
console.log(`total: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(failedStage ? 1 : 0);
