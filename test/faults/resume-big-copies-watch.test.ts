/**
 * Big copies of `ferry watch` passes continue their part as batch runs do: after a dropped
 * connection (the retry within the pass; SFTP upload, FTP download in `--mode sync` on proftpd),
 * after the server was away long enough for the watch to reconnect (the next pass), and after the
 * watch was killed mid-file (the start-up run of the next watch; pure-ftpd upload). The result is
 * byte-exact and no temporary file is left. A part whose file is no longer to be copied is removed
 * by the next full rescan.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { remoteFolder } from '../support/fault-targets.js';
import { collect, ensureBuilt, makeSandbox, onStdoutLines, spawnCli, type CliResult, type JsonEvent, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';
import { partIn } from '../support/ferry-part.js';

const SIZE = 64 * 1024 * 1024;
const MiB = 1024 * 1024;

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A `ferry watch` child with its JSON events as they come. */
interface WatchChild {
  readonly child: ChildProcess;
  /** Ctrl-C, and a kill when the watch has not ended 15 s later (a failed test must not hang). */
  stop(): Promise<void>;
  readonly events: JsonEvent[];
  readonly done: Promise<CliResult>;
  waitFor(condition: (events: JsonEvent[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
}

function startWatch(args: string[], env: NodeJS.ProcessEnv): WatchChild {
  const child = spawnCli(['watch', ...args, '--json', '--no-progress'], { env });
  child.stdin!.end();
  const events: JsonEvent[] = [];
  onStdoutLines(child, (line) => events.push(JSON.parse(line) as JsonEvent));
  const done = collect(child, 180_000);
  let ended: CliResult | undefined;
  void done.then((result) => (ended = result));
  return {
    child,
    events,
    done,
    async stop() {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(timer);
    },
    async waitFor(condition, what, timeoutMs = 60_000) {
      for (const deadline = Date.now() + timeoutMs; !condition(events); await new Promise((resolve) => setTimeout(resolve, 20))) {
        if (ended !== undefined) throw new Error(`the watch ended (${ended.code}) while waiting for ${what}: ${ended.stderr}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      }
    },
  };
}

/** The finished copy of `file` with `status`. */
function finishedCopy(events: JsonEvent[], file: string, status = 'done'): JsonEvent | undefined {
  return events.find(
    (event) =>
      event.type === 'action-finished' && event['result'].action.kind === 'copy' && event['result'].action.path === file && event['result'].status === status,
  );
}

/** Writes `content` as `file` in `dir` at once (renamed in from `outside`), owned like `dir`. */
async function putWhole(outside: string, dir: string, file: string, content: Buffer): Promise<void> {
  await fs.mkdir(outside, { recursive: true });
  const owner = await fs.stat(dir);
  await fs.writeFile(path.join(outside, file), content);
  await fs.chown(path.join(outside, file), owner.uid, owner.gid);
  await fs.rename(path.join(outside, file), path.join(dir, file));
}

/** Checks the copy: done, continued at `minResumedFrom` or later, byte-exact, no part left. */
async function assertContinued(events: JsonEvent[], target: string, content: Buffer, minResumedFrom: number): Promise<void> {
  const finished = finishedCopy(events, path.basename(target));
  assert.ok(finished !== undefined, 'the copy finished');
  const resumedFrom = finished['result'].resumedFrom as number | undefined;
  assert.ok(resumedFrom !== undefined && resumedFrom >= minResumedFrom, `continued at ${resumedFrom}`);
  assert.equal(finished['result'].bytes, SIZE - resumedFrom, 'only the rest was sent');
  assert.equal(sha(await fs.readFile(target)), sha(content), 'the copy is byte-exact');
  assert.equal(await partIn(path.dirname(target)), undefined, 'no temporary file is left');
}

describe('faults: a big copy of a watch pass continues its part', () => {
  let box: Sandbox;
  const cleanups: Array<() => Promise<void>> = [];
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('resume-watch');
  });
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    await box.cleanup();
  });

  for (const [kind, outage] of [
    ['sftp', 'drop'],
    ['sftp', 'away'],
    ['ftp', 'drop'],
  ] as const) {
    const direction = kind === 'sftp' ? 'upload' : 'download';
    const title =
      outage === 'drop'
        ? `${kind} ${direction}: a dropped connection; the retry within the pass sends about the rest`
        : `${kind} ${direction}: the server away for seconds; after the reconnection the next pass sends about the rest`;
    it(title, async () => {
      const name = `${kind}-${outage}`;
      const remote = await remoteFolder(kind, `resume-watch-${name}`, box.root, true);
      cleanups.push(() => remote.cleanup());
      const local = path.join(box.root, name, 'local');
      await fs.mkdir(local, { recursive: true });
      await fs.mkdir(remote.diskPath, { recursive: true });
      const owner = await fs.stat(path.dirname(remote.diskPath));
      await fs.chown(remote.diskPath, owner.uid, owner.gid);
      const mode = direction === 'upload' ? [] : ['--mode', 'sync', '--poll', '1'];
      const watch = startWatch([local, remote.url, ...mode, '--state-dir', path.join(box.root, name, 'state'), ...remote.args], box.env);
      try {
        await watch.waitFor((events) => events.some((event) => event.type === 'watch-started'), 'the watch to start');
        const proxy = remote.proxy!;
        if (outage === 'drop') {
          // One connection (FTP: one data connection) is cut once it has carried 40 MiB.
          proxy.dropAfterBytes(40 * MiB, 1, kind === 'ftp');
        } else {
          // 40 MiB into the copy every connection is cut and new ones are refused for 4 s: longer
          // than the retries within the pass wait.
          proxy.whenBytes(proxy.bytes + 40 * MiB, () => {
            proxy.refuse(4000);
            proxy.cutAll();
          });
        }
        const content = randomBytes(SIZE);
        const sourceDir = direction === 'upload' ? local : remote.diskPath;
        await putWhole(path.join(box.root, name, 'outside'), sourceDir, 'big.bin', content);
        await watch.waitFor((events) => finishedCopy(events, 'big.bin') !== undefined, 'the copy of big.bin', 90_000);
        // A dropped connection is made good within the pass: the copy never fails.
        if (outage === 'drop') assert.equal(finishedCopy(watch.events, 'big.bin', 'failed'), undefined);
        if (outage === 'away') {
          assert.ok(
            watch.events.some((event) => event.type === 'watch-state' && event['state'] === 'reconnecting'),
            'the watch reconnected',
          );
        }
        await assertContinued(watch.events, path.join(direction === 'upload' ? remote.diskPath : local, 'big.bin'), content, 20 * MiB);
      } finally {
        await watch.stop();
      }
    });
  }

  it('sftp upload: a part whose file was deleted while the server was away is removed by the next full rescan', async () => {
    const remote = await remoteFolder('sftp', 'resume-watch-gone', box.root, true);
    cleanups.push(() => remote.cleanup());
    const local = path.join(box.root, 'gone', 'local');
    const stateDir = path.join(box.root, 'gone', 'state');
    await fs.mkdir(local, { recursive: true });
    await fs.mkdir(remote.diskPath, { recursive: true });
    const owner = await fs.stat(path.dirname(remote.diskPath));
    await fs.chown(remote.diskPath, owner.uid, owner.gid);
    const watch = startWatch([local, remote.url, '--delete', '--rescan', '2', '--state-dir', stateDir, ...remote.args], box.env);
    try {
      await watch.waitFor((events) => events.some((event) => event.type === 'watch-started'), 'the watch to start');
      const proxy = remote.proxy!;
      // 40 MiB into the copy the server goes away for 4 s, and the file is deleted meanwhile.
      proxy.whenBytes(proxy.bytes + 40 * MiB, () => {
        proxy.refuse(4000);
        proxy.cutAll();
        void fs.rm(path.join(local, 'big.bin'));
      });
      await putWhole(path.join(box.root, 'gone', 'outside'), local, 'big.bin', randomBytes(SIZE));
      await watch.waitFor((events) => events.some((event) => event.type === 'watch-state' && event['state'] === 'reconnecting'), 'the watch to reconnect');
      assert.ok((await partIn(remote.diskPath)) !== undefined, 'the part is kept while the server is away');
      for (const deadline = Date.now() + 30_000; (await partIn(remote.diskPath)) !== undefined; await new Promise((resolve) => setTimeout(resolve, 100))) {
        if (Date.now() > deadline) throw new Error('the part is still there 30 s later');
      }
      const records = (await fs.readdir(stateDir)).filter((file) => file.endsWith('.parts'));
      assert.deepEqual(records, [], 'no part is recorded any more');
      assert.deepEqual(await fs.readdir(remote.diskPath), []);
      assert.equal(finishedCopy(watch.events, 'big.bin'), undefined, 'the deleted file was not copied');
    } finally {
      await watch.stop();
    }
  });

  it('pure-ftpd upload: a watch killed mid-file; the next watch continues the part at its start', async () => {
    const facts = loadServer<{ port: number; user: string; password: string; dataRoot: string }>('pure-ftpd');
    const folder = `resume-watch-kill-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const disk = path.join(facts.dataRoot, folder);
    await fs.mkdir(disk);
    cleanups.push(() => fs.rm(disk, { recursive: true, force: true }));
    const owner = await fs.stat(facts.dataRoot);
    await fs.chown(disk, owner.uid, owner.gid);
    const url = `ftp://${facts.user}:${encodeURIComponent(facts.password)}@127.0.0.1:${facts.port}/${folder}`;
    const local = path.join(box.root, 'kill', 'local');
    await fs.mkdir(local, { recursive: true });
    const args = [local, url, '--state-dir', path.join(box.root, 'kill', 'state'), '--no-keyring', '--no-netrc'];

    // The first watch, slowed down, is killed once its part holds a good share of the file.
    const first = startWatch([...args, '--bwlimit', '48M'], box.env);
    await first.waitFor((events) => events.some((event) => event.type === 'watch-started'), 'the first watch to start');
    const content = randomBytes(SIZE);
    await putWhole(path.join(box.root, 'kill', 'outside'), local, 'big.bin', content);
    let part: { name: string; size: number } | undefined;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      part = await partIn(disk);
      if (part !== undefined && part.size >= SIZE * 0.4) break;
    }
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL', `the first watch ended before it was killed: ${killed.stderr}`);
    part = await partIn(disk);
    assert.ok(part !== undefined && part.size >= SIZE * 0.4 && part.size < SIZE, `a part is left: ${JSON.stringify(part)}`);

    const second = startWatch(args, box.env);
    try {
      await second.waitFor((events) => events.some((event) => event.type === 'watch-started'), 'the second watch to start', 90_000);
      await assertContinued(second.events, path.join(disk, 'big.bin'), content, part.size - MiB);
    } finally {
      await second.stop();
    }
  });
});
