import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkFabricStrategyText, describeFabricError, encodeFabricFaceJson, encodeFabricFaceYaml,
  encodeFabricStrategyJson, encodeFabricStrategyYaml, formatF64, parseFabricFace, parseFabricStrategy,
  proveLiveness, reconciliationCadence, strategyTimings, timingChanges, yamlString,
} from '../../../shared/policy/fabric';
import { Prng } from '../../../shared/kit/prng';
import { PRESCRIBED_HOMELAB, PRESCRIBED_KUBERNETES_V1_34, type FabricFace, type FabricStrategy } from '../../../shared/types/fabric';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/reference/revoada-vectors.json', import.meta.url), 'utf8'));

const HOMELAB_YAML = `name: homelab-3node
consensus:
  kind:
    algorithm: open-raft
    quorum_size: 3
    election_timeout_ms: 150
    snapshot_interval_entries: 1000
membership:
  phi_threshold: 8.0
  gossip_cadence_ms: 100
  failure_detector_timeout_ms: 300
content:
  sync_cadence_ms: 200
  gc_retention_ms: 60000
attestation:
  seal_interval_ms: 1000
  require_operator_signature: false
placement:
  kind: zone-aware
  min_zones: 1
reconciliation:
  millis: 500
`;

function withQuorum(q: number, s: FabricStrategy = PRESCRIBED_HOMELAB): FabricStrategy {
  return { ...s, consensus: { kind: { ...s.consensus.kind, quorumSize: q } } };
}

describe('FabricStrategy serde forms', () => {
  it('prescribed homelab encodes to the vector JSON byte for byte (8.0 float)', () => {
    expect(encodeFabricStrategyJson(PRESCRIBED_HOMELAB)).toBe(vectors.fabric_strategy_json);
  });

  it('prescribed homelab encodes to the reference YAML', () => {
    expect(encodeFabricStrategyYaml(PRESCRIBED_HOMELAB)).toBe(HOMELAB_YAML);
  });

  it('reads the vector JSON and the reference YAML back to the prescribed value', () => {
    const fromJson = parseFabricStrategy(vectors.fabric_strategy_json, 'json');
    expect(fromJson.diagnostics).toEqual([]);
    expect(fromJson.value).toEqual(PRESCRIBED_HOMELAB);
    const fromYaml = parseFabricStrategy(HOMELAB_YAML, 'yaml');
    expect(fromYaml.diagnostics).toEqual([]);
    expect(fromYaml.value).toEqual(PRESCRIBED_HOMELAB);
  });

  it('accepts an integer for the f64 phi threshold (serde does) and writes it back as 8.0', () => {
    const text = vectors.fabric_strategy_json.replace('"phi_threshold":8.0', '"phi_threshold":8');
    const parsed = parseFabricStrategy(text, 'json');
    expect(parsed.value?.membership.phiThreshold).toBe(8);
    expect(encodeFabricStrategyJson(parsed.value!)).toBe(vectors.fabric_strategy_json);
  });

  it('round-trips every placement kind through YAML and JSON', () => {
    const placements: FabricStrategy['placement'][] = [
      { kind: 'zone-aware', minZones: 2 }, { kind: 'rack-aware', minRacks: 3 },
      { kind: 'latency-aware', maxP99Ms: 25 }, { kind: 'spread' }, { kind: 'none' },
    ];
    for (const placement of placements) {
      const s = { ...PRESCRIBED_HOMELAB, placement };
      expect(parseFabricStrategy(encodeFabricStrategyYaml(s), 'yaml').value).toEqual(s);
      expect(parseFabricStrategy(encodeFabricStrategyJson(s), 'json').value).toEqual(s);
    }
    expect(encodeFabricStrategyJson({ ...PRESCRIBED_HOMELAB, placement: { kind: 'latency-aware', maxP99Ms: 25 } }))
      .toContain('"placement":{"kind":"latency-aware","max_p99_ms":25}');
  });

  it('formats floats like Rust ryu', () => {
    expect(formatF64(8)).toBe('8.0');
    expect(formatF64(0.5)).toBe('0.5');
    expect(formatF64(12.25)).toBe('12.25');
    expect(formatF64(1e15)).toBe('1000000000000000.0');
    expect(formatF64(1e16)).toBe('1e16');
    expect(formatF64(0.0001)).toBe('0.0001');
    expect(formatF64(1e-7)).toBe('1e-7');
    expect(formatF64(1.5e300)).toBe('1.5e300');
    expect(formatF64(-3)).toBe('-3.0');
    expect(formatF64(NaN)).toBe('null');
    expect(formatF64(Infinity, 'yaml')).toBe('.inf');
  });
});

