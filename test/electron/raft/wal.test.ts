// WAL: round trip, crash at every byte of the tail, mid-file corruption, snapshots + compaction.

import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal, WalCorruptionError } from '../../../electron/raft/wal';
import type { Entry, HardState } from '../../../shared/consensus/types';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'revoada-wal-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const entry = (index: number, term: number, text = `e${index}`): Entry => ({ index, term, data: new TextEncoder().encode(text) });

/** Length (header included) of the record that ends at `end`, found by walking the records from 0. */
function recordLength(image: Uint8Array, end: number): number {
  let pos = 0;
  for (;;) {
    const next = pos + 8 + new DataView(image.buffer, image.byteOffset).getUint32(pos, true);
    if (next >= end) return end - pos;
    pos = next;
  }
}

/** Bytes before the trailing fill. */
function dataLength(image: Uint8Array): number {
  let n = image.length;
  while (n > 0 && image[n - 1] === 0xff) n--;
  return n;
}

/** Writes a known history: 3 readies, each with entries then a hard state; returns them. */
function writeHistory(dir: string): { entries: Entry[]; states: HardState[] } {
  const wal = Wal.open(dir);
  const all: Entry[] = [];
  const states: HardState[] = [];
  for (let r = 0; r < 3; r++) {
    const es = [entry(r * 2 + 1, 1), entry(r * 2 + 2, 1, `payload-${r}`)];
    const hs = { term: 1, vote: 'aa', commit: r * 2 };
    wal.save({ entries: es, hardState: hs, snapshot: null });
    all.push(...es);
    states.push(hs);
  }
  wal.close();
  return { entries: all, states };
}

