/**
 * Progress in bytes, end to end: a big file copied over a slowed link (real sshd and proftpd
 * behind a delaying proxy) produces `progress` events while it moves, each with the bytes of the
 * file and of the run, growing; and the text summary gives the average rate.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder, type RemoteFolder, type RemoteKind } from '../support/fault-targets.js';
import { makeSandbox, parseJsonLines, type JsonEvent, type Sandbox } from '../support/run-cli.js';

const MiB = 1024 * 1024;

/** The `progress` events of one file before its `action-finished`, and that event. */
function progressOf(events: JsonEvent[], file: string): { progress: JsonEvent[]; finishedAt: number } {
  const finishedAt = events.findIndex((e) => e.type === 'action-finished' && e.result.action.path === file);
  assert.ok(finishedAt >= 0, `no action-finished for ${file}`);
  return { progress: events.slice(0, finishedAt).filter((e) => e.type === 'progress' && e.path === file), finishedAt };
}

function assertGrowing(progress: JsonEvent[], size: number, total: number): void {
  assert.ok(progress.length >= 2, `at least two progress events while the file moved, got ${progress.length}`);
  let last = -1;
  for (const e of progress) {
    assert.equal(e.size, size);
    assert.equal(e.runTotalBytes, total);
    assert.ok(e.bytes > 0 && e.bytes <= size, `bytes within the file: ${e.bytes}`);
    assert.ok(e.runBytes >= e.bytes && e.runBytes <= total, `run bytes within the run: ${e.runBytes}`);
    assert.ok(e.runBytes > last, `run bytes grow: ${e.runBytes} after ${last}`);
    last = e.runBytes;
  }
  assert.ok(progress[0]!.bytes < size, 'the first event came before the file was done');
}

// FTP moves 64 KiB chunks (twice what SFTP does) and an FTP upload fills the kernel's socket buffers
// (megabytes on loopback) before the link slows it: bigger files there, so that each copy lasts a
// few seconds at the link's pace, also on a busy machine.
for (const [kind, mode, SIZE] of [
  ['sftp', 'upload', 6 * MiB],
  ['sftp', 'download', 6 * MiB],
  ['ftp', 'download', 16 * MiB],
  ['ftp', 'upload', 16 * MiB],
] as [RemoteKind, 'upload' | 'download', number][]) {
  describe(`ferry CLI: progress in bytes (${mode} over ${kind}, a slow link)`, () => {
    let box: Sandbox;
    let remote: RemoteFolder;

    before(async () => {
      box = await makeSandbox(`byte-progress-${kind}-${mode}`);
      remote = await remoteFolder(kind, `byte-progress-${mode}`, box.root);
      await fs.mkdir(remote.diskPath, { recursive: true, mode: 0o777 });
      await fs.chmod(remote.diskPath, 0o777);
      const data = randomBytes(SIZE);
      if (mode === 'upload') await fs.writeFile(path.join(box.local, 'big.bin'), data);
      else {
        await fs.writeFile(path.join(remote.diskPath, 'big.bin'), data);
        await fs.chmod(path.join(remote.diskPath, 'big.bin'), 0o666);
      }
      // A few seconds: chunks held back 10 ms each, the sender paused while 16 wait.
      remote.proxy!.setDelay(10);
    });
    after(async () => {
      await remote.cleanup();
      await box.cleanup();
    });

    it('--json: progress events while the file moves, with the bytes of the file and of the run', async () => {
      const result = await box.run([mode, box.local, remote.url, '--state-dir', box.stateDir, '--json', ...remote.args], { timeoutMs: 120_000 });
      assert.equal(result.code, 0, result.stderr);
      const events = parseJsonLines(result.stdout);
      const { progress } = progressOf(events, 'big.bin');
      assertGrowing(progress, SIZE, SIZE);
      const summary = events.at(-1)!;
      assert.equal(summary.type, 'summary');
      assert.equal(summary.summary.bytesCopied, SIZE);
    });
  });
}

describe('ferry CLI: the summary gives the average rate', () => {
  it('a real run: "N files copied (size, rate)"; a run with nothing copied shows no rate', async () => {
    const box = await makeSandbox('byte-progress-rate');
    try {
      await fs.writeFile(path.join(box.local, 'a.bin'), randomBytes(200_000));
      const first = await box.run(['upload', box.local, box.remote, '--state-dir', box.stateDir]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Done: 1 file copied \(195 KiB, [0-9.]+ (B|KiB|MiB|GiB)\/s\)/);
      const again = await box.run(['upload', box.local, box.remote, '--state-dir', box.stateDir]);
      assert.match(again.stdout, /Done: 0 files copied \(0 B\),/);
    } finally {
      await box.cleanup();
    }
  });
});
