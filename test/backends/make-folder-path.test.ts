/**
 * makeFolderPath: `mkdir -p` one level at a time, so that a folder that cannot be made fails with
 * its own error instead of hanging like Node 20's recursive mkdir does under /proc.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { makeFolderPath } from '../../src/backends/local/make-folder-path.js';
import { repoRoot } from '../support/test-servers.js';

/** Rejects with an errno `code` (the message is Node's, naming the path). */
async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: NodeJS.ErrnoException) => {
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('makeFolderPath', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-make-folder-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes every missing level, each with the mode given; existing parents keep theirs', async () => {
    await mkdir(join(dir, 'kept'), { mode: 0o755 });
    await makeFolderPath(join(dir, 'kept', 'a', 'b', 'c'), 0o700);
    assert.equal((await stat(join(dir, 'kept'))).mode & 0o777, 0o755);
    for (const level of ['a', 'a/b', 'a/b/c']) {
      const stats = await stat(join(dir, 'kept', level));
      assert.ok(stats.isDirectory(), level);
      assert.equal(stats.mode & 0o777, 0o700, level);
    }
  });

  it('a folder that is already there (or a link to one) is fine, with or without a trailing slash', async () => {
    await makeFolderPath(join(dir, 'twice'));
    await makeFolderPath(join(dir, 'twice'));
    await makeFolderPath(join(dir, 'twice') + '/');
    await symlink(join(dir, 'twice'), join(dir, 'to-twice'));
    await makeFolderPath(join(dir, 'to-twice', 'inner'));
    assert.ok((await stat(join(dir, 'twice', 'inner'))).isDirectory());
  });

  it('concurrent calls for the same path both succeed (EEXIST from the other one is fine)', async () => {
    const target = join(dir, 'race', 'x', 'y');
    await Promise.all([makeFolderPath(target), makeFolderPath(target), makeFolderPath(target)]);
    assert.ok((await stat(target)).isDirectory());
  });

  it('a path through a file fails with ENOTDIR; a file or a link to nothing where a folder should be with EEXIST', async () => {
    await writeFile(join(dir, 'file'), 'x');
    await rejectsWithCode(makeFolderPath(join(dir, 'file', 'below', 'deeper')), 'ENOTDIR');
    await rejectsWithCode(makeFolderPath(join(dir, 'file')), 'EEXIST');
    await symlink(join(dir, 'nowhere'), join(dir, 'dangling'));
    await rejectsWithCode(makeFolderPath(join(dir, 'dangling')), 'EEXIST');
    await rejectsWithCode(makeFolderPath(join(dir, 'dangling', 'below')), 'EEXIST');
    await assert.rejects(stat(join(dir, 'nowhere')), 'nothing made behind the dangling link');
  });

  it('under /proc: fails at the first level that cannot be made, quickly, instead of looping forever', async () => {
    // Run in a child process: a regression (an endless mkdir) would keep this test process alive
    // after any in-process timeout, so the child is killed and the test fails instead of hanging.
    const moduleUrl = pathToFileURL(join(repoRoot, 'src/backends/local/make-folder-path.ts')).href;
    const code = `import { makeFolderPath } from ${JSON.stringify(moduleUrl)};
      makeFolderPath('/proc/ferry-no-such/state').then(
        () => console.log('made'),
        (error) => console.log(error.code + ' ' + error.message),
      );`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (...result) => resolve(result)));
    clearTimeout(timer);
    assert.equal(signal, null, `killed after 20 s: makeFolderPath did not return (stderr: ${stderr})`);
    assert.equal(exitCode, 0, stderr);
    assert.match(stdout, /^ENOENT .*mkdir '\/proc\/ferry-no-such'\n$/);
  });
});
