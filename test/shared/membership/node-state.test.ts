import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pureEd25519 } from '../../../shared/crypto/ed25519';
import { fromHex, toHex, utf8Encode } from '../../../shared/kit/bytes';
import { parseJson } from '../../../shared/kit/json';
import { canonicalQuantity, decodeNodeState, encodeNodeState, signNodeState, verifySignedNodeState } from '../../../shared/membership/node-state';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/reference/revoada-vectors.json', import.meta.url), 'utf8')) as {
  node_state: { canonical_utf8: string; signature_hex: string; signed_envelope_json: string };
  node_state_with_raft_addr: { canonical_utf8: string; signature_hex: string };
};
const seed9 = new Uint8Array(32).fill(9);
const signer = pureEd25519.signerFromSeed(seed9);
const id9 = toHex(signer.publicKey);

describe('NodeState canonical JSON and signatures (reference A.6)', () => {
  for (const name of ['node_state', 'node_state_with_raft_addr'] as const) {
    it(`${name}: decode → re-encode is byte-exact and signs to the vector`, () => {
      const v = vectors[name];
      const parsed = parseJson(v.canonical_utf8);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const state = decodeNodeState(parsed.value, '$');
      expect(state.ok).toBe(true);
      if (!state.ok) return;
      expect(encodeNodeState(state.value)).toBe(v.canonical_utf8);
      expect(toHex(signer.sign(utf8Encode(v.canonical_utf8)))).toBe(v.signature_hex);
      const envelope = signNodeState(state.value, signer);
      expect(envelope).toBe(`{"state":${v.canonical_utf8},"signature":[${Array.from(fromHex(v.signature_hex)!).join(',')}]}`);
      const back = verifySignedNodeState(envelope, id9, pureEd25519);
      expect(back).toEqual({ ok: true, value: state.value });
    });
  }

  it('the reference signed envelope verifies', () => {
    expect(verifySignedNodeState(vectors.node_state.signed_envelope_json, id9, pureEd25519).ok).toBe(true);
  });

  it('unknown fields are ignored, raft_addr null is absent, roles are sorted', () => {
    const text = vectors.node_state.canonical_utf8.replace('"roles":["worker"]', '"roles":["worker","api_server"],"raft_addr":null,"extra":1');
    const parsed = parseJson(text);
    const state = parsed.ok ? decodeNodeState(parsed.value, '$') : null;
    expect(state?.ok).toBe(true);
    if (state?.ok) {
      expect(state.value.roles).toEqual(['api_server', 'worker']);
      expect(state.value.raftAddr).toBeNull();
    }
  });

  it.each([
    ['tampered field', (e: string) => e.replace('"uptime_sec":0', '"uptime_sec":9'), 'bad-signature'],
    ['short signature', (e: string) => e.replace(/"signature":\[.*\]/, '"signature":[1,2,3,4,5,6,7,8,9,10]'), 'signature-length'],
    ['no signature', (e: string) => e.replace(/,"signature":\[.*\]/, ''), 'bad-shape'],
    ['not JSON', () => '{"state":', 'unparsable'],
    ['unknown role', (e: string) => e.replace('"worker"', '"wizard"'), 'bad-shape'],
  ])('%s → %s', (_name, mutate, reason) => {
    const r = verifySignedNodeState(mutate(vectors.node_state.signed_envelope_json), id9, pureEd25519);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe(reason);
  });

  it('quantities are re-rendered before verifying, as the Rust verifier does', () => {
    // The envelope says "4.0" but the signature covers canonical "4": accepted, like Rust.
    const relabelled = vectors.node_state.signed_envelope_json.replace('"cpu":"4"', '"cpu":"4.0"');
    expect(verifySignedNodeState(relabelled, id9, pureEd25519).ok).toBe(true);
    // A sloppy signer that signs the non-canonical bytes is rejected (the gotcha of §5.4).
    const sloppy = vectors.node_state.canonical_utf8.replace('"cpu":"4"', '"cpu":"4.0"');
    const env = `{"state":${sloppy},"signature":[${Array.from(signer.sign(utf8Encode(sloppy))).join(',')}]}`;
    const r = verifySignedNodeState(env, id9, pureEd25519);
    expect(!r.ok && r.error.reason).toBe('bad-signature');
  });

  it('a valid state published under another node id is a key mismatch', () => {
    const r = verifySignedNodeState(vectors.node_state.signed_envelope_json, 'ab'.repeat(32), pureEd25519);
    expect(!r.ok && r.error.reason).toBe('key-mismatch');
  });

  it('a state naming a victim but signed by an attacker fails', () => {
    const attacker = pureEd25519.signerFromSeed(new Uint8Array(32).fill(0xee));
    const canonical = vectors.node_state.canonical_utf8;
    const forged = `{"state":${canonical},"signature":[${Array.from(attacker.sign(utf8Encode(canonical))).join(',')}]}`;
    const r = verifySignedNodeState(forged, id9, pureEd25519);
    expect(!r.ok && r.error.reason).toBe('bad-signature');
  });

  it.each([['4', '4'], ['1.0', '1'], ['+4', '4'], ['04', '4'], ['2.50', '2.5'], ['100m', '100m'], ['8Gi', '8Gi'], ['-0', '0'], ['0.125Ki', '0.125Ki'], ['1e3', '1e3'], ['abc', 'abc']])(
    'quantity %s → %s', (input, want) => expect(canonicalQuantity(input)).toBe(want));
});
