/**
 * Exit codes of finished runs (docs/exit-codes.md): 0 ok, 10 problems with --report-problems, and
 * `--resolve ask` without a terminal acting as skip with a warning.
 * (Usage errors: usage.test.ts; errors: bad-input.test.ts; interrupted (3): interrupted-run.test.ts.)
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { linesOf, makeSandbox, treeContents, writeTree, type Sandbox } from '../support/run-cli.js';

const old = new Date('2024-01-01T12:00:00Z');

describe('ferry CLI: exit codes', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('exit');
    await writeTree(box.local, { 'clash.txt': 'local', 'only-local.txt': 'l' }, old);
    await writeTree(box.remote, { 'clash.txt': 'remote, different', 'only-remote.txt': 'r' }, old);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('a conflict without --report-problems exits 0; the rest is synced', async () => {
    const result = await run('sync');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /CONFLICT/);
    assert.equal(await fs.readFile(path.join(box.remote, 'only-local.txt'), 'utf8'), 'l');
    assert.equal(await fs.readFile(path.join(box.local, 'only-remote.txt'), 'utf8'), 'r');
  });

  it('a conflict with --report-problems exits 10 (sync, upload and download)', async () => {
    assert.equal((await run('sync', '--report-problems')).code, 10);
    // The conflict stays on the next run too.
    assert.equal((await run('sync', '--report-problems')).code, 10);
    assert.equal((await run('upload', '--report-problems')).code, 10);
    assert.equal((await run('download', '--report-problems')).code, 10);
  });

  it('--report-problems without problems exits 0', async () => {
    const result = await run('sync', '--report-problems', '--resolve', 'local');
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await run('sync', '--report-problems')).code, 0);
  });

  it('a conflict settled by --resolve is no problem: exit 0 with --report-problems', async () => {
    const result = await run('upload', '--report-problems', '--resolve', 'local');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await fs.readFile(path.join(box.remote, 'clash.txt'), 'utf8'), 'local');
  });

  it('--resolve ask without a terminal acts as skip and warns saying so (exit 0; 10 with --report-problems)', async () => {
    const before = { local: await treeContents(box.local), remote: await treeContents(box.remote) };
    const result = await run('sync', '--resolve', 'ask');
    assert.equal(result.code, 0, result.stderr);
    const warnings = linesOf(result.stderr).filter((line) => line !== '');
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(warnings[0]!, /warning/i);
    assert.match(warnings[0]!, /terminal/);
    assert.match(warnings[0]!, /skip/);
    // Skipped: neither version of the conflicting file moved.
    assert.equal((await treeContents(box.local))['clash.txt'], before.local['clash.txt']);
    assert.equal((await treeContents(box.remote))['clash.txt'], before.remote['clash.txt']);
    assert.match(result.stdout, /1 conflict left unresolved/);
    // Nothing was read from stdin, and with --report-problems the conflict counts.
    assert.equal((await run('sync', '--resolve', 'ask', '--report-problems')).code, 10);
  });

  it('the default --resolve without a terminal is skip, without a warning', async () => {
    const result = await run('sync');
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /1 conflict left unresolved/);
  });

  it('a run that transfers nothing exits 0', async () => {
    await run('sync', '--resolve', 'local');
    const result = await run('sync');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /Done: 0 files copied/);
  });
});
