// FabricStrategy / FabricFace: reading and writing the crate's exact serde forms (YAML and JSON),
// `prove_liveness` with the crate's checks, order and messages (revoada-reference §2.7, §7.1), and a
// validator that goes further: every violated rule at once, each with the YAML/JSON line and column,
// plus checks the crate lacks (timings against gossip rounds, quorum against the topology strategy).

import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { parseJson } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import type { FabricFace, FabricStrategy, FaceKind, PlacementPolicy } from '../types/fabric';
import { strategyVoterCapacity, type TopologyStrategyName } from './strategies';

// ---- prove_liveness (§7.1) ---------------------------------------------------------------------

export type FabricLivenessError =
  | { readonly kind: 'zero_reconciliation_cadence' }
  | { readonly kind: 'detector_outpaces_reconciliation'; readonly fdMs: number; readonly recMs: number }
  | { readonly kind: 'quorum_too_small'; readonly quorum: number }
  | { readonly kind: 'even_quorum'; readonly quorum: number };

/** The crate's Display strings, verbatim. */
export function describeFabricError(e: FabricLivenessError): string {
  switch (e.kind) {
    case 'zero_reconciliation_cadence':
      return 'reconciliation cadence cannot be zero — would break the always-eventually-resolves guarantee';
    case 'detector_outpaces_reconciliation':
      return `failure-detector timeout (${e.fdMs}ms) >= reconciliation cadence (${e.recMs}ms) — a partition may not heal before the next convergence round, breaking liveness`;
    case 'quorum_too_small':
      return `consensus quorum size must be ≥ 3 for split-brain freedom under single-node failure; got ${e.quorum}`;
    case 'even_quorum':
      return `consensus quorum size must be odd to avoid even-split deadlocks; got ${e.quorum}`;
  }
}

/** `ReconciliationCadence::new`: zero is refused. */
export function reconciliationCadence(millis: number): Result<{ readonly millis: number }, FabricLivenessError> {
  return millis === 0 ? err({ kind: 'zero_reconciliation_cadence' }) : ok({ millis });
}

/** Every crate rule the strategy violates, in the crate's check order. */
export function livenessViolations(s: FabricStrategy): FabricLivenessError[] {
  const out: FabricLivenessError[] = [];
  const rec = s.reconciliation.millis;
  const fd = s.membership.failureDetectorTimeoutMs;
  const q = s.consensus.kind.quorumSize;
  // With a zero cadence `fd >= rec` always holds and says nothing more, so it is not repeated.
  if (rec === 0) out.push({ kind: 'zero_reconciliation_cadence' });
  else if (fd >= rec) out.push({ kind: 'detector_outpaces_reconciliation', fdMs: fd, recMs: rec });
  if (q < 3) out.push({ kind: 'quorum_too_small', quorum: q });
  else if (q % 2 === 0) out.push({ kind: 'even_quorum', quorum: q });
  return out;
}

/** `FabricStrategy::prove_liveness`: the first violated rule, exactly as the crate reports it. */
export function proveLiveness(s: FabricStrategy): Result<void, FabricLivenessError> {
  const first = livenessViolations(s)[0];
  return first ? err(first) : ok(undefined);
}

const LIVENESS_PATH: Record<FabricLivenessError['kind'], string> = {
  zero_reconciliation_cadence: 'reconciliation.millis',
  detector_outpaces_reconciliation: 'membership.failure_detector_timeout_ms',
  quorum_too_small: 'consensus.kind.quorum_size',
  even_quorum: 'consensus.kind.quorum_size',
};

// ---- diagnostics ---------------------------------------------------------------------------------

export interface FabricDiagnostic {
  readonly severity: 'error' | 'warning';
  /** Stable rule id: a crate error kind, `parse`, `type`, `missing_field`, `unknown_field`, or one of ours. */
  readonly rule: string;
  /** Dotted path of the offending field ('' = the document). */
  readonly path: string;
  readonly message: string;
  /** 1-based line and column in the source text, when the value came from text. */
  readonly line?: number;
  readonly col?: number;
}

export function formatDiagnostic(d: FabricDiagnostic, source = 'input'): string {
  const where = d.line !== undefined ? `${source}:${d.line}:${d.col ?? 1}` : source;
  const field = d.path ? ` ${d.path}:` : '';
  return `${where}: ${d.severity} [${d.rule}]${field} ${d.message}`;
}

// ---- positioned tree (YAML and JSON share one reader) ------------------------------------------

export interface Pos {
  readonly line: number;
  readonly col: number;
}

export type PNode =
  | { readonly t: 'map'; readonly pos: Pos; readonly entries: ReadonlyArray<{ readonly key: string; readonly keyPos: Pos; readonly value: PNode }> }
  | { readonly t: 'seq'; readonly pos: Pos }
  | { readonly t: 'scalar'; readonly pos: Pos; readonly value: unknown; readonly raw: string; readonly quoted: boolean };