describe('WAL', () => {
  it('round-trips entries and hard state, and overwrites a conflicting suffix', () => {
    const dir = tmp();
    const { entries, states } = writeHistory(dir);
    let wal = Wal.open(dir);
    expect(wal.restored.entries.map((e) => e.index)).toEqual(entries.map((e) => e.index));
    expect(wal.restored.hardState).toEqual(states.at(-1));
    wal.save({ entries: [entry(4, 2, 'new4')], hardState: { term: 2, vote: null, commit: 3 }, snapshot: null });
    wal.close();
    wal = Wal.open(dir);
    expect(wal.restored.entries.map((e) => `${e.index}/${e.term}`)).toEqual(['1/1', '2/1', '3/1', '4/2']);
    expect(wal.restored.hardState).toEqual({ term: 2, vote: null, commit: 3 });
    wal.close();
  });

  it('a hard state that only moves the commit index costs no write; it rides on the next write or on close', () => {
    const dir = tmp();
    let wal = Wal.open(dir);
    wal.save({ entries: [entry(1, 1), entry(2, 1)], hardState: { term: 1, vote: 'aa', commit: 0 }, snapshot: null });
    const bytes = wal.logBytes();
    const syncs = wal.syncs;
    wal.save({ entries: [], hardState: { term: 1, vote: 'aa', commit: 1 }, snapshot: null });
    expect(wal.logBytes()).toBe(bytes);
    expect(wal.syncs).toBe(syncs);
    wal.save({ entries: [], hardState: { term: 1, vote: 'aa', commit: 2 }, snapshot: null });
    wal.save({ entries: [entry(3, 1)], hardState: null, snapshot: null }); // carries commit 2
    expect(wal.syncs).toBe(syncs + 1);
    // A crash now (no close) still finds commit 2 after entry 3.
    expect(Wal.open(dir).restored.hardState).toEqual({ term: 1, vote: 'aa', commit: 2 });
    wal.save({ entries: [], hardState: { term: 1, vote: 'aa', commit: 3 }, snapshot: null });
    wal.close();
    wal = Wal.open(dir);
    expect(wal.restored.hardState).toEqual({ term: 1, vote: 'aa', commit: 3 });
    expect(wal.restored.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    wal.close();
  });

  it('preallocated space: a crashed log ends where the fill begins; a torn last record inside it is cut; a clean close trims the fill', () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    for (let i = 1; i <= 20; i++) wal.save({ entries: [entry(i, 1, `value-${i}`)], hardState: { term: 1, vote: 'v', commit: i - 1 }, snapshot: null });
    const file = path.join(dir, 'wal.log');
    const image = readFileSync(file); // as a crash would leave it: records, then fill
    const used = wal.logBytes();
    expect(image.length).toBeGreaterThan(used);
    expect(image.subarray(used).every((b) => b === 0xff)).toBe(true);
    // Crash as is: everything back, nothing reported lost, appending goes on after the records.
    let back = Wal.open(dir);
    expect(back.restored.entries.length).toBe(20);
    expect(back.report.truncatedBytes).toBe(0);
    back.save({ entries: [entry(21, 1)], hardState: null, snapshot: null });
    expect(back.logBytes()).toBeGreaterThan(used);
    back.close();
    expect(readFileSync(file).length).toBe(back.logBytes()); // trimmed
    // A torn last write (entry 20's record, then its hard state): any prefix of it over the fill.
    const hsStart = used - recordLength(image, used);
    const lastStart = hsStart - recordLength(image, hsStart);
    for (let cut = lastStart; cut < hsStart; cut += 3) {
      const torn = Buffer.from(image);
      torn.fill(0xff, cut, used);
      writeFileSync(file, torn);
      back = Wal.open(dir);
      expect(back.restored.entries.length).toBe(19);
      expect(back.report.truncatedBytes).toBe(dataLength(torn) - lastStart);
      back.close();
    }
    // Damage in a record followed by a complete one is corruption, fill or not.
    const damaged = Buffer.from(image);
    damaged[20] = damaged[20]! ^ 0xff;
    writeFileSync(file, damaged);
    expect(() => Wal.open(dir)).toThrow(WalCorruptionError);
  });

  it('a crash at every byte offset of the file recovers a valid prefix (torn tail truncated)', () => {
    const dir = tmp();
    const { entries, states } = writeHistory(dir);
    const file = path.join(dir, 'wal.log');
    const image = readFileSync(file);
    let torn = 0;
    for (let cut = 0; cut <= image.length; cut++) {
      writeFileSync(file, image.subarray(0, cut));
      const wal = Wal.open(dir);
      const got = wal.restored.entries;
      // A prefix of what was written, in order, with identical bytes.
      expect(got.length).toBeLessThanOrEqual(entries.length);
      got.forEach((e, i) => {
        expect(e.index).toBe(entries[i]!.index);
        expect(Buffer.from(e.data).equals(Buffer.from(entries[i]!.data))).toBe(true);
      });
      const hs = wal.restored.hardState;
      expect(hs.commit === 0 || states.some((s) => s.commit === hs.commit)).toBe(true);
      expect(hs.commit).toBeLessThanOrEqual(got.length);
      if (wal.report.truncatedBytes > 0) torn++;
      // After recovery, appends continue cleanly.
      wal.save({ entries: [entry(got.length + 1, 1, 'after')], hardState: null, snapshot: null });
      wal.close();
      const again = Wal.open(dir);
      expect(again.restored.entries.at(-1)?.index).toBe(got.length + 1);
      expect(again.report.truncatedBytes).toBe(0);
      again.close();
    }
    expect(torn).toBeGreaterThan(image.length / 2);
  });

  it('a zero-filled tail counts as torn', () => {
    const dir = tmp();
    writeHistory(dir);
    const file = path.join(dir, 'wal.log');
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(100)]));
    const wal = Wal.open(dir);
    expect(wal.restored.entries.length).toBe(6);
    expect(wal.report.truncatedBytes).toBe(100);
    wal.close();
  });

  it('corruption in the middle of the file is an error naming the offset, never skipped', () => {
    const dir = tmp();
    writeHistory(dir);
    const file = path.join(dir, 'wal.log');
    const image = readFileSync(file);
    const flipped = Buffer.from(image);
    flipped[20] = flipped[20]! ^ 0x40; // inside the first record's payload
    writeFileSync(file, flipped);
    expect(() => Wal.open(dir)).toThrow(WalCorruptionError);
    try {
      Wal.open(dir);
    } catch (e) {
      expect((e as WalCorruptionError).offset).toBe(0);
      expect(String(e)).toMatch(/wal\.log: corrupt at byte 0: checksum mismatch/);
    }
    // The file is left untouched for the operator.
    expect(readFileSync(file).equals(flipped)).toBe(true);
  });

  it('snapshots are atomic and compaction bounds the log; state survives reopen', () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    for (let i = 1; i <= 200; i++) wal.save({ entries: [entry(i, 1, 'x'.repeat(100))], hardState: { term: 1, vote: 'v', commit: i }, snapshot: null });
    const before = wal.logBytes();
    wal.saveSnapshot({ index: 190, term: 1, conf: { voters: ['v'], learners: ['w'] }, data: new TextEncoder().encode('{"state":1}') });
    expect(wal.logBytes()).toBeLessThan(before / 10);
    wal.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const back = Wal.open(dir);
    expect(back.restored.snapshot?.index).toBe(190);
    expect(back.restored.snapshot?.conf).toEqual({ voters: ['v'], learners: ['w'] });
    expect(back.restored.entries.map((e) => e.index)).toEqual([191, 192, 193, 194, 195, 196, 197, 198, 199, 200]);
    expect(back.restored.hardState.commit).toBe(200);
    back.close();
  });

  it('a background snapshot does not block: the log keeps everything until the file is in place; entries appended meanwhile survive', async () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    for (let i = 1; i <= 200; i++) wal.save({ entries: [entry(i, 1, 'x'.repeat(100))], hardState: { term: 1, vote: 'v', commit: i }, snapshot: null });
    const snap = { index: 190, term: 1, conf: { voters: ['v'], learners: [] }, data: new TextEncoder().encode('{"state":2}') };
    expect(wal.saveSnapshotInBackground(snap)).toBe(true);
    expect(wal.snapshotPending).toBe(true);
    expect(wal.saveSnapshotInBackground({ ...snap, index: 195 })).toBe(false); // one at a time
    // Not written yet: a crash now recovers from the log alone (opened on a copy of the directory —
    // the crash image — since opening removes temporary files, which only a dead writer leaves).
    const image = tmp();
    cpSync(dir, image, { recursive: true });
    const early = Wal.open(image);
    expect(early.restored.snapshot).toBeNull();
    expect(early.restored.entries.length).toBe(200);
    early.close();
    wal.save({ entries: [entry(201, 1)], hardState: { term: 1, vote: 'v', commit: 201 }, snapshot: null });
    while (wal.snapshotPending) await new Promise((r) => setTimeout(r, 2));
    wal.save({ entries: [entry(202, 1)], hardState: { term: 1, vote: 'v', commit: 202 }, snapshot: null });
    wal.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.bg'))).toEqual([]);
    const back = Wal.open(dir);
    expect(back.restored.snapshot?.index).toBe(190);
    expect(back.restored.entries.map((e) => e.index)).toEqual(Array.from({ length: 12 }, (_, i) => 191 + i));
    expect(back.restored.hardState.commit).toBe(202);
    back.close();
  });

  it('saveAsync: records are written at once and synced off the thread; done comes after the sync; a close during the sync finishes after it', async () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    wal.save({ entries: [entry(1, 1)], hardState: { term: 1, vote: 'v', commit: 0 }, snapshot: null });
    expect(wal.mustSync({ entries: [], hardState: { term: 1, vote: 'v', commit: 1 } })).toBe(false); // commit only
    expect(wal.mustSync({ entries: [], hardState: { term: 2, vote: null, commit: 1 } })).toBe(true); // new term
    const syncs = wal.syncs;
    const order: string[] = [];
    const done = new Promise<void>((resolve) => wal.saveAsync({ entries: [entry(2, 1), entry(3, 1)], hardState: { term: 1, vote: 'v', commit: 1 } }, (error) => {
      order.push(`done ${error === null} syncPending=${wal.syncPending}`);
      resolve();
    }));
    order.push(`returned syncPending=${wal.syncPending}`);
    // One at a time: the host takes no other Ready while a sync is in flight.
    expect(() => wal.saveAsync({ entries: [entry(4, 1)], hardState: null }, () => undefined)).toThrow(/one at a time/);
    wal.close(); // in flight: the file is finished and closed once the sync is done
    await done;
    expect(order).toEqual(['returned syncPending=true', 'done true syncPending=false']);
    expect(wal.syncs).toBe(syncs + 1);
    await wal.whenClosed();
    const back = Wal.open(dir);
    expect(back.restored.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(back.restored.hardState).toEqual({ term: 1, vote: 'v', commit: 1 });
    // The next owner's records are safe from the first one (its close finished before whenClosed).
    back.save({ entries: [entry(4, 1), entry(5, 1)], hardState: { term: 1, vote: 'v', commit: 3 }, snapshot: null });
    back.close();
    const third = Wal.open(dir);
    expect(third.restored.entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
    third.close();
  });

  it('a background snapshot that finishes during an in-flight sync is installed in that sync\'s completion: the log rewrite keeps every record a host acknowledged', async () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    // Over 8 MiB of log, so that installing the snapshot rewrites the log file.
    const big = (index: number): Entry => ({ index, term: 1, data: new Uint8Array(1 << 20).fill(index) });
    let next = 1;
    for (; next <= 9; next++) wal.save({ entries: [big(next)], hardState: { term: 1, vote: 'v', commit: next }, snapshot: null });
    const rewrites: boolean[] = []; // per log rewrite: was a sync in flight?
    const internals = wal as unknown as { rewriteLog: () => void };
    const rewrite = internals.rewriteLog.bind(wal);
    internals.rewriteLog = (): void => {
      rewrites.push(wal.syncPending);
      rewrite();
    };
    // Like the hosts: each completion acknowledges its entry and starts the next saveAsync at once.
    let acked = 0;
    let snapshotDone = false;
    let after = 3;
    const errors: string[] = [];
    const chain = (): void => {
      const index = next++;
      wal.saveAsync({ entries: [entry(index, 1)], hardState: { term: 1, vote: 'v', commit: index - 1 } }, (error) => {
        if (error) return void errors.push(error.message);
        acked = index;
        if (!snapshotDone || after-- > 0) chain();
      });
    };
    chain();
    expect(wal.saveSnapshotInBackground({ index: 5, term: 1, conf: { voters: ['v'], learners: [] }, data: new Uint8Array(100) }, (e) => errors.push(e.message))).toBe(true);
    while (wal.snapshotPending) await new Promise((r) => setImmediate(r));
    snapshotDone = true;
    while (wal.syncPending) await new Promise((r) => setTimeout(r, 1));
    wal.close();
    await wal.whenClosed();
    expect(errors).toEqual([]);
    expect(rewrites).toEqual([false]); // rewritten once, never under a sync
    const back = Wal.open(dir);
    expect(back.restored.snapshot?.index).toBe(5);
    const indexes = back.restored.entries.map((e) => e.index);
    expect(indexes).toEqual(Array.from({ length: acked - 5 }, (_, i) => 6 + i));
    back.close();
  });

  it("sync mode 'auto' moves fsyncs to the thread pool when they average over 2 ms and back under 1 ms; fixed modes stay", () => {
    const wal = Wal.open(tmp());
    const note = (ms: number): void => (wal as unknown as { noteSync: (ms: number) => void }).noteSync(ms);
    expect(wal.syncInBackground).toBe(false);
    for (let i = 0; i < 30; i++) note(5); // a slow disk
    expect(wal.syncAverageMs).toBeGreaterThan(2);
    expect(wal.syncInBackground).toBe(true);
    for (let i = 0; i < 5; i++) note(0.5);
    expect(wal.syncAverageMs).toBeGreaterThan(1); // between the thresholds: stays in the background
    expect(wal.syncInBackground).toBe(true);
    for (let i = 0; i < 40; i++) note(0.2);
    expect(wal.syncInBackground).toBe(false);
    wal.close();
    const background = Wal.open(tmp(), { sync: 'background' });
    expect(background.syncInBackground).toBe(true);
    background.close();
    const inline = Wal.open(tmp(), { sync: 'inline' });
    for (let i = 0; i < 30; i++) (inline as unknown as { noteSync: (ms: number) => void }).noteSync(50);
    expect(inline.syncInBackground).toBe(false);
    inline.close();
  });

  it('temporary files a crash left behind (snapshot or log rewrite before its rename) are removed at open, and reported', () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    for (let i = 1; i <= 20; i++) wal.save({ entries: [entry(i, 1)], hardState: { term: 1, vote: 'v', commit: i }, snapshot: null });
    wal.saveSnapshot({ index: 10, term: 1, conf: { voters: ['v'], learners: [] }, data: new TextEncoder().encode('{"state":3}') });
    wal.close();
    // What a crash mid-write leaves: half a snapshot in each temporary file, a partial log rewrite.
    const junk = new Uint8Array(5000).fill(0x52);
    for (const f of ['snapshot.bin.bg', 'snapshot.bin.tmp', 'wal.log.tmp']) writeFileSync(path.join(dir, f), junk);
    const back = Wal.open(dir);
    expect([...back.report.staleFilesRemoved].sort()).toEqual(['snapshot.bin.bg', 'snapshot.bin.tmp', 'wal.log.tmp']);
    expect(readdirSync(dir).sort()).toEqual(['snapshot.bin', 'wal.log']);
    // Nothing of the real state was touched.
    expect(back.restored.snapshot?.index).toBe(10);
    expect(back.restored.entries.map((e) => e.index)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    back.close();
    const again = Wal.open(dir);
    expect(again.report.staleFilesRemoved).toEqual([]);
    again.close();
  });

  it('a damaged snapshot file is an error, not an empty state', () => {
    const dir = tmp();
    const wal = Wal.open(dir);
    wal.save({ entries: [entry(1, 1)], hardState: { term: 1, vote: null, commit: 1 }, snapshot: null });
    wal.saveSnapshot({ index: 1, term: 1, conf: { voters: ['v'], learners: [] }, data: new Uint8Array([1, 2, 3]) });
    wal.close();
    const snap = path.join(dir, 'snapshot.bin');
    const bytes = readFileSync(snap);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(snap, bytes);
    expect(() => Wal.open(dir)).toThrow(/snapshot\.bin: corrupt at byte 4: checksum mismatch/);
    truncateSync(snap, 5);
    expect(() => Wal.open(dir)).toThrow(WalCorruptionError);
    expect(existsSync(snap)).toBe(true);
  });
});
