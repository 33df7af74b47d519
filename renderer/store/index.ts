// One zustand store built from slices (one per protocol layer as they land). Actions are plain
// module functions so IPC subscriptions can call them outside React.
import { create } from 'zustand';
import type { AppInfoDto, NodeStatusDto } from '../../shared/ipc/contract';
import type { ConnectionState } from '../ipc/client';

export interface AppSlice {
  readonly connection: ConnectionState;
  readonly info: AppInfoDto | null;
  readonly error: string | null;
}

export interface NodeSlice {
  readonly status: NodeStatusDto | null;
  readonly statusReceivedAtMs: number | null;
}

export type AppState = AppSlice & NodeSlice;

const initialState: AppState = {
  connection: 'connecting',
  info: null,
  error: null,
  status: null,
  statusReceivedAtMs: null,
};

export const useAppStore = create<AppState>()(() => initialState);

export function resetAppStore(): void {
  useAppStore.setState(initialState, true);
}

export const setConnection = (connection: ConnectionState): void => useAppStore.setState({ connection });
export const setAppInfo = (info: AppInfoDto): void => useAppStore.setState({ info, error: null });
export const setError = (error: string): void => useAppStore.setState({ error });
export const setStatus = (status: NodeStatusDto | null, nowMs: number): void =>
  useAppStore.setState({ status, statusReceivedAtMs: nowMs });
