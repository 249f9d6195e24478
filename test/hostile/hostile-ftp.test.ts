/**
 * Downloads (with --delete) from a scripted, hostile FTP server, in MLSD and in LIST mode: names
 * with `..`, absolute paths, `/` and NUL, duplicates, names equal after Unicode normalisation or
 * differing only by case, enormous sizes, times in 1900 and 9999, a file that grows while it is
 * downloaded, malformed MLSD and LIST lines. ferry refuses each bad entry with a problem event,
 * writes nothing outside the local folder, and deletes no local file because of a strange listing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHostileFtpServer, type HostileFtpServer, type HostileScript } from '../support/hostile-ftp-server.js';
import { hasStackTrace, listTree, makeSandbox, parseJsonLines, runCli, type CliResult, type Sandbox } from '../support/run-cli.js';

const T = '20240101000000';
const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';

function outcome(result: CliResult) {
  const events = parseJsonLines(result.stdout);
  return {
    problems: events.filter((e) => e.type === 'problem').map((e) => `${e.problem.path ?? ''}: ${e.problem.message}`),
    failed: new Map(
      events.filter((e) => e.type === 'action-finished' && e.result.status === 'failed').map((e) => [e.result.action.path as string, e.result.error as string]),
    ),
    done: events.filter((e) => e.type === 'action-finished' && e.result.status === 'done').map((e) => `${e.result.action.kind} ${e.result.action.path}`),
    summary: events.at(-1)?.summary,
  };
}

/** The local files every scenario starts with; the hostile listing must not get any of them deleted. */
async function seedLocal(local: string): Promise<void> {
  await fs.mkdir(path.join(local, 'unreadable'), { recursive: true });
  await fs.writeFile(path.join(local, 'unreadable', 'precious.txt'), 'mine\n');
  await fs.writeFile(path.join(local, 'dup.txt'), 'mine\n');
  await fs.writeFile(path.join(local, NFC), 'mine\n');
  await fs.writeFile(path.join(local, 'only-local.txt'), 'the server does not have me\n');
}

