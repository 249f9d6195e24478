/**
 * stdout closed early (`ferry sync ... --json | head -1`): ferry must not crash with a stack
 * trace or leave its lock behind, and the next run finishes the job.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { assertSameTree, collect, ensureBuilt, hasStackTrace, makeSandbox, writeTree, spawnCli, type Sandbox } from '../support/run-cli.js';

describe('ferry CLI: stdout closed by the reader', () => {
  let box: Sandbox;
  beforeEach(async () => {
    await ensureBuilt();
    box = await makeSandbox('closed-output');
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`f${i}.txt`] = `file number ${i}\n`.repeat(50);
    await writeTree(box.local, files);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  for (const extra of [['--json'], []]) {
    it(`sync ${extra.join(' ')} | head -1: no stack trace, no lock left, the next run completes`.replace('  ', ' '), async () => {
      const child = spawnCli(['sync', box.local, box.remote, '--state-dir', box.stateDir, ...extra], { env: box.env });
      child.stdin!.end();
      // Like `head -1`: read the first line, then close the pipe.
      child.stdout!.once('data', () => child.stdout!.destroy());
      const result = await collect(child, 60_000);
      const leftovers = (await fs.readdir(box.stateDir).catch(() => [] as string[])).filter((name) => name.endsWith('.lock'));
      assert.deepEqual(leftovers, [], 'the lock file is left behind');

      const next = await box.run(['sync', box.local, box.remote, '--state-dir', box.stateDir]);
      assert.equal(next.code, 0, next.stderr);
      await assertSameTree(box.local, box.remote);

      assert.ok(result.signal === null || result.signal === 'SIGPIPE', `died of ${result.signal}`);
      assert.ok(!hasStackTrace(result.stderr), `stack trace on stderr:\n${result.stderr}`);
    });
  }

  for (const args of [['--help'], ['upload', '--help'], ['completion', 'bash'], ['--version'], ['-V']]) {
    it(`ferry ${args.join(' ')} | head -1: exit 0, no stack trace`, async () => {
      const child = spawnCli(args, { env: box.env });
      child.stdin!.end();
      // The reader is gone before the first byte: every write fails with EPIPE.
      child.stdout!.destroy();
      const result = await collect(child, 30_000);
      assert.ok(!hasStackTrace(result.stderr), `stack trace on stderr:\n${result.stderr}`);
      assert.equal(result.stderr, '');
      assert.ok(result.code === 0 || result.signal === 'SIGPIPE', `exit ${result.code} / ${result.signal}`);
    });
  }
});
