// FabricStrategy and FabricFace value types (revoada-reference §2.7). Parsing, YAML/JSON encoding
// and prove_liveness live in shared/policy/fabric.ts; these are the plain shapes every layer shares.

export interface OpenRaftConsensus {
  readonly algorithm: 'open-raft';
  readonly quorumSize: number;
  readonly electionTimeoutMs: number;
  readonly snapshotIntervalEntries: number;
}

export type PlacementPolicy =
  | { readonly kind: 'zone-aware'; readonly minZones: number }
  | { readonly kind: 'rack-aware'; readonly minRacks: number }
  | { readonly kind: 'latency-aware'; readonly maxP99Ms: number }
  | { readonly kind: 'spread' }
  | { readonly kind: 'none' };

export interface FabricStrategy {
  readonly name: string;
  readonly consensus: { readonly kind: OpenRaftConsensus };
  readonly membership: {
    readonly phiThreshold: number;
    readonly gossipCadenceMs: number;
    readonly failureDetectorTimeoutMs: number;
  };
  readonly content: { readonly syncCadenceMs: number; readonly gcRetentionMs: number };
  readonly attestation: { readonly sealIntervalMs: number; readonly requireOperatorSignature: boolean };
  readonly placement: PlacementPolicy;
  readonly reconciliation: { readonly millis: number };
}

export type FaceKind =
  | { readonly protocol: 'kubernetes'; readonly version: string; readonly certifiedCncf: boolean }
  | { readonly protocol: 'nomad'; readonly version: string }
  | { readonly protocol: 'systemd'; readonly userUnits: boolean }
  | { readonly protocol: 'pure-raft' }
  | { readonly protocol: 'bare-metal-supervisor' };

export interface FabricFace {
  readonly name: string;
  readonly kind: FaceKind;
}

/** `FabricStrategy::prescribed_homelab()`. */
export const PRESCRIBED_HOMELAB: FabricStrategy = Object.freeze({
  name: 'homelab-3node',
  consensus: { kind: { algorithm: 'open-raft', quorumSize: 3, electionTimeoutMs: 150, snapshotIntervalEntries: 1000 } },
  membership: { phiThreshold: 8.0, gossipCadenceMs: 100, failureDetectorTimeoutMs: 300 },
  content: { syncCadenceMs: 200, gcRetentionMs: 60000 },
  attestation: { sealIntervalMs: 1000, requireOperatorSignature: false },
  placement: { kind: 'zone-aware', minZones: 1 },
  reconciliation: { millis: 500 },
} as const);

/** `FabricFace::prescribed_kubernetes_v1_34()`. */
export const PRESCRIBED_KUBERNETES_V1_34: FabricFace = Object.freeze({
  name: 'k8s-v1.34',
  kind: { protocol: 'kubernetes', version: '1.34', certifiedCncf: true },
} as const);
