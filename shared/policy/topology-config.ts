// The topology section of the engenho config (revoada-reference §6.7, `config_bridge.rs`):
// `topology: {strategy, min_nodes, grace_period_seconds}` with deny_unknown_fields. The strategy
// names are serde's snake_case of the enum variants — `quorum3_m`, `cluster3_m_n_w`,
// `mesh_all_peers` — which differ from the strategies' own names; both spellings are read, and the
// serde spelling is written.

import type { Result } from '../kit/result';
import { err, ok } from '../kit/result';
import { Decoder, detectFormat, readTree, ROOT_POS, type FabricDiagnostic, type SourceFormat } from './fabric';
import { topologyStrategyByName, type TopologyStrategyName } from './strategies';

export interface TopologyConfig {
  readonly strategy: TopologyStrategyName;
  readonly minNodes: number;
  readonly gracePeriodSeconds: number;
}

/** The prescribed default: Phalanx, 1 node, 10 s grace. */
export const PRESCRIBED_TOPOLOGY_CONFIG: TopologyConfig = Object.freeze({ strategy: 'phalanx', minNodes: 1, gracePeriodSeconds: 10 });
/** The bare default: Solo, 0, 0. */
export const BARE_TOPOLOGY_CONFIG: TopologyConfig = Object.freeze({ strategy: 'solo', minNodes: 0, gracePeriodSeconds: 0 });

const SERDE_NAMES: Record<TopologyStrategyName, string> = {
  solo: 'solo', pair: 'pair', quorum_3m: 'quorum3_m', cluster_3m_nw: 'cluster3_m_n_w', mesh_all_peers: 'mesh_all_peers', phalanx: 'phalanx',
};

export function serdeStrategyName(name: TopologyStrategyName): string {
  return SERDE_NAMES[name];
}

/** Reads `{topology: {...}}` (the RevoadaConfig) or the bare `{strategy, …}` section. */
export function parseTopologyConfig(text: string, format: SourceFormat = detectFormat(text)): Result<TopologyConfig, FabricDiagnostic[]> {
  const tree = readTree(text, format);
  if (!tree.ok) return err([tree.error]);
  const d = new Decoder();
  let node = tree.value;
  let prefix = '';
  if (node.t === 'map' && node.entries.some((e) => e.key === 'topology')) {
    const top = d.struct(node, '', ['topology'], ROOT_POS);
    node = top?.get('topology') ?? node;
    prefix = 'topology.';
  }
  const fields = ['strategy', 'min_nodes', 'grace_period_seconds'];
  const map = d.struct(node, prefix.slice(0, -1), fields, ROOT_POS);
  const strategyNode = d.field(map, 'strategy', prefix.slice(0, -1), node);
  const rawName = d.str(strategyNode, `${prefix}strategy`);
  const strategy = rawName === undefined ? null : topologyStrategyByName(rawName);
  if (rawName !== undefined && strategy === null && strategyNode) {
    d.error('unknown_variant', `${prefix}strategy`, `unknown variant \`${rawName}\`, expected one of ${Object.values(SERDE_NAMES).map((n) => `\`${n}\``).join(', ')}`, strategyNode.pos);
  }
  const minNodes = d.u32(d.field(map, 'min_nodes', prefix.slice(0, -1), node), `${prefix}min_nodes`);
  const grace = d.u32(d.field(map, 'grace_period_seconds', prefix.slice(0, -1), node), `${prefix}grace_period_seconds`);
  // deny_unknown_fields: the crate refuses what serde would otherwise ignore.
  const diagnostics = d.diagnostics.map((x) => (x.rule === 'unknown_field' ? { ...x, severity: 'error' as const, message: x.message.replace(' (ignored)', '') } : x));
  if (diagnostics.some((x) => x.severity === 'error') || strategy === null || minNodes === undefined || grace === undefined) return err(diagnostics);
  return ok({ strategy: strategy.name, minNodes, gracePeriodSeconds: grace });
}

export function encodeTopologyConfigYaml(c: TopologyConfig): string {
  return `topology:\n  strategy: ${serdeStrategyName(c.strategy)}\n  min_nodes: ${c.minNodes}\n  grace_period_seconds: ${c.gracePeriodSeconds}\n`;
}