describe('FabricFace serde forms', () => {
  it('prescribed kubernetes v1.34 matches the vector JSON and the reference YAML (quoted version)', () => {
    expect(encodeFabricFaceJson(PRESCRIBED_KUBERNETES_V1_34)).toBe(vectors.fabric_face_json);
    expect(encodeFabricFaceYaml(PRESCRIBED_KUBERNETES_V1_34)).toBe("name: k8s-v1.34\nkind:\n  protocol: kubernetes\n  version: '1.34'\n  certified_cncf: true\n");
    expect(parseFabricFace(vectors.fabric_face_json, 'json').value).toEqual(PRESCRIBED_KUBERNETES_V1_34);
  });

  it('round-trips every face kind through YAML and JSON', () => {
    const faces: FabricFace[] = [
      PRESCRIBED_KUBERNETES_V1_34,
      { name: 'nomad', kind: { protocol: 'nomad', version: '1.7' } },
      { name: 'units', kind: { protocol: 'systemd', userUnits: false } },
      { name: 'raft', kind: { protocol: 'pure-raft' } },
      { name: 'bare', kind: { protocol: 'bare-metal-supervisor' } },
    ];
    for (const f of faces) {
      expect(parseFabricFace(encodeFabricFaceYaml(f), 'yaml').value).toEqual(f);
      expect(parseFabricFace(encodeFabricFaceJson(f), 'json').value).toEqual(f);
    }
    expect(encodeFabricFaceJson(faces[1]!)).toBe('{"name":"nomad","kind":{"protocol":"nomad","version":"1.7"}}');
    expect(encodeFabricFaceJson(faces[3]!)).toBe('{"name":"raft","kind":{"protocol":"pure-raft"}}');
  });

  it('an unquoted 1.34 version is a float, which the string field refuses with its position', () => {
    const parsed = parseFabricFace('name: k\nkind:\n  protocol: kubernetes\n  version: 1.34\n  certified_cncf: true\n', 'yaml');
    expect(parsed.value).toBeNull();
    expect(parsed.diagnostics).toEqual([expect.objectContaining({ rule: 'type', path: 'kind.version', line: 4, col: 12 })]);
  });

  it('quotes YAML strings that would read back as something else', () => {
    for (const s of ['1.34', 'true', 'null', '', '~', 'yes', '- x', 'a: b', '0x1f', '12']) {
      expect(yamlString(s).startsWith("'")).toBe(true);
    }
    expect(yamlString('k8s-v1.34')).toBe('k8s-v1.34');
    expect(yamlString("it's 1")).toBe("it's 1");
    expect(yamlString('line\nbreak')).toBe('"line\\nbreak"');
  });
});

