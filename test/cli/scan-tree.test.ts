/**
 * `ferry scan` and `ferry tree` through the built binary: summaries, listings, tree drawings,
 * `--json`, filters, problems and exit codes on local temp trees, plus one scan of an sftp://
 * folder on the loopback sshd. And the library's `scanTarget` on an open Backend.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { LocalBackend, openBackend, parseTarget, scanTarget } from '../../src/index.js';
import { hasStackTrace, linesOf, makeSandbox, parseJsonLines, writeTree, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

const T = new Date(Date.UTC(2021, 0, 2, 3, 4, 5));
const T_TEXT = '2021-01-02 03:04:05';

describe('ferry scan / tree on a local folder', () => {
  let box: Sandbox;
  let dir: string;

  beforeEach(async () => {
    box = await makeSandbox('scan');
    dir = box.local;
    await writeTree(
      dir,
      {
        'a.txt': 'aaa', // 3
        'b.md': 'bbbbb', // 5
        'docs/guide.txt': 'x'.repeat(2000),
        'docs/img/logo.png': 'png', // 3
        'empty/.keep': '',
        '.git/config': 'excluded by default',
      },
      T,
    );
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('prints a summary covering the whole tree', async () => {
    const result = await box.run(['scan', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = linesOf(result.stdout);
    assert.equal(lines[0], `Scanning ${dir}`);
    assert.equal(lines.length, 2, result.stdout);
    assert.match(lines[1]!, /^5 files in 3 folders, 2\.0 KiB \(2,011 bytes\)\. Elapsed: \d+\.\d\d sec\.$/);
  });

  it('--list shows the top level only; -r the whole tree; counts are the same', async () => {
    const top = await box.run(['scan', dir, '--list']);
    assert.equal(top.code, 0, top.stderr);
    const topLines = linesOf(top.stdout);
    assert.deepEqual(
      topLines.slice(1, -1).map((line) => line.trim()),
      [`3  ${T_TEXT}  a.txt`, `5  ${T_TEXT}  b.md`, '[docs]/', '[empty]/'],
    );
    assert.match(topLines.at(-1)!, /^5 files in 3 folders/);
    // Columns line up: the path starts at the same place on every line.
    const column = topLines[1]!.indexOf('a.txt');
    for (const line of topLines.slice(1, -1)) assert.ok(/\S/.test(line.slice(column)) && !/\S/.test(line[column - 1]!), line);

    const all = await box.run(['scan', dir, '--list', '--recursive']);
    assert.equal(all.code, 0, all.stderr);
    assert.deepEqual(
      linesOf(all.stdout)
        .slice(1, -1)
        .map((line) => line.trim()),
      [
        `3  ${T_TEXT}  a.txt`,
        `5  ${T_TEXT}  b.md`,
        '[docs]/',
        `2000  ${T_TEXT}  docs/guide.txt`,
        '[docs/img]/',
        `3  ${T_TEXT}  docs/img/logo.png`,
        '[empty]/',
        `0  ${T_TEXT}  empty/.keep`,
      ],
    );
    assert.equal(
      linesOf(all.stdout)
        .at(-1)!
        .replace(/Elapsed.*/, ''),
      linesOf(top.stdout)
        .at(-1)!
        .replace(/Elapsed.*/, ''),
    );
  });

  it('-m and -x filter like a sync (-x replaces the default excludes)', async () => {
    const matched = await box.run(['scan', dir, '--list', '-r', '-m', '*.txt']);
    assert.equal(matched.code, 0, matched.stderr);
    const paths = linesOf(matched.stdout)
      .slice(1, -1)
      .map((line) => line.trim().split(/\s+/).at(-1));
    assert.deepEqual(paths, ['a.txt', '[docs]/', 'docs/guide.txt', '[docs/img]/', '[empty]/']);
    assert.match(linesOf(matched.stdout).at(-1)!, /^2 files in 3 folders, .*not matching --match: 3/);

    const excluded = await box.run(['scan', dir, '-r', '--list', '-x', 'docs,*.md']);
    assert.equal(excluded.code, 0, excluded.stderr);
    const excludedPaths = linesOf(excluded.stdout)
      .slice(1, -1)
      .map((line) => line.trim().split(/\s+/).at(-1));
    assert.deepEqual(excludedPaths, ['[.git]/', '.git/config', 'a.txt', '[empty]/', 'empty/.keep']);
  });

  it('--json prints one object per entry (the whole tree) and a summary', async () => {
    const result = await box.run(['scan', dir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    const entries = events.filter((event) => event.type === 'entry');
    assert.deepEqual(
      entries.map((entry) => entry.path),
      ['a.txt', 'b.md', 'docs', 'docs/guide.txt', 'docs/img', 'docs/img/logo.png', 'empty', 'empty/.keep'],
    );
    assert.deepEqual(entries[0], { type: 'entry', kind: 'file', path: 'a.txt', depth: 0, size: 3, mtime: T.toISOString(), mtimeMs: T.getTime() });
    assert.deepEqual(entries[2], { type: 'entry', kind: 'dir', path: 'docs', depth: 0 });
    const summary = events.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.files, 5);
    assert.equal(summary.folders, 3);
    assert.equal(summary.bytes, 2011);
    assert.equal(summary.problems, 0);
    assert.equal(typeof summary.elapsedMs, 'number');
  });

  it('tree draws folders, with files only with --files; --sort is accepted', async () => {
    const folders = await box.run(['tree', dir]);
    assert.equal(folders.code, 0, folders.stderr);
    assert.deepEqual(linesOf(folders.stdout).slice(0, -1), [dir, '├── [docs]/', '│   └── [img]/', '└── [empty]/']);
    assert.match(linesOf(folders.stdout).at(-1)!, /^5 files in 3 folders/);

    const files = await box.run(['tree', dir, '--files', '--sort']);
    assert.equal(files.code, 0, files.stderr);
    assert.deepEqual(linesOf(files.stdout).slice(0, -1), [
      dir,
      '├── a.txt',
      '├── b.md',
      '├── [docs]/',
      '│   ├── guide.txt',
      '│   └── [img]/',
      '│       └── logo.png',
      '└── [empty]/',
      '    └── .keep',
    ]);

    const json = await box.run(['tree', dir, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const events = parseJsonLines(json.stdout);
    assert.deepEqual(
      events.filter((event) => event.type === 'entry').map((event) => event.path),
      ['docs', 'docs/img', 'empty'],
    );
    assert.equal(events.at(-1)!.type, 'summary');
  });

  it('a symlink is reported as ignored, not followed', async () => {
    await fs.symlink(path.join(dir, 'docs'), path.join(dir, 'link'));
    const result = await box.run(['scan', dir, '--list']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /link {2}\(ignored: symlink\)/);
    assert.match(linesOf(result.stdout).at(-1)!, /^5 files in 3 folders, .*ignored: 1\./);
  });

  it('a name that cannot be used is a problem: reported, exit code 1', async () => {
    await fs.writeFile(path.join(dir, 'docs', 'back\\slash.txt'), 'x');
    const result = await box.run(['scan', dir]);
    assert.equal(result.code, 1, result.stdout);
    assert.match(result.stderr, /^problem: refused a name in docs: .*back\\\\slash/m);
    assert.match(linesOf(result.stdout).at(-1)!, /problems: 1\./);
    assert.ok(!hasStackTrace(result.stderr));

    const json = await box.run(['scan', dir, '--json']);
    assert.equal(json.code, 1);
    const events = parseJsonLines(json.stdout);
    assert.equal(events.filter((event) => event.type === 'problem').length, 1);
    assert.equal(events.at(-1)!.problems, 1);
  });

  it('a missing target fails with one line and exit code 1 (and nothing is created)', async () => {
    const missing = path.join(box.root, 'nope');
    for (const command of ['scan', 'tree']) {
      const result = await box.run([command, missing]);
      assert.equal(result.code, 1, `${command}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.deepEqual(linesOf(result.stderr), [`ferry: folder ${missing} does not exist`]);
    }
    const json = await box.run(['scan', missing, '--json']);
    assert.equal(json.code, 1);
    assert.deepEqual(parseJsonLines(json.stdout), [{ type: 'error', message: `folder ${missing} does not exist`, exitCode: 1 }]);
    await assert.rejects(fs.stat(missing));
  });

  it('a file as target, bad options and missing arguments', async () => {
    const file = await box.run(['scan', path.join(dir, 'a.txt')]);
    assert.equal(file.code, 1);
    assert.equal(linesOf(file.stderr).length, 1, file.stderr);
    assert.equal((await box.run(['scan'])).code, 2);
    assert.equal((await box.run(['tree', dir, '--bogus'])).code, 2);
    assert.equal((await box.run(['scan', dir, '--parallel', '0'])).code, 2);
    assert.equal((await box.run(['scan', 'gopher://host/x'])).code, 2);
  });

  it('help has examples', async () => {
    for (const command of ['scan', 'tree']) {
      const help = await box.run([command, '--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Examples:\n {2}\$ ferry /);
      assert.match(help.stdout, /Exit codes:/);
    }
  });

  it('scanTarget (library) on an open Backend leaves it open and returns plain data', async () => {
    const backend = new LocalBackend(dir);
    const result = await scanTarget({ target: backend, match: ['*.png'] });
    assert.deepEqual(JSON.parse(JSON.stringify(result.entries)), [
      { path: 'docs', kind: 'dir' },
      { path: 'docs/img', kind: 'dir' },
      { path: 'docs/img/logo.png', kind: 'file', size: 3, mtimeMs: T.getTime() },
      { path: 'empty', kind: 'dir' },
    ]);
    assert.equal(result.files, 1);
    assert.equal(result.unmatched, 4);
    assert.equal((await backend.list('' as never)).length > 0, true, 'still usable');
    await backend.close();
  });
});

/** What scripts/servers/sshd.sh writes (the fields used here). */
interface SshdFacts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly knownHostsFile: string;
  readonly dataRoot: string;
}

describe('ferry scan on an sftp:// folder', () => {
  let folder: string | undefined;
  let box: Sandbox | undefined;
  after(async () => {
    if (folder) await fs.rm(folder, { recursive: true, force: true });
    await box?.cleanup();
  });

  it('lists what the server holds, with the mtimes it reports', async () => {
    const s = loadServer<SshdFacts>('sshd');
    folder = `${s.dataRoot}/scan-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const url = `sftp://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@${s.host}:${s.port}${folder}`;
    const backend = await openBackend(parseTarget(url), { createFolder: true, knownHostsFile: s.knownHostsFile, sshConfigFile: '/dev/null' });
    try {
      await backend.mkdir('sub' as never);
      await backend.write('top.txt' as never, Readable.from([Buffer.from('hello')]), { mtimeMs: T.getTime() });
      await backend.write('sub/inner.bin' as never, Readable.from([Buffer.alloc(1500)]), { mtimeMs: T.getTime() });
    } finally {
      await backend.close();
    }

    box = await makeSandbox('scan-sftp');
    const text = await box.run(['scan', url, '--list', '-r', '--known-hosts', s.knownHostsFile]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!text.stdout.includes(s.password), 'the password is never printed');
    assert.deepEqual(
      linesOf(text.stdout)
        .slice(1, -1)
        .map((line) => line.trim()),
      ['[sub]/', `1500  ${T_TEXT}  sub/inner.bin`, `5  ${T_TEXT}  top.txt`],
    );
    assert.match(linesOf(text.stdout).at(-1)!, /^2 files in 1 folder, 1\.5 KiB \(1,505 bytes\)/);

    const json = await box.run(['scan', url, '--json', '--known-hosts', s.knownHostsFile]);
    assert.equal(json.code, 0, json.stderr);
    const events = parseJsonLines(json.stdout);
    assert.deepEqual(
      events.filter((event) => event.type === 'entry').map((event) => [event.path, event.size, event.mtimeMs]),
      [
        ['sub', undefined, undefined],
        ['sub/inner.bin', 1500, T.getTime()],
        ['top.txt', 5, T.getTime()],
      ],
    );
    assert.deepEqual(
      { ...events.at(-1), elapsedMs: 0 },
      {
        type: 'summary',
        target: events.at(-1)!.target,
        files: 2,
        folders: 1,
        bytes: 1505,
        unmatched: 0,
        ignored: 0,
        problems: 0,
        unreadable: [],
        elapsedMs: 0,
      },
    );
    assert.ok(!String(events.at(-1)!.target).includes(s.password));

    const missing = await box.run(['scan', `${url}/nope`, '--known-hosts', s.knownHostsFile]);
    assert.equal(missing.code, 1);
    assert.equal(linesOf(missing.stderr).length, 1, missing.stderr);
  });
});
