/**
 * The built binary: a rename shown as MOVE (text, dry run, --json), --compare checksum, --case and
 * --links accepted and validated, and names in Unicode NFD paired with their NFC spelling.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeSandbox, parseJsonLines, writeTree, type Sandbox } from '../support/run-cli.js';

const old = new Date('2024-01-01T12:00:00Z');

describe('ferry CLI: moves, --compare, --case, --links, Unicode names', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, '--resolve', 'skip', ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('moves');
    await writeTree(box.local, { 'report.txt': 'the quarterly report', 'keep.txt': 'kept' }, old);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('a local rename is a MOVE in the dry run and the run, and a move action in --json', async () => {
    assert.equal((await run('sync')).code, 0);
    await fs.rename(path.join(box.local, 'report.txt'), path.join(box.local, 'report-2024.txt'));
    const dry = await run('sync', '-n');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^\(DRY-RUN\) MOVE RENAMED\s+>\s+report\.txt → report-2024\.txt$/m);
    assert.match(dry.stdout, /1 to move/);
    const json = await run('sync', '--json');
    assert.equal(json.code, 0, json.stderr);
    const moves = parseJsonLines(json.stdout).filter((event) => event.type === 'action-finished');
    assert.deepEqual(
      moves.map((event) => {
        const result = event['result'] as { action: { kind: string; path: string; oldPath: string }; status: string; via: string };
        return [result.action.kind, result.action.oldPath, result.action.path, result.status, result.via];
      }),
      [['move', 'report.txt', 'report-2024.txt', 'done', 'rename']],
    );
    assert.equal(await fs.readFile(path.join(box.remote, 'report-2024.txt'), 'utf8'), 'the quarterly report');
  });

  it('--compare checksum records a touched identical file without copying it', async () => {
    assert.equal((await run('sync')).code, 0);
    const later = new Date('2024-02-01T12:00:00Z');
    await fs.utimes(path.join(box.local, 'keep.txt'), later, later);
    const result = await run('sync', '--compare', 'checksum', '--json');
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    assert.deepEqual(
      events.filter((e) => e.type === 'compared').map((e) => [e['path'], e['equal']]),
      [['keep.txt', true]],
    );
    const summary = events.find((e) => e.type === 'summary')!['summary'] as { filesCopied: number; recorded: number };
    assert.deepEqual([summary.filesCopied, summary.recorded], [0, 1]);
  });

  it('bad --compare, --case and --links values are usage errors (exit 2)', async () => {
    for (const [flag, value] of [
      ['--compare', 'md5'],
      ['--case', 'lower'],
      ['--links', 'always'],
    ]) {
      const result = await run('sync', flag!, value!);
      assert.equal(result.code, 2, `${flag} ${value}`);
      assert.match(result.stderr, /argument '[a-z0-9]+' is invalid\. Allowed choices are/);
    }
  });

  it('--case strict reports a case collision as a conflict and copies neither spelling', async () => {
    await writeTree(box.remote, { 'REPORT.txt': 'another report' }, old);
    const result = await run('sync', '--case', 'strict', '--report-problems');
    assert.equal(result.code, 10, result.stdout + result.stderr);
    assert.match(result.stdout, /CONFLICT .* REPORT\.txt: another name differs only in case/);
    await assert.rejects(fs.stat(path.join(box.remote, 'report.txt')));
    await assert.rejects(fs.stat(path.join(box.local, 'REPORT.txt')));
    assert.equal(await fs.readFile(path.join(box.remote, 'keep.txt'), 'utf8'), 'kept');
  });

  it('skipped symlinks give one warning; --links follow copies a link inside the folder', async () => {
    await fs.symlink('keep.txt', path.join(box.local, 'alias.txt'));
    const plain = await run('sync');
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr.match(/warning: 1 symbolic link was skipped \(local: alias\.txt\)/g)?.length, 1, plain.stderr);
    await assert.rejects(fs.lstat(path.join(box.remote, 'alias.txt')));
    const followed = await run('sync', '--links', 'follow');
    assert.equal(followed.code, 0, followed.stderr);
    assert.doesNotMatch(followed.stderr, /symbolic link/);
    assert.equal(await fs.readFile(path.join(box.remote, 'alias.txt'), 'utf8'), 'kept');
    assert.ok((await fs.lstat(path.join(box.remote, 'alias.txt'))).isFile());
  });

  it('an NFD name is paired with its NFC spelling on the other side: a conflict, never a look-alike twin', async () => {
    const nfd = 'cafe\u0301.txt';
    await fs.writeFile(path.join(box.local, nfd), 'decomposed');
    await fs.writeFile(path.join(box.remote, nfd.normalize('NFC')), 'composed, other content');
    const result = await run('sync', '--json');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const conflicts = parseJsonLines(result.stdout).filter((event) => event.type === 'conflict');
    assert.deepEqual(
      conflicts.map((event) => [event['conflict'].path, event['conflict'].conflict.reason]),
      [[nfd.normalize('NFC'), 'both-created']],
    );
    assert.equal(await fs.readFile(path.join(box.local, nfd), 'utf8'), 'decomposed');
    assert.equal(await fs.readFile(path.join(box.remote, nfd.normalize('NFC')), 'utf8'), 'composed, other content');
    await assert.rejects(fs.stat(path.join(box.remote, nfd)));
    await assert.rejects(fs.stat(path.join(box.local, nfd.normalize('NFC'))));
  });

  it('NFC and NFD twins in one folder are a conflict: both left alone, and nothing in that folder is deleted', async () => {
    const nfd = 'cafe\u0301.txt';
    await fs.mkdir(path.join(box.local, 'twins'));
    await fs.writeFile(path.join(box.local, 'twins', nfd), 'decomposed');
    await fs.writeFile(path.join(box.local, 'twins', nfd.normalize('NFC')), 'composed');
    await fs.mkdir(path.join(box.remote, 'twins'));
    await fs.writeFile(path.join(box.remote, 'twins', 'extra.txt'), 'only on the remote side');
    const result = await run('upload', '--delete');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /^CONFLICT +\*\?\* twins\/café\.txt: two names in one folder are one after Unicode normalisation \(NFC and NFD spellings\); both left alone, rename one$/m,
    );
    assert.match(result.stdout, /1 conflict left unresolved/);
    assert.match(result.stderr, /1 deletion in folder twins held back/);
    assert.equal(await fs.readFile(path.join(box.remote, 'twins', 'extra.txt'), 'utf8'), 'only on the remote side');
    assert.deepEqual((await fs.readdir(path.join(box.remote, 'twins'))).sort(), ['extra.txt']);
  });
});
