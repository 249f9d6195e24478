/**
 * Scenarios for moves and renames, `--compare checksum`, `--case` and symlinks, reusable on every
 * backend pair: the local side is a temporary folder, the remote side whatever the harness gives
 * (see sync-matrix-suite.ts for the harness). Run by renames-local/-sftp/-ftp-*.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { openBackend } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import type { Action } from '../../src/core/plan.js';
import { toRelPath } from '../../src/core/rel-path.js';
import type { SyncMode } from '../../src/core/sync-options.js';
import type { RunSummary, SyncEvent } from '../../src/engine/events.js';
import { runSync, type AnyRunOptions } from '../../src/engine/run-sync.js';
import type { RemoteHarness } from './sync-matrix-suite.js';

/** What a harness adds for these scenarios. */
export interface RenameHarness extends RemoteHarness {
  /** How the remote side's digests are expected to be obtained under `--compare checksum`. */
  readonly remoteHashes: 'server' | 'read';
}

const T1 = Date.UTC(2021, 5, 1, 10, 0, 0);
const T2 = Date.UTC(2021, 5, 1, 11, 0, 0);
const T3 = Date.UTC(2021, 5, 1, 12, 0, 0);

interface Pair {
  readonly localDir: string;
  readonly remote: Backend;
  readonly base: AnyRunOptions;
  run(mode: SyncMode, extra?: Partial<AnyRunOptions>): Promise<{ summary: RunSummary; events: SyncEvent[] }>;
  close(): Promise<void>;
}

async function openPair(harness: RenameHarness, label: string): Promise<Pair> {
  const localDir = await fs.mkdtemp(join(tmpdir(), `ferry-renames-${label}-`));
  const stateDir = await fs.mkdtemp(join(tmpdir(), 'ferry-renames-state-'));
  const remoteUrl = await harness.freshRemote(`renames-${label}`);
  const remote = await openBackend(parseTarget(remoteUrl), harness.connection);
  const base: AnyRunOptions = { local: localDir, remote: remoteUrl, stateDir, connection: harness.connection, resolve: 'skip' };
  return {
    localDir,
    remote,
    base,
    async run(mode, extra = {}) {
      const events: SyncEvent[] = [];
      const summary = await runSync(mode, { ...base, ...extra, onEvent: (event) => events.push(event) });
      return { summary, events };
    },
    async close() {
      await remote.close();
      await fs.rm(localDir, { recursive: true, force: true });
      await fs.rm(stateDir, { recursive: true, force: true });
    },
  };
}

async function writeLocal(dir: string, path: string, content: string | Buffer, mtimeMs: number): Promise<void> {
  const abs = join(dir, ...path.split('/'));
  await fs.mkdir(join(abs, '..'), { recursive: true });
  await fs.writeFile(abs, content);
  await fs.utimes(abs, mtimeMs / 1000, mtimeMs / 1000);
}

async function writeRemote(backend: Backend, path: string, content: string | Buffer, mtimeMs: number): Promise<void> {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) await backend.mkdir(toRelPath(parts.slice(0, i).join('/')));
  await backend.write(toRelPath(path), Readable.from([Buffer.from(content)]), { mtimeMs });
}

