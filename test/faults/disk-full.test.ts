/**
 * A full disk and permission errors, on either side: each failed file is reported on its own
 * (a full disk as "disk full on the local/remote side"), the run goes on with the files that fit,
 * no temporary file is left behind, and once space is freed the next run copies exactly the rest.
 *
 * Full disks are small tmpfs mounts (root only; the test machine runs tests as root): the local
 * folder itself, and a folder inside the SFTP and FTP servers' data roots, owned by the server's
 * user. Permission errors: a read-only local folder for a download run by `nobody`, and a remote
 * folder the server's user may not write to.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder, type RemoteFolder } from '../support/fault-targets.js';
import { hasStackTrace, listTree, makeSandbox, parseJsonLines, runCli, type CliResult, type Sandbox, type TreeItem } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

const TEMP = /(^|\/)\.~ferry-[^/]*\.tmp$/;
const mounts: string[] = [];

function mountTmpfs(dir: string, sizeKb: number, owner?: { uid: number; gid: number }): void {
  const options = [`size=${sizeKb}k`, ...(owner ? [`uid=${owner.uid}`, `gid=${owner.gid}`, 'mode=0755'] : [])].join(',');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
}

function resizeTmpfs(dir: string, sizeKb: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeKb}k`, dir]);
}

function unmountAll(): void {
  for (const dir of mounts.splice(0).reverse()) {
    try {
      execFileSync('umount', ['-l', dir]);
    } catch {
      // already gone
    }
  }
}

interface Files {
  files: Record<string, string>;
  temps: string[];
}
async function filesOf(root: string): Promise<Files> {
  const files: Record<string, string> = {};
  const temps: string[] = [];
  for (const [rel, item] of await listTree(root)) {
    if (TEMP.test(rel)) temps.push(rel);
    else if (item.kind === 'file') files[rel] = (item as TreeItem & { kind: 'file' }).sha256;
  }
  return { files, temps };
}

function eventsOf(result: CliResult) {
  const events = parseJsonLines(result.stdout);
  const failed = events
    .filter((e) => e.type === 'action-finished' && e.result.status === 'failed')
    .map((e) => ({ path: e.result.action.path as string, error: e.result.error as string }));
  const summary = events.at(-1)?.type === 'summary' ? events.at(-1)!.summary : undefined;
  return { failed, summary };
}

/** Seven files: five small ones and two of 900 KB, of which only one fits in the 1.5 MB disks below. */
async function writeSource(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'sub'), { recursive: true });
  for (let i = 0; i < 5; i++) await fs.writeFile(path.join(dir, 'sub', `small${i}.txt`), `small ${i}\n`.repeat(100));
  await fs.writeFile(path.join(dir, 'big-a.bin'), randomBytes(900 * 1024));
  await fs.writeFile(path.join(dir, 'big-b.bin'), randomBytes(900 * 1024));
}

/** Checks a run into a full disk and the run after freeing space. */
async function checkFullDiskRuns(opts: {
  side: 'local' | 'remote';
  source: string;
  target: string;
  run: () => Promise<CliResult>;
  free: () => void;
  named?: boolean;
}): Promise<void> {
  const first = await opts.run();
  assert.equal(first.code, 1, `a run with failed copies exits 1: ${first.stderr}`);
  assert.ok(!hasStackTrace(first.stderr), first.stderr);
  const { failed, summary } = eventsOf(first);
  assert.ok(failed.length >= 1, `some copy failed: ${first.stdout.slice(-1000)}`);
  if (opts.named !== false) for (const f of failed) assert.match(f.error, new RegExp(`^disk full on the ${opts.side} side: `), `${f.path}: ${f.error}`);
  else for (const f of failed) assert.match(f.error, /^(disk full on the remote side: )?cannot write /, `${f.path}: ${f.error}`);
  assert.ok(summary && summary.filesCopied >= 5, `the files that fit were copied (${summary?.filesCopied})`);
  const source = await filesOf(opts.source);
  const target = await filesOf(opts.target);
  assert.deepEqual(target.temps, [], 'no temporary file is left on the full disk');
  for (const [rel, sha] of Object.entries(target.files)) assert.equal(sha, source.files[rel], `${rel} is whole`);
  assert.deepEqual(Object.keys(target.files).length + failed.length, Object.keys(source.files).length, 'every file was either copied or reported');

  opts.free();
  const second = await opts.run();
  assert.equal(second.code, 0, second.stderr);
  const after = eventsOf(second);
  assert.equal(after.summary.filesCopied, failed.length, 'the next run copies exactly the files that did not fit');
  assert.equal(after.summary.conflicts, 0);
  assert.deepEqual((await filesOf(opts.target)).files, source.files);
}