export type SourceFormat = 'yaml' | 'json';

/** Guesses the format: JSON when the first non-blank character is `{`. */
export function detectFormat(text: string, fileName?: string): SourceFormat {
  if (fileName && /\.json$/i.test(fileName)) return 'json';
  if (fileName && /\.ya?ml$/i.test(fileName)) return 'yaml';
  return /^\s*\{/.test(text) ? 'json' : 'yaml';
}

export function readTree(text: string, format: SourceFormat): Result<PNode, FabricDiagnostic> {
  if (format === 'json') {
    // The strict reader first: duplicate keys, trailing commas and the like are JSON errors even
    // where YAML would tolerate them.
    const strict = parseJson(text);
    if (!strict.ok) {
      return err({ severity: 'error', rule: 'parse', path: '', message: strict.error.message, line: strict.error.line, col: strict.error.column });
    }
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true });
  const first = doc.errors[0];
  if (first) {
    const at = lc.linePos(first.pos[0]);
    return err({ severity: 'error', rule: 'parse', path: '', message: first.message.split('\n')[0]!, line: at.line, col: at.col });
  }
  if (doc.contents === null) return err({ severity: 'error', rule: 'parse', path: '', message: 'the document is empty', line: 1, col: 1 });
  const pos = (offset: number | undefined): Pos => lc.linePos(offset ?? 0);
  const convert = (node: unknown): PNode => {
    const n = node as YamlNode | null;
    if (n === null || n === undefined) return { t: 'scalar', pos: pos(0), value: null, raw: '', quoted: false };
    const at = pos(n.range?.[0]);
    if (isMap(n)) {
      const entries = n.items.map((item) => {
        const k = item.key as YamlNode | null;
        const key = isScalar(k) ? String(k.value) : String(k);
        return { key, keyPos: pos(k?.range?.[0]), value: convert(item.value) };
      });
      return { t: 'map', pos: at, entries };
    }
    if (isSeq(n)) return { t: 'seq', pos: at };
    if (isScalar(n)) {
      const raw = n.range ? text.slice(n.range[0], n.range[1]) : String(n.value);
      return { t: 'scalar', pos: at, value: n.value, raw, quoted: n.type !== 'PLAIN' && n.type !== undefined };
    }
    return { t: 'scalar', pos: at, value: undefined, raw: '', quoted: false };
  };
  return ok(convert(doc.contents));
}

/** Collects diagnostics while decoding (shared with the topology config reader). */
export class Decoder {
  readonly diagnostics: FabricDiagnostic[] = [];
  readonly positions = new Map<string, Pos>();

  error(rule: string, path: string, message: string, pos?: Pos): void {
    this.diagnostics.push({ severity: 'error', rule, path, message, ...(pos ? { line: pos.line, col: pos.col } : {}) });
  }

  warn(rule: string, path: string, message: string, pos?: Pos): void {
    this.diagnostics.push({ severity: 'warning', rule, path, message, ...(pos ? { line: pos.line, col: pos.col } : {}) });
  }

  describe(node: PNode): string {
    if (node.t === 'map') return 'a map';
    if (node.t === 'seq') return 'a sequence';
    const v = node.value;
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
    if (typeof v === 'boolean') return `boolean \`${v}\``;
    if (typeof v === 'number') return isIntegerSource(node.raw) ? `integer \`${node.raw}\`` : `floating point \`${node.raw}\``;
    return typeof v;
  }

  /** A struct: checks it is a map, reports unknown fields (serde ignores them: a warning). */
  struct(node: PNode | undefined, path: string, fields: readonly string[], parentPos: Pos, extraKeys: readonly string[] = []): Map<string, PNode> | null {
    if (node === undefined) return null;
    this.positions.set(path, node.pos);
    if (node.t !== 'map') {
      this.error('type', path, `invalid type: ${this.describe(node)}, expected a map`, node.pos ?? parentPos);
      return null;
    }
    const out = new Map<string, PNode>();
    for (const e of node.entries) {
      const child = path ? `${path}.${e.key}` : e.key;
      if (!fields.includes(e.key) && !extraKeys.includes(e.key)) {
        this.warn('unknown_field', child, `unknown field \`${e.key}\` (ignored), expected one of ${fields.map((f) => `\`${f}\``).join(', ')}`, e.keyPos);
        continue;
      }
      out.set(e.key, e.value);
      this.positions.set(child, e.value.pos);
    }
    return out;
  }

  field(map: Map<string, PNode> | null, key: string, path: string, parent: PNode | undefined): PNode | undefined {
    if (!map) return undefined;
    const v = map.get(key);
    if (v === undefined) this.error('missing_field', path ? `${path}.${key}` : key, `missing field \`${key}\``, parent?.pos);
    return v;
  }

