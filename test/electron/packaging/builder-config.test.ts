// Packaging cannot run here (electron-builder downloads Electron and its tools), so its
// configuration is checked against electron-builder's own JSON schema, and against what the app
// needs at run time from it: the main bundle, and the native Ed25519 addon outside the asar.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const config = parse(readFileSync(path.join(root, 'build/electron-builder.yml'), 'utf8')) as Record<string, unknown>;

describe('build/electron-builder.yml', () => {
  it('is valid under electron-builder\'s schema', async () => {
    // The schema ships with electron-builder's own library (resolved from electron-builder).
    const fromBuilder = createRequire(createRequire(import.meta.url).resolve('electron-builder'));
    const schema = JSON.parse(readFileSync(fromBuilder.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const { default: Ajv } = await import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(config);
    expect(ok, JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('points main at the Electron bundle and unpacks sodium-native (a prebuilt N-API addon) from the asar', () => {
    expect((config['extraMetadata'] as Record<string, string>)['main']).toBe('dist/electron/main.cjs');
    expect(config['asarUnpack']).toContain('node_modules/sodium-native/**');
    expect(config['npmRebuild']).toBe(false);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toContain('sodium-native');
  });
});
