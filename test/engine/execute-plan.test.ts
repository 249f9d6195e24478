/**
 * The executor's re-checks: before overwriting or deleting, the target is looked at again; only a
 * new file in a folder the same run created skips it (nobody can have been there first).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { MkdirOutcome } from '../../src/backends/backend.js';
import type { Entry } from '../../src/core/entry.js';
import { toRelPath as p, type RelPath } from '../../src/core/rel-path.js';
import { runSync } from '../../src/engine/run-sync.js';

/**
 * A memory backend that records stat and list calls per path, can change a file right after a
 * scan, can act just before a mkdir, and can answer mkdir as a backend that cannot tell whether
 * it made the folder.
 */
class WatchedBackend extends MemoryBackend {
  readonly statted: string[] = [];
  readonly listed: string[] = [];
  beforeStat?: (path: RelPath) => void;
  beforeMkdir?: (path: RelPath) => void;
  mkdirSaysNothing = false;
  override async stat(path: RelPath): Promise<Entry | undefined> {
    this.beforeStat?.(path);
    this.statted.push(path);
    return super.stat(path);
  }
  override list(path: RelPath): ReturnType<MemoryBackend['list']> {
    this.listed.push(path);
    return super.list(path);
  }
  override async mkdir(path: RelPath): Promise<MkdirOutcome> {
    this.beforeMkdir?.(path);
    const outcome = await super.mkdir(path);
    // The Backend contract allows no answer (a custom backend that cannot tell); MemoryBackend's
    // own type does not, hence the cast.
    return (this.mkdirSaysNothing ? undefined : outcome) as MkdirOutcome;
  }
}