  u32(node: PNode | undefined, path: string): number | undefined {
    if (node === undefined) return undefined;
    if (node.t === 'scalar' && typeof node.value === 'number' && !node.quoted && isIntegerSource(node.raw)) {
      const v = node.value;
      if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
      this.error('type', path, `invalid value: integer \`${node.raw}\`, expected u32 (0..=4294967295)`, node.pos);
      return undefined;
    }
    this.error('type', path, `invalid type: ${this.describe(node)}, expected u32`, node.pos);
    return undefined;
  }

  f64(node: PNode | undefined, path: string): number | undefined {
    if (node === undefined) return undefined;
    if (node.t === 'scalar' && typeof node.value === 'number' && !node.quoted) return node.value;
    this.error('type', path, `invalid type: ${this.describe(node)}, expected f64`, node.pos);
    return undefined;
  }

  bool(node: PNode | undefined, path: string): boolean | undefined {
    if (node === undefined) return undefined;
    if (node.t === 'scalar' && typeof node.value === 'boolean' && !node.quoted) return node.value;
    this.error('type', path, `invalid type: ${this.describe(node)}, expected a boolean`, node.pos);
    return undefined;
  }

  str(node: PNode | undefined, path: string): string | undefined {
    if (node === undefined) return undefined;
    if (node.t === 'scalar' && typeof node.value === 'string') return node.value;
    this.error('type', path, `invalid type: ${this.describe(node)}, expected a string`, node.pos);
    return undefined;
  }

  /** An internally tagged enum: returns the tag value if it is one of `variants`. */
  tag(map: Map<string, PNode> | null, tagKey: string, path: string, node: PNode | undefined, variants: readonly string[]): string | undefined {
    if (!map) return undefined;
    const t = map.get(tagKey);
    if (t === undefined) {
      this.error('missing_field', `${path}.${tagKey}`, `missing field \`${tagKey}\``, node?.pos);
      return undefined;
    }
    if (t.t === 'scalar' && typeof t.value === 'string' && variants.includes(t.value)) return t.value;
    const got = t.t === 'scalar' && typeof t.value === 'string' ? `\`${t.value}\`` : this.describe(t);
    const names = variants.map((v) => `\`${v}\``);
    const expected = names.length === 1 ? names[0] : names.length === 2 ? `${names[0]} or ${names[1]}` : `one of ${names.join(', ')}`;
    this.error('unknown_variant', `${path}.${tagKey}`, `unknown variant ${got}, expected ${expected}`, t.pos);
    return undefined;
  }
}

function isIntegerSource(raw: string): boolean {
  return /^[-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|[0-9]+)$/.test(raw.trim());
}

export const ROOT_POS: Pos = { line: 1, col: 1 };

