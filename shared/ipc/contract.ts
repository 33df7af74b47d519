// THE contract between the console (renderer) and whoever hosts the node: Electron main over IPC,
// or the console server over WebSocket. One contract, two transports (VS Code's "contract ⟂
// carrier"). Queries return data, commands return a CommandResult, events are pushed.
//
// Every inbound argument is validated with the zod schema below on the host side before use;
// DTOs are plain readonly JSON values (structured-clone and JSON safe: hex strings, no bigint).

import { z } from 'zod';

export { CALL_CHANNEL, CHANNEL_PREFIX, EVENT_CHANNEL } from './channels';

export type Health = 'healthy' | 'suspect' | 'dead';
export type RaftRoleState = 'leader' | 'follower' | 'candidate' | 'learner' | 'none';

export interface MemberDto {
  readonly nodeId: string;
  readonly gossipAddr: string;
  readonly health: Health;
  readonly phi: number | null;
  readonly lastHeardMs: number | null;
  readonly roles: readonly string[];
}

export interface NodeStatusDto {
  readonly nodeId: string;
  readonly clusterId: string;
  readonly raft: {
    readonly state: RaftRoleState;
    readonly term: number;
    readonly leaderId: string | null;
    readonly commitIndex: number;
    readonly appliedIndex: number;
    readonly voters: readonly string[];
    readonly learners: readonly string[];
  };
  readonly members: readonly MemberDto[];
  readonly shape: Readonly<Record<string, readonly string[]>>;
  readonly target: Readonly<Record<string, number>>;
  readonly strategy: string;
  readonly chain: { readonly length: number; readonly headHash: string | null };
}

export interface AppInfoDto {
  readonly product: string;
  readonly version: string;
  /** Which carrier the console is talking through. */
  readonly host: 'electron' | 'console-server';
  /** Null until a node runs in this host. */
  readonly nodeRunning: boolean;
}

export interface CommandResult {
  readonly ok: boolean;
  readonly message: string;
}

/** Request schemas: one per query/command. The key set is the contract. */
export const requestSchemas = {
  getAppInfo: z.null(),
  getStatus: z.null(),
  /** The attestation chain as a chain file: our envelope, or the bare engenho-revoada array. */
  exportChain: z.object({ form: z.enum(['envelope', 'rust']) }).strict(),
  /** The policy inputs as the leader would see them (shared/policy/snapshot.ts JSON form). */
  getPolicySnapshot: z.null(),
  /** The running FabricStrategy in the crate's JSON form. */
  getStrategy: z.null(),
  /** Replicated through Raft; resolves once committed (or says why not). */
  setTarget: z.object({
    apiServers: z.number().int().min(0).max(1000),
    etcdReplicas: z.number().int().min(0).max(1000),
    schedulers: z.number().int().min(0).max(1000),
    controllerManagers: z.number().int().min(0).max(1000),
    minWorkers: z.number().int().min(0).max(1000),
  }).strict(),
  /** A FabricStrategy document (YAML or JSON, at most 1 MiB); validated on the node before it is proposed. */
  applyStrategy: z.object({ text: z.string().max(1 << 20) }).strict(),
  /** One RoleAssignment in the crate's JSON form (at most 64 KiB). */
  propose: z.object({ text: z.string().max(1 << 16) }).strict(),
} as const;

export interface Responses {
  getAppInfo: AppInfoDto;
  getStatus: NodeStatusDto | null;
  exportChain: { readonly text: string; readonly blocks: number } | null;
  getPolicySnapshot: { readonly text: string } | null;
  getStrategy: { readonly json: string } | null;
  setTarget: CommandResult;
  applyStrategy: CommandResult;
  propose: CommandResult;
}

export type Method = keyof typeof requestSchemas;
export type Request<M extends Method> = z.infer<(typeof requestSchemas)[M]>;

export interface Events {
  onDidChangeStatus: NodeStatusDto | null;
}
export type EventName = keyof Events;

export const METHODS = Object.keys(requestSchemas) as Method[];

/** Validates a method name coming from an untrusted peer. */
export function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requestSchemas, name);
}

export type ValidationResult<M extends Method> =
  | { readonly ok: true; readonly value: Request<M> }
  | { readonly ok: false; readonly message: string };

/** Validates an untrusted argument for a method; the message says what and where. */
export function validateRequest<M extends Method>(method: M, arg: unknown): ValidationResult<M> {
  const parsed = requestSchemas[method].safeParse(arg);
  if (parsed.success) return { ok: true, value: parsed.data as Request<M> };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, message: `invalid argument for ${method}${where}: ${issue?.message ?? 'rejected'}` };
}

/** What the renderer sees, whichever carrier is underneath. */
export interface ConsoleApi {
  call<M extends Method>(method: M, arg: Request<M>): Promise<Responses[M]>;
  subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** The host side: implements every method. */
export type ConsoleHandlers = { [M in Method]: (arg: Request<M>) => Promise<Responses[M]> | Responses[M] };

/** WebSocket frames of the console server (the Electron carrier uses invoke + EVENT_CHANNEL). */
export type ClientFrame = { readonly id: number; readonly method: string; readonly arg: unknown };
export type ServerFrame =
  | { readonly kind: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly kind: 'result'; readonly id: number | null; readonly ok: false; readonly error: string }
  | { readonly kind: 'event'; readonly event: EventName; readonly payload: unknown };
