// HOST:PORT parsing for --gossip, --raft, --seed and --console. IPv6 hosts are written in brackets.
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export class AddressError extends Error {
  override name = 'AddressError';
}

export function parseHostPort(option: string, text: string): HostPort {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  if (!match) throw new AddressError(`--${option} expects HOST:PORT (IPv6 as [::1]:PORT), got '${text}'`);
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (port > 65535) throw new AddressError(`--${option}: port ${port} is out of range (0-65535)`);
  return { host, port };
}

export function formatHostPort(address: HostPort): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