function decodeStrategy(root: PNode, d: Decoder): FabricStrategy | null {
  const top = d.struct(root, '', ['name', 'consensus', 'membership', 'content', 'attestation', 'placement', 'reconciliation'], ROOT_POS);
  const name = d.str(d.field(top, 'name', '', root), 'name');

  const consensusNode = d.field(top, 'consensus', '', root);
  const consensus = d.struct(consensusNode, 'consensus', ['kind'], ROOT_POS);
  const kindNode = d.field(consensus, 'kind', 'consensus', consensusNode);
  const kindFields = ['algorithm', 'quorum_size', 'election_timeout_ms', 'snapshot_interval_entries'];
  const kind = d.struct(kindNode, 'consensus.kind', kindFields, ROOT_POS);
  const algorithm = d.tag(kind, 'algorithm', 'consensus.kind', kindNode, ['open-raft']);
  const quorumSize = d.u32(d.field(kind, 'quorum_size', 'consensus.kind', kindNode), 'consensus.kind.quorum_size');
  const electionTimeoutMs = d.u32(d.field(kind, 'election_timeout_ms', 'consensus.kind', kindNode), 'consensus.kind.election_timeout_ms');
  const snapshotIntervalEntries = d.u32(d.field(kind, 'snapshot_interval_entries', 'consensus.kind', kindNode), 'consensus.kind.snapshot_interval_entries');

  const memNode = d.field(top, 'membership', '', root);
  const mem = d.struct(memNode, 'membership', ['phi_threshold', 'gossip_cadence_ms', 'failure_detector_timeout_ms'], ROOT_POS);
  const phiThreshold = d.f64(d.field(mem, 'phi_threshold', 'membership', memNode), 'membership.phi_threshold');
  const gossipCadenceMs = d.u32(d.field(mem, 'gossip_cadence_ms', 'membership', memNode), 'membership.gossip_cadence_ms');
  const failureDetectorTimeoutMs = d.u32(d.field(mem, 'failure_detector_timeout_ms', 'membership', memNode), 'membership.failure_detector_timeout_ms');

  const contentNode = d.field(top, 'content', '', root);
  const content = d.struct(contentNode, 'content', ['sync_cadence_ms', 'gc_retention_ms'], ROOT_POS);
  const syncCadenceMs = d.u32(d.field(content, 'sync_cadence_ms', 'content', contentNode), 'content.sync_cadence_ms');
  const gcRetentionMs = d.u32(d.field(content, 'gc_retention_ms', 'content', contentNode), 'content.gc_retention_ms');

  const attNode = d.field(top, 'attestation', '', root);
  const att = d.struct(attNode, 'attestation', ['seal_interval_ms', 'require_operator_signature'], ROOT_POS);
  const sealIntervalMs = d.u32(d.field(att, 'seal_interval_ms', 'attestation', attNode), 'attestation.seal_interval_ms');
  const requireOperatorSignature = d.bool(d.field(att, 'require_operator_signature', 'attestation', attNode), 'attestation.require_operator_signature');

  const placement = decodePlacement(d.field(top, 'placement', '', root), d);

  const recNode = d.field(top, 'reconciliation', '', root);
  const rec = d.struct(recNode, 'reconciliation', ['millis'], ROOT_POS);
  const millis = d.u32(d.field(rec, 'millis', 'reconciliation', recNode), 'reconciliation.millis');

  if (
    name === undefined || algorithm === undefined || quorumSize === undefined || electionTimeoutMs === undefined ||
    snapshotIntervalEntries === undefined || phiThreshold === undefined || gossipCadenceMs === undefined ||
    failureDetectorTimeoutMs === undefined || syncCadenceMs === undefined || gcRetentionMs === undefined ||
    sealIntervalMs === undefined || requireOperatorSignature === undefined || placement === undefined || millis === undefined
  ) {
    return null;
  }
  return {
    name,
    consensus: { kind: { algorithm: 'open-raft', quorumSize, electionTimeoutMs, snapshotIntervalEntries } },
    membership: { phiThreshold, gossipCadenceMs, failureDetectorTimeoutMs },
    content: { syncCadenceMs, gcRetentionMs },
    attestation: { sealIntervalMs, requireOperatorSignature },
    placement,
    reconciliation: { millis },
  };
}

const PLACEMENT_FIELDS: Record<PlacementPolicy['kind'], string | null> = {
  'zone-aware': 'min_zones',
  'rack-aware': 'min_racks',
  'latency-aware': 'max_p99_ms',
  spread: null,
  none: null,
};

function decodePlacement(node: PNode | undefined, d: Decoder): PlacementPolicy | undefined {
  if (node === undefined) return undefined;
  const kinds = Object.keys(PLACEMENT_FIELDS) as PlacementPolicy['kind'][];
  const all = ['kind', 'min_zones', 'min_racks', 'max_p99_ms'];
  const map = d.struct(node, 'placement', all, ROOT_POS);
  const kind = d.tag(map, 'kind', 'placement', node, kinds) as PlacementPolicy['kind'] | undefined;
  if (kind === undefined || !map) return undefined;
  const fieldName = PLACEMENT_FIELDS[kind];
  for (const key of map.keys()) {
    if (key !== 'kind' && key !== fieldName) {
      d.warn('unknown_field', `placement.${key}`, `field \`${key}\` does not belong to placement kind \`${kind}\` (ignored)`, map.get(key)!.pos);
    }
  }
  if (fieldName === null) return { kind } as PlacementPolicy;
  const v = d.u32(d.field(map, fieldName, 'placement', node), `placement.${fieldName}`);
  if (v === undefined) return undefined;
  switch (kind) {
    case 'zone-aware': return { kind, minZones: v };
    case 'rack-aware': return { kind, minRacks: v };
    default: return { kind: 'latency-aware', maxP99Ms: v };
  }
}

