/**
 * Bad input to the built binary: each case ends with its exit code and one line on stderr
 * (`ferry: ...`), never a stack trace, and leaves both trees as they were.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { hasStackTrace, linesOf, makeSandbox, treeObject, writeTree, type CliResult, type Sandbox } from '../support/run-cli.js';

function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code (stdout: ${result.stdout}; stderr: ${result.stderr})`);
  const lines = linesOf(result.stderr);
  assert.equal(lines.length, 1, `exactly one stderr line expected, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^ferry: /);
  assert.match(lines[0]!, pattern);
  assert.ok(!hasStackTrace(result.stderr + result.stdout), 'no stack trace');
}

async function stateFiles(stateDir: string, ext: string): Promise<string[]> {
  const names = await fs.readdir(stateDir).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith(ext)).map((name) => path.join(stateDir, name));
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

/** A local TCP port nothing listens on (connections are refused). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ferry CLI: bad input', () => {
  let box: Sandbox;
  const sync = (...extra: string[]) => box.run(['sync', box.local, box.remote, '--state-dir', box.stateDir, ...extra]);
  beforeEach(async () => {
    box = await makeSandbox('bad-input');
    await writeTree(box.local, { 'a.txt': 'a', 'sub/b.txt': 'b' });
    await writeTree(box.remote, { 'c.txt': 'c' });
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('a missing source folder exits 1 without suggesting --create-folder, which never creates a source', async () => {
    const missing = path.join(box.root, 'missing');
    const before = await treeObject(box.remote);
    const result = await box.run(['upload', missing, box.remote, '--state-dir', box.stateDir]);
    assertOneLineError(result, 1, /folder .*missing does not exist$/);
    const forced = await box.run(['upload', missing, box.remote, '--create-folder', '--state-dir', box.stateDir]);
    assertOneLineError(forced, 1, /folder .*missing does not exist$/);
    await assert.rejects(fs.stat(missing), 'the source is not created');
    assert.deepEqual(await treeObject(box.remote), before);
  });

  it('a missing remote folder exits 1 and mentions --create-folder', async () => {
    const result = await box.run(['sync', box.local, path.join(box.root, 'nope'), '--state-dir', box.stateDir]);
    assertOneLineError(result, 1, /--create-folder/);
    await assert.rejects(fs.stat(path.join(box.root, 'nope')), 'not created without --create-folder');
  });

  it('--create-folder creates the missing target folder (and its parents) and syncs into it', async () => {
    const target = path.join(box.root, 'new', 'deep');
    const result = await box.run(['upload', box.local, target, '--create-folder', '--state-dir', box.stateDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(Object.keys(await treeObject(target)).sort(), ['a.txt', 'sub', 'sub/b.txt']);
  });

  it('--create-folder for a target that cannot be made (under /proc) exits 1 with one line instead of hanging', async () => {
    // Node 20's recursive mkdir never returns there: a regression is killed after 20 s (code null).
    const result = await box.run(['upload', box.local, '/proc/ferry-no-such/target', '--create-folder', '--state-dir', box.stateDir], { timeoutMs: 20_000 });
    assertOneLineError(result, 1, /^ferry: cannot create folder \/proc\/ferry-no-such\/target: /);
  });

  it('an unknown URL scheme exits 2', async () => {
    assertOneLineError(await box.run(['sync', box.local, 'foo://x/y', '--state-dir', box.stateDir]), 2, /foo/);
  });

  it('a malformed remote URL exits 2', async () => {
    assertOneLineError(await box.run(['sync', box.local, 'sftp:///no-host', '--state-dir', box.stateDir]), 2, /host|URL/i);
  });

  it('a file where a folder is expected exits 1 (as REMOTE and as LOCAL)', async () => {
    const file = path.join(box.root, 'plain.txt');
    await fs.writeFile(file, 'not a folder');
    assertOneLineError(await box.run(['sync', box.local, file, '--state-dir', box.stateDir]), 1, /plain\.txt.*(file|folder)/);
    assertOneLineError(await box.run(['download', file, box.remote, '--state-dir', box.stateDir]), 1, /plain\.txt.*(file|folder)/);
    assert.equal(await fs.readFile(file, 'utf8'), 'not a folder');
  });

  it('LOCAL and REMOTE the same folder exits 1 (also through a symlink and a file:// URL)', async () => {
    assertOneLineError(await box.run(['sync', box.local, box.local, '--state-dir', box.stateDir]), 1, /same folder/);
    const link = path.join(box.root, 'link');
    await fs.symlink(box.local, link);
    assertOneLineError(await box.run(['sync', box.local, link, '--state-dir', box.stateDir]), 1, /same folder/);
    assertOneLineError(await box.run(['upload', box.local, `file://${box.local}`, '--state-dir', box.stateDir]), 1, /same folder/);
  });

  it('one folder inside the other exits 1, both ways round, and nothing is copied', async () => {
    const before = await treeObject(box.local);
    const inner = path.join(box.local, 'sub');
    assertOneLineError(await box.run(['sync', box.local, inner, '--state-dir', box.stateDir]), 1, /inside/);
    assertOneLineError(await box.run(['upload', inner, box.local, '--state-dir', box.stateDir]), 1, /inside/);
    assert.deepEqual(await treeObject(box.local), before);
  });

  for (const [label, garbage] of [
    ['one line of garbage', 'this is not JSON {{{'],
    ['garbage spanning lines', 'garbage\n{{{\n'],
  ] as const) {
    it(`a corrupt state file (${label}) exits 1, says how to reset it, and leaves both trees untouched`, async () => {
      assert.equal((await sync()).code, 0);
      const [snapshot] = await stateFiles(box.stateDir, '.json');
      assert.ok(snapshot, 'the first run wrote a state file');
      await fs.writeFile(snapshot, garbage);
      await writeTree(box.local, { 'later.txt': 'made after the first sync' });
      await fs.rm(path.join(box.remote, 'c.txt'));
      const beforeLocal = await treeObject(box.local);
      const beforeRemote = await treeObject(box.remote);

      const result = await sync();
      assertOneLineError(result, 1, /state/);
      assert.ok(result.stderr.includes(path.basename(snapshot)), 'names the state file');
      // The way out: move the file away (the message spells out the command).
      assert.match(result.stderr, /move it away|mv /, 'tells how to reset the state');
      assert.deepEqual(await treeObject(box.local), beforeLocal);
      assert.deepEqual(await treeObject(box.remote), beforeRemote);
      assert.equal(await fs.readFile(snapshot, 'utf8'), garbage, 'the corrupt file is kept for inspection');

      // Following the advice works: the next run treats the pair as never synced and deletes nothing
      // (c.txt, deleted on the remote side since the first sync, is copied back, not deleted locally).
      await fs.rename(snapshot, `${snapshot}.bad`);
      const again = await sync();
      assert.equal(again.code, 0, again.stderr);
      assert.equal(await fs.readFile(path.join(box.local, 'c.txt'), 'utf8'), 'c');
      assert.equal(await fs.readFile(path.join(box.remote, 'c.txt'), 'utf8'), 'c');
      assert.equal(await fs.readFile(path.join(box.remote, 'later.txt'), 'utf8'), 'made after the first sync');
    });
  }

  it('a state file written by a newer ferry (version 99) exits 1 saying "newer", trees untouched', async () => {
    assert.equal((await sync()).code, 0);
    const [snapshot] = await stateFiles(box.stateDir, '.json');
    const data = JSON.parse(await fs.readFile(snapshot!, 'utf8')) as Record<string, unknown>;
    data.version = 99;
    await fs.writeFile(snapshot!, JSON.stringify(data));
    await writeTree(box.local, { 'later.txt': 'x' });
    const beforeLocal = await treeObject(box.local);
    const beforeRemote = await treeObject(box.remote);
    const result = await sync();
    assertOneLineError(result, 1, /newer/);
    assert.deepEqual(await treeObject(box.local), beforeLocal);
    assert.deepEqual(await treeObject(box.remote), beforeRemote);
    assert.equal(JSON.parse(await fs.readFile(snapshot!, 'utf8')).version, 99, 'not overwritten');
  });

  it('a lock held by a live process exits 1 naming its pid, and the lock is left alone', async () => {
    assert.equal((await sync()).code, 0);
    const [snapshot] = await stateFiles(box.stateDir, '.json');
    const lockFile = snapshot!.replace(/\.json$/, '.lock');
    const lock = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() });
    await fs.writeFile(lockFile, lock);
    await writeTree(box.local, { 'later.txt': 'x' });
    const beforeRemote = await treeObject(box.remote);

    const result = await sync();
    assertOneLineError(result, 1, new RegExp(`pid ${process.pid}\\b`));
    assert.deepEqual(await treeObject(box.remote), beforeRemote, 'nothing copied while locked');
    assert.equal(await fs.readFile(lockFile, 'utf8'), lock, 'the other run’s lock is not removed');
  });

  it('a stale lock (its process is gone) is taken over and the run succeeds', async () => {
    assert.equal((await sync()).code, 0);
    const [snapshot] = await stateFiles(box.stateDir, '.json');
    const lockFile = snapshot!.replace(/\.json$/, '.lock');
    const pid = deadPid();
    assert.ok(pid > 0);
    await fs.writeFile(lockFile, JSON.stringify({ pid, host: hostname(), startedAt: '2020-01-01T00:00:00.000Z' }));
    await writeTree(box.local, { 'later.txt': 'x' });

    const result = await sync();
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await fs.readFile(path.join(box.remote, 'later.txt'), 'utf8'), 'x');
    await assert.rejects(fs.stat(lockFile), 'the lock is released at the end');
  });

  it('a --state-dir that cannot be created exits 1 with one line', async () => {
    const blocker = path.join(box.root, 'blocker');
    await fs.writeFile(blocker, 'a file where the state folder should go');
    const result = await box.run(['sync', box.local, box.remote, '--state-dir', path.join(blocker, 'state')]);
    assertOneLineError(result, 1, /state/);
  });

  it('a lock file with unreadable contents exits 1 saying how to clear it', async () => {
    assert.equal((await sync()).code, 0);
    const [snapshot] = await stateFiles(box.stateDir, '.json');
    const lockFile = snapshot!.replace(/\.json$/, '.lock');
    await fs.writeFile(lockFile, '');
    const result = await sync();
    assertOneLineError(result, 1, /lock/);
    assert.ok(result.stderr.includes(path.basename(lockFile)), 'names the lock file');
    assert.match(result.stderr, /delete/);
  });

  it('a lock held on another host is respected (exit 1, names the host)', async () => {
    assert.equal((await sync()).code, 0);
    const [snapshot] = await stateFiles(box.stateDir, '.json');
    const lockFile = snapshot!.replace(/\.json$/, '.lock');
    await fs.writeFile(lockFile, JSON.stringify({ pid: deadPid(), host: 'some-other-host.example', startedAt: new Date().toISOString() }));
    assertOneLineError(await sync(), 1, /some-other-host\.example/);
    assert.ok(await fs.stat(lockFile));
  });

  for (const scheme of ['sftp', 'ftp', 'ftps']) {
    it(`an unreachable ${scheme} server exits 1 with one line that never shows the password`, async () => {
      const url = `${scheme}://someone:s3cr3t-pw@127.0.0.1:${await closedPort()}/data`;
      const result = await box.run(['upload', box.local, url, '--state-dir', box.stateDir], { timeoutMs: 60_000 });
      assertOneLineError(result, 1, /127\.0\.0\.1/);
      assert.ok(!`${result.stdout}${result.stderr}`.includes('s3cr3t'), `password printed:\n${result.stdout}${result.stderr}`);
      const json = await box.run(['upload', box.local, url, '--state-dir', box.stateDir, '--json'], { timeoutMs: 60_000 });
      assert.equal(json.code, 1);
      assert.ok(!`${json.stdout}${json.stderr}`.includes('s3cr3t'), 'password printed with --json');
    });
  }
});
