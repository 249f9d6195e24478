/**
 * `ferry watch --bwlimit RATE`: a copy a watch pass makes takes the time its rate implies (within
 * ±15 %), over SFTP and FTP; the files of a pass share the one budget; a bad rate is a usage error
 * (exit 2, one line) before anything connects.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder, type RemoteFolder } from '../support/fault-targets.js';
import { collect, ensureBuilt, hasStackTrace, linesOf, makeSandbox, onStdoutLines, runCli, spawnCli, type Sandbox } from '../support/run-cli.js';

const MiB = 1024 * 1024;

interface CopyEvent {
  type: string;
  action?: { kind: string; path: string };
  result?: { action: { kind: string; path: string }; status: string };
}

describe('watch --bwlimit', () => {
  let box: Sandbox;
  const remotes: RemoteFolder[] = [];
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('bwlimit-watch');
  });
  after(async () => {
    for (const remote of remotes) await remote.cleanup();
    await box.cleanup();
  });

  it('a bad rate is exit 2 with one line, before connecting', async () => {
    const local = path.join(box.root, 'bad', 'local');
    await fs.mkdir(local, { recursive: true });
    // Port 1 answers nobody: a rate checked only after connecting would fail on the connection.
    const result = await runCli(
      ['watch', local, 'sftp://nobody@127.0.0.1:1/none', '--bwlimit', 'fast', '--state-dir', path.join(box.root, 'bad', 'state'), '--no-keyring', '--no-netrc'],
      { env: box.env },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.deepEqual(linesOf(result.stderr), ['ferry: --bwlimit fast: expected bytes per second like 500k, 1M or 1.5M']);
    assert.ok(!hasStackTrace(result.stderr));
  });

  for (const kind of ['sftp', 'ftp'] as const) {
    it(`${kind}: files saved while watching, 4 MiB in all at 1M, take 4 s (±15 %)`, async () => {
      const remote = await remoteFolder(kind, `bwlimit-watch-${kind}`, box.root, false);
      remotes.push(remote);
      const local = path.join(box.root, kind, 'local');
      const outside = path.join(box.root, kind, 'outside');
      await fs.mkdir(local, { recursive: true });
      await fs.mkdir(outside, { recursive: true });
      await fs.mkdir(remote.diskPath, { recursive: true });
      const owner = await fs.stat(path.dirname(remote.diskPath));
      await fs.chown(remote.diskPath, owner.uid, owner.gid);
      const child = spawnCli(
        ['watch', local, remote.url, '--bwlimit', '1M', '--json', '--no-progress', '--state-dir', path.join(box.root, kind, 'state'), ...remote.args],
        { env: box.env },
      );
      child.stdin!.end();
      const done = collect(child, 120_000);
      let started = false;
      let firstStart: number | undefined;
      let lastEnd = 0;
      const copied = new Set<string>();
      onStdoutLines(child, (line) => {
        const event = JSON.parse(line) as CopyEvent;
        if (event.type === 'watch-started') started = true;
        if (event.type === 'action-started' && event.action?.kind === 'copy') firstStart ??= performance.now();
        if (event.type === 'action-finished' && event.result?.action.kind === 'copy' && event.result.status === 'done') {
          lastEnd = performance.now();
          copied.add(event.result.action.path);
        }
      });
      try {
        await waitUntil(() => started, 'the watch to start');
        // Whole files appear at once (renamed in), so no pass sees half of one. SFTP: one file;
        // FTP: two files at once share the budget.
        const files = kind === 'sftp' ? { 'four.bin': 4 * MiB } : { 'a.bin': 2 * MiB, 'b.bin': 2 * MiB };
        for (const [name, size] of Object.entries(files)) await fs.writeFile(path.join(outside, name), randomBytes(size));
        for (const name of Object.keys(files)) await fs.rename(path.join(outside, name), path.join(local, name));
        await waitUntil(() => copied.size === Object.keys(files).length, 'the copies', 30_000);
        const seconds = (lastEnd - firstStart!) / 1000;
        assert.ok(seconds >= 4 * 0.85 && seconds <= 4 * 1.15, `took ${seconds.toFixed(2)} s`);
        for (const [name, size] of Object.entries(files)) assert.equal((await fs.stat(path.join(remote.diskPath, name))).size, size);
      } finally {
        child.kill('SIGINT');
        await done;
      }
    });
  }
});

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}
