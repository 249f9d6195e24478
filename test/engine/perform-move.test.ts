/**
 * Moves through the real engine (memory↔memory): the fallback to copy and delete when the server
 * cannot rename, and the re-check of the new path.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import type { SyncEvent } from '../../src/engine/events.js';
import { runSync } from '../../src/engine/run-sync.js';
import { BackendError } from '../../src/errors.js';

const T = Date.UTC(2022, 0, 1);
const p = toRelPath;

/** A server that refuses every rename. */
class NoRenameBackend extends MemoryBackend {
  override async rename(): Promise<void> {
    throw new BackendError('unsupported', 'rename refused by the server');
  }
}

async function withState(body: (stateDir: string) => Promise<void>): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-move-engine-'));
  try {
    await body(stateDir);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

const results = (events: SyncEvent[]) => events.flatMap((e) => (e.type === 'action-finished' ? [e.result] : []));

describe('moves in the engine', () => {
  it('a server that cannot rename gets a copy and a deletion instead, and the next run is quiet', async () => {
    await withState(async (stateDir) => {
      const local = new MemoryBackend({ name: 'local' });
      const remote = new NoRenameBackend({ name: 'remote' });
      local.putFile(p('a.txt'), 'file a', T);
      local.putFile(p('d/x'), 'in d, x', T);
      local.putFile(p('d/s/y'), 'in d/s, y', T + 1000);
      const base = { local, remote, stateDir };
      await runSync('sync', base);
      await local.rename(p('a.txt'), p('b.txt'));
      await local.rename(p('d'), p('e'));
      const events: SyncEvent[] = [];
      const summary = await runSync('sync', { ...base, onEvent: (e) => events.push(e) });
      const moves = results(events).filter((r) => r.action.kind === 'move');
      assert.deepEqual(
        moves.map((r) => [r.action.path, r.status, r.status === 'done' && r.via]),
        [
          ['b.txt', 'done', 'copy'],
          ['e', 'done', 'copy'],
        ],
      );
      assert.equal(summary.errors, 0);
      assert.deepEqual([...remote.dump().keys()], ['b.txt', 'e', 'e/s', 'e/s/y', 'e/x']);
      assert.equal(remote.content(p('e/s/y')), 'in d/s, y');
      const again = await runSync('sync', base);
      assert.deepEqual([again.filesCopied, again.filesDeleted, again.moved, again.foldersCreated, again.foldersDeleted], [0, 0, 0, 0, 0]);
    });
  });

  it('where the side to rename hashes on its server, a big file whose size and time match by chance is copied, not moved', async () => {
    await withState(async (stateDir) => {
      const local = new MemoryBackend({ name: 'local' });
      const remote = new MemoryBackend({ name: 'remote', hashes: ['sha256'] });
      const size = 2 * 1024 * 1024;
      local.putFile(p('old.bin'), Buffer.alloc(size, 1), T);
      local.putFile(p('same/a.bin'), Buffer.alloc(size, 3), T);
      await runSync('sync', { local, remote, stateDir });
      // Deleted, and another file of the same size with the same (fixed) time appears.
      await local.remove(p('old.bin'));
      local.putFile(p('new.bin'), Buffer.alloc(size, 2), T);
      // A real rename, confirmed by its digest.
      await local.rename(p('same'), p('moved'));
      const events: SyncEvent[] = [];
      await runSync('sync', { local, remote, stateDir, onEvent: (e) => events.push(e) });
      const planned = events.flatMap((e) => (e.type === 'planned' ? [`${e.action.kind} ${e.action.path}`] : []));
      assert.deepEqual(planned, ['move moved', 'copy new.bin', 'delete old.bin']);
      assert.ok(remote.content(p('new.bin'))!.startsWith('\u0002'));
      assert.equal(remote.content(p('old.bin')), undefined);
    });
  });

  it('a move whose new name was taken meanwhile is a conflict; nothing is renamed over it', async () => {
    await withState(async (stateDir) => {
      const local = new MemoryBackend({ name: 'local' });
      const remote = new MemoryBackend({ name: 'remote' });
      local.putFile(p('a.txt'), 'file a', T);
      await runSync('sync', { local, remote, stateDir });
      await local.rename(p('a.txt'), p('b.txt'));
      // Someone writes b.txt on the remote side after the scan, before the move runs.
      const original = remote.stat.bind(remote);
      let written = false;
      remote.stat = async (path: RelPath) => {
        if (!written) {
          written = true;
          await remote.write(p('b.txt'), Readable.from([Buffer.from('written meanwhile')]), { mtimeMs: T + 5000 });
        }
        return original(path);
      };
      const events: SyncEvent[] = [];
      await runSync('sync', { local, remote, stateDir, onEvent: (e) => events.push(e) });
      const move = results(events).find((r) => r.action.kind === 'move');
      assert.equal(move?.status, 'conflict');
      assert.equal(remote.content(p('b.txt')), 'written meanwhile');
      assert.equal(remote.content(p('a.txt')), 'file a');
    });
  });
});

describe('case collisions in the engine', () => {
  it('a side that reports itself case-insensitive makes two spellings a reported conflict without --case', async () => {
    await withState(async (stateDir) => {
      const local = new MemoryBackend({ name: 'local' });
      const remote = new MemoryBackend({ name: 'remote', caseInsensitive: true });
      local.putFile(p('Notes.txt'), 'notes, capital', T);
      local.putFile(p('notes.txt'), 'notes, small', T);
      local.putFile(p('other.txt'), 'other', T);
      const events: SyncEvent[] = [];
      const summary = await runSync('sync', { local, remote, stateDir, onEvent: (e) => events.push(e) });
      assert.deepEqual(
        events.flatMap((e) => (e.type === 'conflict' ? [`${e.conflict.path} ${e.conflict.conflict.reason}`] : [])),
        ['Notes.txt case-collision', 'notes.txt case-collision'],
      );
      assert.equal(summary.conflicts, 2);
      assert.deepEqual([...remote.dump().keys()], ['other.txt']);
    });
  });
});
