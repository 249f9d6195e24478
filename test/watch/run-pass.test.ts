/**
 * One pass of a watch on local folders: only the touched paths are looked at, a rename's two paths
 * are planned together and become one server rename, a new nested folder is widened to its
 * outermost new folder, state outside the scope is left alone, and the safety brakes hold.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { ConflictQuestion } from '../../src/core/resolve-conflicts.js';
import { runPass, type PassContext } from '../../src/engine/watch/run-pass.js';
import type { WatchEvent } from '../../src/engine/watch/watch-events.js';
import { StateStore } from '../../src/state/state-store.js';

const temps: string[] = [];
after(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-pass-'));
  temps.push(dir);
  return dir;
}

/** Two synced local folders with a few files, and a pass context on them. */
async function syncedPair(): Promise<{ local: string; remote: string; context: PassContext; events: WatchEvent[]; close(): Promise<void> }> {
  const local = await temp();
  const remote = await temp();
  const stateDir = await temp();
  await mkdir(join(local, 'd'));
  await writeFile(join(local, 'a.txt'), 'a');
  await writeFile(join(local, 'd/other.txt'), 'other');
  await writeFile(join(local, 'untouched.txt'), 'u');
  const localBackend = new LocalBackend(local);
  const remoteBackend = new LocalBackend(remote);
  await runSync('upload', { local: localBackend, remote: remoteBackend, stateDir });
  const store = await StateStore.open(stateDir, localBackend.id, remoteBackend.id);
  const events: WatchEvent[] = [];
  const context: PassContext = {
    local: localBackend,
    remote: remoteBackend,
    store,
    filter: new PathFilter(),
    reconcile: { mode: 'upload', delete: true, force: false, deleteUnmatched: false, timeWindowMs: 2000 },
    resolve: 'skip',
    dryRun: false,
    allowEmptySide: false,
    forceClockShift: false,
    startedMs: Date.now(),
    emit: (event) => events.push(event),
  };
  return { local, remote, context, events, close: () => store.close() };
}

