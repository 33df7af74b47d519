// Desktop smoke test. Needs the real Electron binary, which cannot be downloaded on machines
// without internet (installs use ELECTRON_SKIP_BINARY_DOWNLOAD=1): there it is reported as
// SKIPPED, by name, with the reason — never silently passed.
import { _electron as electron, expect, test } from '@playwright/test';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from './console-process';

function electronBinary(): string | null {
  try {
    const candidate = createRequire(import.meta.url)('electron') as unknown;
    return typeof candidate === 'string' && existsSync(candidate) ? candidate : null;
  } catch {
    return null;
  }
}

test('electron smoke: the desktop window opens and shows the console', async () => {
  const binary = electronBinary();
  if (binary === null) {
    console.warn('\n*** SKIPPED electron smoke test: the Electron binary is not installed on this machine '
      + '(installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1). Run it where `require("electron")` resolves to a binary. ***\n');
  }
  test.skip(binary === null, 'Electron binary not installed (ELECTRON_SKIP_BINARY_DOWNLOAD=1)');
  const app = await electron.launch({ executablePath: binary!, args: [path.join(repoRoot, 'dist/electron/main.cjs')] });
  try {
    const window = await app.firstWindow();
    await expect(window.getByRole('heading', { name: 'Revoada Console' })).toBeVisible();
    await expect(window.getByTestId('host-info')).toContainText('served by the desktop app');
  } finally {
    await app.close();
  }
});
