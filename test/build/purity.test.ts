// The purity rule on shared/ must actually fail the build: both the lint rule and the compiler
// settings are exercised on fixtures here.
import { ESLint } from 'eslint';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'build/eslint.config.js') });

async function lint(code: string, relativePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, relativePath) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint: shared/ is pure', () => {
  it('rejects timers, clocks, randomness, console and node:* in shared/', async () => {
    const messages = await lint(
      [
        "import { readFileSync } from 'node:fs';",
        'export const t = setTimeout(() => readFileSync, 1);',
        'export const now = Date.now();',
        'export const r = Math.random();',
        'export const d = new Date();',
        "console.log('x');",
      ].join('\n'),
      'shared/purity-fixture.ts',
    );
    expect(messages).toEqual(expect.arrayContaining([
      expect.stringContaining("local/layering: bad layering: shared may not import package 'node:fs'"),
      expect.stringContaining("no-restricted-globals: Unexpected use of 'setTimeout'"),
      expect.stringContaining('no-restricted-properties: \'Date.now\''),
      expect.stringContaining('no-restricted-properties: \'Math.random\''),
      expect.stringContaining('no-restricted-syntax: shared/ is pure: no wall clock'),
      expect.stringContaining("no-restricted-globals: Unexpected use of 'console'"),
    ]));
  });

  it('accepts the same clock-free code outside shared/', async () => {
    const messages = await lint("export const t = setTimeout(() => undefined, 1);\n", 'electron/node/fixture.ts');
    expect(messages).toEqual([]);
  });

  it('enforces the layer table: renderer may not import electron/, shared may not import renderer/', async () => {
    expect(await lint("import { x } from '../electron/node/paths';\nexport const y = x;\n", 'renderer/fixture.ts'))
      .toEqual([expect.stringContaining('bad layering: renderer may not import electron/node')]);
    expect(await lint("import { App } from '../renderer/app/App';\nexport const y = App;\n", 'shared/fixture.ts'))
      .toEqual([expect.stringContaining('bad layering: shared may not import renderer')]);
    expect(await lint("import { app } from 'electron';\nexport const y = app;\n", 'electron/node/fixture.ts'))
      .toEqual([expect.stringContaining("bad layering: electron/node may not import package 'electron'")]);
  });

  it('allows ipcMain only in electron/main/ipc-server.ts', async () => {
    const code = "import { ipcMain } from 'electron';\nexport const y = ipcMain;\n";
    expect(await lint(code, 'electron/main/other.ts')).toEqual([expect.stringContaining('no-restricted-imports')]);
    expect(await lint(code, 'electron/main/ipc-server.ts')).toEqual([]);
  });
});

describe('compiler: shared/ compiles against the ES library only', () => {
  it('reports setTimeout, process, Buffer, node:fs and console as errors', () => {
    const config = ts.readConfigFile(path.join(root, 'shared/tsconfig.json'), ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.join(root, 'shared'));
    const options = { ...parsed.options, noEmit: true, composite: false, declaration: false, emitDeclarationOnly: false };
    const fixture = path.join(root, 'test/build/fixtures/impure-shared.ts');
    const program = ts.createProgram([fixture], options);
    const text = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(text).toEqual(expect.arrayContaining([
      expect.stringContaining("Cannot find name 'setTimeout'"),
      expect.stringContaining("Cannot find name 'process'"),
      expect.stringContaining("Cannot find name 'Buffer'"),
      expect.stringContaining("Cannot find module 'node:fs'"),
      expect.stringContaining("Cannot find name 'console'"),
    ]));
  });
});