describe('hostile FTP server', () => {
  let box: Sandbox;
  const servers: HostileFtpServer[] = [];
  before(async () => {
    box = await makeSandbox('hostile-ftp');
  });
  after(async () => {
    for (const server of servers) await server.close();
    await box.cleanup();
  });

  async function download(
    script: HostileScript,
    name: string,
    ...extra: string[]
  ): Promise<{ result: CliResult; local: string; server: HostileFtpServer; again: () => Promise<CliResult> }> {
    const server = await startHostileFtpServer(script);
    servers.push(server);
    const local = path.join(box.root, name, 'local');
    await seedLocal(local);
    const args = [
      'download',
      local,
      `ftp://u:p@127.0.0.1:${server.port}/`,
      '--delete',
      '--json',
      '--state-dir',
      path.join(box.root, name, 'state'),
      '--no-keyring',
      '--no-netrc',
      ...extra,
    ];
    const result = await runCli(args, { env: box.env });
    return { result, local, server, again: () => runCli(args, { env: box.env }) };
  }

  /** What every scenario must leave: nothing outside, the seeded files still there. */
  async function assertContained(name: string, local: string): Promise<void> {
    const outside = (await fs.readdir(path.join(box.root, name))).sort();
    assert.deepEqual(outside, ['local', 'state'], 'nothing was written next to the local folder');
    for (const probe of ['outside-abs.txt', 'outside-rel.txt', 'outside-rel2.txt', 'outside-list.txt']) {
      await assert.rejects(fs.stat(path.join(box.root, probe)), `${probe} was not written`);
      await assert.rejects(fs.stat(path.join(box.root, name, probe)), `${probe} was not written`);
    }
    assert.equal(await fs.readFile(path.join(local, 'unreadable', 'precious.txt'), 'utf8'), 'mine\n', 'a file in a folder that could not be listed is kept');
    assert.equal(await fs.readFile(path.join(local, 'dup.txt'), 'utf8'), 'mine\n', 'a name listed twice is left alone');
    const temps = [...(await listTree(local)).keys()].filter((p) => p.includes('.~ferry-'));
    assert.deepEqual(temps, []);
  }

  it('MLSD: bad names refused with problems, nothing written outside, no local file deleted because of the listing', async () => {
    let retrieved = 0;
    const abs = path.join(box.root, 'outside-abs.txt');
    const script: HostileScript = {
      mode: 'mlsd',
      folders: {
        '/': {
          listing: [
            `type=cdir;modify=${T}; /`,
            `type=pdir;modify=${T}; ..`,
            `type=file;size=6;modify=${T}; good.txt`,
            `type=file;size=6;modify=${T}; ..`,
            `type=file;size=6;modify=${T}; ${abs}`,
            `type=file;size=6;modify=${T}; ../outside-rel.txt`,
            `type=file;size=6;modify=${T}; sub/../../outside-rel2.txt`,
            `type=file;size=6;modify=${T}; nul\0name.txt`,
            `type=file;size=6;modify=${T}; dup.txt`,
            `type=file;size=7;modify=${T}; dup.txt`,
            `type=file;size=6;modify=${T}; Case.txt`,
            `type=file;size=6;modify=${T}; case.txt`,
            `type=file;size=6;modify=${T}; ${NFC}`,
            `type=file;size=6;modify=${T}; ${NFD}`,
            `type=file;size=9007199254740991;modify=${T}; huge.bin`,
            `type=file;size=6;modify=00000101000000; ancient.txt`,
            `type=file;size=6;modify=99991231235959; future.txt`,
            `type=file;size=10;modify=${T}; growing.txt`,
            `type=dir;modify=${T}; unreadable`,
            '',
          ].join('\r\n'),
        },
        '/unreadable': { listing: 'this line has no facts\r\ntype=file;size=abc;modify=x; bad.txt\r\n' },
      },
      files: {
        '/good.txt': { content: Buffer.from('hello\n'), facts: `type=file;size=6;modify=${T};` },
        '/Case.txt': { content: Buffer.from('upper\n'), facts: `type=file;size=6;modify=${T};` },
        '/case.txt': { content: Buffer.from('lower\n'), facts: `type=file;size=6;modify=${T};` },
        '/huge.bin': { content: Buffer.from('small\n'), facts: `type=file;size=9007199254740991;modify=${T};` },
        '/ancient.txt': { content: Buffer.from('old!!\n'), facts: 'type=file;size=6;modify=00000101000000;' },
        '/future.txt': { content: Buffer.from('new!!\n'), facts: 'type=file;size=6;modify=99991231235959;' },
        // Listed with 10 bytes; it has grown to 20 by the time it is read.
        '/growing.txt': {
          content: () => {
            retrieved++;
            return Buffer.from('0123456789ABCDEFGHIJ');
          },
          facts: () => `type=file;size=${retrieved > 0 ? 20 : 10};modify=${T};`,
        },
      },
    };
    const { result, local, server, again } = await download(script, 'mlsd');
    assert.equal(result.code, 1, result.stderr);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
    const o = outcome(result);
    const problems = o.problems.join('\n');
    for (const expected of [
      /refused a name.*outside-abs\.txt.*(absolute|contains "\/")/,
      /refused a name.*outside-rel\.txt/,
      /refused a name.*outside-rel2\.txt/,
      /refused a name.*NUL/,
      /dup\.txt appears twice/,
      /cannot list folder unreadable/,
    ]) {
      assert.match(problems, expected);
    }
    // café in NFC and in NFD in one folder: a true collision, a conflict, both left alone.
    assert.deepEqual(
      parseJsonLines(result.stdout)
        .filter((e) => e.type === 'conflict')
        .map((e) => [e.conflict.path, e.conflict.conflict.reason]),
      [[NFC, 'unicode-twins']],
    );
    assert.equal(o.failed.size, 2, [...o.failed].join('\n'));
    assert.match(o.failed.get('huge.bin') ?? '', /ended early \(6 of 9007199254740991 bytes\)/);
    assert.match(o.failed.get('growing.txt') ?? '', /changed while being copied/);
    await assertContained('mlsd', local);
    assert.equal(await fs.readFile(path.join(local, 'good.txt'), 'utf8'), 'hello\n');
    assert.equal(await fs.readFile(path.join(local, 'Case.txt'), 'utf8'), 'upper\n');
    assert.equal(await fs.readFile(path.join(local, 'case.txt'), 'utf8'), 'lower\n');
    assert.equal(await fs.readFile(path.join(local, NFC), 'utf8'), 'mine\n', 'a name the server lists twice (NFC and NFD) is left alone');
    await assert.rejects(fs.stat(path.join(local, 'huge.bin')));
    await assert.rejects(fs.stat(path.join(local, 'growing.txt')));
    // Copies failed, so no deletion ran (not even of a file the server plainly does not have).
    assert.equal(await fs.readFile(path.join(local, 'only-local.txt'), 'utf8'), 'the server does not have me\n');
    assert.equal(o.summary.filesDeleted, 0);
    // Odd but valid times are kept as well as the local disk can.
    const ancient = (await fs.stat(path.join(local, 'ancient.txt'))).mtimeMs;
    const future = (await fs.stat(path.join(local, 'future.txt'))).mtimeMs;
    assert.ok(ancient < 0, `ancient.txt has mtime ${ancient}`);
    assert.ok(future > Date.UTC(2400, 0, 1), `future.txt has mtime ${future}`);
    // No name is ever written, renamed or deleted on the server by a download, not even a
    // temporary one.
    const writes = server.commands.filter((c) => /^(STOR|APPE|DELE|MKD|RMD|RNFR|RNTO|SITE|MFMT)/i.test(c));
    assert.deepEqual(writes, [], 'a download sends no writing command');

    // The next run changes nothing that was settled: no copies, no deletions.
    const second = await again();
    const o2 = outcome(second);
    assert.deepEqual(
      o2.done.filter((d) => !d.startsWith('record')),
      [],
      `the second run had nothing more to do: ${o2.done.join(', ')}`,
    );
    await assertContained('mlsd', local);
  });

  it('LIST: bad names refused, a folder with a malformed or oversized line left alone, nothing written outside', async () => {
    const script: HostileScript = {
      mode: 'list',
      folders: {
        '/': {
          listing: [
            'total 8',
            '-rw-r--r--   1 u g 6 Jan 01  2024 good.txt',
            '-rw-r--r--   1 u g 6 Jan 01  2024 ../outside-list.txt',
            '-rw-r--r--   1 u g 6 Jan 01  2024 a/b.txt',
            '-rw-r--r--   1 u g 6 Jan 01  2024 dup.txt',
            '-rw-r--r--   1 u g 6 Jan 01  2024 dup.txt',
            '01-01-24  12:00PM                    6 dos.txt',
            'drwxr-xr-x   2 u g 4096 Jan 01  2024 unreadable',
            'drwxr-xr-x   2 u g 4096 Jan 01  2024 oversized',
            '',
          ].join('\r\n'),
        },
        '/unreadable': { listing: 'complete garbage that is no listing\r\n' },
        '/oversized': { listing: '-rw-r--r-- 1 u g 99999999999999999999 Jan 01  2024 big\r\n' },
      },
      files: {
        '/good.txt': { content: Buffer.from('hello\n'), facts: '', mdtm: T },
        '/dos.txt': { content: Buffer.from('dos!!\n'), facts: '', mdtm: T },
        '/dup.txt': { content: Buffer.from('theirs'), facts: '', mdtm: T },
      },
    };
    const { result, local } = await download(script, 'list');
    assert.equal(result.code, 1, result.stderr);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
    const problems = outcome(result).problems.join('\n');
    for (const expected of [
      /refused a name.*outside-list\.txt/,
      /refused a name.*a\/b\.txt/,
      /dup\.txt appears twice/,
      /cannot list folder unreadable.*cannot parse/,
      /cannot list folder oversized.*invalid size/,
    ]) {
      assert.match(problems, expected);
    }
    await assertContained('list', local);
    assert.equal(await fs.readFile(path.join(local, 'good.txt'), 'utf8'), 'hello\n');
    assert.equal(await fs.readFile(path.join(local, 'dos.txt'), 'utf8'), 'dos!!\n');
  });
});
