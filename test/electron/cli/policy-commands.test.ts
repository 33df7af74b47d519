import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/cli/main';
import { setPolicyNodeConnector, type PolicySource } from '../../../electron/cli/policy-node';
import { ok, err } from '../../../shared/kit/result';
import { encodeFabricStrategyJson, encodeFabricStrategyYaml } from '../../../shared/policy/fabric';
import { encodeSnapshot } from '../../../shared/policy/snapshot';
import { MeshShape } from '../../../shared/types/mesh-shape';
import { nodeIdFromBytes } from '../../../shared/types/node-id';
import { PRESCRIBED_HOMELAB } from '../../../shared/types/fabric';
import { HOMELAB_TARGET, type TargetTopology } from '../../../shared/types/target';
import type { RoleAssignment } from '../../../shared/types/roles';

const dir = mkdtempSync(join(tmpdir(), 'revoada-policy-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const id = (b: number) => nodeIdFromBytes(new Uint8Array(32).fill(b));

async function cli(...argv: string[]): Promise<{ code: number; out: string; errText: string }> {
  let out = '';
  let errText = '';
  const code = await runCli(argv, { stdout: (t) => { out += t; }, stderr: (t) => { errText += t; }, env: {}, cwd: dir });
  return { code, out, errText };
}

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const snapshotFile = write('mesh.json', encodeSnapshot({
  view: { members: [1, 2, 3, 4].map((b) => ({ id: id(b), health: 'healthy' as const, raft: b === 4 ? 'none' as const : 'voter' as const, caughtUp: true })) },
  shape: MeshShape.fromRecord({ [id(1)]: ['api_server', 'etcd', 'scheduler', 'controller_manager'] }),
  target: HOMELAB_TARGET,
  topology: null,
}));

describe('revoada strategy', () => {
  it('check: the prescribed strategy passes with its one advisory warning', async () => {
    const file = write('homelab.yaml', encodeFabricStrategyYaml(PRESCRIBED_HOMELAB));
    const r = await cli('strategy', 'check', file);
    expect(r.code).toBe(0);
    expect(r.out).toContain('homelab.yaml:6:26: warning [election_within_gossip_rounds] consensus.kind.election_timeout_ms:');
    expect(r.out).toContain('homelab.yaml: ok (0 errors, 1 warning; crate prove_liveness: ok)');
    expect((await cli('strategy', 'check', file, '--strict')).code).toBe(1);
  });

  it('check: every violated rule with line:column, exit 1; --json for scripts', async () => {
    const bad = encodeFabricStrategyYaml({ ...PRESCRIBED_HOMELAB, consensus: { kind: { ...PRESCRIBED_HOMELAB.consensus.kind, quorumSize: 2 } }, reconciliation: { millis: 0 } });
    const file = write('bad.yaml', bad);
    const r = await cli('strategy', 'validate', file, '--topology', 'solo');
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('bad.yaml:22:11: error [zero_reconciliation_cadence] reconciliation.millis: reconciliation cadence cannot be zero — would break the always-eventually-resolves guarantee');
    expect(lines[1]).toBe('bad.yaml:5:18: error [quorum_too_small] consensus.kind.quorum_size: consensus quorum size must be ≥ 3 for split-brain freedom under single-node failure; got 2');
    expect(lines.some((l) => l.includes('[quorum_exceeds_topology]'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^bad\.yaml: REJECTED \(3 errors, 1 warning; crate prove_liveness: fails\)$/);
    const j = await cli('strategy', 'check', file, '--json');
    const parsed = JSON.parse(j.out);
    expect(parsed).toMatchObject({ ok: false, errors: 2, prove_liveness: { kind: 'zero_reconciliation_cadence' } });
    expect(parsed.diagnostics[0]).toMatchObject({ rule: 'zero_reconciliation_cadence', line: 22, col: 11 });
  });

  it('check --from takes the topology and node count from a snapshot', async () => {
    const snap = write('phalanx.json', encodeSnapshot({
      view: { members: [1, 2, 3].map((b) => ({ id: id(b), health: 'healthy' as const, raft: 'voter' as const, caughtUp: true })) },
      shape: new MeshShape(), target: HOMELAB_TARGET, topology: 'phalanx',
    }));
    const file = write('five.yaml', encodeFabricStrategyYaml({ ...PRESCRIBED_HOMELAB, consensus: { kind: { ...PRESCRIBED_HOMELAB.consensus.kind, quorumSize: 3 } } }));
    const r = await cli('strategy', 'check', file, '--from', snap);
    expect(r.code).toBe(1);
    expect(r.out).toContain('quorum size 3 exceeds the 2 voters the phalanx topology strategy can provide with 3 nodes');
  });

  it('check: missing file, binary junk and usage errors are clear and do not throw', async () => {
    expect(await cli('strategy', 'check', 'nope.yaml')).toMatchObject({ code: 1, errText: 'revoada strategy: nope.yaml: no such file\n' });
    const junk = write('junk.yaml', '\u0000\u0001: [');
    const r = await cli('strategy', 'check', junk);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^junk\.yaml:1:\d+: error \[parse\]/);
    expect((await cli('strategy', 'check')).code).toBe(2);
    expect((await cli('strategy', 'check', 'a', '--topology', 'ring')).code).toBe(2);
    expect((await cli('strategy', 'frobnicate')).code).toBe(2);
  });

  it('defaults and show print the crate serde forms; show converts YAML to JSON', async () => {
    expect((await cli('strategy', 'defaults')).out).toBe(encodeFabricStrategyYaml(PRESCRIBED_HOMELAB));
    expect((await cli('strategy', 'defaults', '--format', 'json')).out).toBe(`${encodeFabricStrategyJson(PRESCRIBED_HOMELAB)}\n`);
    expect((await cli('strategy', 'defaults', '--face', '--format', 'json')).out).toBe('{"name":"k8s-v1.34","kind":{"protocol":"kubernetes","version":"1.34","certified_cncf":true}}\n');
    const file = write('loose.yaml', 'name: x\nconsensus: {kind: {algorithm: open-raft, quorum_size: 5, election_timeout_ms: 1000, snapshot_interval_entries: 100}}\nmembership: {phi_threshold: 8, gossip_cadence_ms: 100, failure_detector_timeout_ms: 300}\ncontent: {sync_cadence_ms: 1, gc_retention_ms: 1}\nattestation: {seal_interval_ms: 1, require_operator_signature: true}\nplacement: {kind: spread}\nreconciliation: {millis: 500}\n');
    const r = await cli('strategy', 'show', file, '--format', 'json');
    expect(r.code).toBe(0);
    expect(r.out).toContain('"phi_threshold":8.0');
    expect(r.out).toContain('"placement":{"kind":"spread"}');
  });

  it('show/apply without a node say so; apply refuses a failing file before looking for one', async () => {
    const r = await cli('strategy', 'show', '--data-dir', join(dir, 'no-node-here'));
    expect(r.code).toBe(1);
    expect(r.errText).toMatch(/no node has run in .*no-node-here/);
    const bad = write('bad2.json', encodeFabricStrategyJson({ ...PRESCRIBED_HOMELAB, consensus: { kind: { ...PRESCRIBED_HOMELAB.consensus.kind, quorumSize: 4 } } }));
    const refused = await cli('strategy', 'apply', bad, '--url', 'http://127.0.0.1:1');
    expect(refused.code).toBe(1);
    expect(refused.errText).toContain('refused: bad2.json does not pass the checks above');
  });
});

describe('revoada target (offline against a snapshot)', () => {
  it('show prints the target; --json for scripts', async () => {
    const r = await cli('target', 'show', '--from', snapshotFile);
    expect(r.code).toBe(0);
    expect(r.out).toContain('api_servers          1');
    expect((await cli('target', 'show', '--from', snapshotFile, '--json')).out).toBe('{"api_servers":1,"etcd_replicas":1,"schedulers":1,"controller_managers":1,"min_workers":1}\n');
  });

  it('set --preset ha-three --dry-run plans: proposals, before/after, warnings; gossip-only never promoted', async () => {
    const r = await cli('target', 'set', '--preset', 'ha-three', '--dry-run', '--from', snapshotFile);
    expect(r.code).toBe(0);
    expect(r.out).toContain('api_servers          3   (was 1)');
    expect(r.out).toContain('proposals (4):');
    expect(r.out).toContain('(gossip-only: never promoted)');
    expect(r.out).not.toContain('warnings:');
    const four = await cli('target', 'set', '--preset', 'ha-three', '--api-servers', '4', '--dry-run', '--from', snapshotFile);
    expect(four.out).toContain('! fewer_nodes_than_target: the target needs 4 distinct nodes (api_servers) but only 3 can serve (healthy, Raft member, caught up)');
    expect(four.out).toContain('withheld (not_enough_nodes): api_server: need 1 more holder, 0 candidates can serve');
    const j = JSON.parse((await cli('target', 'set', '--etcd-replicas', '4', '--dry-run', '--json', '--from', snapshotFile)).out);
    expect(j.target_after.etcd_replicas).toBe(4);
    expect(j.warnings.map((w: { code: string }) => w.code)).toContain('even_etcd');
    expect(j.nodes.find((n: { id: string }) => n.id === id(4)).after).toEqual([]);
  });

  it('set without --dry-run on a snapshot is refused (exit 1); bad flags are usage errors (exit 2)', async () => {
    const r = await cli('target', 'set', '--api-servers', '2', '--from', snapshotFile);
    expect(r.code).toBe(1);
    expect(r.errText).toContain('offline snapshot');
    expect((await cli('target', 'set', '--from', snapshotFile)).code).toBe(2);
    expect((await cli('target', 'set', '--api-servers', 'two', '--dry-run', '--from', snapshotFile)).errText).toContain("--api-servers expects a whole number, got 'two'");
    expect((await cli('target', 'set', '--preset', 'huge', '--dry-run', '--from', snapshotFile)).code).toBe(2);
    expect((await cli('target', 'show', '--api-servers', '2')).code).toBe(2);
    const broken = write('broken.json', '{"members":[{"id":"zz"}]}');
    const b = await cli('target', 'show', '--from', broken);
    expect(b).toMatchObject({ code: 1, errText: 'revoada target: broken.json: members[0].id: expected a node id: 64 hex characters\n' });
  });
});

describe('revoada propose', () => {
  it('--dry-run by unique prefix shows before/after and what the policies do next', async () => {
    const r = await cli('propose', 'demote', id(1).slice(0, 6), 'etcd', '--dry-run', '--from', snapshotFile);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`demote ${id(1).slice(0, 12)} [etcd] (operator)`);
    expect(r.out).toContain('api_server,etcd,scheduler,controller_manager -> api_server,scheduler,controller_manager');
    expect(r.out).toMatch(/promote \w{12} \[etcd\] \(replacing_failed\)/);
  });

  it('refuses unknown nodes, roles and reasons clearly', async () => {
    expect((await cli('propose', 'promote', 'abcd', 'etcd', '--dry-run', '--from', snapshotFile)).errText).toBe("revoada propose: no known node starts with 'abcd'\n");
    expect((await cli('propose', 'promote', id(1), 'king', '--from', snapshotFile)).code).toBe(2);
    expect((await cli('propose', 'quarantine', id(1), '--reason', 'because')).code).toBe(2);
    expect((await cli('propose', 'restore', 'xyz')).code).toBe(2);
  });

  it('goes through the installed node connector (the seam the node host uses)', async () => {
    const proposed: RoleAssignment[] = [];
    let target: TargetTopology = HOMELAB_TARGET;
    const fake: PolicySource = {
      description: 'test node', live: true,
      snapshot: async () => ({ view: { members: [] }, shape: new MeshShape(), target, topology: null }),
      strategy: async () => PRESCRIBED_HOMELAB,
      setTarget: async (t) => { target = t; return ok('target committed at index 7'); },
      applyStrategy: async () => err('not leader and cannot forward'),
      propose: async (cmd) => { proposed.push(cmd); return ok('committed at index 8'); },
    };
    setPolicyNodeConnector(async () => ok(fake));
    try {
      expect((await cli('propose', 'quarantine', id(9), '--reason', 'health_degraded')).out).toBe('committed at index 8\n');
      expect(proposed).toEqual([{ kind: 'quarantine', nodeId: id(9), reason: 'health_degraded' }]);
      const set = await cli('target', 'set', '--schedulers', '2', '--url', 'http://127.0.0.1:7780');
      expect(set.code).toBe(0);
      expect(target.schedulers).toBe(2);
      const file = write('ok.yaml', encodeFabricStrategyYaml(PRESCRIBED_HOMELAB));
      const applied = await cli('strategy', 'apply', file);
      expect(applied).toMatchObject({ code: 1 });
      expect(applied.errText).toContain('refused: not leader and cannot forward');
      expect((await cli('strategy', 'show', '--format', 'json')).out).toBe(`${encodeFabricStrategyJson(PRESCRIBED_HOMELAB)}\n`);
    } finally {
      setPolicyNodeConnector(null);
    }
  });
});
