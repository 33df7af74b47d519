// Quorum arithmetic, pure (etcd-raft quorum/majority.go in spirit).

import type { PeerId } from './types';

/** Majority size of a voter set (an empty set has no quorum). */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index acknowledged by a majority of voters: sort the voters' match indexes
 * descending and take the one at position majority−1. Voters without an entry count as 0.
 */
export function committedIndex(voters: readonly PeerId[], match: (peer: PeerId) => number): number {
  if (voters.length === 0) return 0;
  const indexes = voters.map(match).sort((a, b) => b - a);
  return indexes[majority(voters.length) - 1]!;
}

export type VoteResult = 'won' | 'lost' | 'pending';

export function voteResult(voters: readonly PeerId[], votes: ReadonlyMap<PeerId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const v of voters) {
    const vote = votes.get(v);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const need = majority(voters.length);
  if (granted >= need) return 'won';
  if (voters.length - rejected < need) return 'lost';
  return 'pending';
}
