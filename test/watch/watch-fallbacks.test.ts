/**
 * How a watch copes without a working file watcher: the system's watch limit (ENOSPC) switches to
 * periodic rescans and says so; a watcher that misses events is covered by the full rescan; a dry
 * run plans without changing anything; the watcher follows LOCAL's own folder, and a LOCAL that is
 * no folder of this machine is rescanned. Local folders on both sides keep these quick.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { LocalWatcherFactory } from '../../src/engine/watch/local-watcher.js';
import { contentOf, startWatch, waitFor, type RemoteFolder } from './watch-harness.js';

const folders: string[] = [];
after(() => Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true }))));

async function localRemote(): Promise<RemoteFolder> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-watch-remote-'));
  folders.push(dir);
  return { url: dir, dir, connection: {} };
}

/** A watcher that reports nothing at all, as one that missed every event. */
const deafWatcher: LocalWatcherFactory = () => ({ ready: Promise.resolve(), close: async () => undefined });

/** A watcher that fails at once the way inotify does when its watches run out. */
const exhaustedWatcher: LocalWatcherFactory = (_root, _filter, handlers) => {
  setImmediate(() => handlers.onError(Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' })));
  return { ready: Promise.resolve(), close: async () => undefined };
};

describe('watch without a working file watcher', () => {
  it('falls back to rescans when the watch limit is reached, says so, and still uploads changes', async () => {
    const remote = await localRemote();
    const watch = await startWatch(remote, { pollSeconds: 0.2 }, { createWatcher: exhaustedWatcher });
    try {
      await waitFor(
        () => watch.events.some((event) => event.type === 'warning' && /limit \(ENOSPC/.test(event.message) && /rescanning/.test(event.message)),
        'the fallback warning',
      );
      await writeFile(join(watch.localDir, 'after-limit.txt'), 'found by a rescan');
      await waitFor(async () => (await contentOf(join(remote.dir, 'after-limit.txt'))) === 'found by a rescan', 'the file on the remote side');
      assert.ok(watch.events.some((event) => event.type === 'watch-polled' && event.side === 'local' && event.changed > 0));
    } finally {
      await watch.stop();
    }
  });

  it('finds local changes by rescanning when asked to (no watcher), deletions included', async () => {
    const remote = await localRemote();
    let watchers = 0;
    const counted: LocalWatcherFactory = () => {
      watchers++;
      return { ready: Promise.resolve(), close: async () => undefined };
    };
    const watch = await startWatch(remote, { pollSeconds: 0.2, localChanges: 'rescan' }, { createWatcher: counted }, async (dir) =>
      writeFile(join(dir, 'old.txt'), 'old'),
    );
    try {
      assert.equal(watchers, 0);
      assert.ok(watch.events.some((event) => event.type === 'watch-started' && event.local === 'rescan'));
      await writeFile(join(watch.localDir, 'rescanned.txt'), 'found');
      await rm(join(watch.localDir, 'old.txt'));
      await waitFor(
        async () => (await contentOf(join(remote.dir, 'rescanned.txt'))) === 'found' && (await contentOf(join(remote.dir, 'old.txt'))) === undefined,
        'the new file and the deletion on the remote side',
      );
    } finally {
      await watch.stop();
    }
  });

  it('catches a change the watcher missed with the periodic full rescan', async () => {
    const remote = await localRemote();
    const watch = await startWatch(remote, { rescanSeconds: 0.3 }, { createWatcher: deafWatcher });
    try {
      await writeFile(join(watch.localDir, 'missed.txt'), 'missed by the watcher');
      await waitFor(async () => (await contentOf(join(remote.dir, 'missed.txt'))) === 'missed by the watcher', 'the missed file on the remote side');
      assert.ok(watch.events.some((event) => event.type === 'watch-pass' && event.full && event.filesCopied === 1));
    } finally {
      await watch.stop();
    }
  });

  it("watches LOCAL's own folder; a LOCAL that is no folder of this machine is rescanned, with a warning", async () => {
    const roots: string[] = [];
    const recording: LocalWatcherFactory = (root) => {
      roots.push(root);
      return { ready: Promise.resolve(), close: async () => undefined };
    };
    const watch = await startWatch(await localRemote(), {}, { createWatcher: recording });
    try {
      assert.deepEqual(roots, [watch.localDir]);
      assert.ok(watch.events.some((event) => event.type === 'watch-started' && event.local === 'watcher'));
    } finally {
      await watch.stop();
    }
    const elsewhere = await startWatch(
      await localRemote(),
      { local: new MemoryBackend({ name: 'elsewhere' }), pollSeconds: 0.2 },
      { createWatcher: recording },
    );
    try {
      assert.equal(roots.length, 1, 'no watcher for a memory backend');
      assert.ok(elsewhere.events.some((event) => event.type === 'warning' && /is not a local folder/.test(event.message)));
      assert.ok(elsewhere.events.some((event) => event.type === 'watch-started' && event.local === 'rescan'));
    } finally {
      await elsewhere.stop();
    }
  });

  it('plans but changes nothing in a dry run', async () => {
    const remote = await localRemote();
    const watch = await startWatch(remote, { dryRun: true });
    try {
      await writeFile(join(watch.localDir, 'planned.txt'), 'only planned');
      await waitFor(
        () => watch.events.some((event) => event.type === 'planned' && event.action.kind === 'copy' && event.action.path === 'planned.txt'),
        'the planned upload',
      );
      assert.deepEqual(await readdir(remote.dir), []);
    } finally {
      const summary = await watch.stop();
      assert.equal(summary.dryRun, true);
    }
  });
});
