/**
 * A sub-folder that cannot be listed is a problem to report, never an empty folder: its contents
 * on the other side must not be deleted by `sync` or `upload/download --delete`.
 *
 * Two forms: the built binary run as an unprivileged user (`setpriv`, needs root to set up; root
 * itself reads any folder), and the library with a Backend whose list() fails for one folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { BackendError, download, LocalBackend, sync, upload, type Backend, type Entry, type SyncEvent } from '../../src/index.js';
import { assertSameTree, hasStackTrace, makeSandbox, treeObject, writeTree, type CliResult, type Sandbox } from '../support/run-cli.js';

const NOBODY = 65534;
const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version'], { encoding: 'utf8' }).status === 0;

async function chownTree(root: string, uid: number): Promise<void> {
  await fs.chown(root, uid, uid);
  for (const name of await fs.readdir(root)) {
    const p = path.join(root, name);
    const st = await fs.lstat(p);
    if (st.isDirectory()) await chownTree(p, uid);
    else await fs.lchown(p, uid, uid);
  }
}

describe('ferry CLI: an unreadable sub-folder (run as an unprivileged user)', { skip: canDropPrivileges ? false : 'needs root and setpriv' }, () => {
  let box: Sandbox;
  const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  const run = (args: string[]): Promise<CliResult> => box.run([...args, '--state-dir', box.stateDir], { prefix: asNobody });

  beforeEach(async () => {
    box = await makeSandbox('unreadable');
    await writeTree(box.local, { 'locked/inner.txt': 'inner', 'locked/deeper/x.txt': 'x', 'open/g.txt': 'g', 'top.txt': 'top' });
    await fs.mkdir(box.stateDir);
    await fs.mkdir(path.join(box.root, 'home'), { recursive: true });
    await fs.chmod(box.root, 0o755);
    for (const dir of [box.local, box.remote, box.stateDir, path.join(box.root, 'home')]) await chownTree(dir, NOBODY);
    const first = await run(['sync', box.local, box.remote]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await fs.readFile(path.join(box.remote, 'locked', 'inner.txt'), 'utf8'), 'inner');
    await fs.chmod(path.join(box.local, 'locked'), 0o000);
  });
  afterEach(async () => {
    await fs.chmod(path.join(box.local, 'locked'), 0o755).catch(() => undefined);
    await box.cleanup();
  });

  it('sync reports it (exit 1) and does not delete its contents on the other side', async () => {
    const before = await treeObject(box.remote);
    const result = await run(['sync', box.local, box.remote]);
    assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stderr, /locked/);
    assert.ok(!hasStackTrace(result.stderr));
    assert.deepEqual(await treeObject(box.remote), before);
  });

  it('sync --report-problems exits 10', async () => {
    const result = await run(['sync', box.local, box.remote, '--report-problems']);
    assert.equal(result.code, 10, result.stderr);
    assert.ok(await fs.stat(path.join(box.remote, 'locked', 'deeper', 'x.txt')));
  });

  it('upload --delete (and --force --delete) does not delete its contents remotely', async () => {
    const before = await treeObject(box.remote);
    for (const extra of [['--delete'], ['--force', '--delete', '--resolve', 'local'], ['--delete-unmatched', '--match', '*.txt']]) {
      const result = await run(['upload', box.local, box.remote, ...extra]);
      assert.equal(result.code, 1, `upload ${extra.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /locked/);
      assert.deepEqual(await treeObject(box.remote), before, `upload ${extra.join(' ')} changed the remote tree`);
    }
  });

  it('once readable again, the next sync deletes nothing and both sides are equal', async () => {
    assert.equal((await run(['sync', box.local, box.remote])).code, 1);
    await fs.chmod(path.join(box.local, 'locked'), 0o755);
    const result = await run(['sync', box.local, box.remote]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Done: 0 files copied/);
    await assertSameTree(box.local, box.remote);
    assert.equal(await fs.readFile(path.join(box.remote, 'locked', 'inner.txt'), 'utf8'), 'inner');
  });
});

describe('ferry CLI: an unreadable file (run as an unprivileged user)', { skip: canDropPrivileges ? false : 'needs root and setpriv' }, () => {
  let box: Sandbox;
  const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  const run = (args: string[]): Promise<CliResult> => box.run([...args, '--state-dir', box.stateDir], { prefix: asNobody });

  beforeEach(async () => {
    box = await makeSandbox('unreadable-file');
    await writeTree(box.local, { 'ok.txt': 'ok', 'secret.txt': 'secret' });
    await writeTree(box.remote, { 'extra.txt': 'extra on the remote side' });
    await fs.mkdir(box.stateDir);
    await fs.chmod(box.root, 0o755);
    for (const dir of [box.local, box.remote, box.stateDir, path.join(box.root, 'home')]) await chownTree(dir, NOBODY);
    await fs.chmod(path.join(box.local, 'secret.txt'), 0o000);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('the failed copy is an error line on stderr (exit 1), the rest is copied, deletions are held back', async () => {
    const result = await run(['upload', box.local, box.remote, '--delete']);
    assert.equal(result.code, 1, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stderr, /secret\.txt/);
    assert.ok(!hasStackTrace(result.stderr));
    assert.match(result.stdout, /1 error/);
    assert.equal(await fs.readFile(path.join(box.remote, 'ok.txt'), 'utf8'), 'ok');
    await assert.rejects(fs.stat(path.join(box.remote, 'secret.txt')));
    assert.equal(await fs.readFile(path.join(box.remote, 'extra.txt'), 'utf8'), 'extra on the remote side', 'no deletes after a failed copy');
    const names = await fs.readdir(box.remote);
    assert.deepEqual(
      names.filter((n) => n.startsWith('.~ferry-')),
      [],
      'no temp file left by the failed copy',
    );
  });

  it('--report-problems turns it into exit 10; once readable, the next run copies it', async () => {
    assert.equal((await run(['upload', box.local, box.remote, '--report-problems'])).code, 10);
    await fs.chmod(path.join(box.local, 'secret.txt'), 0o644);
    const result = await run(['upload', box.local, box.remote, '--report-problems']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await fs.readFile(path.join(box.remote, 'secret.txt'), 'utf8'), 'secret');
  });
});

/** A LocalBackend whose list() fails with `permission` for the given folders. */
class UnreadableFolders implements Backend {
  constructor(
    private readonly inner: LocalBackend,
    private readonly unreadable: ReadonlySet<string>,
  ) {}
  get id() {
    return this.inner.id;
  }
  get displayName() {
    return this.inner.displayName;
  }
  get capabilities() {
    return this.inner.capabilities;
  }
  list(dir: Parameters<Backend['list']>[0]) {
    if (this.unreadable.has(dir)) return Promise.reject(new BackendError('permission', `cannot list ${dir}: permission denied`));
    return this.inner.list(dir);
  }
  stat(p: Parameters<Backend['stat']>[0]): Promise<Entry | undefined> {
    return this.inner.stat(p);
  }
  read(p: Parameters<Backend['read']>[0], options?: { signal?: AbortSignal }): Promise<Readable> {
    return this.inner.read(p, options);
  }
  write(...args: Parameters<Backend['write']>) {
    return this.inner.write(...args);
  }
  mkdir(p: Parameters<Backend['mkdir']>[0]) {
    return this.inner.mkdir(p);
  }
  remove(p: Parameters<Backend['remove']>[0]) {
    return this.inner.remove(p);
  }
  removeDir(p: Parameters<Backend['removeDir']>[0]) {
    return this.inner.removeDir(p);
  }
  rename(from: Parameters<Backend['rename']>[0], to: Parameters<Backend['rename']>[1]) {
    return this.inner.rename(from, to);
  }
  close() {
    return this.inner.close();
  }
}