describe('prove_liveness (crate checks, order and messages)', () => {
  it('the prescribed homelab strategy proves liveness', () => {
    expect(proveLiveness(PRESCRIBED_HOMELAB).ok).toBe(true);
  });

  it('zero reconciliation cadence', () => {
    const r = proveLiveness({ ...PRESCRIBED_HOMELAB, reconciliation: { millis: 0 } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('zero_reconciliation_cadence');
      expect(describeFabricError(r.error)).toBe('reconciliation cadence cannot be zero — would break the always-eventually-resolves guarantee');
    }
    expect(reconciliationCadence(0).ok).toBe(false);
    expect(reconciliationCadence(250)).toEqual({ ok: true, value: { millis: 250 } });
  });

  it('detector equal to the cadence outpaces reconciliation', () => {
    const r = proveLiveness({ ...PRESCRIBED_HOMELAB, reconciliation: { millis: 300 } });
    expect(r.ok ? null : describeFabricError(r.error)).toBe(
      'failure-detector timeout (300ms) >= reconciliation cadence (300ms) — a partition may not heal before the next convergence round, breaking liveness');
  });

  it('quorum 4 is even, quorum 1 and 2 are too small (size checked before parity)', () => {
    const four = proveLiveness(withQuorum(4));
    expect(four.ok ? null : describeFabricError(four.error)).toBe('consensus quorum size must be odd to avoid even-split deadlocks; got 4');
    const one = proveLiveness(withQuorum(1));
    expect(one.ok ? null : describeFabricError(one.error)).toBe('consensus quorum size must be ≥ 3 for split-brain freedom under single-node failure; got 1');
    const two = proveLiveness(withQuorum(2));
    expect(two.ok ? null : two.error).toEqual({ kind: 'quorum_too_small', quorum: 2 });
  });

  it('reports the first failure in crate order', () => {
    const bad = { ...withQuorum(4), reconciliation: { millis: 0 } };
    const r = proveLiveness(bad);
    expect(r.ok ? null : r.error.kind).toBe('zero_reconciliation_cadence');
  });

  it('property: cadence rejects exactly 0; liveness fails for quorum < 3 or even, passes for odd ≥ 3', () => {
    for (let ms = 0; ms < 1_000_000; ms += 997) expect(reconciliationCadence(ms).ok).toBe(ms !== 0);
    for (let q = 1; q <= 20; q++) expect(proveLiveness(withQuorum(q)).ok).toBe(q >= 3 && q % 2 === 1);
  });

  it('accepts a 60 s election timeout and a snapshot every entry (crate test)', () => {
    const s = { ...PRESCRIBED_HOMELAB, consensus: { kind: { ...PRESCRIBED_HOMELAB.consensus.kind, electionTimeoutMs: 60000, snapshotIntervalEntries: 1 } } };
    expect(proveLiveness(s).ok).toBe(true);
  });
});

describe('multi-error validation with positions', () => {
  it('reports every violated rule, crate rules first, each with line and column', () => {
    const text = HOMELAB_YAML.replace('quorum_size: 3', 'quorum_size: 4').replace('millis: 500', 'millis: 200');
    const report = checkFabricStrategyText(text);
    const rules = report.diagnostics.map((d) => [d.rule, d.path, d.line, d.col]);
    expect(rules).toEqual([
      ['detector_outpaces_reconciliation', 'membership.failure_detector_timeout_ms', 11, 32],
      ['even_quorum', 'consensus.kind.quorum_size', 5, 18],
      ['election_within_gossip_rounds', 'consensus.kind.election_timeout_ms', 6, 26],
    ]);
    expect(report.errors).toBe(2);
    expect(report.warnings).toBe(1);
    expect(report.crateVerdict?.ok).toBe(false);
  });

  it('collects type errors, missing fields, bad tags and unknown fields in one pass', () => {
    const text = [
      'name: x',
      'consensus:',
      '  kind:',
      '    algorithm: raft',
      '    quorum_size: "3"',
      '    election_timeout_ms: 1500',
      'membership:',
      '  phi_threshold: high',
      '  gossip_cadence_ms: 100.5',
      '  failure_detector_timeout_ms: -1',
      'content: {sync_cadence_ms: 200, gc_retention_ms: 60000}',
      'attestation: {seal_interval_ms: 1000, require_operator_signature: "no"}',
      'placement: {kind: zone-aware, min_zones: 1, colour: blue}',
      'reconciliation: {millis: 500}',
      '',
    ].join('\n');
    const report = checkFabricStrategyText(text);
    expect(report.strategy).toBeNull();
    const got = report.diagnostics.map((d) => `${d.severity}:${d.rule}:${d.path}@${d.line}:${d.col}`);
    expect(got).toEqual([
      'error:unknown_variant:consensus.kind.algorithm@4:16',
      'error:type:consensus.kind.quorum_size@5:18',
      'error:missing_field:consensus.kind.snapshot_interval_entries@4:5',
      'error:type:membership.phi_threshold@8:18',
      'error:type:membership.gossip_cadence_ms@9:22',
      'error:type:membership.failure_detector_timeout_ms@10:32',
      'error:type:attestation.require_operator_signature@12:67',
      'warning:unknown_field:placement.colour@13:45',
    ]);
    expect(report.diagnostics[0]!.message).toBe('unknown variant `raft`, expected `open-raft`');
    expect(report.diagnostics[1]!.message).toBe('invalid type: string "3", expected u32');
    expect(report.diagnostics[4]!.message).toBe('invalid type: floating point `100.5`, expected u32');
  });

  it('JSON syntax errors and duplicate keys are reported with their position', () => {
    const dup = checkFabricStrategyText('{"name":"a",\n "name":"b"}', {}, 'json');
    expect(dup.diagnostics).toHaveLength(1);
    expect(dup.diagnostics[0]).toMatchObject({ rule: 'parse', line: 2 });
    const yamlDup = checkFabricStrategyText('name: a\nname: b\n');
    expect(yamlDup.diagnostics[0]).toMatchObject({ rule: 'parse', line: 2, col: 1 });
    const json = checkFabricStrategyText('{"name": }', {}, 'json');
    expect(json.diagnostics[0]).toMatchObject({ rule: 'parse', line: 1 });
  });

  it('unknown tags name the expected variants the way serde does', () => {
    const r = checkFabricStrategyText(HOMELAB_YAML.replace('kind: zone-aware', 'kind: region-aware'));
    expect(r.diagnostics.map((d) => d.message)).toEqual(['unknown variant `region-aware`, expected one of `zone-aware`, `rack-aware`, `latency-aware`, `spread`, `none`']);
    expect(checkFabricStrategyText('').diagnostics).toEqual([{ severity: 'error', rule: 'parse', path: '', message: 'the document is empty', line: 1, col: 1 }]);
  });

  it('a non-map document is one clear error', () => {
    const r = checkFabricStrategyText('- a\n- b\n');
    expect(r.diagnostics).toEqual([expect.objectContaining({ rule: 'type', message: 'invalid type: a sequence, expected a map' })]);
  });

  it('the quorum must not exceed the voters the topology strategy can provide', () => {
    const json = encodeFabricStrategyJson(PRESCRIBED_HOMELAB);
    const solo = checkFabricStrategyText(json, { topology: 'solo' });
    expect(solo.diagnostics.filter((d) => d.rule === 'quorum_exceeds_topology').map((d) => d.message)).toEqual([
      'quorum size 3 exceeds the 1 voter the solo topology strategy can provide',
    ]);
    const phalanx4 = checkFabricStrategyText(json, { topology: 'phalanx', nodes: 4 });
    expect(phalanx4.diagnostics.some((d) => d.rule === 'quorum_exceeds_topology' && d.message.includes('with 4 nodes'))).toBe(true);
    expect(checkFabricStrategyText(json, { topology: 'phalanx', nodes: 6 }).diagnostics.some((d) => d.rule === 'quorum_exceeds_topology')).toBe(false);
    expect(checkFabricStrategyText(json, { topology: 'quorum_3m' }).diagnostics.some((d) => d.rule === 'quorum_exceeds_topology')).toBe(false);
    expect(checkFabricStrategyText(json, { topology: 'mesh_all_peers', nodes: 2 }).errors).toBe(1);
  });

  it('flags zero cadences and a non-finite phi as errors', () => {
    const s: FabricStrategy = {
      ...PRESCRIBED_HOMELAB,
      membership: { phiThreshold: NaN, gossipCadenceMs: 0, failureDetectorTimeoutMs: 300 },
      attestation: { sealIntervalMs: 0, requireOperatorSignature: true },
    };
    const yaml = encodeFabricStrategyYaml(s);
    expect(yaml).toContain('phi_threshold: .nan');
    const report = checkFabricStrategyText(yaml);
    expect(report.diagnostics.map((d) => d.rule)).toEqual(['phi_threshold_invalid', 'zero_gossip_cadence', 'zero_seal_interval']);
    expect(report.diagnostics[0]).toMatchObject({ line: 9, col: 18 });
  });

  it('the prescribed homelab timings draw exactly one advisory warning (election within 3 gossip rounds)', () => {
    const report = checkFabricStrategyText(HOMELAB_YAML);
    expect(report.errors).toBe(0);
    expect(report.diagnostics.map((d) => d.rule)).toEqual(['election_within_gossip_rounds']);
    expect(report.diagnostics[0]!.message).toBe(
      'election timeout (150ms) does not exceed 3 gossip rounds (300ms) — a new leader may act on a membership view that has not yet seen the failure');
  });
});

describe('timings from the active strategy', () => {
  it('maps the homelab strategy and lists what a new one changes', () => {
    expect(strategyTimings(PRESCRIBED_HOMELAB)).toEqual({
      gossipIntervalMs: 100, phiThreshold: 8, failureDetectorTimeoutMs: 300, electionTimeoutMinMs: 150, electionTimeoutMaxMs: 300,
      heartbeatIntervalMs: 30, snapshotIntervalEntries: 1000, quorumSize: 3, policyTickMs: 500, sealIntervalMs: 1000,
    });
    const slower = { ...PRESCRIBED_HOMELAB, consensus: { kind: { ...PRESCRIBED_HOMELAB.consensus.kind, electionTimeoutMs: 1000 } } };
    expect(timingChanges(PRESCRIBED_HOMELAB, slower)).toEqual([
      { key: 'electionTimeoutMinMs', from: 150, to: 1000 }, { key: 'electionTimeoutMaxMs', from: 300, to: 2000 }, { key: 'heartbeatIntervalMs', from: 30, to: 200 },
    ]);
    expect(timingChanges(PRESCRIBED_HOMELAB, PRESCRIBED_HOMELAB)).toEqual([]);
  });
});

describe('robustness', () => {
  it('mutated YAML and JSON never throw: each yields a value or at least one error', () => {
    const prng = new Prng(99);
    const alphabet = 'abc:{}[],"\' \n\t-#&*!|>%@`0123456789.\\\u0000\u00e9';
    const sources = [HOMELAB_YAML, vectors.fabric_strategy_json as string];
    let rejected = 0;
    for (let i = 0; i < 600; i++) {
      let text = sources[i % 2]!;
      for (let k = prng.nextRange(1, 4); k > 0; k--) {
        const at = prng.nextInt(text.length + 1);
        const op = prng.nextInt(3);
        const ch = alphabet[prng.nextInt(alphabet.length)]!;
        text = op === 0 ? text.slice(0, at) + text.slice(at + 1) : op === 1 ? text.slice(0, at) + ch + text.slice(at) : text.slice(0, at) + ch + text.slice(at + 1);
      }
      const report = checkFabricStrategyText(text);
      if (report.strategy === null) {
        expect(report.errors).toBeGreaterThan(0);
        rejected++;
      }
      for (const d of report.diagnostics) expect(typeof d.message).toBe('string');
    }
    expect(rejected).toBeGreaterThan(100);
  });
});
