/**
 * The watch scenarios, run against one server: local edits of every kind reach the server, remote
 * edits come back in sync mode, ferry's downloads cause no uploads, and a server that goes away
 * and comes back gets every change made meanwhile.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { contentOf, startWatch, waitFor, type WatchServer } from './watch-harness.js';

/** Registers the scenarios for `server`. */
export function describeWatch(server: WatchServer): void {
  describe(`watch over ${server.label}`, () => {
    after(() => server.cleanup());

    it('uploads a created file, a modified file, deletes a deleted one, and renames a renamed one on the server', async () => {
      const remote = await server.fresh('basic');
      const watch = await startWatch(remote);
      try {
        await writeFile(join(watch.localDir, 'a.txt'), 'first');
        await waitFor(async () => (await contentOf(join(remote.dir, 'a.txt'))) === 'first', 'a.txt on the server');
        await writeFile(join(watch.localDir, 'a.txt'), 'second version');
        await waitFor(async () => (await contentOf(join(remote.dir, 'a.txt'))) === 'second version', 'the modified a.txt on the server');
        const uploaded = await stat(join(remote.dir, 'a.txt'));
        await rename(join(watch.localDir, 'a.txt'), join(watch.localDir, 'b.txt'));
        await waitFor(
          async () => (await contentOf(join(remote.dir, 'b.txt'))) === 'second version' && (await contentOf(join(remote.dir, 'a.txt'))) === undefined,
          'b.txt instead of a.txt on the server',
        );
        // The rename reached the server as a rename (a move action), not as an upload and a deletion.
        assert.equal((await stat(join(remote.dir, 'b.txt'))).ino, uploaded.ino, 'b.txt is the renamed server file');
        await rm(join(watch.localDir, 'b.txt'));
        await waitFor(async () => (await readdir(remote.dir)).length === 0, 'an empty server folder');
      } finally {
        const summary = await watch.stop();
        assert.equal(summary.interrupted, true);
        assert.equal(summary.errors, 0);
      }
    });

    it('uploads folders made with mkdir -p and written at once, and a folder moved in from outside', async () => {
      const remote = await server.fresh('folders');
      const outside = await mkdtemp(join(tmpdir(), 'ferry-watch-outside-'));
      await mkdir(join(outside, 'moved/inner'), { recursive: true });
      await writeFile(join(outside, 'moved/top.txt'), 'top');
      await writeFile(join(outside, 'moved/inner/deep.txt'), 'deep');
      const watch = await startWatch(remote);
      try {
        await mkdir(join(watch.localDir, 'x/y/z'), { recursive: true });
        await writeFile(join(watch.localDir, 'x/y/z/f.txt'), 'f');
        await writeFile(join(watch.localDir, 'x/g.txt'), 'g');
        await rename(join(outside, 'moved'), join(watch.localDir, 'moved'));
        await waitFor(
          async () =>
            (await contentOf(join(remote.dir, 'x/y/z/f.txt'))) === 'f' &&
            (await contentOf(join(remote.dir, 'x/g.txt'))) === 'g' &&
            (await contentOf(join(remote.dir, 'moved/top.txt'))) === 'top' &&
            (await contentOf(join(remote.dir, 'moved/inner/deep.txt'))) === 'deep',
          'both trees on the server',
        );
      } finally {
        await watch.stop();
        await rm(outside, { recursive: true, force: true });
      }
    });

    it('uploads a burst of 1,000 files in few passes', async () => {
      const remote = await server.fresh('burst');
      const watch = await startWatch(remote);
      try {
        await mkdir(join(watch.localDir, 'burst'));
        await Promise.all(Array.from({ length: 1000 }, (_, i) => writeFile(join(watch.localDir, 'burst', `f${i}.txt`), `file ${i}`)));
        // Final names only (uploads in flight have temporary names); a file caught half-written
        // is sent again once complete, so wait for the contents too.
        const finalNames = async (): Promise<string[]> =>
          (await readdir(join(remote.dir, 'burst')).catch(() => [] as string[])).filter((name) => !name.startsWith('.~ferry-'));
        await waitFor(
          async () =>
            (await finalNames()).length === 1000 &&
            (await contentOf(join(remote.dir, 'burst/f0.txt'))) === 'file 0' &&
            (await contentOf(join(remote.dir, 'burst/f999.txt'))) === 'file 999',
          '1,000 files on the server',
          120_000,
        );
        const passes = watch.events.filter((event) => event.type === 'watch-pass').length;
        // Batched: passes take whatever arrived meanwhile (each file alone would be 1,000 passes;
        // how many batches there are depends on the machine's load, so only the order is checked).
        assert.ok(passes < 500, `${passes} passes for 1,000 files`);
        // A file caught half-written is sent again once complete; every file at least once.
        assert.ok(watch.copies('remote') >= 1000);
      } finally {
        await watch.stop();
      }
    });

    it('uploads an editor-style save (write a temporary file, rename it over) once', async () => {
      const remote = await server.fresh('editor');
      const watch = await startWatch(remote, {}, {}, async (dir) => writeFile(join(dir, 'doc.txt'), 'v1'));
      try {
        await waitFor(async () => (await contentOf(join(remote.dir, 'doc.txt'))) === 'v1', 'doc.txt v1 on the server');
        const before = watch.copies('remote', 'doc.txt');
        await writeFile(join(watch.localDir, '.doc.txt.swp'), 'version two');
        await rename(join(watch.localDir, '.doc.txt.swp'), join(watch.localDir, 'doc.txt'));
        await waitFor(async () => (await contentOf(join(remote.dir, 'doc.txt'))) === 'version two', 'doc.txt v2 on the server');
        // A later change, to be sure nothing else of that save was still queued.
        await writeFile(join(watch.localDir, 'marker.txt'), 'm');
        await waitFor(async () => (await contentOf(join(remote.dir, 'marker.txt'))) === 'm', 'marker.txt on the server');
        assert.equal(watch.copies('remote', 'doc.txt') - before, 1);
        assert.equal(watch.copies('remote', '.doc.txt.swp'), 0);
        assert.deepEqual((await readdir(remote.dir)).sort(), ['doc.txt', 'marker.txt']);
      } finally {
        await watch.stop();
      }
    });

    it('in sync mode picks up remote changes and deletions, and a download causes no upload', async () => {
      const remote = await server.fresh('sync');
      const watch = await startWatch(remote, { mode: 'sync', pollSeconds: 0.2 }, {}, async (dir) => writeFile(join(dir, 'shared.txt'), 'from local'));
      try {
        await waitFor(async () => (await contentOf(join(remote.dir, 'shared.txt'))) === 'from local', 'shared.txt on the server');
        // Edited on the server, with a time clearly after the local one.
        await writeFile(join(remote.dir, 'shared.txt'), 'edited on the server');
        const later = new Date(Date.now() + 10_000);
        await utimes(join(remote.dir, 'shared.txt'), later, later);
        await writeFile(join(remote.dir, 'new-remote.txt'), 'new remote file');
        await waitFor(
          async () =>
            (await contentOf(join(watch.localDir, 'shared.txt'))) === 'edited on the server' &&
            (await contentOf(join(watch.localDir, 'new-remote.txt'))) === 'new remote file',
          'the remote changes in the local folder',
        );
        const uploads = watch.copies('remote');
        // Events are handled in order: once this later local change is on the server, the
        // watcher's echo of the downloads has been dealt with.
        await writeFile(join(watch.localDir, 'later.txt'), 'later');
        await waitFor(async () => (await contentOf(join(remote.dir, 'later.txt'))) === 'later', 'later.txt on the server');
        assert.equal(watch.copies('remote'), uploads + 1);
        assert.equal(watch.copies('remote', 'shared.txt'), 1);
        assert.equal(watch.copies('remote', 'new-remote.txt'), 0);
        // A deletion on the server reaches the local folder too.
        await rm(join(remote.dir, 'new-remote.txt'));
        await waitFor(async () => (await contentOf(join(watch.localDir, 'new-remote.txt'))) === undefined, 'new-remote.txt gone locally');
      } finally {
        await watch.stop();
      }
    });

    it('keeps changes made while the server is away and sends them once it is back', async () => {
      const remote = await server.proxied('outage');
      const watch = await startWatch(remote, {}, {}, async (dir) => writeFile(join(dir, 'keep.txt'), 'keep'));
      try {
        await waitFor(async () => (await contentOf(join(remote.dir, 'keep.txt'))) === 'keep', 'keep.txt on the server');
        await remote.proxy.stop();
        await writeFile(join(watch.localDir, 'during-1.txt'), 'one');
        await mkdir(join(watch.localDir, 'during-dir'));
        await writeFile(join(watch.localDir, 'during-dir/two.txt'), 'two');
        await rm(join(watch.localDir, 'keep.txt'));
        await waitFor(() => watch.events.some((event) => event.type === 'watch-state' && event.state === 'reconnecting'), 'the watch to notice the outage');
        await writeFile(join(watch.localDir, 'during-3.txt'), 'three');
        await remote.proxy.start();
        await waitFor(
          async () =>
            (await contentOf(join(remote.dir, 'during-1.txt'))) === 'one' &&
            (await contentOf(join(remote.dir, 'during-dir/two.txt'))) === 'two' &&
            (await contentOf(join(remote.dir, 'during-3.txt'))) === 'three' &&
            (await contentOf(join(remote.dir, 'keep.txt'))) === undefined,
          'every change made during the outage on the server',
          60_000,
        );
      } finally {
        await watch.stop();
        await remote.proxy.stop();
      }
    });

    it('in sync mode gets the changes of both sides made while the server was away', async () => {
      const remote = await server.proxied('outage-sync');
      const watch = await startWatch(remote, { mode: 'sync', pollSeconds: 0.2 }, {}, async (dir) => writeFile(join(dir, 'local-side.txt'), 'v1'));
      try {
        await waitFor(async () => (await contentOf(join(remote.dir, 'local-side.txt'))) === 'v1', 'local-side.txt on the server');
        await remote.proxy.stop();
        await writeFile(join(watch.localDir, 'local-side.txt'), 'changed locally during the outage');
        await writeFile(join(remote.dir, 'remote-side.txt'), 'written on the server during the outage');
        await waitFor(() => watch.events.some((event) => event.type === 'watch-state' && event.state === 'reconnecting'), 'the watch to notice the outage');
        await remote.proxy.start();
        await waitFor(
          async () =>
            (await contentOf(join(remote.dir, 'local-side.txt'))) === 'changed locally during the outage' &&
            (await contentOf(join(watch.localDir, 'remote-side.txt'))) === 'written on the server during the outage',
          'both changes on the other side',
          60_000,
        );
      } finally {
        await watch.stop();
        await remote.proxy.stop();
      }
    });
  });
}
