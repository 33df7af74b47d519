import { useAppStore } from '../store/index';
import { MembersPanel } from '../panels/members/MembersPanel';
import { OverviewPanel } from '../panels/overview/OverviewPanel';

const CONNECTION_TEXT = {
  connecting: 'Connecting to the host…',
  connected: 'Connected',
  disconnected: 'Disconnected — retrying',
} as const;

export function App() {
  const connection = useAppStore((s) => s.connection);
  const info = useAppStore((s) => s.info);
  const error = useAppStore((s) => s.error);
  return (
    <div className="app">
      <header className="app-header">
        <h1>Revoada Console</h1>
        <span className={`connection connection-${connection}`} data-testid="connection">
          {CONNECTION_TEXT[connection]}
        </span>
      </header>
      <main>
        <p className="intro">
          A console for revoada meshes: gossip membership, Raft role assignments, the healing policy engine and the
          attestation chain of every committed role change.
        </p>
        {info && (
          <p data-testid="host-info">
            {info.product} {info.version} · served by {info.host === 'electron' ? 'the desktop app' : 'the console server'}
          </p>
        )}
        {error && <p role="alert">{error}</p>}
        <OverviewPanel />
        <MembersPanel />
      </main>
    </div>
  );
}
