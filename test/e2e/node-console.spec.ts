// The console served by a real `revoada node` (bootstrapped, so it leads and takes roles): the
// browser shows live status pushed over the WebSocket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startNodeProcess, type NodeProcess } from '../support/node-process';

let node: NodeProcess;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'revoada-e2e-node-'));
  node = await startNodeProcess(['--data-dir', dataDir, '--bootstrap', '--console', '127.0.0.1:0', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
});

test.afterAll(async () => {
  expect(await node.stop()).toBe(0);
  rmSync(dataDir, { recursive: true, force: true });
});

test('a running node shows its identity, Raft leadership, roles and chain in the browser', async ({ page }) => {
  await page.goto(node.consoleUrl);
  await expect(page.getByTestId('connection')).toHaveText('Connected');
  const nodeId = page.getByTestId('node-id');
  await expect(nodeId).toHaveText(/^[0-9a-f]{64}$/);
  const id = (await nodeId.textContent()) ?? '';
  // Status events arrive as the node elects itself and the policy engine assigns the target roles.
  const row = page.locator(`[data-testid="members"] tr[data-node-id="${id}"]`);
  await expect(row).toContainText('leader', { timeout: 15_000 });
  await expect(row).toContainText('healthy');
  await expect(row).toContainText('etcd', { timeout: 15_000 });
  await expect(page.getByText(/\d+ blocks, head [0-9a-f]{12}/)).toBeVisible();
});
