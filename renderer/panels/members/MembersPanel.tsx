import { useAppStore } from '../../store/index';

/** Members seen on gossip, their health and the roles Raft says they hold. */
export function MembersPanel() {
  const status = useAppStore((s) => s.status);
  if (!status) return null;
  const leader = status.raft.leaderId;
  const voters = new Set(status.raft.voters);
  const learners = new Set(status.raft.learners);
  return (
    <section className="panel" aria-label="Members">
      <h2>Members</h2>
      <table data-testid="members">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Gossip</th>
            <th scope="col">Health</th>
            <th scope="col">φ</th>
            <th scope="col">Raft</th>
            <th scope="col">Roles</th>
          </tr>
        </thead>
        <tbody>
          {status.members.map((m) => (
            <tr key={m.nodeId} data-node-id={m.nodeId}>
              <td title={m.nodeId}>
                <code>{m.nodeId.slice(0, 12)}</code>
                {m.nodeId === status.nodeId ? ' (this node)' : ''}
              </td>
              <td>{m.gossipAddr}</td>
              <td>
                <span className={`health health-${m.health}`}>{m.health}</span>
              </td>
              <td>{m.phi === null ? '—' : m.phi.toFixed(2)}</td>
              <td>{m.nodeId === leader ? 'leader' : voters.has(m.nodeId) ? 'voter' : learners.has(m.nodeId) ? 'learner' : 'gossip only'}</td>
              <td>{(status.shape[m.nodeId] ?? []).join(', ') || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
