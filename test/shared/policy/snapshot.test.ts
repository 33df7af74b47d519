import { describe, expect, it } from 'vitest';
import { decodeTarget, encodeSnapshot, encodeTargetJson, parseSnapshot } from '../../../shared/policy/snapshot';
import { MeshShape } from '../../../shared/types/mesh-shape';
import { HA_THREE_TARGET } from '../../../shared/types/target';
import { member, nid } from './helpers';

describe('policy snapshot (offline plan input)', () => {
  it('round-trips members, shape, target and topology', () => {
    const snap = {
      view: { members: [member(1, { capacity: { cpuCores: 4, memoryGiB: 16 } }), member(2, { health: 'dead' as const, raft: 'none' as const, caughtUp: false })] },
      shape: MeshShape.fromRecord({ [nid(1)]: ['api_server', 'etcd'] }),
      target: HA_THREE_TARGET,
      topology: 'phalanx' as const,
    };
    const text = encodeSnapshot(snap);
    const back = parseSnapshot(text);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.value.view).toEqual(snap.view);
    expect(back.value.shape.equals(snap.shape)).toBe(true);
    expect(back.value.target).toEqual(HA_THREE_TARGET);
    expect(back.value.topology).toBe('phalanx');
    expect(encodeSnapshot(back.value)).toBe(text);
  });

  it('says what and where for bad input', () => {
    const cases: Array<[string, string]> = [
      ['{"members":{}}', 'f: members: expected an array'],
      [`{"members":[{"id":"${nid(1)}","health":"ok"}]}`, 'f: members[0].health: expected healthy, suspect or dead'],
      [`{"members":[{"id":"${nid(1)}"},{"id":"${nid(1)}"}]}`, 'f: members[1].id: duplicate member id'],
      [`{"shape":{"${nid(1)}":["king"]}}`, `f: shape.${nid(1)}[0]: unknown role; expected one of api_server, etcd, scheduler, controller_manager, worker, quarantined, observer`],
      ['{"target":{"api_server":1}}', 'f: target.api_server: unknown field; expected api_servers, etcd_replicas, schedulers, controller_managers, min_workers'],
      ['{"target":{"etcd_replicas":-1}}', 'f: target.etcd_replicas: expected a whole number 0..1000, got -1'],
      ['{"topology":"ring"}', 'f: topology: unknown topology strategy; expected one of solo, pair, quorum_3m, cluster_3m_nw, mesh_all_peers, phalanx'],
    ];
    for (const [text, message] of cases) {
      const r = parseSnapshot(text, 'f');
      expect(r.ok ? 'ok' : r.error).toBe(message);
    }
    const truncated = parseSnapshot('{"members":[', 'f');
    expect(truncated.ok ? 'ok' : truncated.error).toMatch(/^f:1:13: /);
  });

  it('target JSON: partial objects take homelab values', () => {
    expect(encodeTargetJson(HA_THREE_TARGET)).toBe('{"api_servers":3,"etcd_replicas":3,"schedulers":1,"controller_managers":1,"min_workers":3}');
    const t = decodeTarget({ etcd_replicas: 3 });
    expect(t.ok && t.value).toEqual({ apiServers: 1, etcdReplicas: 3, schedulers: 1, controllerManagers: 1, minWorkers: 1 });
  });
});
