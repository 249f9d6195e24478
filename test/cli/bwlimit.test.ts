/**
 * `--bwlimit RATE`: a limited copy takes the time its rate implies (within ±15 %), over SFTP and
 * FTP, upload and download; the limit is one budget for the whole run (two files copied in
 * parallel take as long as one of twice the size); a bad rate is a usage error (exit 2, one line).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseByteRate } from '../../src/engine/bandwidth-limit.js';
import { remoteFolder, type RemoteFolder } from '../support/fault-targets.js';
import { collect, ensureBuilt, hasStackTrace, linesOf, makeSandbox, onStdoutLines, runCli, spawnCli, type Sandbox } from '../support/run-cli.js';

const MiB = 1024 * 1024;

/** Runs the CLI and measures, from its JSON events, the time from the first copy's start to the last one's end. */
async function timedCopies(args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; copied: number }> {
  const child = spawnCli(args, { env });
  child.stdin!.end();
  let firstStart: number | undefined;
  let lastEnd = 0;
  let copied = 0;
  onStdoutLines(child, (line) => {
    const event = JSON.parse(line) as { type: string; action?: { kind: string }; result?: { action: { kind: string }; status: string } };
    if (event.type === 'action-started' && event.action?.kind === 'copy') firstStart ??= performance.now();
    if (event.type === 'action-finished' && event.result?.action.kind === 'copy' && event.result.status === 'done') {
      lastEnd = performance.now();
      copied++;
    }
  });
  const result = await collect(child, 120_000);
  assert.equal(result.code, 0, result.stderr);
  return { seconds: (lastEnd - firstStart!) / 1000, copied };
}

describe('--bwlimit', () => {
  let box: Sandbox;
  const remotes: RemoteFolder[] = [];
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('bwlimit');
  });
  after(async () => {
    for (const remote of remotes) await remote.cleanup();
    await box.cleanup();
  });

  it('reads rates as rclone does: binary k/M/G suffixes', () => {
    assert.equal(parseByteRate('1M'), MiB);
    assert.equal(parseByteRate('500k'), 500 * 1024);
    assert.equal(parseByteRate('1.5M'), 1.5 * MiB);
    assert.equal(parseByteRate('2048'), 2048);
    assert.equal(parseByteRate('1MiB/s'), MiB);
    for (const bad of ['', 'fast', '0', '-1M', '1X', '1 M M']) assert.equal(parseByteRate(bad), undefined, bad);
  });

  it('a bad rate is exit 2 with one line', async () => {
    const local = path.join(box.root, 'bad', 'a');
    await fs.mkdir(local, { recursive: true });
    const result = await runCli(['upload', local, path.join(box.root, 'bad', 'b'), '--bwlimit', 'fast', '--state-dir', path.join(box.root, 'bad', 'state')], {
      env: box.env,
    });
    assert.equal(result.code, 2);
    assert.deepEqual(linesOf(result.stderr), ['ferry: --bwlimit fast: expected bytes per second like 500k, 1M or 1.5M']);
    assert.ok(!hasStackTrace(result.stderr));
  });

  for (const kind of ['sftp', 'ftp'] as const) {
    for (const direction of ['upload', 'download'] as const) {
      it(`${kind} ${direction}: 4 MiB at 1M take 4 s (±15 %)`, async () => {
        const remote = await remoteFolder(kind, `bwlimit-${kind}`, box.root, false);
        remotes.push(remote);
        const local = path.join(box.root, `${kind}-${direction}`, 'local');
        await fs.mkdir(local, { recursive: true });
        await fs.mkdir(remote.diskPath, { recursive: true });
        const owner = await fs.stat(path.dirname(remote.diskPath));
        await fs.chown(remote.diskPath, owner.uid, owner.gid);
        const source = path.join(direction === 'upload' ? local : remote.diskPath, 'four.bin');
        await fs.writeFile(source, randomBytes(4 * MiB));
        await fs.chown(source, owner.uid, owner.gid);
        const args = [
          direction,
          local,
          remote.url,
          '--bwlimit',
          '1M',
          '--json',
          '--no-progress',
          '--state-dir',
          path.join(box.root, `${kind}-${direction}`, 'state'),
          ...remote.args,
        ];
        const { seconds, copied } = await timedCopies(args, box.env);
        assert.equal(copied, 1);
        assert.ok(seconds >= 4 * 0.85 && seconds <= 4 * 1.15, `took ${seconds.toFixed(2)} s`);
      });
    }
  }

  it('one budget for the run: two files of 2 MiB in parallel at 1M take 4 s (±15 %)', async () => {
    const remote = await remoteFolder('sftp', 'bwlimit-shared', box.root, false);
    remotes.push(remote);
    const local = path.join(box.root, 'shared', 'local');
    await fs.mkdir(local, { recursive: true });
    await fs.writeFile(path.join(local, 'a.bin'), randomBytes(2 * MiB));
    await fs.writeFile(path.join(local, 'b.bin'), randomBytes(2 * MiB));
    const args = [
      'upload',
      local,
      remote.url,
      '--create-folder',
      '--parallel',
      '4',
      '--bwlimit',
      '1M',
      '--json',
      '--no-progress',
      '--state-dir',
      path.join(box.root, 'shared', 'state'),
      ...remote.args,
    ];
    const { seconds, copied } = await timedCopies(args, box.env);
    assert.equal(copied, 2);
    assert.ok(seconds >= 4 * 0.85 && seconds <= 4 * 1.15, `took ${seconds.toFixed(2)} s`);
  });
});