async function withStateDir<T>(work: (stateDir: string) => Promise<T>): Promise<T> {
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-exec-'));
  try {
    return await work(stateDir);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

describe('executePlan re-checks', () => {
  it('skips the re-check only for new files in folders the run created', async () => {
    await withStateDir(async (stateDir) => {
      const local = new MemoryBackend({ name: 'l' });
      const remote = new WatchedBackend({ name: 'r' });
      local.putFile(p('new-folder/a.txt'), 'a', 1000);
      local.putFile(p('top.txt'), 't', 1000);
      remote.putFile(p('old-folder/keep.txt'), 'k', 1000);
      local.putFile(p('old-folder/keep.txt'), 'k', 1000);
      local.putFile(p('old-folder/b.txt'), 'b', 1000);
      const summary = await runSync('upload', { local, remote, stateDir });
      assert.equal(summary.filesCopied, 3);
      assert.ok(!remote.statted.includes('new-folder/a.txt'), 'no re-check inside a folder made by this run');
      assert.ok(remote.statted.includes('top.txt'), 're-check in the existing root');
      assert.ok(remote.statted.includes('old-folder/b.txt'), 're-check in an existing folder');
    });
  });

  it('a folder the run made is not listed again; one that a backend cannot vouch for is', async () => {
    for (const saysNothing of [false, true]) {
      await withStateDir(async (stateDir) => {
        const local = new MemoryBackend({ name: 'l' });
        const remote = new WatchedBackend({ name: 'r' });
        remote.mkdirSaysNothing = saysNothing;
        local.putFile(p('new-folder/a.txt'), 'a', 1000);
        const summary = await runSync('upload', { local, remote, stateDir });
        assert.equal(summary.filesCopied, 1);
        assert.ok(!remote.statted.includes('new-folder/a.txt'), 'no re-check inside a folder made by this run');
        // mkdir's answer saves a listing (round trips per folder); without one, the engine looks.
        assert.equal(remote.listed.includes('new-folder'), saysNothing);
      });
    }
  });

  it('a folder someone else made between scan and mkdir does not skip the re-check, even empty', async () => {
    await withStateDir(async (stateDir) => {
      const local = new MemoryBackend({ name: 'l' });
      const remote = new WatchedBackend({ name: 'r' });
      local.putFile(p('shared/a.txt'), 'mine', 1000);
      remote.beforeMkdir = (path) => {
        if (path !== 'shared') return;
        // Another client makes the folder (empty) just before ferry does, and writes a.txt into
        // it just after: ferry's mkdir finds it there, so its copy must look first.
        void MemoryBackend.prototype.mkdir.call(remote, path);
        remote.beforeStat = (statted) => {
          if (statted === 'shared/a.txt') remote.putFile(p('shared/a.txt'), 'theirs', 5000);
        };
      };
      const summary = await runSync('upload', { local, remote, stateDir });
      assert.ok(remote.statted.includes('shared/a.txt'), 're-check in a folder this run did not make');
      assert.equal(summary.filesCopied, 0);
      assert.equal(summary.conflicts, 1);
      assert.equal(remote.content(p('shared/a.txt')), 'theirs');
    });
  });

  it('a file that appears on the target between scan and copy is not overwritten: it becomes a conflict', async () => {
    await withStateDir(async (stateDir) => {
      const local = new MemoryBackend({ name: 'l' });
      const remote = new WatchedBackend({ name: 'r' });
      local.putFile(p('report.txt'), 'mine', 1000);
      let scanned = false;
      remote.beforeStat = (path) => {
        // The scan uses list(); the first stat of report.txt is the executor's re-check.
        if (path === 'report.txt' && !scanned) {
          scanned = true;
          remote.putFile(p('report.txt'), 'written by someone else meanwhile', 5000);
        }
      };
      const summary = await runSync('upload', { local, remote, stateDir });
      assert.equal(summary.filesCopied, 0);
      assert.equal(summary.conflicts, 1);
      assert.equal(remote.content(p('report.txt')), 'written by someone else meanwhile');
    });
  });

  it('a target changed between scan and delete is not deleted', async () => {
    await withStateDir(async (stateDir) => {
      const local = new MemoryBackend({ name: 'l' });
      const remote = new WatchedBackend({ name: 'r' });
      local.putFile(p('x.txt'), 'x', 1000);
      await runSync('sync', { local, remote, stateDir });
      await local.remove(p('x.txt'));
      local.putFile(p('other.txt'), 'o', 1000);
      remote.beforeStat = (path) => {
        if (path === 'x.txt') remote.putFile(p('x.txt'), 'edited during the sync', 9000);
      };
      const summary = await runSync('sync', { local, remote, stateDir });
      assert.equal(summary.filesDeleted, 0);
      assert.equal(summary.conflicts, 1);
      assert.equal(remote.content(p('x.txt')), 'edited during the sync');
    });
  });

  it('a folder that gets new contents between scan and removal is kept: a conflict, not an error', async () => {
    await withStateDir(async (stateDir) => {
      const local = new MemoryBackend({ name: 'l' });
      const remote = new WatchedBackend({ name: 'r' });
      local.putFile(p('d/x.txt'), 'x', 1000);
      local.putFile(p('keep.txt'), 'k', 1000);
      await runSync('sync', { local, remote, stateDir });
      await local.remove(p('d/x.txt'));
      await local.removeDir(p('d'));
      remote.beforeStat = (path) => {
        if (path === 'd') remote.putFile(p('d/new.txt'), 'added during the sync', 9000);
      };
      const results: string[] = [];
      const summary = await runSync('sync', {
        local,
        remote,
        stateDir,
        onEvent: (event) => {
          if (event.type === 'action-finished')
            results.push(
              `${event.result.action.kind} ${event.result.action.path} ${event.result.status}${event.result.status === 'conflict' ? ` ${event.result.reason}` : ''}`,
            );
        },
      });
      assert.deepEqual(results, ['delete d/x.txt done', 'rmdir d conflict changed-during-sync']);
      assert.equal(summary.errors, 0);
      assert.equal(remote.content(p('d/new.txt')), 'added during the sync');
    });
  });
});
