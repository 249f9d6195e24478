/**
 * Saving the state: a run that changed nothing leaves the snapshot untouched; changes, and a
 * journal a killed run left, are folded into a new snapshot.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RelPath } from '../../src/core/rel-path.js';
import { StateStore } from '../../src/state/state-store.js';

const file = (size: number) => ({ kind: 'file' as const, size, mtimeMs: 1000 });

describe('StateStore.save', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(tmpdir(), 'ferry-state-save-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const snapshotOf = async (): Promise<string> => {
    const name = (await fs.readdir(dir)).find((entry) => entry.endsWith('.json'))!;
    return path.join(dir, name);
  };

  it('writes a snapshot on the first run even when there is nothing to record', async () => {
    const store = await StateStore.open(dir, 'a', 'b');
    await store.save();
    await store.close();
    const text = await fs.readFile(await snapshotOf(), 'utf8');
    assert.equal(JSON.parse(text).records.length, 0);
  });

  it('leaves the snapshot untouched when nothing changed, rewrites it when something did', async () => {
    const first = await StateStore.open(dir, 'a', 'b');
    first.record({ op: 'set', path: 'x' as RelPath, record: { local: file(1), remote: file(1) } });
    await first.save();
    await first.close();
    const snapshot = await snapshotOf();
    const before = await fs.stat(snapshot);

    const idle = await StateStore.open(dir, 'a', 'b');
    assert.equal(idle.state.size, 1);
    await idle.save();
    await idle.close();
    const after = await fs.stat(snapshot);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.equal(after.ino, before.ino, 'not replaced');

    const busy = await StateStore.open(dir, 'a', 'b');
    busy.record({ op: 'set', path: 'y' as RelPath, record: { local: file(2), remote: file(2) } });
    await busy.save();
    await busy.close();
    assert.equal(JSON.parse(await fs.readFile(snapshot, 'utf8')).records.length, 2);
  });

  it('folds a journal left by a killed run into the snapshot even when the next run changes nothing', async () => {
    const first = await StateStore.open(dir, 'a', 'b');
    await first.save();
    await first.close();
    const snapshot = await snapshotOf();
    const journal = snapshot.replace(/\.json$/, '.journal');
    await fs.writeFile(journal, `${JSON.stringify({ op: 'set', path: 'z', record: { local: file(3), remote: file(3) } })}\n{"op":"se`);

    const next = await StateStore.open(dir, 'a', 'b');
    assert.equal(next.state.size, 1);
    await next.save();
    await next.close();
    assert.equal(JSON.parse(await fs.readFile(snapshot, 'utf8')).records.length, 1);
    await assert.rejects(fs.stat(journal), { code: 'ENOENT' });
  });
});
