/**
 * `--json`: one JSON event per stdout line and nothing else on stdout (docs/json-events.md).
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeSandbox, parseJsonLines, writeTree, type JsonEvent, type Sandbox } from '../support/run-cli.js';

const old = new Date('2024-01-01T12:00:00Z');

function ofType(events: JsonEvent[], type: string): JsonEvent[] {
  return events.filter((event) => event.type === type);
}

describe('ferry CLI: --json', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, '--json', ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('json');
    await writeTree(box.local, { 'clash.txt': 'local side', 'up.txt': 'to the remote', 'dir/up2.txt': 'deep' }, old);
    await writeTree(box.remote, { 'clash.txt': 'the remote side, longer', 'down.txt': 'to the local side' }, old);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('a sync with copies and a conflict: start, planned, action-finished, conflict, summary', async () => {
    const result = await run('sync');
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    assert.equal(result.stderr, '', 'nothing on stderr');

    const start = events[0]!;
    assert.equal(start.type, 'start');
    assert.equal(typeof start.schema, 'number');
    assert.equal(start.schema, 1);
    assert.equal(start.mode, 'sync');
    assert.equal(start.dryRun, false);
    assert.equal(start.local, box.local);
    assert.equal(start.remote, box.remote);
    assert.equal(ofType(events, 'start').length, 1);

    const plannedCopies = ofType(events, 'planned').filter((e) => e.action.kind === 'copy');
    assert.deepEqual(plannedCopies.map((e) => `${e.action.path} ${e.action.from}->${e.action.to}`).sort(), [
      'dir/up2.txt local->remote',
      'down.txt remote->local',
      'up.txt local->remote',
    ]);
    assert.ok(ofType(events, 'planned').some((e) => e.action.kind === 'mkdir' && e.action.path === 'dir'));

    const finishedCopies = ofType(events, 'action-finished').filter((e) => e.result.action.kind === 'copy');
    assert.deepEqual(finishedCopies.map((e) => e.result.action.path).sort(), ['dir/up2.txt', 'down.txt', 'up.txt']);
    for (const e of finishedCopies) assert.equal(e.result.status, 'done');
    const upFinished = finishedCopies.find((e) => e.result.action.path === 'up.txt')!;
    assert.equal(upFinished.result.bytes, 'to the remote'.length);

    const conflicts = ofType(events, 'conflict');
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0]!.conflict.path, 'clash.txt');
    assert.equal(typeof conflicts[0]!.conflict.conflict.reason, 'string');
    assert.equal(conflicts[0]!.conflict.local.size, 'local side'.length);
    assert.equal(conflicts[0]!.conflict.remote.size, 'the remote side, longer'.length);

    const last = events[events.length - 1]!;
    assert.equal(last.type, 'summary');
    assert.equal(ofType(events, 'summary').length, 1);
    const s = last.summary;
    assert.equal(s.mode, 'sync');
    assert.equal(s.filesCopied, 3);
    assert.equal(s.bytesCopied, 'to the remote'.length + 'deep'.length + 'to the local side'.length);
    assert.equal(s.foldersCreated, 1);
    assert.equal(s.conflicts, 1);
    assert.equal(s.errors, 0);
    assert.equal(s.interrupted, false);
    assert.equal(typeof s.elapsedMs, 'number');

    // Order: start first, planned before its action finishes, summary last.
    const index = (pred: (e: JsonEvent) => boolean) => events.findIndex(pred);
    assert.ok(
      index((e) => e.type === 'planned' && e.action.path === 'up.txt') < index((e) => e.type === 'action-finished' && e.result.action.path === 'up.txt'),
    );
  });

  it('--json --dry-run: only JSON, dryRun flags set, no action-finished', async () => {
    const result = await run('sync', '--dry-run');
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    assert.doesNotMatch(result.stdout, /DRY-RUN/);
    assert.equal(events[0]!.dryRun, true);
    assert.equal(ofType(events, 'action-finished').length, 0);
    assert.equal(ofType(events, 'planned').filter((e) => e.action.kind === 'copy').length, 3);
    const summary = events[events.length - 1]!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.summary.dryRun, true);
    assert.equal(summary.summary.filesCopied, 3);
  });

  it('--json with --resolve ask and no terminal: the warning is a JSON event, stdout stays JSON', async () => {
    const result = await run('sync', '--resolve', 'ask');
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    const warnings = ofType(events, 'warning');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /skip/);
  });

  it('--json on an error before the run (missing target folder): stdout holds only JSON, exit 1', async () => {
    const result = await box.run(['upload', box.local, path.join(box.root, 'missing'), '--state-dir', box.stateDir, '--json']);
    assert.equal(result.code, 1);
    const events = parseJsonLines(result.stdout);
    assert.ok(events.length >= 1);
    const error = events[events.length - 1]!;
    assert.equal(error.type, 'error');
    assert.match(error.message, /--create-folder/);
    assert.equal(error.exitCode, 1);
  });

  it('--json with -q and -v still prints only JSON', async () => {
    for (const flag of ['-q', '-v', '-vv']) {
      const result = await box.run(['sync', box.local, box.remote, '--state-dir', path.join(box.root, `state${flag}`), '--json', flag, '-n']);
      assert.equal(result.code, 0, result.stderr);
      const events = parseJsonLines(result.stdout);
      assert.equal(events[events.length - 1]!.type, 'summary', `${flag}: summary last`);
    }
  });

  it('--json on a second run: nothing to copy, summary counts zero', async () => {
    await run('sync', '--resolve', 'local');
    const result = await run('sync');
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    assert.equal(ofType(events, 'action-finished').filter((e) => e.result.action.kind === 'copy').length, 0);
    const s = events[events.length - 1]!.summary;
    assert.equal(s.filesCopied, 0);
    assert.equal(s.conflicts, 0);
  });
});
