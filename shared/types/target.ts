// TargetTopology: the per-role counts the policy engine keeps the mesh at (revoada-reference §6.1).

import type { NodeRole } from './roles';

export interface TargetTopology {
  readonly apiServers: number;
  readonly etcdReplicas: number;
  readonly schedulers: number;
  readonly controllerManagers: number;
  readonly minWorkers: number;
}

/** 1/1/1/1/1 — the crate's `homelab()` preset. */
export const HOMELAB_TARGET: TargetTopology = Object.freeze({
  apiServers: 1, etcdReplicas: 1, schedulers: 1, controllerManagers: 1, minWorkers: 1,
});

/** 3/3/1/1/3 — the crate's `ha_three()` preset. */
export const HA_THREE_TARGET: TargetTopology = Object.freeze({
  apiServers: 3, etcdReplicas: 3, schedulers: 1, controllerManagers: 1, minWorkers: 3,
});

export const TARGET_PRESETS = { homelab: HOMELAB_TARGET, 'ha-three': HA_THREE_TARGET } as const;
export type TargetPresetName = keyof typeof TARGET_PRESETS;

/** `target_for(role)`: Worker → min_workers; Quarantined and Observer → 0. */
export function targetFor(target: TargetTopology, role: NodeRole): number {
  switch (role) {
    case 'api_server': return target.apiServers;
    case 'etcd': return target.etcdReplicas;
    case 'scheduler': return target.schedulers;
    case 'controller_manager': return target.controllerManagers;
    case 'worker': return target.minWorkers;
    case 'quarantined':
    case 'observer':
      return 0;
  }
}
