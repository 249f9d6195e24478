/**
 * Temporary files of a SIGKILLed run: killed while a `.~ferry-*.tmp` is being written (on the
 * remote side for uploads, on the local side for downloads; over SFTP, FTP and local folders),
 * the next run of the pair removes it and leaves none of its own. A temporary file a live run of
 * another pair is writing into the same folder is left alone (and reported).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder, type RemoteFolder, type RemoteKind } from '../support/fault-targets.js';
import { collect, ensureBuilt, listTree, makeSandbox, parseJsonLines, runCli, spawnCli, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

const TEMP = /(^|\/)\.~ferry-[^/]*\.tmp$/;

async function tempsIn(root: string): Promise<string[]> {
  return [...(await listTree(root)).keys()].filter((rel) => TEMP.test(rel)).sort();
}

/** Waits until `root` holds a temporary file (polling the disk), or throws after `ms`. */
async function waitForTemp(root: string, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const temps = await tempsIn(root).catch(() => []);
    if (temps.length > 0) return temps;
    if (Date.now() > deadline) throw new Error(`no temporary file appeared in ${root}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function kill(child: ChildProcess): Promise<void> {
  const done = collect(child, 60_000);
  child.kill('SIGKILL');
  const result = await done;
  assert.equal(result.signal, 'SIGKILL', `the run ended before it was killed: ${result.stderr}`);
}

/** Gives a tree the owner of the server's data root, so the server's user may change it. */
async function chownLike(root: string, kind: RemoteKind): Promise<void> {
  const owner = await fs.stat(kind === 'sftp' ? loadServer<{ dataRoot: string }>('sshd').dataRoot : loadServer<{ dataRoot: string }>('proftpd').dataRoot);
  await fs.chown(root, owner.uid, owner.gid);
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) await chownLike(p, kind);
    else await fs.chown(p, owner.uid, owner.gid);
  }
}

async function writeSource(root: string, bigBytes: number): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>([
    ['big.bin', randomBytes(bigBytes)],
    ['small.txt', Buffer.from('small\n')],
    ['sub/other.bin', randomBytes(64 * 1024)],
  ]);
  for (const [rel, bytes] of files) {
    await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await fs.writeFile(path.join(root, rel), bytes);
  }
  return files;
}

async function assertHolds(root: string, files: Map<string, Buffer>): Promise<void> {
  for (const [rel, bytes] of files) assert.ok((await fs.readFile(path.join(root, rel))).equals(bytes), `${rel} is whole`);
}

describe('faults: temporary files of a killed run are removed by the next run', () => {
  let box: Sandbox;
  const remotes: RemoteFolder[] = [];
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('leftover-temps');
  });
  after(async () => {
    for (const remote of remotes) await remote.cleanup();
    await box.cleanup();
  });

  for (const kind of ['sftp', 'ftp'] as const) {
    for (const direction of ['upload', 'download'] as const) {
      it(`${kind} ${direction}: killed mid-file, the next run removes its temporary file`, async () => {
        const remote = await remoteFolder(kind, `temps-${kind}`, box.root, true);
        remotes.push(remote);
        const local = path.join(box.root, `${kind}-${direction}`, 'local');
        const stateDir = path.join(box.root, `${kind}-${direction}`, 'state');
        await fs.mkdir(local, { recursive: true });
        await fs.mkdir(remote.diskPath, { recursive: true });
        const source = direction === 'upload' ? local : remote.diskPath;
        const target = direction === 'upload' ? remote.diskPath : local;
        const files = await writeSource(source, 8 * 1024 * 1024);
        await chownLike(remote.diskPath, kind);
        const args = [direction, local, remote.url, '--state-dir', stateDir, '--json', '--no-progress', '--parallel', '1', ...remote.args];

        // A slow link: the big file's temporary file is there for seconds.
        remote.proxy!.setDelay(20);
        const child = spawnCli(args, { env: box.env });
        child.stdin!.end();
        const seen = await waitForTemp(target);
        await kill(child);
        remote.proxy!.setDelay(0);
        // Another copy may have opened its temporary file between the look and the kill.
        const left = await tempsIn(target);
        assert.ok(
          seen.every((temp) => left.includes(temp)),
          'the killed run left its temporary file',
        );

        const next = await runCli(args, { env: box.env, timeoutMs: 120_000 });
        assert.equal(next.code, 0, next.stderr + next.stdout.slice(-3000));
        const events = parseJsonLines(next.stdout);
        const removed = events.filter((event) => event.type === 'temps-removed');
        assert.deepEqual(
          removed.map((event) => [event['side'], event['files']]),
          [[direction === 'upload' ? 'remote' : 'local', left.length]],
        );
        assert.deepEqual(
          events.filter((event) => event.type === 'warning'),
          [],
        );
        assert.deepEqual(await tempsIn(target), [], 'no temporary file remains on the target');
        assert.deepEqual(await tempsIn(source), []);
        await assertHolds(target, files);
        await assertHolds(source, files);
        // Nothing is left to track: the writer list of the pair is gone with its last writer.
        assert.deepEqual(
          (await fs.readdir(stateDir)).filter((name) => name.endsWith('.writers')),
          [],
        );
      });
    }
  }

  it("local: killed mid-file (a second time before it could clean up), the next run removes both runs' files", async () => {
    const dir = path.join(box.root, 'local-local');
    const local = path.join(dir, 'local');
    const remote = path.join(dir, 'remote');
    const stateDir = path.join(dir, 'state');
    await fs.mkdir(remote, { recursive: true });
    const files = await writeSource(local, 96 * 1024 * 1024);
    const args = ['upload', local, remote, '--state-dir', stateDir, '--json', '--no-progress'];
    const seen = new Set<string>();
    for (let killed = 0; killed < 2;) {
      const child = spawnCli(args, { env: box.env });
      child.stdin!.end();
      let temps: string[] = [];
      try {
        temps = await waitForTemp(remote, 10_000);
      } catch {
        // The copy ended between two looks (a fast disk): try again.
      }
      if (child.exitCode === null && temps.length > 0) {
        await kill(child);
        for (const temp of await tempsIn(remote)) seen.add(temp);
        killed++;
      } else {
        await collect(child);
        await fs.rm(remote, { recursive: true, force: true });
        await fs.mkdir(remote);
        await fs.rm(stateDir, { recursive: true, force: true });
      }
    }
    assert.ok(seen.size >= 1, 'the killed runs left temporary files');
    const next = await runCli(args, { env: box.env, timeoutMs: 120_000 });
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(await tempsIn(remote), []);
    await assertHolds(remote, files);
  });

  it('a temporary file a live run of another pair is writing is left alone and reported', async () => {
    const remote = await remoteFolder('sftp', 'temps-live', box.root, true);
    remotes.push(remote);
    const dir = path.join(box.root, 'live');
    const writerLocal = path.join(dir, 'writer');
    const otherLocal = path.join(dir, 'other');
    await fs.mkdir(otherLocal, { recursive: true });
    await fs.mkdir(remote.diskPath, { recursive: true });
    await chownLike(remote.diskPath, 'sftp');
    await fs.mkdir(writerLocal, { recursive: true });
    await fs.writeFile(path.join(writerLocal, 'big.bin'), randomBytes(8 * 1024 * 1024));
    remote.proxy!.setDelay(50);
    const live = spawnCli(['upload', writerLocal, remote.url, '--state-dir', path.join(dir, 'state-a'), '--json', '--parallel', '1', ...remote.args], {
      env: box.env,
    });
    live.stdin!.end();
    try {
      const writing = await waitForTemp(remote.diskPath);
      // Another pair on the same remote folder, straight to the server (the proxy is slow).
      const direct = remote.url.replace(/:\d+\//, `:${loadServer<{ port: number }>('sshd').port}/`);
      const known = path.join(dir, 'known_hosts');
      const key = (await fs.readFile(loadServer<{ hostKeyPublicPath: string }>('sshd').hostKeyPublicPath, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
      await fs.writeFile(known, `[127.0.0.1]:${loadServer<{ port: number }>('sshd').port} ${key}\n`);
      const other = await runCli(
        ['download', otherLocal, direct, '--state-dir', path.join(dir, 'state-b'), '--known-hosts', known, '--no-keyring', '--no-netrc'],
        { env: box.env, timeoutMs: 120_000 },
      );
      assert.equal(other.code, 0, other.stderr);
      assert.match(
        other.stderr,
        /warning: 1 temporary file of other ferry runs left alone on the remote side \(\.~ferry-big\.bin\.[0-9a-z]{8}-[0-9a-z]{8}\.tmp\)/,
      );
      assert.deepEqual(await tempsIn(remote.diskPath), writing, "the live run's temporary file is still there");
      assert.deepEqual(await tempsIn(otherLocal), [], 'and was not copied');
      await assert.rejects(fs.stat(path.join(otherLocal, writing[0]!)));
    } finally {
      await kill(live);
      remote.proxy!.setDelay(0);
    }
  });
});
