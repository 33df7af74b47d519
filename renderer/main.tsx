import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { connectToHost } from './ipc/client';
import { startSubscriptions } from './ipc/subscriptions';
import { setConnection } from './store/index';
import './styles.css';

// Subscriptions start before the first render so no event is missed.
startSubscriptions(connectToHost(setConnection));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
