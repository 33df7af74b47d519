// The bundled CLI as a separate process: finds its worker bundle next to it (dist/cli.mjs +
// dist/workers/), verifies on worker threads, exits with the documented codes, no stack traces.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = path.join(root, 'test/fixtures/attestation');
const out = mkdtempSync(path.join(tmpdir(), 'revoada-cli-'));

beforeAll(async () => {
  // The layout build/build.mjs produces, bundled self-contained so it runs from a temp folder.
  // CommonJS dependencies bundled into ESM need a `require` for Node built-ins.
  const banner = { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" };
  const common = { bundle: true, platform: 'node' as const, format: 'esm' as const, logLevel: 'warning' as const, absWorkingDir: root, banner };
  mkdirSync(path.join(out, 'workers'));
  await build({ ...common, entryPoints: ['electron/cli/main.ts'], outfile: path.join(out, 'cli.mjs') });
  await build({ ...common, entryPoints: ['electron/node/workers/chain-verify.worker.ts'], outfile: path.join(out, 'workers/chain-verify.worker.mjs') });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(out, 'cli.mjs'), 'verify', ...args], { cwd: fixtures, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('revoada verify (bundled, separate process)', () => {
  it('verifies long_2000 on worker threads', () => {
    const r = cli('long_2000.json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const threads = availableParallelism();
    expect(r.out).toContain(`on ${threads} ${threads === 1 ? 'thread' : 'threads'}`);
    expect(r.out).toMatch(/^VALID$/m);
  });
  it('exit 1 with the crate-ordered first error for a tampered chain; exit 2 for garbage, no stack trace', () => {
    const bad = cli('tampered_time_6.json', '--json');
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out).errors[0]).toMatchObject({ kind: 'invalid_leader_signature', index: 6 });
    const garbage = path.join(out, 'garbage.json');
    writeFileSync(garbage, '\u0000\u0001not json at all');
    const g = cli(garbage);
    expect(g.code).toBe(2);
    expect(g.err).toMatch(/garbage\.json:1:1: expected a JSON value but found control character U\+0000\n$/);
    expect(g.err.split('\n').length).toBe(2);
  });
});
