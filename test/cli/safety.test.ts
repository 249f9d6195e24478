/**
 * Safety brakes of the CLI: a side that lists as empty although the last sync saw files there is
 * refused (unless --allow-empty), and --create-folder never invents an empty *source* folder whose
 * emptiness would then be mirrored onto the target.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { hasStackTrace, linesOf, makeSandbox, parseJsonLines, treeObject, writeTree, type CliResult, type Sandbox } from '../support/run-cli.js';

function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit code (stdout: ${result.stdout}; stderr: ${result.stderr})`);
  const lines = linesOf(result.stderr);
  assert.equal(lines.length, 1, `exactly one stderr line expected, got:\n${result.stderr}`);
  assert.match(lines[0]!, /^ferry: /);
  assert.match(lines[0]!, pattern);
  assert.ok(!hasStackTrace(result.stderr));
}

async function emptyFolder(dir: string): Promise<void> {
  for (const name of await fs.readdir(dir)) await fs.rm(path.join(dir, name), { recursive: true });
}

describe('ferry CLI: safety brakes', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, ...extra]);

  beforeEach(async () => {
    box = await makeSandbox('safety');
    await writeTree(box.local, { 'index.html': 'home', 'about.html': 'about', 'img/logo.svg': '<svg/>' });
    const first = await run('sync');
    assert.equal(first.code, 0, first.stderr);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('sync with the local side emptied since the last sync: refused (exit 4), remote untouched; --allow-empty goes ahead', async () => {
    await emptyFolder(box.local);
    const before = await treeObject(box.remote);
    assertOneLineError(await run('sync'), 4, /--allow-empty/);
    assert.deepEqual(await treeObject(box.remote), before);
    // Refused again next time: the refusal did not update the state.
    assertOneLineError(await run('sync'), 4, /empty/);
    const allowed = await run('sync', '--allow-empty');
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.deepEqual(await treeObject(box.remote), {});
  });

  it('sync with the remote side emptied: refused, local untouched', async () => {
    await emptyFolder(box.remote);
    const before = await treeObject(box.local);
    assertOneLineError(await run('sync'), 4, /remote.*empty|empty.*remote/);
    assert.deepEqual(await treeObject(box.local), before);
  });

  it('upload --delete from an emptied local folder: refused, remote untouched', async () => {
    await emptyFolder(box.local);
    const before = await treeObject(box.remote);
    assertOneLineError(await run('upload', '--delete'), 4, /--allow-empty/);
    assert.deepEqual(await treeObject(box.remote), before);
  });

  it('download --delete from an emptied remote folder: refused, local untouched', async () => {
    await emptyFolder(box.remote);
    const before = await treeObject(box.local);
    assertOneLineError(await run('download', '--delete', '--force'), 4, /--allow-empty/);
    assert.deepEqual(await treeObject(box.local), before);
  });

  it('upload --delete --create-folder with a mistyped (missing) LOCAL: exit 1, the remote is not wiped', async () => {
    const typo = path.join(box.root, 'loacl');
    const before = await treeObject(box.remote);
    const result = await box.run(['upload', typo, box.remote, '--delete', '--create-folder', '--state-dir', box.stateDir]);
    assertOneLineError(result, 1, /loacl/);
    assert.deepEqual(await treeObject(box.remote), before, 'the remote files were deleted');
    await assert.rejects(fs.stat(typo), '--create-folder created the source folder');
  });

  it('download --delete --create-folder with a missing REMOTE: exit 1, the local tree is not wiped', async () => {
    const typo = path.join(box.root, 'remtoe');
    const before = await treeObject(box.local);
    const result = await box.run(['download', box.local, typo, '--delete', '--create-folder', '--state-dir', box.stateDir]);
    assertOneLineError(result, 1, /remtoe/);
    assert.deepEqual(await treeObject(box.local), before, 'the local files were deleted');
    await assert.rejects(fs.stat(typo), '--create-folder created the source folder');
  });

  it('--create-folder still creates the target: upload into a new remote folder, download into a new local one', async () => {
    const newRemote = path.join(box.root, 'new-remote');
    const up = await box.run(['upload', box.local, newRemote, '--create-folder', '--state-dir', box.stateDir]);
    assert.equal(up.code, 0, up.stderr);
    assert.ok(await fs.stat(path.join(newRemote, 'index.html')));
    const newLocal = path.join(box.root, 'new-local');
    const down = await box.run(['download', newLocal, box.remote, '--create-folder', '--state-dir', box.stateDir]);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(await fs.stat(path.join(newLocal, 'about.html')));
  });

  it('--create-folder does not recreate a REMOTE root the last sync recorded (exit 4); --allow-empty does', async () => {
    const newRemote = path.join(box.root, 'deploy-target');
    const first = await box.run(['upload', box.local, newRemote, '--create-folder', '--state-dir', box.stateDir]);
    assert.equal(first.code, 0, first.stderr);
    await fs.rm(newRemote, { recursive: true });
    const again = await box.run(['upload', box.local, newRemote, '--create-folder', '--delete', '--state-dir', box.stateDir]);
    assertOneLineError(again, 4, /does not exist.*last sync recorded.*--allow-empty/);
    await assert.rejects(fs.stat(newRemote), 'the vanished root was created again');
    const allowed = await box.run(['upload', box.local, newRemote, '--create-folder', '--allow-empty', '--state-dir', box.stateDir]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok((await fs.stat(newRemote)).isDirectory(), 'created with --allow-empty');
  });

  it('a LOCAL root that vanished since the last sync: exit 4 naming --allow-empty; with it, the plain missing-folder error (exit 1)', async () => {
    await fs.rm(box.local, { recursive: true });
    const before = await treeObject(box.remote);
    assertOneLineError(await run('sync'), 4, /does not exist.*last sync recorded.*--allow-empty/);
    assertOneLineError(await run('upload', '--delete', '--json'), 4, /--allow-empty/);
    assertOneLineError(await run('sync', '--allow-empty'), 1, /does not exist/);
    assert.deepEqual(await treeObject(box.remote), before);
  });

  it('--max-delete: a count refuses with exit 5 (also in a dry run, which still shows the plan); a higher limit proceeds', async () => {
    await fs.rm(path.join(box.local, 'index.html'));
    await fs.rm(path.join(box.local, 'about.html'));
    const before = await treeObject(box.remote);
    assertOneLineError(await run('sync', '--max-delete', '1'), 5, /delete 2 of 3 files on the remote side.*--max-delete 2/);
    const dry = await run('sync', '--max-delete', '1', '--dry-run');
    assert.equal(dry.code, 5);
    assert.match(dry.stdout, /DELETE.*index\.html/);
    const json = await run('sync', '--max-delete=1', '--json');
    assert.equal(json.code, 5);
    const error = parseJsonLines(json.stdout).find((event) => event.type === 'error');
    assert.equal(error?.exitCode, 5);
    assert.equal(error?.refusal?.reason, 'max-delete');
    assert.deepEqual(await treeObject(box.remote), before);
    assertOneLineError(await run('sync', '--max-delete', 'lots'), 2, /--max-delete/);
    const ok = await run('sync', '--max-delete', '2');
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(Object.keys(await treeObject(box.remote)).sort(), ['img', 'img/logo.svg']);
  });

  it('every file an hour later on one side: exit 6 with --compare time; --force copies them; by default the contents are compared', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `n${i}.txt`);
    await writeTree(box.local, Object.fromEntries(names.map((name) => [name, name])), new Date(Date.UTC(2025, 0, 1)));
    assert.equal((await run('sync')).code, 0);
    const all = [...names, 'index.html', 'about.html', 'img/logo.svg'];
    const later = new Date(Date.UTC(2025, 0, 1, 1));
    for (const name of all) await fs.utimes(path.join(box.local, name), later, later);
    await fs.utimes(path.join(box.local, 'index.html'), later, later);
    const before = await treeObject(box.remote);
    assertOneLineError(
      await run('sync', '--compare', 'time'),
      6,
      /all 15 files on the local side changed their time but not their size.*--compare checksum.*--force/,
    );
    assert.deepEqual(await treeObject(box.remote), before);
    const forced = await run('sync', '--force');
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /15 files copied/);
    // Two local folders compare by reading, which costs no transfer: ferry does it on its own.
    const evenLater = new Date(Date.UTC(2025, 0, 1, 2));
    for (const name of all) await fs.utimes(path.join(box.local, name), evenLater, evenLater);
    const compared = await run('sync');
    assert.equal(compared.code, 0, compared.stderr);
    assert.match(compared.stderr, /all 15 files on the local side changed only their time.*comparing contents \(read locally\)/);
    assert.match(compared.stdout, /0 files copied/);
  });

  it('--resolve keep-both and --backup-dir from the command line', async () => {
    await writeTree(box.local, { 'index.html': 'local home' }, new Date(Date.UTC(2025, 0, 1, 10)));
    await writeTree(box.remote, { 'index.html': 'remote home, newer' }, new Date(Date.UTC(2025, 0, 1, 11)));
    await fs.rm(path.join(box.local, 'about.html'));
    const dry = await run('sync', '--resolve', 'keep-both', '--backup-dir', '-n');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /KEEP BOTH .*index\.html -> index\.conflict-local-20250101T100000Z\.html/);
    const result = await run('sync', '--resolve', 'keep-both', '--backup-dir');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /1 kept both/);
    const local = await treeObject(box.local);
    const remote = await treeObject(box.remote);
    for (const tree of [local, remote]) {
      assert.ok(tree['index.html'] && tree['index.conflict-local-20250101T100000Z.html']);
    }
    assert.equal(remote['about.html'], undefined);
    const backups = Object.keys(remote).filter((name) => name.startsWith('.ferry-backup/') && name.endsWith('about.html'));
    assert.equal(backups.length, 1, JSON.stringify(Object.keys(remote)));
    const oneWay = await run('upload', '--resolve', 'keep-both');
    assert.equal(oneWay.code, 2);
    assert.match(oneWay.stderr, /keep-both/);
    assertOneLineError(await run('sync', '--backup-dir', '../out'), 2, /--backup-dir/);
  });
});
