/**
 * The executor's side of keep-both and --backup-dir, on memory backends: the re-checks before the
 * conflict-copy rename, and a backed-up file put back when the overwrite fails.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import type { Entry } from '../../src/core/entry.js';
import { toRelPath as p, type RelPath } from '../../src/core/rel-path.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { SyncEvent } from '../../src/engine/events.js';
import { BackendError } from '../../src/errors.js';

const T = Date.UTC(2025, 0, 1, 10);

/** A memory backend that can act just before a stat, and fail reads of chosen paths. */
class HookedBackend extends MemoryBackend {
  beforeStat?: (path: RelPath) => void;
  failReads = new Set<string>();
  override async stat(path: RelPath): Promise<Entry | undefined> {
    this.beforeStat?.(path);
    return super.stat(path);
  }
  override async read(path: RelPath): Promise<Readable> {
    if (this.failReads.has(path)) throw new BackendError('permission', `cannot read ${path}`);
    return super.read(path);
  }
}

async function withStateDir(work: (stateDir: string) => Promise<void>): Promise<void> {
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-keep-both-'));
  try {
    await work(stateDir);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** A pair synced with r.txt, then edited on both sides (remote newer). */
async function conflictPair(stateDir: string) {
  const local = new HookedBackend({ name: 'l' });
  const remote = new HookedBackend({ name: 'r' });
  local.putFile(p('r.txt'), 'orig', T);
  remote.putFile(p('r.txt'), 'orig', T);
  await runSync('sync', { local, remote, stateDir });
  local.putFile(p('r.txt'), 'local edit', T + 60_000);
  remote.putFile(p('r.txt'), 'remote edit', T + 120_000);
  return { local, remote };
}

const finished = (events: SyncEvent[]) =>
  events.flatMap((e) => (e.type === 'action-finished' ? [`${e.result.action.kind} ${e.result.action.path} ${e.result.status}`] : []));

describe('keep-both in the executor', () => {
  it('the loser edited again after the scan: not renamed, nothing copied over it', async () => {
    await withStateDir(async (stateDir) => {
      const { local, remote } = await conflictPair(stateDir);
      local.beforeStat = (path) => {
        if (path === 'r.txt' && local.content(p('r.txt')) === 'local edit') local.putFile(p('r.txt'), 'local edit, again', T + 180_000);
      };
      const events: SyncEvent[] = [];
      const summary = await runSync('sync', { local, remote, stateDir, resolve: 'keep-both', onEvent: (e) => events.push(e) });
      assert.equal(local.content(p('r.txt')), 'local edit, again');
      assert.equal(remote.content(p('r.txt')), 'remote edit');
      assert.equal(summary.conflictCopies, 0);
      assert.ok(finished(events).includes('conflict-copy r.txt conflict'));
      assert.ok(finished(events).includes('copy r.txt conflict'), 'the copy over it re-checks too');
      assert.ok(finished(events).includes('copy r.conflict-local-20250101T100100Z.txt conflict'), 'no copy of a conflict copy that was not made');
      assert.equal(summary.errors, 0);
    });
  });

  it('the conflict copy name taken after the scan: the rename is refused, nothing is replaced', async () => {
    await withStateDir(async (stateDir) => {
      const { local, remote } = await conflictPair(stateDir);
      const copyName = p('r.conflict-local-20250101T100100Z.txt');
      local.beforeStat = (path) => {
        if (path === copyName && local.content(copyName) === undefined) local.putFile(copyName, 'someone else', T);
      };
      const summary = await runSync('sync', { local, remote, stateDir, resolve: 'keep-both' });
      assert.equal(local.content(copyName), 'someone else');
      assert.equal(local.content(p('r.txt')), 'local edit');
      assert.equal(remote.content(p('r.txt')), 'remote edit');
      assert.equal(summary.conflictCopies, 0);
    });
  });
});

describe('--backup-dir in the executor', () => {
  it('an overwrite that fails puts the backed-up file back', async () => {
    await withStateDir(async (stateDir) => {
      const local = new HookedBackend({ name: 'l' });
      const remote = new HookedBackend({ name: 'r' });
      local.putFile(p('a.txt'), 'v1', T);
      await runSync('sync', { local, remote, stateDir });
      local.putFile(p('a.txt'), 'v2', T + 60_000);
      local.failReads.add('a.txt');
      const summary = await runSync('sync', { local, remote, stateDir, backupDir: 'bak' });
      assert.equal(summary.errors, 1);
      assert.equal(remote.content(p('a.txt')), 'v1', 'the old version is back in place');
      const backups = (await remote.list(p('bak'))).length;
      assert.equal(backups, 1, 'only the run folder remains');
      const [run] = await remote.list(p('bak'));
      assert.deepEqual(await remote.list(p(`bak/${run!.name}`)), [], 'nothing left in it');
    });
  });

  it('a backup never replaces an earlier one of the same second: .2', async () => {
    await withStateDir(async (stateDir) => {
      const local = new HookedBackend({ name: 'l' });
      const remote = new HookedBackend({ name: 'r' });
      local.putFile(p('a.txt'), 'v1', T);
      await runSync('sync', { local, remote, stateDir });
      const backupDir = '.ferry-backup';
      for (const version of ['v2', 'v3']) {
        local.putFile(p('a.txt'), version, T + (version === 'v2' ? 60_000 : 120_000));
        // Both runs may start in the same second: the second backup must not replace the first.
        await runSync('sync', { local, remote, stateDir, backupDir });
      }
      const kept: string[] = [];
      for (const run of await remote.list(p(backupDir))) {
        for (const item of await remote.list(p(`${backupDir}/${run.name}`))) kept.push(remote.content(p(`${backupDir}/${run.name}/${item.name}`))!);
      }
      assert.deepEqual(kept.sort(), ['v1', 'v2']);
      assert.equal(remote.content(p('a.txt')), 'v3');
    });
  });
});
