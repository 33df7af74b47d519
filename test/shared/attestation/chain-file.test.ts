import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AttestationChain } from '../../../shared/attestation/chain';
import {
  describeChainFileError,
  encodeChainBare,
  encodeChainEnvelope,
  encodeChainFile,
  offsetOfPath,
  parseChainFile,
  parseChainFileBytes,
  type ChainFileError,
} from '../../../shared/attestation/chain-file';
import { parseTrustList } from '../../../shared/attestation/trust';
import { utf8Encode } from '../../../shared/kit/bytes';
import { nodeIdFromBytes } from '../../../shared/types/node-id';
import { promote } from '../../../shared/types/roles';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/attestation/${name}.json`, import.meta.url), 'utf8');
const signer = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(0x33));

function failure(text: string): ChainFileError {
  const parsed = parseChainFile(text);
  expect(parsed.ok).toBe(false);
  if (parsed.ok) throw new Error('parsed');
  return parsed.error;
}

function smallChain(n: number) {
  const chain = new AttestationChain();
  for (let i = 0; i < n; i++) chain.append(signer, promote(nodeIdFromBytes(new Uint8Array(32).fill(i)), ['worker'], 'scaling_up'), 1000 + i, 1, i + 1);
  return chain.blocks();
}

describe('chain files', () => {
  it('reads and writes the bare Rust form byte for byte', () => {
    const text = fixture('valid_witnessed');
    const parsed = parseChainFile(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.form).toBe('bare');
    expect(encodeChainFile(parsed.value)).toBe(text.trim());
  });

  it('reads and writes the envelope form with its metadata, u64-exact', () => {
    const blocks = smallChain(3);
    const keys = [nodeIdFromBytes(signer.publicKey)];
    const text = encodeChainEnvelope(blocks, { clusterId: 'homelab "east"', exportedAtMs: 18446744073709551615n, nodeKeys: keys });
    const parsed = parseChainFile(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toEqual({ form: 'envelope', blocks, clusterId: 'homelab "east"', exportedAtMs: 18446744073709551615n, nodeKeys: keys });
    expect(encodeChainFile(parsed.value)).toBe(text);
    // Minimal envelope: blocks only.
    const bare = parseChainFile(`{"blocks":${encodeChainBare(blocks)}}`);
    expect(bare.ok && bare.value.blocks.length).toBe(3);
    expect(parseChainFile(encodeChainEnvelope([])).ok).toBe(true);
  });

  it('keeps u64 fields exact above 2^53 and rejects values above u64::MAX with the location', () => {
    const blocks = smallChain(1);
    const big = encodeChainBare(blocks).replace('"committed_at_ms":1000', '"committed_at_ms":9007199254740993');
    const parsed = parseChainFile(big);
    expect(parsed.ok && parsed.value.blocks[0]!.committedAtMs).toBe(9007199254740993n);
    const over = encodeChainBare(blocks).replace('"raft_term":1', '"raft_term":18446744073709551616');
    const error = failure(over);
    expect(error.path).toBe('$[0].raft_term');
    expect(error.message).toMatch(/outside the u64 range/);
    expect(error.line).toBe(1);
    expect(error.column).toBe(over.indexOf('18446744073709551616') + 1);
  });

  it('reports syntax errors, truncation and wrong types with line and column', () => {
    const text = encodeChainEnvelope(smallChain(3));
    const truncated = failure(text.slice(0, text.length - 40));
    expect(truncated.line).toBeGreaterThan(1);
    expect(truncated.message).toMatch(/end of input|expected/);

    const lines = text.split('\n');
    lines[2] = lines[2]!.replace('"leader":[', '"leader":"oops",[');
    const syntax = failure(lines.join('\n'));
    expect(syntax.line).toBe(3);

    const wrongType = encodeChainEnvelope(smallChain(3)).replace(/"raft_log_index":2/, '"raft_log_index":"2"');
    const typed = failure(wrongType);
    expect(typed.path).toBe('$.blocks[1].raft_log_index');
    expect(typed.line).toBe(3);
    expect(typed.message).toMatch(/block 1: expected an unsigned integer/);
    expect(describeChainFileError(typed, 'x.json')).toMatch(/^x\.json:3:\d+: block 1: .* \(at \$\.blocks\[1\]\.raft_log_index\)$/);

    const byte = failure(encodeChainBare(smallChain(2)).replace('"leader":[', '"leader":[256,'));
    expect(byte.path).toMatch(/^\$\[0\]\.leader/);

    expect(failure('').message).toMatch(/empty/);
    expect(failure('{"a":1}').message).toMatch(/expected a JSON array of attestation blocks/);
    expect(failure('"hello"').message).toMatch(/got a string/);
    expect(failure('{"format":"other","blocks":[]}').path).toBe('$.format');
    expect(failure('{"version":2,"blocks":[]}').path).toBe('$.version');
    expect(failure('{"node_keys":["zz"],"blocks":[]}').path).toBe('$.node_keys[0]');
    expect(failure('[{"prev_hash":[0,0]}]').path).toBe('$[0].prev_hash');
    expect(failure('[1]').message).toMatch(/block 0: expected a block object/);
    expect(failure('[[],').message).toMatch(/end of input|expected/);
    expect(failure('[' + '['.repeat(200)).message).toMatch(/nesting/);
  });

  it('refuses numbers serde would refuse for u8/u64 (fractions, exponents, signs), with their location', () => {
    const text = encodeChainBare(smallChain(2));
    for (const [from, to] of [['"raft_term":1', '"raft_term":1.0'], ['"raft_term":1', '"raft_term":1e0'], ['"committed_at_ms":1001', '"committed_at_ms":-1001'], ['"leader":[', '"leader":[-0,']]) {
      const changed = text.replace(from!, to!);
      const error = failure(changed);
      expect(error.message).toMatch(/is not an unsigned integer/);
      expect(error.column).toBe(changed.indexOf(to!) + to!.indexOf(':') + 2 + (to!.startsWith('"leader"') ? 1 : 0));
    }
    // Strings may hold anything.
    expect(parseChainFile(encodeChainEnvelope(smallChain(1), { clusterId: 'lab-1.5e-3 -x' })).ok).toBe(true);
  });

  it('locates missing fields at their enclosing block', () => {
    const text = `[\n  ${encodeChainBare(smallChain(1)).slice(1, -1).replace(/,"raft_term":1/, '')}\n]`;
    const error = failure(text);
    expect(error.path).toBe('$[0].raft_term');
    expect(error.line).toBe(2);
    expect(error.column).toBe(3);
  });

  it('offsetOfPath walks nested arrays and objects, strings with brackets included', () => {
    const text = '{"a":"[{]}","b":[1,[2,3],{"c":[4,5]}]}';
    expect(text.slice(offsetOfPath(text, '$.b[2].c[1]'))).toMatch(/^5/);
    expect(text.slice(offsetOfPath(text, '$.b[1][1]'))).toMatch(/^3/);
    expect(text.slice(offsetOfPath(text, '$.missing'))).toBe(text);
  });

  it('bytes: skips a BOM, reports invalid UTF-8 with line, column and byte offset', () => {
    const good = utf8Encode(encodeChainBare(smallChain(1)));
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...good]);
    expect(parseChainFileBytes(withBom).ok).toBe(true);
    const bad = new Uint8Array([...utf8Encode('[\n  '), 0xff, ...utf8Encode(']')]);
    const parsed = parseChainFileBytes(bad);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error).toMatchObject({ line: 2, column: 3 });
    expect(parsed.error.message).toMatch(/invalid UTF-8.*0xff.*offset 4/);
  });
});

describe('trust lists', () => {
  const a = nodeIdFromBytes(new Uint8Array(32).fill(1));
  const b = nodeIdFromBytes(new Uint8Array(32).fill(2));
  it('reads text lines with comments and labels, JSON arrays of hex or byte arrays, and envelopes', () => {
    const text = `# cluster keys\n${a}  node-a\n\n${b.toUpperCase()} # node-b\n`;
    const fromText = parseTrustList(text);
    expect(fromText.ok && [...fromText.value]).toEqual([a, b]);
    const fromJson = parseTrustList(JSON.stringify([a, Array.from(new Uint8Array(32).fill(2))]));
    expect(fromJson.ok && [...fromJson.value]).toEqual([a, b]);
    const fromEnvelope = parseTrustList(encodeChainEnvelope([], { nodeKeys: [b] }));
    expect(fromEnvelope.ok && [...fromEnvelope.value]).toEqual([b]);
  });
  it('refuses bad keys with their location, and empty lists', () => {
    const bad = parseTrustList(`${a}\n  not-a-key\n`);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatchObject({ line: 2, column: 3 });
    const badJson = parseTrustList(`[\n"${a}",\n"abc"]`);
    expect(!badJson.ok && badJson.error.line).toBe(3);
    expect(parseTrustList('# nothing\n').ok).toBe(false);
    expect(parseTrustList('{"keys":[]}').ok).toBe(false);
  });
});