describe('runPass', () => {
  it('turns a rename into one server-side rename (a move), not an upload and a deletion', async () => {
    const pair = await syncedPair();
    try {
      const before = await stat(join(pair.remote, 'a.txt'));
      await rename(join(pair.local, 'a.txt'), join(pair.local, 'b.txt'));
      const result = await runPass(pair.context, [toRelPath('a.txt'), toRelPath('b.txt')], 'changes');
      const planned = pair.events.flatMap((event) => (event.type === 'planned' ? [`${event.action.kind} ${event.action.path}`] : []));
      assert.deepEqual(planned, ['move b.txt']);
      assert.equal(result.moved, 1);
      assert.equal(result.filesCopied, 0);
      assert.equal(result.filesDeleted, 0);
      assert.deepEqual((await readdir(pair.remote)).sort(), ['b.txt', 'd', 'untouched.txt']);
      assert.equal((await stat(join(pair.remote, 'b.txt'))).ino, before.ino, 'the remote file was renamed, not written anew');
      assert.equal(await readFile(join(pair.remote, 'b.txt'), 'utf8'), 'a');
    } finally {
      await pair.close();
    }
  });

  it('an NFD file and folder touched in a watch pass are copied, changed and deleted under their own spelling', async () => {
    const pair = await syncedPair();
    const folder = 'Re\u0301sume\u0301';
    const file = 'cafe\u0301.txt';
    const raw = async (dir: string) => (await readdir(dir, { encoding: 'buffer' })).map((name) => name.toString('hex')).sort();
    const hex = (...names: string[]) => names.map((name) => Buffer.from(name).toString('hex')).sort();
    try {
      await mkdir(join(pair.local, folder));
      await writeFile(join(pair.local, folder, file), 'v1');
      await writeFile(join(pair.local, 'd', file), 'in d');
      // A watcher reports paths as the disk spells them; the pass pairs them by their NFC form.
      let result = await runPass(pair.context, [toRelPath(`${folder}/${file}`), toRelPath(`d/${file}`)], 'changes');
      assert.equal(result.filesCopied, 2, JSON.stringify(pair.events));
      assert.deepEqual(await raw(pair.remote), hex('a.txt', 'd', 'untouched.txt', folder));
      assert.deepEqual(await raw(join(pair.remote, folder)), hex(file));
      assert.deepEqual(await raw(join(pair.remote, 'd')), hex('other.txt', file));
      await writeFile(join(pair.local, 'd', file), 'in d, changed');
      result = await runPass(pair.context, [toRelPath(`d/${file}`)], 'changes');
      assert.equal(result.filesCopied, 1);
      assert.equal(await readFile(join(pair.remote, 'd', file), 'utf8'), 'in d, changed');
      assert.deepEqual(await raw(join(pair.remote, 'd')), hex('other.txt', file));
      await rm(join(pair.local, folder), { recursive: true });
      result = await runPass(pair.context, [toRelPath(folder)], 'changes');
      assert.equal(result.filesDeleted, 1, JSON.stringify(pair.events.filter((event) => event.type !== 'planned')));
      assert.deepEqual(await raw(pair.remote), hex('a.txt', 'd', 'untouched.txt'));
    } finally {
      await pair.close();
    }
  });

  it('looks only at the touched paths: an untouched change waits for its own event', async () => {
    const pair = await syncedPair();
    try {
      await writeFile(join(pair.local, 'untouched.txt'), 'changed but not reported');
      await writeFile(join(pair.local, 'd/other.txt'), 'reported');
      const result = await runPass(pair.context, [toRelPath('d/other.txt')], 'changes');
      assert.equal(result.filesCopied, 1);
      assert.deepEqual(result.roots, ['d/other.txt']);
      // No deletion of anything outside the scope, although the scope's snapshot does not hold it.
      assert.deepEqual((await readdir(pair.remote)).sort(), ['a.txt', 'd', 'untouched.txt']);
    } finally {
      await pair.close();
    }
  });

  it('widens a path in new folders to the outermost new folder and uploads it whole', async () => {
    const pair = await syncedPair();
    try {
      await mkdir(join(pair.local, 'n/m'), { recursive: true });
      await writeFile(join(pair.local, 'n/m/f.txt'), 'f');
      await writeFile(join(pair.local, 'n/sibling.txt'), 's');
      const result = await runPass(pair.context, [toRelPath('n/m/f.txt')], 'changes');
      assert.deepEqual(result.roots, ['n']);
      assert.equal(result.filesCopied, 2);
      assert.deepEqual((await readdir(join(pair.remote, 'n'), { recursive: true })).sort(), ['m', 'm/f.txt', 'sibling.txt']);
    } finally {
      await pair.close();
    }
  });

  it("--max-delete stops a polled pass that would delete most local files; the watcher's own local deletions are never held back", async () => {
    const pair = await syncedPair();
    try {
      for (let i = 0; i < 20; i++) await writeFile(join(pair.local, `f${i}.txt`), `f${i}`);
      const names = Array.from({ length: 20 }, (_, i) => toRelPath(`f${i}.txt`));
      await runPass(pair.context, names, 'changes');
      assert.equal((await readdir(pair.remote)).length, 23);

      // Sync mode: 12 of the 23 remote files vanish, and a poll finds it. Refused, nothing deleted.
      const sync: PassContext = { ...pair.context, reconcile: { ...pair.context.reconcile, mode: 'sync' } };
      for (const name of names.slice(0, 12)) await rm(join(pair.remote, name));
      await assert.rejects(runPass(sync, names.slice(0, 12), 'poll'), (error: Error & { exitCode?: number }) => {
        assert.match(error.message, /would delete 12 of 2[0-9] files on the local side, more than `maxDelete` 50% allows/);
        assert.equal(error.exitCode, 5);
        return true;
      });
      assert.equal((await readdir(pair.local)).length, 23, 'no local file was deleted');
      // The user's limit lets it through.
      await runPass({ ...sync, maxDelete: { kind: 'percent', percent: 100 } }, names.slice(0, 12), 'poll');
      assert.equal((await readdir(pair.local)).length, 11);

      // The user deletes the rest locally, the watcher reports it: propagated whatever the limit.
      for (const name of names.slice(12)) await rm(join(pair.local, name));
      const result = await runPass(pair.context, names.slice(12), 'changes');
      assert.equal(result.filesDeleted, 8);
      assert.deepEqual((await readdir(pair.remote)).sort(), ['a.txt', 'd', 'untouched.txt']);
    } finally {
      await pair.close();
    }
  });

  it('refuses deletions found by a rescan while the local root lists as empty', async () => {
    const pair = await syncedPair();
    try {
      for (const name of await readdir(pair.local)) await rm(join(pair.local, name), { recursive: true });
      await assert.rejects(runPass(pair.context, [toRelPath('')], 'rescan'), /is empty, but the last sync recorded/);
      assert.deepEqual((await readdir(pair.remote)).sort(), ['a.txt', 'd', 'untouched.txt']);
    } finally {
      await pair.close();
    }
  });
  it('asks about a conflict with what both sides held at the last sync', async () => {
    const pair = await syncedPair();
    try {
      await writeFile(join(pair.local, 'a.txt'), 'local edit');
      await writeFile(join(pair.remote, 'a.txt'), 'remote edit, longer');
      const questions: ConflictQuestion[] = [];
      const context: PassContext = {
        ...pair.context,
        reconcile: { ...pair.context.reconcile, mode: 'sync', delete: false },
        resolve: 'ask',
        ask: async (question) => {
          questions.push(question);
          return 'skip';
        },
      };
      const result = await runPass(context, [toRelPath('a.txt')], 'changes');
      assert.equal(result.conflicts, 1);
      assert.equal(questions.length, 1);
      const recorded = questions[0]!.recorded;
      assert.ok(recorded, 'the question shows the last sync');
      assert.equal(recorded.local.kind === 'file' && recorded.local.size, 1);
      assert.equal(recorded.remote.kind === 'file' && recorded.remote.size, 1);
    } finally {
      await pair.close();
    }
  });

  it('NFC and NFD twins touched in a pass are a conflict, both left alone, as in a batch run', async () => {
    const pair = await syncedPair();
    const nfd = 'cafe\u0301.txt';
    const nfc = nfd.normalize('NFC');
    try {
      await mkdir(join(pair.local, 'twins'));
      await writeFile(join(pair.local, 'twins', nfd), 'decomposed');
      await writeFile(join(pair.local, 'twins', nfc), 'composed');
      // A new folder: scanned as a subtree.
      let result = await runPass(pair.context, [toRelPath(`twins/${nfd}`)], 'changes');
      const conflictsOf = () => pair.events.flatMap((event) => (event.type === 'conflict' ? [`${event.conflict.conflict.reason} ${event.conflict.path}`] : []));
      assert.deepEqual(conflictsOf(), [`unicode-twins twins/${nfc}`]);
      assert.equal(result.conflicts, 1);
      assert.deepEqual(await readdir(join(pair.remote, 'twins')), []);
      // Twins in a folder both sides have: the touched name itself is looked up in the listing.
      pair.events.length = 0;
      await writeFile(join(pair.local, 'd', nfd), 'decomposed');
      await writeFile(join(pair.local, 'd', nfc), 'composed');
      result = await runPass(pair.context, [toRelPath(`d/${nfc}`)], 'changes');
      assert.deepEqual(conflictsOf(), [`unicode-twins d/${nfc}`], JSON.stringify(pair.events));
      assert.equal(result.filesCopied, 0);
      assert.deepEqual((await readdir(join(pair.remote, 'd'))).sort(), ['other.txt']);
    } finally {
      await pair.close();
    }
  });
});