describe('faults: full disk and permission errors', () => {
  let box: Sandbox;
  const folders: RemoteFolder[] = [];
  let runNo = 0;
  before(async () => {
    box = await makeSandbox('disk-full');
  });
  after(async () => {
    unmountAll();
    for (const folder of folders) await folder.cleanup();
    await box.cleanup();
  });

  it('local disk full during a download: reported per file as "disk full on the local side", the rest copied, no temp files; after freeing space exactly the rest', async () => {
    const source = path.join(box.root, 'dl-source');
    const target = path.join(box.root, 'dl-target');
    await writeSource(source);
    await fs.mkdir(target);
    mountTmpfs(target, 1500);
    const stateDir = path.join(box.root, 'state-dl');
    await checkFullDiskRuns({
      side: 'local',
      source,
      target,
      run: () => runCli(['download', target, source, '--state-dir', stateDir, '--json'], { env: box.env }),
      free: () => resizeTmpfs(target, 8192),
    });
  });

  for (const kind of ['sftp', 'ftp'] as const) {
    it(`remote disk full during an upload (${kind}): "disk full on the remote side" per file, no temp files left on the server; after freeing space exactly the rest`, async () => {
      const source = path.join(box.root, `up-source-${kind}`);
      await writeSource(source);
      const folder = await remoteFolder(kind, `disk-full-${kind}`, box.root, false);
      folders.push(folder);
      await fs.mkdir(folder.diskPath);
      const dataRoot = kind === 'sftp' ? loadServer<{ dataRoot: string }>('sshd').dataRoot : loadServer<{ dataRoot: string }>('proftpd').dataRoot;
      const owner = await fs.stat(dataRoot);
      mountTmpfs(folder.diskPath, 1500, owner);
      const stateDir = path.join(box.root, `state-up-${kind}`);
      await checkFullDiskRuns({
        side: 'remote',
        source,
        target: folder.diskPath,
        run: () => runCli(['upload', source, folder.url, '--state-dir', stateDir, '--json', ...folder.args], { env: box.env }),
        free: () => resizeTmpfs(folder.diskPath, 8192),
        // proftpd reports a full disk by closing the data connection before its 452 reply.
        named: kind === 'sftp',
      });
    });
  }

  it('download into a folder the user may not write to (run as nobody): every file reported, nothing written, exit 1', async () => {
    const source = path.join(box.root, 'perm-source');
    const target = path.join(box.root, 'perm-target');
    await writeSource(source);
    await fs.mkdir(target);
    await fs.mkdir(path.join(target, 'sub'));
    // `nobody` may read everything it needs but write nowhere in the target.
    await fs.chmod(box.root, 0o755);
    for (const dir of [source, path.join(source, 'sub'), target, path.join(target, 'sub')]) await fs.chmod(dir, 0o755);
    const stateDir = path.join(box.root, 'state-perm');
    await fs.mkdir(stateDir, { mode: 0o777 });
    await fs.chmod(stateDir, 0o777);
    const result = await runCli(['download', target, source, '--state-dir', stateDir, '--json'], {
      env: { ...box.env, HOME: stateDir, XDG_STATE_HOME: stateDir },
      prefix: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'],
    });
    assert.equal(result.code, 1, result.stderr);
    const { failed, summary } = eventsOf(result);
    assert.equal(failed.length, 7, `every file is reported: ${JSON.stringify(failed)}`);
    for (const f of failed) assert.match(f.error, /permission|denied|EACCES/i, f.error);
    assert.equal(summary.filesCopied, 0);
    assert.deepEqual(await filesOf(target), { files: {}, temps: [] });
  });

  it('upload into a remote folder the server user may not write to (sftp): reported per file, the writable folder gets its files', async () => {
    const source = path.join(box.root, 'perm-up-source');
    await writeSource(source);
    const folder = await remoteFolder('sftp', 'perm-up', box.root, false);
    folders.push(folder);
    const owner = await fs.stat(loadServer<{ dataRoot: string }>('sshd').dataRoot);
    await fs.mkdir(path.join(folder.diskPath, 'sub'), { recursive: true });
    await fs.chown(folder.diskPath, owner.uid, owner.gid);
    // sub/ belongs to root and is read-only for the server's user.
    await fs.chmod(path.join(folder.diskPath, 'sub'), 0o755);
    const result = await runCli(['upload', source, folder.url, '--state-dir', path.join(box.root, `state-perm-up-${++runNo}`), '--json', ...folder.args], {
      env: box.env,
    });
    assert.equal(result.code, 1, result.stderr);
    const { failed, summary } = eventsOf(result);
    assert.deepEqual(
      failed.map((f) => f.path).sort(),
      [0, 1, 2, 3, 4].map((i) => `sub/small${i}.txt`),
    );
    for (const f of failed) assert.match(f.error, /permission|denied/i, f.error);
    assert.equal(summary.filesCopied, 2, 'the files at the top were copied');
    const remote = await filesOf(folder.diskPath);
    assert.deepEqual(remote.temps, []);
    assert.deepEqual(Object.keys(remote.files).sort(), ['big-a.bin', 'big-b.bin']);
  });
});
