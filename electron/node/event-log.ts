// The node's event log: one line per event on stderr, human text by default or one JSON object
// per line with --log-json. Never receives secrets: callers pass ids, addresses and reasons only.
export type LogLevel = 'info' | 'warn' | 'error';

export interface LogEvent {
  readonly level: LogLevel;
  /** Which layer spoke: node, gossip, raft, policy, chain, console. */
  readonly layer: string;
  /** A stable, greppable event name, e.g. "member.dead". */
  readonly event: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface EventLog {
  log(event: LogEvent): void;
}

export function createEventLog(write: (line: string) => void, format: 'text' | 'json', now: () => number = Date.now): EventLog {
  return {
    log(event) {
      const at = new Date(now()).toISOString();
      if (format === 'json') {
        write(`${JSON.stringify({ at, level: event.level, layer: event.layer, event: event.event, message: event.message, ...event.fields })}\n`);
        return;
      }
      const extra = event.fields ? Object.entries(event.fields).map(([k, v]) => ` ${k}=${String(v)}`).join('') : '';
      write(`${at} ${event.level.padEnd(5)} ${event.layer.padEnd(7)} ${event.message}${extra}\n`);
    },
  };
}
