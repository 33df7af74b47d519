import { describe, expect, it } from 'vitest';
import {
  BARE_TOPOLOGY_CONFIG, encodeTopologyConfigYaml, parseTopologyConfig, PRESCRIBED_TOPOLOGY_CONFIG, serdeStrategyName,
} from '../../../shared/policy/topology-config';
import { TOPOLOGY_STRATEGY_NAMES } from '../../../shared/policy/strategies';

describe('topology config (config bridge)', () => {
  it('serde spellings of the strategy kinds, and both spellings read back', () => {
    expect(TOPOLOGY_STRATEGY_NAMES.map(serdeStrategyName)).toEqual(['solo', 'pair', 'quorum3_m', 'cluster3_m_n_w', 'mesh_all_peers', 'phalanx']);
    for (const name of TOPOLOGY_STRATEGY_NAMES) {
      const c = { strategy: name, minNodes: 3, gracePeriodSeconds: 5 };
      expect(parseTopologyConfig(encodeTopologyConfigYaml(c))).toEqual({ ok: true, value: c });
      expect(parseTopologyConfig(`strategy: ${name}\nmin_nodes: 3\ngrace_period_seconds: 5\n`)).toEqual({ ok: true, value: c });
    }
    expect(PRESCRIBED_TOPOLOGY_CONFIG).toEqual({ strategy: 'phalanx', minNodes: 1, gracePeriodSeconds: 10 });
    expect(BARE_TOPOLOGY_CONFIG).toEqual({ strategy: 'solo', minNodes: 0, gracePeriodSeconds: 0 });
  });

  it('deny_unknown_fields, unknown strategies and bad counts are errors with positions', () => {
    const r = parseTopologyConfig('topology:\n  strategy: ring\n  min_nodes: -1\n  grace_period_seconds: 10\n  colour: blue\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.map((d) => `${d.rule}@${d.line}:${d.col}`)).toEqual(['unknown_field@5:3', 'unknown_variant@2:13', 'type@3:14']);
    expect(r.error[1]!.message).toBe('unknown variant `ring`, expected one of `solo`, `pair`, `quorum3_m`, `cluster3_m_n_w`, `mesh_all_peers`, `phalanx`');
  });
});
