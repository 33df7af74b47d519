// Host-side dispatch shared by both carriers: validates the method name and argument from an
// untrusted peer, then calls the handler. Never throws for bad input.

import { isMethod, validateRequest, type ConsoleHandlers, type Method } from './contract';

export type DispatchOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export async function dispatch(handlers: ConsoleHandlers, method: unknown, arg: unknown): Promise<DispatchOutcome> {
  if (!isMethod(method)) {
    return { ok: false, error: `unknown method ${JSON.stringify(method)}` };
  }
  const checked = validateRequest(method, arg);
  if (!checked.ok) return { ok: false, error: checked.message };
  try {
    const handler = handlers[method] as (a: unknown) => unknown;
    return { ok: true, value: await handler(checked.value) };
  } catch (error) {
    return { ok: false, error: `${method as Method} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}