function decodeFace(root: PNode, d: Decoder): FabricFace | null {
  const top = d.struct(root, '', ['name', 'kind'], ROOT_POS);
  const name = d.str(d.field(top, 'name', '', root), 'name');
  const kindNode = d.field(top, 'kind', '', root);
  const kindMap = d.struct(kindNode, 'kind', ['protocol', 'version', 'certified_cncf', 'user_units'], ROOT_POS);
  const protocol = d.tag(kindMap, 'protocol', 'kind', kindNode, ['kubernetes', 'nomad', 'systemd', 'pure-raft', 'bare-metal-supervisor']);
  let kind: FaceKind | undefined;
  if (protocol !== undefined && kindMap) {
    const allowed: Record<string, string[]> = {
      kubernetes: ['version', 'certified_cncf'], nomad: ['version'], systemd: ['user_units'], 'pure-raft': [], 'bare-metal-supervisor': [],
    };
    for (const key of kindMap.keys()) {
      if (key !== 'protocol' && !allowed[protocol]!.includes(key)) {
        d.warn('unknown_field', `kind.${key}`, `field \`${key}\` does not belong to protocol \`${protocol}\` (ignored)`, kindMap.get(key)!.pos);
      }
    }
    if (protocol === 'kubernetes') {
      const version = d.str(d.field(kindMap, 'version', 'kind', kindNode), 'kind.version');
      const certifiedCncf = d.bool(d.field(kindMap, 'certified_cncf', 'kind', kindNode), 'kind.certified_cncf');
      if (version !== undefined && certifiedCncf !== undefined) kind = { protocol, version, certifiedCncf };
    } else if (protocol === 'nomad') {
      const version = d.str(d.field(kindMap, 'version', 'kind', kindNode), 'kind.version');
      if (version !== undefined) kind = { protocol, version };
    } else if (protocol === 'systemd') {
      const userUnits = d.bool(d.field(kindMap, 'user_units', 'kind', kindNode), 'kind.user_units');
      if (userUnits !== undefined) kind = { protocol, userUnits };
    } else {
      kind = { protocol: protocol as 'pure-raft' | 'bare-metal-supervisor' };
    }
  }
  return name !== undefined && kind !== undefined ? { name, kind } : null;
}

// ---- public readers --------------------------------------------------------------------------------

export interface Parsed<T> {
  /** The value, or null when any error prevented building it. */
  readonly value: T | null;
  /** Parse/type errors and warnings (unknown fields), in document order. */
  readonly diagnostics: readonly FabricDiagnostic[];
  /** Dotted field path → 1-based position of its value (for attaching later diagnostics). */
  readonly positions: ReadonlyMap<string, Pos>;
}

export function parseFabricStrategy(text: string, format: SourceFormat = detectFormat(text)): Parsed<FabricStrategy> {
  const tree = readTree(text, format);
  if (!tree.ok) return { value: null, diagnostics: [tree.error], positions: new Map() };
  const d = new Decoder();
  const value = decodeStrategy(tree.value, d);
  return { value, diagnostics: d.diagnostics, positions: d.positions };
}

export function parseFabricFace(text: string, format: SourceFormat = detectFormat(text)): Parsed<FabricFace> {
  const tree = readTree(text, format);
  if (!tree.ok) return { value: null, diagnostics: [tree.error], positions: new Map() };
  const d = new Decoder();
  const value = decodeFace(tree.value, d);
  return { value, diagnostics: d.diagnostics, positions: d.positions };
}

// ---- checks beyond the crate -----------------------------------------------------------------------

/** What the strategy is checked against, when known. */
export interface FabricCheckContext {
  /** The topology strategy that decides how many voters (masters) the mesh has. */
  readonly topology?: TopologyStrategyName;
  /** How many Raft-capable nodes the mesh has (needed for mesh_all_peers and phalanx). */
  readonly nodes?: number;
}

/** An election timeout shorter than this many gossip rounds is flagged. */
export const MIN_GOSSIP_ROUNDS_PER_ELECTION = 3;
/** A failure-detector timeout shorter than this many gossip rounds cannot collect heartbeats. */
export const MIN_GOSSIP_ROUNDS_PER_DETECTION = 2;

interface RawCheck {
  readonly severity: 'error' | 'warning';
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}

