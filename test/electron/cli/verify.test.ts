// `revoada verify` in-process: exit codes, human and --json output, options, bad input.
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync, ftruncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/cli/main';
import type { CliIo } from '../../../electron/cli/io';
import { parseChainFile, encodeChainEnvelope } from '../../../shared/attestation/chain-file';

const fixtures = fileURLToPath(new URL('../../fixtures/attestation/', import.meta.url));
const expected = JSON.parse(readFileSync(path.join(fixtures, 'expected.json'), 'utf8')) as Record<string, { ok: boolean; kind: string | null; index: number | null }>;
const tmp = mkdtempSync(path.join(tmpdir(), 'revoada-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), env: {}, cwd: fixtures };
  const code = await runCli(['verify', ...args], io);
  return { code, out, err };
}

function json(out: string) {
  expect(out.endsWith('\n')).toBe(true);
  expect(out.trim().split('\n').length).toBe(1);
  const value = JSON.parse(out);
  expect(Object.keys(value)).toEqual(['ok', 'blocks', 'head', 'errors']);
  for (const e of value.errors) expect(Object.keys(e)).toEqual(['kind', 'index', 'message']);
  return value as { ok: boolean; blocks: number; head: string | null; errors: { kind: string; index: number | null; message: string }[] };
}

const blocksOf = (name: string) => {
  const parsed = parseChainFile(readFileSync(path.join(fixtures, `${name}.json`), 'utf8'));
  if (!parsed.ok) throw new Error('fixture');
  return parsed.value.blocks;
};

describe('revoada verify', () => {
  for (const [name, want] of Object.entries(expected)) {
    it(`${name}.json → exit ${want.ok ? 0 : 1}${want.ok ? '' : `, errors[0] = ${want.kind}@${want.index}`}`, async () => {
      const r = await run(`${name}.json`, '--json', ...(name === 'long_2000' ? ['--threads', '0'] : []));
      expect(r.code).toBe(want.ok ? 0 : 1);
      const report = json(r.out);
      expect(report.ok).toBe(want.ok);
      expect(report.blocks).toBe(blocksOf(name).length);
      if (want.ok) expect(report.errors).toEqual([]);
      else {
        expect(report.errors[0]!.kind).toBe(want.kind);
        expect(report.errors[0]!.index).toBe(want.index);
        expect(report.errors[0]!.message.startsWith(want.kind === 'invalid_genesis' ? 'genesis block must have' : `block at index ${want.index}:`)).toBe(true);
      }
      expect(report.head === null).toBe(name === 'empty');
    });
  }

  it('human output: VALID with the head to pass to --since-head next time', async () => {
    const r = await run('valid_40.json');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/40 blocks \(engenho-revoada array form\), head 39:[0-9a-f]{64}/);
    expect(r.out).toMatch(/^VALID$/m);
    const head = /head (39:[0-9a-f]{64})/.exec(r.out)![1]!;
    expect((await run('valid_40.json', '--since-head', head)).code).toBe(0);
    const rewritten = head.replace(/:(.)/, (_, c: string) => `:${c === 'a' ? 'b' : 'a'}`);
    const forked = await run('valid_40.json', '--since-head', rewritten, '--json');
    expect(forked.code).toBe(1);
    expect(json(forked.out).errors.map((e) => `${e.kind}@${e.index}`)).toEqual(['rollback@39']);
    const gone = await run('valid_40.json', '--since-head', head.replace(/^39/, '45'), '--json');
    expect(json(gone.out).errors[0]).toMatchObject({ kind: 'rollback', index: null });
  });

  it('human output of an invalid chain names block, cause, field, expected and actual', async () => {
    const r = await run('tampered_time_6.json');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/INVALID: 2 problems; first \(as engenho-revoada reports it\): invalid_leader_signature at 6/);
    expect(r.out).toMatch(/block 6 \(raft \d+\/\d+, leader [0-9a-f]{12}\): invalid_leader_signature/);
    expect(r.out).toMatch(/cause: +block 6 was modified after it was signed/);
    expect(r.out).toMatch(/expected: +[0-9a-f]{64}\n +actual: +[0-9a-f]{64}/);
    expect(r.out).not.toMatch(/warning/);
    const reordered = await run('reordered_2.json');
    expect(reordered.out).toMatch(/warning: block 3: raft_log_index 6 does not increase \(block 2 has 8\)/);
    expect(json((await run('reordered_2.json', '--json')).out)).not.toHaveProperty('warnings');
  });

  it('--min-witnesses and --trust', async () => {
    expect((await run('valid_witnessed.json', '--min-witnesses', '2')).code).toBe(0);
    const three = await run('valid_witnessed.json', '--min-witnesses', '3', '--json');
    expect(three.code).toBe(1);
    expect(json(three.out).errors.every((e) => e.kind === 'insufficient_witnesses')).toBe(true);

    const blocks = blocksOf('valid_witnessed');
    const keys = [...new Set(blocks.flatMap((b) => [b.leader, ...b.witnessSignatures.map((w) => w.witness)]))];
    const all = path.join(tmp, 'trust-all.txt');
    writeFileSync(all, `# every signer\n${keys.join('\n')}\n`);
    expect((await run('valid_witnessed.json', '--trust', all)).code).toBe(0);
    const some = path.join(tmp, 'trust-some.json');
    writeFileSync(some, JSON.stringify(keys.filter((k) => k !== blocks[0]!.leader)));
    const r = await run('valid_witnessed.json', '--trust', some, '--json');
    expect(r.code).toBe(1);
    expect(json(r.out).errors[0]!.kind).toBe('untrusted_leader');
    const envelope = path.join(tmp, 'trust-envelope.json');
    writeFileSync(envelope, encodeChainEnvelope([], { nodeKeys: keys as never }));
    expect((await run('valid_witnessed.json', '--trust', envelope)).code).toBe(0);
    const bad = path.join(tmp, 'trust-bad.txt');
    writeFileSync(bad, `${keys[0]}\nnope\n`);
    const badRun = await run('valid_witnessed.json', '--trust', bad);
    expect(badRun.code).toBe(2);
    expect(badRun.err).toMatch(/trust-bad\.txt:2:1: expected a node key/);
  });

  it('reads our envelope form too', async () => {
    const file = path.join(tmp, 'envelope.json');
    writeFileSync(file, encodeChainEnvelope(blocksOf('valid_40'), { clusterId: 'lab', exportedAtMs: 1_700_000_000_000 }));
    const r = await run(file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/revoada envelope, cluster lab/);
  });

  it('--out writes the verified chain durably in either form; never an invalid chain', async () => {
    const bare = path.join(tmp, 'out-bare.json');
    const r = await run('valid_witnessed.json', '--out', bare);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*out-bare\.json \(engenho-revoada array form\)/);
    expect(readFileSync(bare, 'utf8')).toBe(readFileSync(path.join(fixtures, 'valid_witnessed.json'), 'utf8').trim());
    const envelope = path.join(tmp, 'out-envelope.json');
    expect((await run('valid_witnessed.json', '--out', envelope, '--form', 'envelope')).code).toBe(0);
    const back = parseChainFile(readFileSync(envelope, 'utf8'));
    expect(back.ok && back.value.form).toBe('envelope');
    expect(back.ok && back.value.blocks).toEqual(blocksOf('valid_witnessed'));
    // And back to the bare form from the envelope.
    const again = path.join(tmp, 'out-again.json');
    expect((await run(envelope, '--out', again, '--form', 'bare', '--json')).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(bare, 'utf8'));

    const refused = path.join(tmp, 'out-invalid.json');
    const invalid = await run('tampered_time_6.json', '--out', refused);
    expect(invalid.code).toBe(1);
    expect(invalid.err).toMatch(/not writing .*: the chain is invalid/);
    expect(() => readFileSync(refused)).toThrow();
    const nowhere = await run('valid_40.json', '--out', path.join(tmp, 'no-dir', 'x.json'));
    expect(nowhere.code).toBe(2);
    expect(nowhere.err).toMatch(/could not be written: no such file/);
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await run('valid_40.json', '--form', 'bare')).code).toBe(2);
    expect((await run('valid_40.json', '--out', bare, '--form', 'yaml')).code).toBe(2);
  });

  it('unreadable and malformed input: one clear line with the location, exit 2, JSON too', async () => {
    const missing = await run('no-such-file.json');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^revoada verify: cannot open chain file .*no-such-file\.json: no such file\n$/);
    const missingJson = await run('no-such-file.json', '--json');
    expect(json(missingJson.out).errors[0]).toMatchObject({ kind: 'unreadable', index: null });

    expect((await run(tmp)).err).toMatch(/is not a regular file/);

    const broken = path.join(tmp, 'broken.json');
    writeFileSync(broken, '[\n  {"prev_hash": [0, 0,, 0]}\n]');
    const b = await run(broken);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/broken\.json:2:23: expected a JSON value/);
    expect(b.err).not.toMatch(/at .*\.ts:\d+/); // no stack trace

    const text = readFileSync(path.join(fixtures, 'valid_40.json'), 'utf8');
    const truncated = path.join(tmp, 'truncated.json');
    writeFileSync(truncated, text.slice(0, 5000));
    const t = await run(truncated, '--json');
    expect(t.code).toBe(2);
    expect(json(t.out).errors[0]!.kind).toBe('malformed');
    expect(t.err).toMatch(/truncated\.json:1:5001: /);

    const huge = path.join(tmp, 'huge.json');
    writeFileSync(huge, text.replace('"raft_term":1', '"raft_term":123456789012345678901234567890'));
    expect((await run(huge)).err).toMatch(/huge\.json:1:\d+: block 0: integer 123456789012345678901234567890 is outside the u64 range.*\(at \$\[0\]\.raft_term\)/);

    const typed = path.join(tmp, 'typed.json');
    writeFileSync(typed, text.replace('"assignment":{"kind":"', '"assignment":{"kind":"x'));
    expect((await run(typed)).err).toMatch(/typed\.json:1:\d+: block 0: unknown kind/);
  });

  it('a 1 GiB file of garbage is refused from its first bytes, without reading it all', async () => {
    const garbage = path.join(tmp, 'garbage.bin');
    const fd = openSync(garbage, 'w');
    writeSync(fd, Buffer.from('[{"prev_hash":[0,0]\u0001garbage'));
    ftruncateSync(fd, 1024 ** 3); // sparse: no disk used
    closeSync(fd);
    const r = await run(garbage, '--json');
    expect(r.code).toBe(2);
    expect(json(r.out).errors[0]!.kind).toBe('malformed');
    expect(r.err).toMatch(/is 1\.0 GiB; at most 256\.0 MiB is read, and it is not valid JSON anyway: .*garbage\.bin:1:20: expected .,. or .}. in object but found control character U\+0001/);
  });

  it('usage errors exit 2 with the usage line', async () => {
    for (const args of [[], ['a.json', 'b.json'], ['valid_40.json', '--min-witnesses', 'two'], ['valid_40.json', '--since-head', '12'], ['valid_40.json', '--bogus'], ['valid_40.json', '--threads', '-1']]) {
      const r = await run(...args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^revoada verify: .+\nusage: revoada verify FILE/);
      expect(r.out).toBe('');
    }
    let out = '';
    const code = await runCli(['help', 'verify'], { stdout: (t) => void (out += t), stderr: () => undefined, env: {}, cwd: fixtures });
    expect(code).toBe(0);
    expect(out).toMatch(/Exit: 0 valid, 1 invalid, 2 unreadable/);
  });
});
