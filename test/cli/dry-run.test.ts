/**
 * `-n` / `--dry-run`: every line says (DRY-RUN), neither tree nor the state changes, and the real
 * run that follows does exactly what the dry run listed.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { linesOf, makeSandbox, treeObject, writeTree, type Sandbox } from '../support/run-cli.js';

const PREFIX = '(DRY-RUN) ';
const old = new Date('2024-01-01T12:00:00Z');
const newer = new Date('2024-01-01T13:00:00Z');

/** Every file in the state folder with its bytes (missing folder: empty). */
async function stateContents(stateDir: string): Promise<Record<string, string>> {
  const names = await fs.readdir(stateDir).catch(() => [] as string[]);
  const out: Record<string, string> = {};
  for (const name of names.sort()) out[name] = await fs.readFile(path.join(stateDir, name), 'utf8');
  return out;
}

/** The action lines (COPY, MKDIR, DELETE) of an output, without the dry-run prefix. */
function actionLines(stdout: string): string[] {
  return linesOf(stdout)
    .map((line) => (line.startsWith(PREFIX) ? line.slice(PREFIX.length) : line))
    .filter((line) => /^(COPY|MKDIR|DELETE)\b/.test(line))
    .sort();
}

function summaryCounts(stdout: string): string {
  const line = linesOf(stdout).find((l) => /Done:/.test(l));
  assert.ok(line, `a Done: line in\n${stdout}`);
  // "3 files to copy (12 B), 2 to delete" and "3 files copied (12 B, 1.0 KiB/s), 2 deleted" say the
  // same; the elapsed time and the rate differ.
  return line
    .replace(PREFIX, '')
    .replace(/ to (copy|delete|create|remove|move)\b/g, (_all, verb: string) => ` ${verb === 'copy' ? 'copied' : `${verb}d`}`)
    .replace(/, [0-9.]+ [KMG]?i?B\/s\)/, ')')
    .replace(/ Elapsed .*$/, '');
}

describe('ferry CLI: dry run', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('dry-run');
    const both = {
      'same.txt': 'same',
      'mod-local.txt': 'v1',
      'mod-remote.txt': 'v1',
      'del-local.txt': 'x',
      'del-remote.txt': 'y',
      'dir/keep.txt': 'k',
      'gone/a.txt': 'a',
    };
    await writeTree(box.local, both, old);
    await writeTree(box.remote, both, old);
    const first = await run('sync');
    assert.equal(first.code, 0, first.stderr);
    // Changes on both sides since that sync.
    await writeTree(box.local, { 'mod-local.txt': 'v2 local', 'new-local.txt': 'n', 'newdir/deep/f.txt': 'f' }, newer);
    await writeTree(box.remote, { 'mod-remote.txt': 'v2 remote', 'new-remote.txt': 'r' }, newer);
    await fs.rm(path.join(box.local, 'del-local.txt'));
    await fs.rm(path.join(box.remote, 'del-remote.txt'));
    await fs.rm(path.join(box.remote, 'gone'), { recursive: true });
    await writeTree(box.local, { 'both.txt': 'local version' }, newer);
    await writeTree(box.remote, { 'both.txt': 'remote version, longer' }, newer);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  for (const [mode, extra] of [
    ['sync', []],
    ['sync', ['--resolve', 'local']],
    ['upload', ['--delete']],
    ['upload', ['--force', '--delete', '--resolve', 'local']],
    ['download', ['--delete']],
    ['download', ['--force', '--delete', '--resolve', 'remote']],
  ] as const) {
    const label = `${mode} ${extra.join(' ')}`.trim();
    it(`${label} -n: every line is prefixed, nothing changes, and the real run does what it listed`, async () => {
      const localBefore = await treeObject(box.local);
      const remoteBefore = await treeObject(box.remote);
      const stateBefore = await stateContents(box.stateDir);

      const dry = await run(mode, '-n', ...extra);
      assert.equal(dry.code, 0, dry.stderr);
      const lines = linesOf(dry.stdout).filter((line) => line !== '');
      assert.ok(lines.length > 3, dry.stdout);
      for (const line of lines) assert.ok(line.startsWith(PREFIX), `not prefixed: ${JSON.stringify(line)}`);
      for (const line of linesOf(dry.stderr).filter((l) => l !== '')) assert.ok(line.startsWith(PREFIX), `stderr not prefixed: ${JSON.stringify(line)}`);
      const planned = actionLines(dry.stdout);
      assert.ok(planned.length > 0, `the dry run lists actions:\n${dry.stdout}`);

      assert.deepEqual(await treeObject(box.local), localBefore, 'local tree changed by a dry run');
      assert.deepEqual(await treeObject(box.remote), remoteBefore, 'remote tree changed by a dry run');
      assert.deepEqual(await stateContents(box.stateDir), stateBefore, 'state changed by a dry run');

      // The same dry run again says the same (nothing was recorded).
      assert.deepEqual(actionLines((await run(mode, '-n', ...extra)).stdout), planned);

      const real = await run(mode, ...extra);
      assert.equal(real.code, 0, real.stderr);
      assert.ok(
        linesOf(real.stdout).every((line) => !line.startsWith(PREFIX)),
        'no prefix in a real run',
      );
      assert.deepEqual(actionLines(real.stdout), planned, 'the real run did what the dry run listed');
      assert.equal(summaryCounts(real.stdout), summaryCounts(dry.stdout));
      // One tense per summary: the dry run's says what would be done, the run's what was done.
      const dryDone = linesOf(dry.stdout).find((l) => /Done:/.test(l))!;
      assert.doesNotMatch(dryDone, /\b(copied|deleted|created|removed|moved)\b/, dryDone);
      assert.match(dryDone, /files? to copy .*, \d+ to delete, \d+ folders? to create, \d+ to remove/, dryDone);
      const realDone = linesOf(real.stdout).find((l) => /Done:/.test(l))!;
      assert.doesNotMatch(realDone, /\bto (copy|delete|create|remove|move)\b/, realDone);

      // And now nothing is left to do.
      const after = await run(mode, '-n', ...extra);
      assert.deepEqual(actionLines(after.stdout), [], after.stdout);
    });
  }

  it('a dry run on a pair never synced creates no state file', async () => {
    const fresh = await makeSandbox('dry-run-fresh');
    try {
      await writeTree(fresh.local, { 'a.txt': 'a', 'sub/b.txt': 'b' });
      await writeTree(fresh.remote, { 'c.txt': 'c' });
      const localBefore = await treeObject(fresh.local);
      const remoteBefore = await treeObject(fresh.remote);
      const result = await fresh.run(['sync', '-n', fresh.local, fresh.remote, '--state-dir', fresh.stateDir]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(actionLines(result.stdout).length, 4, result.stdout); // mkdir sub, 3 copies
      assert.deepEqual(await stateContents(fresh.stateDir), {}, 'no state written');
      assert.deepEqual(await treeObject(fresh.local), localBefore);
      assert.deepEqual(await treeObject(fresh.remote), remoteBefore);
    } finally {
      await fresh.cleanup();
    }
  });

  it('-n --create-folder on a missing target shows the plan and creates nothing', async () => {
    const target = path.join(box.root, 'not-yet');
    const result = await box.run(['upload', '-n', '--create-folder', box.local, target, '--state-dir', box.stateDir]);
    assert.equal(result.code, 0, `exit code; stderr: ${result.stderr}`);
    assert.ok(
      actionLines(result.stdout).some((line) => /COPY .*new-local\.txt/.test(line)),
      result.stdout,
    );
    await assert.rejects(fs.stat(target), 'a dry run must not create the folder');
  });
});