/** The checks the crate lacks. Errors make the strategy unusable; warnings are advice. */
export function extraChecks(s: FabricStrategy, ctx: FabricCheckContext = {}): RawCheck[] {
  const out: RawCheck[] = [];
  const m = s.membership;
  const k = s.consensus.kind;
  if (s.name.trim() === '') out.push({ severity: 'error', rule: 'empty_name', path: 'name', message: 'the strategy needs a name (it is shown in the console and the event log)' });
  if (!Number.isFinite(m.phiThreshold) || m.phiThreshold <= 0) {
    out.push({ severity: 'error', rule: 'phi_threshold_invalid', path: 'membership.phi_threshold', message: `phi threshold must be a finite number above 0; got ${formatF64(m.phiThreshold)}` });
  }
  if (m.gossipCadenceMs === 0) out.push({ severity: 'error', rule: 'zero_gossip_cadence', path: 'membership.gossip_cadence_ms', message: 'gossip cadence cannot be zero — gossip would never run (or spin)' });
  if (k.electionTimeoutMs === 0) out.push({ severity: 'error', rule: 'zero_election_timeout', path: 'consensus.kind.election_timeout_ms', message: 'election timeout cannot be zero — followers would campaign on every tick' });
  if (k.snapshotIntervalEntries === 0) out.push({ severity: 'error', rule: 'zero_snapshot_interval', path: 'consensus.kind.snapshot_interval_entries', message: 'snapshot interval cannot be zero entries — a snapshot would be due after every entry' });
  if (s.content.syncCadenceMs === 0) out.push({ severity: 'error', rule: 'zero_sync_cadence', path: 'content.sync_cadence_ms', message: 'content sync cadence cannot be zero' });
  if (s.attestation.sealIntervalMs === 0) out.push({ severity: 'error', rule: 'zero_seal_interval', path: 'attestation.seal_interval_ms', message: 'attestation seal interval cannot be zero' });
  if (m.gossipCadenceMs > 0 && k.electionTimeoutMs > 0) {
    const rounds = MIN_GOSSIP_ROUNDS_PER_ELECTION * m.gossipCadenceMs;
    if (k.electionTimeoutMs <= rounds) {
      out.push({
        severity: 'warning', rule: 'election_within_gossip_rounds', path: 'consensus.kind.election_timeout_ms',
        message: `election timeout (${k.electionTimeoutMs}ms) does not exceed ${MIN_GOSSIP_ROUNDS_PER_ELECTION} gossip rounds (${rounds}ms) — a new leader may act on a membership view that has not yet seen the failure`,
      });
    }
  }
  if (m.gossipCadenceMs > 0 && m.failureDetectorTimeoutMs < MIN_GOSSIP_ROUNDS_PER_DETECTION * m.gossipCadenceMs) {
    out.push({
      severity: 'warning', rule: 'detector_within_gossip_rounds', path: 'membership.failure_detector_timeout_ms',
      message: `failure-detector timeout (${m.failureDetectorTimeoutMs}ms) is shorter than ${MIN_GOSSIP_ROUNDS_PER_DETECTION} gossip rounds (${MIN_GOSSIP_ROUNDS_PER_DETECTION * m.gossipCadenceMs}ms) — healthy nodes will be suspected between heartbeats`,
    });
  }
  if (s.placement.kind === 'zone-aware' && s.placement.minZones === 0) {
    out.push({ severity: 'warning', rule: 'zero_min_zones', path: 'placement.min_zones', message: 'min_zones 0 places no constraint; use `kind: none` to say so' });
  }
  if (s.placement.kind === 'rack-aware' && s.placement.minRacks === 0) {
    out.push({ severity: 'warning', rule: 'zero_min_racks', path: 'placement.min_racks', message: 'min_racks 0 places no constraint; use `kind: none` to say so' });
  }
  if (ctx.topology !== undefined) {
    const capacity = strategyVoterCapacity(ctx.topology, ctx.nodes);
    if (capacity !== null && k.quorumSize > capacity) {
      const where = ctx.nodes !== undefined ? ` with ${ctx.nodes} node${ctx.nodes === 1 ? '' : 's'}` : '';
      out.push({
        severity: 'error', rule: 'quorum_exceeds_topology', path: 'consensus.kind.quorum_size',
        message: `quorum size ${k.quorumSize} exceeds the ${capacity} voter${capacity === 1 ? '' : 's'} the ${ctx.topology} topology strategy can provide${where}`,
      });
    }
  }
  return out;
}

export interface FabricCheckReport {
  readonly strategy: FabricStrategy | null;
  /** Every finding: parse/type errors, then the crate's liveness rules (crate order), then ours. */
  readonly diagnostics: readonly FabricDiagnostic[];
  readonly errors: number;
  readonly warnings: number;
  /** The crate's own verdict (`prove_liveness`), null when the text did not parse. */
  readonly crateVerdict: Result<void, FabricLivenessError> | null;
}

/** Checks a strategy value (no positions) — what the node applies before adopting it. */
export function checkFabricStrategy(s: FabricStrategy, ctx: FabricCheckContext = {}, positions: ReadonlyMap<string, Pos> = new Map()): FabricDiagnostic[] {
  const at = (path: string): { line?: number; col?: number } => {
    const p = positions.get(path);
    return p ? { line: p.line, col: p.col } : {};
  };
  const out: FabricDiagnostic[] = [];
  for (const v of livenessViolations(s)) {
    const path = LIVENESS_PATH[v.kind];
    out.push({ severity: 'error', rule: v.kind, path, message: describeFabricError(v), ...at(path) });
  }
  for (const c of extraChecks(s, ctx)) out.push({ ...c, ...at(c.path) });
  return out;
}

/** Parses and checks a strategy document, reporting every violated rule with its position. */
export function checkFabricStrategyText(text: string, ctx: FabricCheckContext = {}, format: SourceFormat = detectFormat(text)): FabricCheckReport {
  const parsed = parseFabricStrategy(text, format);
  const diagnostics = [...parsed.diagnostics];
  let crateVerdict: Result<void, FabricLivenessError> | null = null;
  if (parsed.value) {
    diagnostics.push(...checkFabricStrategy(parsed.value, ctx, parsed.positions));
    crateVerdict = proveLiveness(parsed.value);
  }
  return {
    strategy: parsed.value,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    crateVerdict,
  };
}