describe('library: a Backend whose list() fails for one folder', () => {
  let box: Sandbox;
  const events: SyncEvent[] = [];
  const onEvent = (event: SyncEvent) => events.push(event);
  const locked = (root: string) => new UnreadableFolders(new LocalBackend(root), new Set(['locked']));

  beforeEach(async () => {
    events.length = 0;
    box = await makeSandbox('unreadable-lib');
    await writeTree(box.local, { 'locked/inner.txt': 'inner', 'locked/deeper/x.txt': 'x', 'open/g.txt': 'g', 'top.txt': 'top' });
    const first = await sync({ local: box.local, remote: box.remote, stateDir: box.stateDir });
    assert.equal(first.errors, 0);
    assert.equal(first.filesCopied, 4);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('sync: the problem is reported and the other side keeps the folder’s contents', async () => {
    const before = await treeObject(box.remote);
    const summary = await sync({ local: locked(box.local), remote: new LocalBackend(box.remote), stateDir: box.stateDir, onEvent });
    assert.ok(summary.errors >= 1);
    const problems = events.filter((e) => e.type === 'problem');
    assert.equal(problems.length, 1);
    assert.match(JSON.stringify(problems[0]), /locked/);
    assert.deepEqual(await treeObject(box.remote), before);
    // And the state still knows the folder's contents: with it readable, nothing is deleted.
    const next = await sync({ local: box.local, remote: box.remote, stateDir: box.stateDir });
    assert.equal(next.filesDeleted + next.foldersDeleted + next.filesCopied, 0);
    await assertSameTree(box.local, box.remote);
  });

  it('sync: an unreadable folder on the remote side does not delete local contents', async () => {
    const before = await treeObject(box.local);
    const summary = await sync({ local: new LocalBackend(box.local), remote: locked(box.remote), stateDir: box.stateDir });
    assert.ok(summary.errors >= 1);
    assert.equal(summary.filesDeleted, 0);
    assert.deepEqual(await treeObject(box.local), before);
  });

  it('upload --delete: remote contents of a locally unreadable folder stay', async () => {
    const before = await treeObject(box.remote);
    const summary = await upload({ local: locked(box.local), remote: new LocalBackend(box.remote), stateDir: box.stateDir, delete: true, force: true });
    assert.ok(summary.errors >= 1);
    assert.equal(summary.filesDeleted + summary.foldersDeleted, 0);
    assert.deepEqual(await treeObject(box.remote), before);
  });

  it('download --delete: local contents of a remotely unreadable folder stay', async () => {
    const before = await treeObject(box.local);
    const summary = await download({ local: new LocalBackend(box.local), remote: locked(box.remote), stateDir: box.stateDir, delete: true, force: true });
    assert.ok(summary.errors >= 1);
    assert.equal(summary.filesDeleted + summary.foldersDeleted, 0);
    assert.deepEqual(await treeObject(box.local), before);
  });

  it('upload --delete-unmatched: an unreadable folder is still left alone', async () => {
    const before = await treeObject(box.remote);
    const summary = await upload({
      local: locked(box.local),
      remote: new LocalBackend(box.remote),
      stateDir: box.stateDir,
      deleteUnmatched: true,
      match: ['top.txt'],
    });
    assert.ok(summary.errors >= 1);
    for (const rel of ['locked/inner.txt', 'locked/deeper/x.txt']) assert.ok(before[rel] && (await treeObject(box.remote))[rel], `${rel} kept`);
  });
});
