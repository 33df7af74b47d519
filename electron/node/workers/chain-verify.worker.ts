// Verification thread for attestation chains: receives packed batches of blocks
// (shared/attestation/facts-wire.ts), hashes them with BLAKE3 and checks every signature with the
// revoada-strict rule on the native backend (libsodium, else OpenSSL), and sends the packed facts back. Stateless; one batch at a time.
import { parentPort } from 'node:worker_threads';
import { runFactsJob } from '../../../shared/attestation/facts-wire';
import { nodeEd25519 } from '../ed25519-node';

export interface FactsRequest {
  readonly id: number;
  readonly job: Uint8Array;
}

export type FactsResponse = { readonly id: number; readonly result: Uint8Array } | { readonly id: number; readonly error: string };

parentPort?.on('message', (request: FactsRequest) => {
  let response: FactsResponse;
  try {
    response = { id: request.id, result: runFactsJob(request.job, nodeEd25519) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort!.postMessage(response, 'result' in response ? [response.result.buffer as ArrayBuffer] : []);
});
