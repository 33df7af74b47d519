import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeChainBare, parseChainFile } from '../../../shared/attestation/chain-file';
import { assembleReport, computeFacts, firstCrateError, verifyChain, verifyChainReport } from '../../../shared/attestation/verify';
import { pureEd25519 } from '../../../shared/crypto/ed25519';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const dir = new URL('../../fixtures/attestation/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Record<string, { ok: boolean; kind: string | null; index: number | null }>;
const load = (name: string) => readFileSync(new URL(`${name}.json`, dir), 'utf8');

describe('attestation vectors from the independent implementation (test/fixtures/attestation)', () => {
  it('covers every case file in the folder', () => {
    expect(Object.keys(expected).length).toBe(14);
  });
  for (const [name, want] of Object.entries(expected)) {
    describe(name, () => {
      const text = load(name);
      const parsed = parseChainFile(text);
      it('parses and re-encodes byte for byte (bare serde form)', () => {
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        expect(parsed.value.form).toBe('bare');
        expect(encodeChainBare(parsed.value.blocks)).toBe(text.trim());
      });
      const providers = name === 'long_2000' ? [nodeEd25519] : [nodeEd25519, pureEd25519];
      for (const provider of providers) {
        it(`verify_chain gives ${want.ok ? 'ok' : `${want.kind} at ${want.index}`} with ${provider.name}`, () => {
          if (!parsed.ok) throw new Error('unparsed');
          const result = verifyChain(parsed.value.blocks, provider);
          if (want.ok) {
            expect(result.ok).toBe(true);
          } else {
            expect(result.ok).toBe(false);
            if (result.ok) return;
            expect(result.error.kind).toBe(want.kind);
            expect(result.error.index).toBe(want.index);
          }
          // The facts-based first error (what the parallel verifier uses) agrees with verify_chain.
          const facts = computeFacts(parsed.value.blocks, provider);
          expect(firstCrateError(parsed.value.blocks, facts)).toEqual(result.ok ? null : result.error);
          expect(assembleReport(parsed.value.blocks, facts, provider)).toEqual(verifyChainReport(parsed.value.blocks, provider));
          const report = verifyChainReport(parsed.value.blocks, provider);
          expect(report.ok).toBe(want.ok);
          expect(report.blocks).toBe(parsed.value.blocks.length);
          if (!want.ok) {
            expect(report.errors[0]!.kind).toBe(want.kind);
            expect(report.errors[0]!.index).toBe(want.index);
          }
        });
      }
    });
  }
});