// ---- writers (exact serde forms) -------------------------------------------------------------------

/**
 * An f64 the way serde_json / serde_yaml write it (Rust `ryu`): always with a `.0` or an exponent
 * (`8.0`, `0.5`, `1e16`, `1e-7`). Non-finite values: serde_json writes `null`, YAML `.nan`/`.inf`.
 */
export function formatF64(x: number, flavour: 'json' | 'yaml' = 'json'): string {
  if (!Number.isFinite(x)) {
    if (flavour === 'json') return 'null';
    return Number.isNaN(x) ? '.nan' : x > 0 ? '.inf' : '-.inf';
  }
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const e = Number(expText); // value = 0.digits × 10^(e+1)
  const kk = e + 1; // position of the decimal point relative to the digit string
  const n = digits.length;
  if (n <= kk && kk <= 16) return `${sign}${digits}${'0'.repeat(kk - n)}.0`;
  if (kk > 0 && kk <= 16) return `${sign}${digits.slice(0, kk)}.${digits.slice(kk)}`;
  if (kk > -5 && kk <= 0) return `${sign}0.${'0'.repeat(-kk)}${digits}`;
  const m = n === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${m}e${kk - 1}`;
}

function jsonString(s: string): string {
  return JSON.stringify(s);
}

export function encodePlacementJson(p: PlacementPolicy): string {
  switch (p.kind) {
    case 'zone-aware': return `{"kind":"zone-aware","min_zones":${p.minZones}}`;
    case 'rack-aware': return `{"kind":"rack-aware","min_racks":${p.minRacks}}`;
    case 'latency-aware': return `{"kind":"latency-aware","max_p99_ms":${p.maxP99Ms}}`;
    case 'spread': return '{"kind":"spread"}';
    case 'none': return '{"kind":"none"}';
  }
}

/** serde_json bytes of a FabricStrategy (fields in declaration order, floats as ryu). */
export function encodeFabricStrategyJson(s: FabricStrategy): string {
  const k = s.consensus.kind;
  const m = s.membership;
  return `{"name":${jsonString(s.name)},"consensus":{"kind":{"algorithm":"open-raft","quorum_size":${k.quorumSize},"election_timeout_ms":${k.electionTimeoutMs},"snapshot_interval_entries":${k.snapshotIntervalEntries}}},` +
    `"membership":{"phi_threshold":${formatF64(m.phiThreshold)},"gossip_cadence_ms":${m.gossipCadenceMs},"failure_detector_timeout_ms":${m.failureDetectorTimeoutMs}},` +
    `"content":{"sync_cadence_ms":${s.content.syncCadenceMs},"gc_retention_ms":${s.content.gcRetentionMs}},` +
    `"attestation":{"seal_interval_ms":${s.attestation.sealIntervalMs},"require_operator_signature":${s.attestation.requireOperatorSignature}},` +
    `"placement":${encodePlacementJson(s.placement)},"reconciliation":{"millis":${s.reconciliation.millis}}}`;
}

export function encodeFaceKindJson(k: FaceKind): string {
  switch (k.protocol) {
    case 'kubernetes': return `{"protocol":"kubernetes","version":${jsonString(k.version)},"certified_cncf":${k.certifiedCncf}}`;
    case 'nomad': return `{"protocol":"nomad","version":${jsonString(k.version)}}`;
    case 'systemd': return `{"protocol":"systemd","user_units":${k.userUnits}}`;
    case 'pure-raft': return '{"protocol":"pure-raft"}';
    case 'bare-metal-supervisor': return '{"protocol":"bare-metal-supervisor"}';
  }
}

export function encodeFabricFaceJson(f: FabricFace): string {
  return `{"name":${jsonString(f.name)},"kind":${encodeFaceKindJson(f.kind)}}`;
}

const YAML_PLAIN_RESERVED = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const YAML_NUMBERISH = /^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?$|^0x[0-9a-fA-F_]+$|^0o[0-7_]+$|^0b[01_]+$/;

/** A YAML scalar string as serde_yaml 0.9 writes it: plain when unambiguous, else quoted. */
export function yamlString(s: string): string {
  if (/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(s)) return JSON.stringify(s);
  const ambiguous = s === '' || YAML_PLAIN_RESERVED.test(s) || YAML_NUMBERISH.test(s) ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) || /\s$/.test(s) || /: |:$| #/.test(s);
  return ambiguous ? `'${s.replace(/'/g, "''")}'` : s;
}

