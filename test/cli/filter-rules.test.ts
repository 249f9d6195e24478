/**
 * Filters as rsync, rclone and git users expect, end to end against a local folder, the loopback
 * sshd and proftpd: `-x` patterns with a `/` match paths from the root, `.ferryignore` (read by
 * default, never synced), `--exclude-from`, `--include-from`, `--min-size`/`--max-size`/`--max-age`;
 * what the filters leave out is never deleted by `--delete`; a pattern that cannot match is a usage
 * error (exit 2).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder, type RemoteFolder } from '../support/fault-targets.js';
import { hasStackTrace, linesOf, makeSandbox, treeContents, writeTree, type Sandbox } from '../support/run-cli.js';

const DAY = 86_400_000;

interface Target {
  readonly url: string;
  readonly disk: string;
  readonly args: readonly string[];
  cleanup(): Promise<void>;
}

/** Writes files into a server's folder on disk, where the server's user may delete them. */
async function writeServerTree(root: string, files: Record<string, string>): Promise<void> {
  await writeTree(root, files);
  const open = async (dir: string): Promise<void> => {
    await fs.chmod(dir, 0o777);
    for (const item of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, item.name);
      if (item.isDirectory()) await open(p);
      else await fs.chmod(p, 0o666);
    }
  };
  await open(root);
}

for (const kind of ['local', 'sftp', 'ftp'] as const) {
  describe(`ferry CLI: filters (upload --delete to ${kind})`, () => {
    let box: Sandbox;
    let target: Target;

    before(async () => {
      box = await makeSandbox(`filter-rules-${kind}`);
      if (kind === 'local') {
        target = { url: box.remote, disk: box.remote, args: [], cleanup: async () => undefined };
      } else {
        const folder: RemoteFolder = await remoteFolder(kind, 'filter-rules', box.root, false);
        await fs.mkdir(folder.diskPath, { recursive: true });
        target = { url: folder.url, disk: folder.diskPath, args: folder.args, cleanup: () => folder.cleanup() };
      }
      await writeTree(box.local, {
        'd1/a.txt': 'a',
        'd1/sub/b.txt': 'b',
        'keep/d1/c.txt': 'c',
        'big.bin': 'B'.repeat(2000),
        'app.log': 'log',
        'keep.log': 'kept log',
        'dist/x.js': 'built',
        'secret/key.txt': 'key',
        'small.txt': 'small',
        '.ferryignore': '# build output\ndist/\n*.log\n!keep.log\n',
      });
      await writeTree(box.local, { 'old.txt': 'old' }, new Date(Date.now() - 30 * DAY));
      await writeTree(box.root, { 'rules.txt': '# more\nsecret/\n' });
      await writeServerTree(target.disk, {
        'd1/remote-only.txt': 'r',
        'extra.txt': 'extra',
        'server.log': 'server log',
        'huge.bin': 'H'.repeat(5000),
      });
    });
    after(async () => {
      await target.cleanup();
      await box.cleanup();
    });

    it('paths from the root, .ferryignore, --exclude-from and size/age limits; what they leave out is not deleted', async () => {
      const result = await box.run(
        [
          'upload',
          box.local,
          target.url,
          '--state-dir',
          box.stateDir,
          '--delete',
          '-x',
          'd1/*',
          '--exclude-from',
          'rules.txt',
          '--max-size',
          '1k',
          '--max-age',
          '7d',
          ...target.args,
        ],
        { cwd: box.root },
      );
      assert.equal(result.code, 0, result.stderr + result.stdout);
      const remote = await treeContents(target.disk);
      assert.deepEqual(Object.keys(remote).sort(), ['d1/remote-only.txt', 'huge.bin', 'keep.log', 'keep/d1/c.txt', 'server.log', 'small.txt'], result.stdout);
      assert.equal(remote['keep/d1/c.txt'], 'c', 'd1/* is anchored at the root');
      assert.equal(remote['huge.bin'], 'H'.repeat(5000), 'too big: left alone, not deleted');
      // And a second run has nothing to do.
      const again = await box.run(
        [
          'upload',
          box.local,
          target.url,
          '--state-dir',
          box.stateDir,
          '--delete',
          '-x',
          'd1/*',
          '--exclude-from',
          'rules.txt',
          '--max-size',
          '1k',
          '--max-age',
          '7d',
          ...target.args,
        ],
        { cwd: box.root },
      );
      assert.match(again.stdout, /Done: 0 files copied \(0 B\), 0 deleted/);
    });

    it('--no-ignore-file: .ferryignore is an ordinary file, its rules do not apply', async () => {
      const result = await box.run([
        'upload',
        box.local,
        target.url,
        '--state-dir',
        box.stateDir,
        '--no-ignore-file',
        '-x',
        'd1/*,secret',
        '--max-size',
        '1k',
        ...target.args,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const remote = await treeContents(target.disk);
      assert.equal(remote['.ferryignore'], '# build output\ndist/\n*.log\n!keep.log\n');
      assert.equal(remote['app.log'], 'log');
      assert.equal(remote['dist/x.js'], 'built');
    });
  });
}

describe('ferry CLI: --include-from and bad filters', () => {
  let box: Sandbox;
  before(async () => {
    box = await makeSandbox('filter-include');
    await writeTree(box.local, { 'index.html': 'i', 'draft.html': 'd', 'img/a.png': 'png', 'src/app.ts': 'ts' });
    await writeTree(box.remote, { 'server.txt': 'kept' });
    await writeTree(box.root, { 'site.txt': '*.html\n!draft.html\nimg/\n' });
  });
  after(async () => {
    await box.cleanup();
  });

  it('--include-from syncs only the listed files; the others stay on both sides, also with --delete', async () => {
    const result = await box.run(['upload', box.local, box.remote, '--state-dir', box.stateDir, '--delete', '--include-from', 'site.txt'], { cwd: box.root });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await treeContents(box.remote), { 'index.html': 'i', 'img/a.png': 'png', 'server.txt': 'kept' });
  });

  for (const [args, message] of [
    [['-x', '../up'], /--exclude \.\.\/up: cannot match anything/],
    [['-m', 'docs/'], /--match docs\/: cannot match anything/],
    [['--exclude-from', 'bad.txt'], /bad\.txt:2: a\/\/b: cannot match anything/],
    [['--exclude-from', 'missing.txt'], /--exclude-from missing\.txt: cannot read it \(no such file\)/],
    [['--max-size', 'big'], /--max-size big: expected a size/],
    [['--max-age', 'old'], /--max-age old: expected an age/],
    [['--min-size', '2k', '--max-size', '1k'], /no file could match/],
  ] as [string[], RegExp][]) {
    it(`${args.join(' ')}: exit 2, one line`, async () => {
      await writeTree(box.root, { 'bad.txt': '*.log\na//b\n' });
      const result = await box.run(['upload', box.local, box.remote, '--state-dir', box.stateDir, ...args], { cwd: box.root });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(linesOf(result.stderr).filter((l) => l !== '').length, 1, result.stderr);
      assert.ok(!hasStackTrace(result.stderr));
    });
  }
});
