import { useAppStore } from '../../store/index';

export function OverviewPanel() {
  const status = useAppStore((s) => s.status);
  const info = useAppStore((s) => s.info);
  if (!status) {
    return (
      <section className="panel" aria-label="Node">
        <h2>Node</h2>
        <p data-testid="node-state">
          {info?.nodeRunning ? 'Waiting for the first status from the node…' : 'No node is running in this host yet.'}
        </p>
      </section>
    );
  }
  return (
    <section className="panel" aria-label="Node">
      <h2>Node</h2>
      <dl>
        <dt>Node id</dt>
        <dd data-testid="node-id">{status.nodeId}</dd>
        <dt>Cluster</dt>
        <dd>{status.clusterId}</dd>
        <dt>Raft</dt>
        <dd>
          {status.raft.state}, term {status.raft.term}, commit {status.raft.commitIndex}
        </dd>
        <dt>Members</dt>
        <dd>{status.members.length}</dd>
        <dt>Chain</dt>
        <dd>
          {status.chain.length} blocks{status.chain.headHash ? `, head ${status.chain.headHash.slice(0, 12)}` : ''}
        </dd>
      </dl>
    </section>
  );
}
