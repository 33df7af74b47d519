// `revoada gossip-node` refuses bad arguments with exit 2 and one clear line, never a throw.
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/cli/main';
import type { CliIo } from '../../../electron/cli/io';
import { splitHostPort } from '../../../electron/node/gossip/udp-gossip';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), env: {}, cwd: '/' };
}

describe('gossip-node arguments', () => {
  it.each([
    [['--seed', 'nope'], /--seed: 'nope' is not host:port/],
    [['--seed', '127.0.0.1:0'], /port 0 outside 1\.\.65535/],
    [['--listen', 'localhost'], /--listen/],
    [['--identity', 'zz'], /--identity expects 64 hex/],
    [['--roles', 'worker,wizard'], /unknown role 'wizard'/],
    [['--drop-rate', '2'], /--drop-rate expects a number in 0\.\.1/],
    [['--report-ms', '-1'], /report-ms/],
    [['--bogus'], /bogus/],
    [['--peer-selection', 'random'], /--peer-selection expects adaptive or chitchat/],
    [['--suspect-trigger', 'phi'], /--suspect-trigger expects accrual or chitchat/],
  ])('%j → exit 2', async (args, message) => {
    const x = io();
    expect(await runCli(['gossip-node', ...args], x)).toBe(2);
    expect(x.err.join('')).toMatch(message);
  });

  it('a host name for --listen is refused at start with exit 1', async () => {
    const x = io();
    expect(await runCli(['gossip-node', '--listen', 'example.invalid:0', '--exit-after-ms', '10'], x)).toBe(1);
    expect(x.err.join('')).toMatch(/must be an IP literal/);
  });

  it('splits host:port forms', () => {
    expect(splitHostPort('[::1]:7800')).toEqual({ host: '::1', port: 7800 });
    expect(splitHostPort('seed.lan:7800')).toEqual({ host: 'seed.lan', port: 7800 });
    expect('message' in splitHostPort('seed.lan')).toBe(true);
  });
});
