/**
 * Safety scenarios (docs/safety.md), reusable on every backend pair like the sync matrix: the
 * local side is a temporary folder, the remote side whatever the harness gives. Covered: a remote
 * edit made between scan and execution is never overwritten or deleted; a failed upload holds back
 * the run's remote deletions; the brakes (exit 4 empty or missing side, 5 max-delete, 6 clock
 * shift) and their overrides; keep-both twice in a row; ask with both files read through the
 * backends; --backup-dir.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { openBackend } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { ROOT, toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { runSync, type AnyRunOptions } from '../../src/engine/run-sync.js';
import type { SyncEvent } from '../../src/engine/events.js';
import type { SyncMode } from '../../src/core/sync-options.js';
import { SafetyError } from '../../src/errors.js';
import type { RemoteHarness } from './sync-matrix-suite.js';

const T0 = Date.UTC(2025, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

async function put(backend: Backend, path: string, content: string, mtimeMs: number): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) await backend.mkdir(toRelPath(parts.slice(0, i).join('/')));
  await backend.write(toRelPath(path), Readable.from([Buffer.from(content)]), { mtimeMs });
}

async function read(backend: Backend, path: string): Promise<string | undefined> {
  if (!(await backend.stat(toRelPath(path)))) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(toRelPath(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** Every file of a tree with its content (folders as `path/`). */
async function contents(backend: Backend, dir: RelPath = ROOT): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const item of await backend.list(dir)) {
    if (!('entry' in item)) continue;
    const path = dir ? `${dir}/${item.name}` : item.name;
    if (item.entry.kind === 'dir') {
      out[`${path}/`] = '';
      Object.assign(out, await contents(backend, toRelPath(path)));
    } else {
      out[path] = (await read(backend, path))!;
    }
  }
  return out;
}

interface Pair {
  readonly local: Backend;
  readonly remote: Backend;
  readonly localDir: string;
  /** Runs a mode on the pair with these options (state kept between runs). */
  run(mode: SyncMode, options?: Partial<AnyRunOptions>): ReturnType<typeof runSync>;
  /** Writes the same files on both sides and runs a first sync (nothing copied). */
  seed(files: Record<string, string>): Promise<void>;
}