function placementYaml(p: PlacementPolicy): string[] {
  switch (p.kind) {
    case 'zone-aware': return ['  kind: zone-aware', `  min_zones: ${p.minZones}`];
    case 'rack-aware': return ['  kind: rack-aware', `  min_racks: ${p.minRacks}`];
    case 'latency-aware': return ['  kind: latency-aware', `  max_p99_ms: ${p.maxP99Ms}`];
    case 'spread': return ['  kind: spread'];
    case 'none': return ['  kind: none'];
  }
}

/** serde_yaml 0.9 style document (block style, two-space indent, trailing newline). */
export function encodeFabricStrategyYaml(s: FabricStrategy): string {
  const k = s.consensus.kind;
  const m = s.membership;
  return [
    `name: ${yamlString(s.name)}`,
    'consensus:', '  kind:', '    algorithm: open-raft', `    quorum_size: ${k.quorumSize}`,
    `    election_timeout_ms: ${k.electionTimeoutMs}`, `    snapshot_interval_entries: ${k.snapshotIntervalEntries}`,
    'membership:', `  phi_threshold: ${formatF64(m.phiThreshold, 'yaml')}`, `  gossip_cadence_ms: ${m.gossipCadenceMs}`,
    `  failure_detector_timeout_ms: ${m.failureDetectorTimeoutMs}`,
    'content:', `  sync_cadence_ms: ${s.content.syncCadenceMs}`, `  gc_retention_ms: ${s.content.gcRetentionMs}`,
    'attestation:', `  seal_interval_ms: ${s.attestation.sealIntervalMs}`, `  require_operator_signature: ${s.attestation.requireOperatorSignature}`,
    'placement:', ...placementYaml(s.placement),
    'reconciliation:', `  millis: ${s.reconciliation.millis}`,
    '',
  ].join('\n');
}

export function encodeFabricFaceYaml(f: FabricFace): string {
  const k = f.kind;
  const kindLines = ((): string[] => {
    switch (k.protocol) {
      case 'kubernetes': return ['  protocol: kubernetes', `  version: ${yamlString(k.version)}`, `  certified_cncf: ${k.certifiedCncf}`];
      case 'nomad': return ['  protocol: nomad', `  version: ${yamlString(k.version)}`];
      case 'systemd': return ['  protocol: systemd', `  user_units: ${k.userUnits}`];
      case 'pure-raft': return ['  protocol: pure-raft'];
      case 'bare-metal-supervisor': return ['  protocol: bare-metal-supervisor'];
    }
  })();
  return [`name: ${yamlString(f.name)}`, 'kind:', ...kindLines, ''].join('\n');
}

// ---- the timings a running node takes from its active strategy --------------------------------

/** What the node's layers read from the active strategy; a new strategy applies without restart. */
export interface StrategyTimings {
  readonly gossipIntervalMs: number;
  readonly phiThreshold: number;
  readonly failureDetectorTimeoutMs: number;
  /** Followers wait a random time in [min, max) before campaigning (max = 2 × min, as etcd does). */
  readonly electionTimeoutMinMs: number;
  readonly electionTimeoutMaxMs: number;
  /** A fifth of the election timeout (etcd's guidance: election 5–10 × heartbeat), at least 1 ms. */
  readonly heartbeatIntervalMs: number;
  readonly snapshotIntervalEntries: number;
  readonly quorumSize: number;
  /** How often the policy engine ticks on the leader. */
  readonly policyTickMs: number;
  readonly sealIntervalMs: number;
}

export function strategyTimings(s: FabricStrategy): StrategyTimings {
  const election = s.consensus.kind.electionTimeoutMs;
  return {
    gossipIntervalMs: s.membership.gossipCadenceMs,
    phiThreshold: s.membership.phiThreshold,
    failureDetectorTimeoutMs: s.membership.failureDetectorTimeoutMs,
    electionTimeoutMinMs: election,
    electionTimeoutMaxMs: 2 * election,
    heartbeatIntervalMs: Math.max(1, Math.floor(election / 5)),
    snapshotIntervalEntries: s.consensus.kind.snapshotIntervalEntries,
    quorumSize: s.consensus.kind.quorumSize,
    policyTickMs: s.reconciliation.millis,
    sealIntervalMs: s.attestation.sealIntervalMs,
  };
}

/** The timings that differ between two strategies (for the event log when one is applied). */
export function timingChanges(before: FabricStrategy, after: FabricStrategy): Array<{ readonly key: keyof StrategyTimings; readonly from: number; readonly to: number }> {
  const a = strategyTimings(before);
  const b = strategyTimings(after);
  return (Object.keys(a) as Array<keyof StrategyTimings>).filter((k) => !Object.is(a[k], b[k])).map((key) => ({ key, from: a[key], to: b[key] }));
}
