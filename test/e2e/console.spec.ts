import { expect, test } from '@playwright/test';
import { startConsoleProcess, type ConsoleProcess } from './console-process';

let server: ConsoleProcess;

test.beforeAll(async () => {
  server = await startConsoleProcess();
});

test.afterAll(async () => {
  const code = await server.stop();
  expect(code).toBe(0); // SIGTERM is a clean shutdown
});

test('the console loads in Chromium and talks to its host over the typed contract', async ({ page }) => {
  await page.goto(server.url);
  await expect(page.getByRole('heading', { name: 'Revoada Console' })).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  // getAppInfo travelled over the WebSocket and came back from the server process.
  await expect(page.getByTestId('host-info')).toContainText('served by the console server');
  await expect(page.getByTestId('node-state')).toHaveText('No node is running in this host yet.');
});

test('the console refuses a browser without the token', async ({ page }) => {
  const bare = new URL(server.url);
  bare.search = '';
  const response = await page.goto(bare.toString());
  expect(response?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('missing or wrong console token');
});