/** Opens a fresh pair for one test and cleans up after it. */
async function withPair(harness: RemoteHarness, label: string, test: (pair: Pair) => Promise<void>): Promise<void> {
  const localDir = await mkdtemp(join(tmpdir(), 'ferry-safety-local-'));
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-safety-state-'));
  const remoteUrl = await harness.freshRemote(label);
  const local = await openBackend(parseTarget(localDir));
  const remote = await openBackend(parseTarget(remoteUrl), harness.connection);
  const pair: Pair = {
    local,
    remote,
    localDir,
    run: (mode, options = {}) => runSync(mode, { local: localDir, remote: remoteUrl, stateDir, connection: harness.connection, ...options }),
    async seed(files) {
      for (const [path, content] of Object.entries(files)) {
        await put(local, path, content, T0);
        await put(remote, path, content, T0);
      }
      const first = await pair.run('sync');
      assert.equal(first.filesCopied, 0);
      assert.equal(
        first.recorded,
        Object.keys(files).length + new Set(Object.keys(files).flatMap((p) => (p.includes('/') ? [p.slice(0, p.lastIndexOf('/'))] : []))).size,
      );
    },
  };
  try {
    await test(pair);
  } finally {
    await local.close();
    await remote.close();
    await rm(localDir, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** `n` files `f00.txt …` with distinct contents. */
function manyFiles(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${String(i).padStart(2, '0')}.txt`, `file ${i}`]));
}

async function refusal(promise: Promise<unknown>): Promise<SafetyError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof SafetyError, `a SafetyError expected, got ${String(error)}`);
    return error;
  }
  assert.fail('the run was not refused');
}

/** Registers the safety scenarios for a local side against the harness's remote side. */
export function describeSafety(name: string, harness: RemoteHarness): void {
  describe(`safety: ${name}`, () => {
    it('a remote file edited between scan and execution is neither overwritten nor deleted: conflicts', () =>
      withPair(harness, 'mid-run-edit', async (pair) => {
        await pair.seed({ 'edit.txt': 'v1', 'gone.txt': 'old', 'other.txt': 'o' });
        await put(pair.local, 'edit.txt', 'local v2', T0 + HOUR);
        await pair.local.remove(toRelPath('gone.txt'));
        const events: SyncEvent[] = [];
        const summary = await pair.run('sync', {
          onEvent: (event) => events.push(event),
          // Someone edits both files on the server while the run is between its scan and its actions.
          beforeExecute: async () => {
            await put(pair.remote, 'edit.txt', 'remote edit during the sync', T0 + 2 * HOUR);
            await put(pair.remote, 'gone.txt', 'remote edit of a file being deleted', T0 + 2 * HOUR);
          },
        });
        assert.equal(await read(pair.remote, 'edit.txt'), 'remote edit during the sync');
        assert.equal(await read(pair.remote, 'gone.txt'), 'remote edit of a file being deleted');
        assert.equal(await read(pair.local, 'edit.txt'), 'local v2', 'the local edit is kept too');
        const conflicts = events.flatMap((e) =>
          e.type === 'action-finished' && e.result.status === 'conflict' ? [`${e.result.action.path} ${e.result.reason}`] : [],
        );
        assert.deepEqual(conflicts.sort(), ['edit.txt changed-during-sync', 'gone.txt changed-during-sync']);
        assert.equal(summary.conflicts, 2);
        assert.equal(summary.filesCopied + summary.filesDeleted, 0);
        // The next run sees both edits and reports a conflict instead of picking one.
        const next = await pair.run('sync');
        assert.equal(next.conflicts, 2);
        assert.equal(await read(pair.remote, 'edit.txt'), 'remote edit during the sync');
      }));

    it('a failed upload holds back the remote deletions of the same run', () =>
      withPair(harness, 'failed-upload', async (pair) => {
        await pair.seed({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
        await put(pair.local, 'a.txt', 'a changed', T0 + HOUR);
        await pair.local.remove(toRelPath('b.txt'));
        const events: SyncEvent[] = [];
        const summary = await pair.run('upload', {
          delete: true,
          onEvent: (event) => events.push(event),
          // The source file vanishes after the scan: its upload fails.
          beforeExecute: () => pair.local.remove(toRelPath('a.txt')),
        });
        assert.equal(summary.errors, 1);
        assert.equal(summary.filesDeleted, 0);
        assert.ok(
          events.some(
            (e) => e.type === 'action-finished' && e.result.status === 'not-run' && e.result.why === 'copy-failed' && e.result.action.path === 'b.txt',
          ),
        );
        assert.deepEqual(await contents(pair.remote), { 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
      }));

    it('max-delete: deleting 12 of 20 files is refused (exit 5, dry run too); --max-delete 100% proceeds', () =>
      withPair(harness, 'max-delete', async (pair) => {
        const files = manyFiles(20);
        await pair.seed(files);
        const doomed = Object.keys(files).slice(0, 12);
        for (const path of doomed) await pair.local.remove(toRelPath(path));
        const before = await contents(pair.remote);
        const error = await refusal(pair.run('sync'));
        assert.equal(error.exitCode, 5);
        assert.deepEqual(error.refusal, { reason: 'max-delete', side: 'remote', deletions: 12, files: 20, limit: { kind: 'percent', percent: 50 } });
        assert.equal((await refusal(pair.run('sync', { dryRun: true }))).exitCode, 5);
        assert.equal((await refusal(pair.run('upload', { delete: true, maxDelete: 11 }))).exitCode, 5);
        assert.deepEqual(await contents(pair.remote), before, 'nothing was deleted');
        const allowed = await pair.run('sync', { maxDelete: '100%' });
        assert.equal(allowed.filesDeleted, 12);
        assert.deepEqual(Object.keys(await contents(pair.remote)).sort(), Object.keys(files).slice(12));
      }));

    it('an emptied local root is refused (exit 4), a vanished one too; --allow-empty empties the remote', () =>
      withPair(harness, 'empty-root', async (pair) => {
        await pair.seed({ 'a.txt': 'a', 'd/b.txt': 'b' });
        const before = await contents(pair.remote);
        await rm(pair.localDir, { recursive: true });
        const missing = await refusal(pair.run('sync'));
        assert.equal(missing.exitCode, 4);
        assert.equal(missing.refusal.reason, 'missing-root');
        await pair.run('sync', { createFolder: false, allowEmptySide: true }).then(
          () => assert.fail('a missing LOCAL is an error even with --allow-empty'),
          (error: Error) => assert.match(error.message, /does not exist/),
        );
        // Back, but empty: the empty-side brake.
        await mkdir(pair.localDir);
        const empty = await refusal(pair.run('sync'));
        assert.equal(empty.exitCode, 4);
        assert.equal(empty.refusal.reason, 'empty-side');
        assert.deepEqual(await contents(pair.remote), before);
        const allowed = await pair.run('sync', { allowEmptySide: true });
        assert.equal(allowed.filesDeleted, 2);
        assert.deepEqual(await contents(pair.remote), {});
      }));

    it('a vanished remote root is refused (exit 4) and nothing local is touched', async () => {
      const localDir = await mkdtemp(join(tmpdir(), 'ferry-safety-local-'));
      const stateDir = await mkdtemp(join(tmpdir(), 'ferry-safety-state-'));
      const parentUrl = await harness.freshRemote('vanished-remote');
      const parent = await openBackend(parseTarget(parentUrl), harness.connection);
      try {
        await parent.mkdir(toRelPath('site'));
        const remoteUrl = `${parentUrl}/site`;
        const options = { local: localDir, remote: remoteUrl, stateDir, connection: harness.connection };
        const local = await openBackend(parseTarget(localDir));
        await put(local, 'a.txt', 'a', T0);
        await local.close();
        assert.equal((await runSync('sync', options)).filesCopied, 1);
        await parent.remove(toRelPath('site/a.txt'));
        await parent.removeDir(toRelPath('site'));
        const error = await refusal(runSync('sync', options));
        assert.equal(error.exitCode, 4);
        assert.deepEqual(error.refusal, { reason: 'missing-root', side: 'remote', recorded: 1 });
        assert.equal((await refusal(runSync('sync', { ...options, createFolder: true }))).exitCode, 4, '--create-folder does not silently recreate it');
        assert.equal(await read(await openBackend(parseTarget(localDir)), 'a.txt'), 'a');
        assert.equal(await parent.stat(toRelPath('site')), undefined);
      } finally {
        await parent.close();
        await rm(localDir, { recursive: true, force: true });
        await rm(stateDir, { recursive: true, force: true });
      }
    });

    it('every file shifted by one hour on one side: refused (exit 6) with --compare time; --force syncs them', () =>
      withPair(harness, 'clock-shift', async (pair) => {
        const files = manyFiles(12);
        await pair.seed(files);
        // Same content, every time one hour later: what a server clock or time-zone change looks like.
        for (const [path, content] of Object.entries(files)) await put(pair.remote, path, content, T0 + HOUR);
        const error = await refusal(pair.run('sync', { compare: 'time' }));
        assert.equal(error.exitCode, 6);
        assert.deepEqual(error.refusal, { reason: 'clock-shift', side: 'remote', files: 12, offsetMs: HOUR });
        assert.match(error.message, /\+1 h.*`compare: 'checksum'`.*`force: true`/);
        assert.equal((await pair.run('upload')).filesCopied, 0, 'upload does not propagate remote time changes: no brake');
        const forced = await pair.run('sync', { force: true });
        assert.equal(forced.filesCopied, 12);
        assert.equal(forced.conflicts, 0);
        assert.deepEqual(await contents(pair.local), files);
        assert.equal(((await pair.local.stat(toRelPath('f00.txt'))) as { mtimeMs: number }).mtimeMs, T0 + HOUR);
      }));

    it('keep-both: both versions end up on both sides; a second run makes no new copies', () =>
      withPair(harness, 'keep-both', async (pair) => {
        await pair.seed({ 'r.txt': 'original', 'd/n.md': 'note' });
        await put(pair.local, 'r.txt', 'local edit', T0 + HOUR);
        await put(pair.remote, 'r.txt', 'remote edit, newer', T0 + 2 * HOUR);
        await put(pair.local, 'd/n.md', 'local note, newer', T0 + 2 * HOUR);
        await put(pair.remote, 'd/n.md', 'remote note', T0 + HOUR);
        const dry = await pair.run('sync', { resolve: 'keep-both', dryRun: true });
        assert.equal(dry.conflictCopies, 2);
        const summary = await pair.run('sync', { resolve: 'keep-both' });
        assert.deepEqual([summary.conflictCopies, summary.conflicts, summary.errors], [2, 0, 0]);
        const expected = {
          'd/': '',
          'd/n.md': 'local note, newer',
          'd/n.conflict-remote-20250601T130000Z.md': 'remote note',
          'r.txt': 'remote edit, newer',
          'r.conflict-local-20250601T130000Z.txt': 'local edit',
        };
        assert.deepEqual(await contents(pair.local), expected);
        assert.deepEqual(await contents(pair.remote), expected);
        const again = await pair.run('sync', { resolve: 'keep-both' });
        assert.deepEqual([again.filesCopied, again.conflictCopies, again.conflicts, again.filesDeleted], [0, 0, 0, 0]);
        assert.deepEqual(await contents(pair.remote), expected);
      }));

    it('ask: both files are read through the backends; "keep both" from the answer', () =>
      withPair(harness, 'ask', async (pair) => {
        await pair.seed({ 'x.txt': 'one\ntwo\n' });
        await put(pair.local, 'x.txt', 'one\nTWO local\n', T0 + HOUR);
        await put(pair.remote, 'x.txt', 'one\ntwo remote\n', T0 + 2 * HOUR);
        const seen: string[] = [];
        const summary = await pair.run('sync', {
          resolve: 'ask',
          ask: async (question) => {
            assert.equal(question.canKeepBoth, true);
            assert.deepEqual(question.recorded?.local, { kind: 'file', size: 8, mtimeMs: T0 });
            for (const side of ['local', 'remote'] as const) {
              const { bytes, truncated } = await question.read!(side, 5);
              seen.push(`${side}:${Buffer.from(bytes).toString()}:${truncated}`);
            }
            return 'keep-both';
          },
        });
        assert.deepEqual(seen, ['local:one\nT:true', 'remote:one\nt:true']);
        assert.equal(summary.conflictCopies, 1);
        assert.equal(await read(pair.remote, 'x.conflict-local-20250601T130000Z.txt'), 'one\nTWO local\n');
      }));

    it('--backup-dir: files a sync overwrites or deletes are moved into the backup folder, which is never synced', () =>
      withPair(harness, 'backup-dir', async (pair) => {
        await pair.seed({ 'keep.txt': 'k', 'over.txt': 'old remote', 'd/del.txt': 'to delete' });
        await put(pair.local, 'over.txt', 'new local', T0 + HOUR);
        await pair.local.remove(toRelPath('d/del.txt'));
        await put(pair.remote, 'keep.txt', 'remote edit', T0 + HOUR);
        const summary = await pair.run('sync', { backupDir: '.ferry-backup' });
        assert.equal(summary.errors, 0);
        const remote = await contents(pair.remote);
        const local = await contents(pair.local);
        assert.equal(remote['over.txt'], 'new local');
        assert.equal(remote['d/del.txt'], undefined);
        assert.equal(local['keep.txt'], 'remote edit');
        const backedUp = (tree: Record<string, string>) =>
          Object.fromEntries(
            Object.entries(tree)
              .filter(([path]) => path.startsWith('.ferry-backup/') && !path.endsWith('/'))
              .map(([path, text]) => [path.replace(/^\.ferry-backup\/\d{8}T\d{6}Z\//, ''), text]),
          );
        assert.deepEqual(backedUp(remote), { 'over.txt': 'old remote', 'd/del.txt': 'to delete' });
        assert.deepEqual(backedUp(local), { 'keep.txt': 'k' });
        const again = await pair.run('sync', { backupDir: '.ferry-backup' });
        assert.deepEqual([again.filesCopied, again.filesDeleted, again.conflicts], [0, 0, 0], 'the backup folders are not synced');
        const without = await pair.run('sync');
        assert.deepEqual([without.filesCopied, without.conflicts], [0, 0], 'nor without the option: a backup folder is always left alone');
      }));
  });
}