async function readRemote(backend: Backend, path: string): Promise<Buffer | undefined> {
  if ((await backend.stat(toRelPath(path))) === undefined) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(toRelPath(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readLocal(dir: string, path: string): Promise<Buffer | undefined> {
  return fs.readFile(join(dir, ...path.split('/'))).catch(() => undefined);
}

const sha256 = (data: Buffer | undefined): string | undefined => (data === undefined ? undefined : createHash('sha256').update(data).digest('hex'));
const planned = (events: SyncEvent[]): Action[] => events.flatMap((event) => (event.type === 'planned' ? [event.action] : []));
const kinds = (events: SyncEvent[]): string[] => planned(events).map((action) => `${action.kind} ${action.path}`);
const finished = (events: SyncEvent[]) => events.flatMap((event) => (event.type === 'action-finished' ? [event.result] : []));

/** A second run of the same command plans nothing that moves data. */
async function assertQuiet(pair: Pair, mode: SyncMode, extra: Partial<AnyRunOptions> = {}): Promise<void> {
  const { events } = await pair.run(mode, extra);
  assert.deepEqual(
    planned(events)
      .filter((action) => action.kind !== 'record' && action.kind !== 'forget')
      .map((a) => `${a.kind} ${a.path}`),
    [],
    'a second run does nothing',
  );
  assert.deepEqual(
    events.filter((event) => event.type === 'conflict'),
    [],
  );
}

/** Registers the scenarios for a local side against the harness's remote side. */
export function describeRenameScenarios(name: string, harness: RenameHarness): void {
  describe(`moves, checksums, case and links: ${name}`, () => {
    it('a 100 MB file renamed locally is renamed on the remote side, not transferred', async () => {
      const pair = await openPair(harness, 'big');
      try {
        const big = randomBytes(100 * 1024 * 1024);
        const digest = sha256(big);
        await writeLocal(pair.localDir, 'media/video.bin', big, T1);
        await writeLocal(pair.localDir, 'note.txt', 'a note', T1);
        const first = await pair.run('sync');
        assert.equal(first.summary.bytesCopied, big.length + 6);

        await fs.mkdir(join(pair.localDir, 'archive'));
        await fs.rename(join(pair.localDir, 'media', 'video.bin'), join(pair.localDir, 'archive', 'video-2021.bin'));
        const dry = await pair.run('sync', { dryRun: true });
        assert.deepEqual(kinds(dry.events), ['mkdir archive', 'move archive/video-2021.bin']);
        assert.equal((await pair.remote.stat(toRelPath('media/video.bin')))?.kind, 'file', 'a dry run renames nothing');

        const { summary, events } = await pair.run('sync');
        assert.deepEqual(kinds(events), kinds(dry.events), 'the dry run plans what the run does');
        const move = finished(events).find((result) => result.action.kind === 'move')!;
        assert.equal(move.status, 'done');
        assert.equal(move.status === 'done' && move.via, 'rename');
        assert.deepEqual(
          { copied: summary.filesCopied, bytes: summary.bytesCopied, moved: summary.moved, deleted: summary.filesDeleted, errors: summary.errors },
          { copied: 0, bytes: 0, moved: 1, deleted: 0, errors: 0 },
        );
        assert.equal(await pair.remote.stat(toRelPath('media/video.bin')), undefined);
        assert.equal(sha256(await readRemote(pair.remote, 'archive/video-2021.bin')), digest, 'the renamed file is intact');
        await assertQuiet(pair, 'sync');
      } finally {
        await pair.close();
      }
    });

    it('a file renamed on the remote side is renamed locally', async () => {
      const pair = await openPair(harness, 'remote-rename');
      try {
        await writeLocal(pair.localDir, 'report.txt', 'quarterly report', T1);
        await pair.run('sync');
        await pair.remote.rename(toRelPath('report.txt'), toRelPath('report-final.txt'));
        const { summary, events } = await pair.run('sync');
        assert.deepEqual(kinds(events), ['move report-final.txt']);
        assert.equal(summary.bytesCopied, 0);
        assert.equal((await readLocal(pair.localDir, 'report-final.txt'))?.toString(), 'quarterly report');
        assert.equal(await readLocal(pair.localDir, 'report.txt'), undefined);
        await assertQuiet(pair, 'sync');
      } finally {
        await pair.close();
      }
    });

    it('a renamed folder with files is one rename', async () => {
      const pair = await openPair(harness, 'folder');
      try {
        // One size and one time for every file: only the folder's contents together identify it.
        for (const path of ['docs/a.txt', 'docs/b.txt', 'docs/sub/c.txt']) await writeLocal(pair.localDir, path, 'same', T1);
        await pair.run('sync');
        // An excluded name in the remote folder moves along with it.
        await writeRemote(pair.remote, 'docs/.DS_Store', 'finder data', T1);
        await fs.rename(join(pair.localDir, 'docs'), join(pair.localDir, 'papers'));
        const { summary, events } = await pair.run('sync');
        assert.deepEqual(kinds(events), ['move papers']);
        const action = planned(events)[0]!;
        assert.equal(action.kind === 'move' && action.oldPath, 'docs');
        assert.deepEqual({ copied: summary.filesCopied, moved: summary.moved, errors: summary.errors }, { copied: 0, moved: 1, errors: 0 });
        assert.equal((await readRemote(pair.remote, 'papers/sub/c.txt'))?.toString(), 'same');
        assert.equal(await pair.remote.stat(toRelPath('docs')), undefined);
        assert.equal((await readRemote(pair.remote, 'papers/.DS_Store'))?.toString(), 'finder data');
        await assertQuiet(pair, 'sync');
      } finally {
        await pair.close();
      }
    });

    it('upload --delete renames on the remote side; upload without --delete copies and keeps the old file', async () => {
      const pair = await openPair(harness, 'upload');
      try {
        await writeLocal(pair.localDir, 'one.txt', 'first file', T1);
        await writeLocal(pair.localDir, 'two.txt', 'second file!', T1);
        await pair.run('upload');
        await fs.rename(join(pair.localDir, 'one.txt'), join(pair.localDir, 'uno.txt'));
        await fs.rename(join(pair.localDir, 'two.txt'), join(pair.localDir, 'dos.txt'));
        const plain = await pair.run('upload', { match: ['dos.txt', 'two.txt'] });
        assert.deepEqual(kinds(plain.events), ['copy dos.txt']);
        const { events } = await pair.run('upload', { delete: true, match: ['uno.txt', 'one.txt'] });
        assert.deepEqual(kinds(events), ['move uno.txt']);
        assert.equal((await readRemote(pair.remote, 'uno.txt'))?.toString(), 'first file');
        assert.equal(await pair.remote.stat(toRelPath('one.txt')), undefined);
        assert.equal((await readRemote(pair.remote, 'two.txt'))?.toString(), 'second file!', 'without --delete the old file stays');
      } finally {
        await pair.close();
      }
    });

    it('a rename whose old file is edited on the other side during the run is not done; the edit survives', async () => {
      const pair = await openPair(harness, 'edit-during');
      try {
        await writeLocal(pair.localDir, 'draft.txt', 'draft one', T1);
        await pair.run('sync');
        await fs.rename(join(pair.localDir, 'draft.txt'), join(pair.localDir, 'draft-v2.txt'));
        // The remote side is edited after the scan, just before the first action runs.
        let edited = false;
        const remote = pair.remote;
        const hooked: Backend = Object.create(remote, {
          stat: {
            value: async (path: ReturnType<typeof toRelPath>) => {
              if (!edited) {
                edited = true;
                await writeRemote(remote, 'draft.txt', 'edited remotely meanwhile', T3);
              }
              return remote.stat(path);
            },
          },
          close: { value: async () => undefined },
        });
        const { events } = await pair.run('sync', { remote: hooked });
        assert.ok(edited);
        assert.equal(finished(events).find((result) => result.action.kind === 'move')?.status, 'conflict');
        assert.equal((await readRemote(remote, 'draft.txt'))?.toString(), 'edited remotely meanwhile');
        // The next runs settle it without losing either version.
        await pair.run('sync');
        assert.equal((await readRemote(remote, 'draft-v2.txt'))?.toString(), 'draft one');
        assert.equal((await readRemote(remote, 'draft.txt'))?.toString(), 'edited remotely meanwhile');
      } finally {
        await pair.close();
      }
    });

    it('--compare checksum: a touched but identical file is neither a transfer nor a conflict', async () => {
      const pair = await openPair(harness, 'checksum');
      try {
        await writeLocal(pair.localDir, 'touched.txt', 'same content', T1);
        await writeLocal(pair.localDir, 'both.txt', 'same on both', T1);
        await writeLocal(pair.localDir, 'edited.txt', 'version one', T1);
        await pair.run('sync');
        // Same bytes, new times: one side, and both sides with different times.
        await writeLocal(pair.localDir, 'touched.txt', 'same content', T2);
        await writeLocal(pair.localDir, 'both.txt', 'same on both', T2);
        await writeRemote(pair.remote, 'both.txt', 'same on both', T3);
        // Same size, other content: must still be copied.
        await writeLocal(pair.localDir, 'edited.txt', 'version two', T2);

        const byTime = await pair.run('sync', { dryRun: true });
        assert.deepEqual(kinds(byTime.events).sort(), ['copy edited.txt', 'copy touched.txt']);
        assert.equal(byTime.summary.conflicts, 1, 'by time alone both.txt is a conflict');

        const { summary, events } = await pair.run('sync', { compare: 'checksum' });
        const compared = events.flatMap((event) => (event.type === 'compared' ? [event] : []));
        assert.deepEqual(
          compared.map((c) => `${c.path} ${c.equal}`),
          ['both.txt true', 'edited.txt false', 'touched.txt true'],
        );
        for (const comparison of compared) assert.deepEqual(comparison.by, { local: 'read', remote: harness.remoteHashes });
        assert.deepEqual(
          kinds(events).filter((k) => !k.startsWith('record')),
          ['copy edited.txt'],
        );
        assert.deepEqual({ copied: summary.filesCopied, conflicts: summary.conflicts, recorded: summary.recorded }, { copied: 1, conflicts: 0, recorded: 2 });
        assert.equal((await readRemote(pair.remote, 'edited.txt'))?.toString(), 'version two');
        // Recorded with each side's own time: quiet without --compare checksum too.
        await assertQuiet(pair, 'sync');
      } finally {
        await pair.close();
      }
    });

    it('--case strict reports names differing only in case before any transfer; --case local keeps the local spelling', async () => {
      const pair = await openPair(harness, 'case');
      try {
        await writeLocal(pair.localDir, 'Readme.txt', 'local readme', T1);
        await writeLocal(pair.localDir, 'plain.txt', 'plain', T1);
        await writeRemote(pair.remote, 'README.txt', 'remote readme', T2);
        const strict = await pair.run('sync', { case: 'strict' });
        const firstStarted = strict.events.findIndex((event) => event.type === 'action-started');
        const collisions = strict.events.flatMap((event, index) =>
          event.type === 'conflict' && event.conflict.conflict.reason === 'case-collision' ? [{ path: event.conflict.path, index }] : [],
        );
        assert.deepEqual(
          collisions.map((c) => c.path),
          ['README.txt', 'Readme.txt'],
        );
        assert.ok(
          collisions.every((c) => c.index < firstStarted),
          'reported before any transfer',
        );
        assert.deepEqual(kinds(strict.events), ['copy plain.txt']);
        assert.equal((await readRemote(pair.remote, 'README.txt'))?.toString(), 'remote readme');
        assert.equal(await pair.remote.stat(toRelPath('Readme.txt')), undefined);
        assert.equal(await readLocal(pair.localDir, 'README.txt'), undefined);

        const local = await pair.run('sync', { case: 'local', resolve: 'local' });
        assert.deepEqual(kinds(local.events), ['move Readme.txt', 'copy Readme.txt']);
        assert.equal((await readRemote(pair.remote, 'Readme.txt'))?.toString(), 'local readme');
        assert.equal(await pair.remote.stat(toRelPath('README.txt')), undefined);
        await assertQuiet(pair, 'sync', { case: 'strict' });
      } finally {
        await pair.close();
      }
    });

    it('symlinks: skipped with one warning by default; --links follow copies targets inside the folder only', async () => {
      const pair = await openPair(harness, 'links');
      try {
        await writeLocal(pair.localDir, 'real.txt', 'real content', T1);
        await writeLocal(pair.localDir, 'dir/inner.txt', 'inner', T1);
        const outside = await fs.mkdtemp(join(tmpdir(), 'ferry-outside-'));
        await fs.writeFile(join(outside, 'secret.txt'), 'outside the folder');
        await fs.symlink('real.txt', join(pair.localDir, 'link.txt'));
        await fs.symlink('dir', join(pair.localDir, 'dirlink'));
        await fs.symlink(join(outside, 'secret.txt'), join(pair.localDir, 'escape.txt'));
        await fs.symlink('..', join(pair.localDir, 'dir', 'loop'));
        try {
          const plain = await pair.run('sync');
          const warnings = plain.events.flatMap((event) => (event.type === 'warning' && /symbolic link/.test(event.message) ? [event.message] : []));
          assert.equal(warnings.length, 1, 'one warning per run');
          assert.match(warnings[0]!, /^4 symbolic links were skipped/);
          assert.deepEqual(kinds(plain.events).sort(), ['copy dir/inner.txt', 'copy real.txt', 'mkdir dir']);

          const followed = await pair.run('sync', { links: 'follow' });
          assert.deepEqual(kinds(followed.events).sort(), ['copy dirlink/inner.txt', 'copy link.txt', 'mkdir dirlink']);
          const warning = followed.events.find((event) => event.type === 'warning' && /symbolic link/.test(event.message));
          // escape.txt leaves the folder; dir/loop and dirlink/loop lead back to an ancestor.
          assert.match(warning && warning.type === 'warning' ? warning.message : '', /^3 symbolic links were skipped/);
          assert.equal((await readRemote(pair.remote, 'link.txt'))?.toString(), 'real content');
          assert.equal(await pair.remote.stat(toRelPath('escape.txt')), undefined, 'a link out of the folder is never followed');
          // The link itself is untouched locally.
          assert.ok((await fs.lstat(join(pair.localDir, 'link.txt'))).isSymbolicLink());
          await assertQuiet(pair, 'sync', { links: 'follow' });
        } finally {
          await fs.rm(outside, { recursive: true, force: true });
        }
      } finally {
        await pair.close();
      }
    });
  });
}
