/**
 * Downloads (with --delete) from a scripted, hostile SFTP server: names with `..`, absolute paths,
 * `/` and NUL, duplicates, names equal after Unicode normalisation or differing only by case,
 * enormous sizes, the latest time SFTP can send, a file that grows while it is read, a folder that
 * cannot be read. ferry refuses each bad entry with a problem event, writes nothing outside the
 * local folder, and deletes no local file because of a strange listing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHostileSftpServer, type HostileSftpServer } from '../support/hostile-sftp-server.js';
import { hasStackTrace, listTree, makeSandbox, parseJsonLines, runCli, type Sandbox } from '../support/run-cli.js';

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';

describe('hostile SFTP server', () => {
  let box: Sandbox;
  let server: HostileSftpServer;
  before(async () => {
    box = await makeSandbox('hostile-sftp');
  });
  after(async () => {
    await server?.close();
    await box.cleanup();
  });

  it('bad names refused with problems, nothing written outside, no local file deleted because of the listing', async () => {
    let opened = 0;
    const abs = path.join(box.root, 'outside-abs.txt');
    const file = (name: string, size = 6, mtime?: number) => ({ name, kind: 'file' as const, size, mtime });
    server = await startHostileSftpServer({
      folders: {
        '/data': [
          file('good.txt'),
          file('..'),
          file(abs),
          file('../outside-rel.txt'),
          file('sub/../../outside-rel2.txt'),
          file('nul\0name.txt'),
          file('dup.txt'),
          file('dup.txt', 7),
          file('Case.txt'),
          file('case.txt'),
          file(NFC),
          file(NFD),
          file('huge.bin', Number.MAX_SAFE_INTEGER),
          file('future.txt', 6, 0xffffffff),
          file('growing.txt', 10),
          { name: 'unreadable', kind: 'dir' },
        ],
        '/data/unreadable': 'denied',
      },
      files: {
        '/data/good.txt': { content: Buffer.from('hello\n') },
        '/data/Case.txt': { content: Buffer.from('upper\n') },
        '/data/case.txt': { content: Buffer.from('lower\n') },
        '/data/huge.bin': { content: Buffer.from('small\n'), size: () => Number.MAX_SAFE_INTEGER },
        '/data/future.txt': { content: Buffer.from('new!!\n'), mtime: 0xffffffff },
        // Listed with 10 bytes; it has grown to 20 by the time it is opened.
        '/data/growing.txt': {
          content: () => {
            opened++;
            return Buffer.from('0123456789ABCDEFGHIJ');
          },
          size: () => (opened > 0 ? 20 : 10),
        },
      },
    });
    const knownHosts = path.join(box.root, 'known_hosts');
    await fs.writeFile(knownHosts, `${server.knownHostsLine}\n`);
    const local = path.join(box.root, 'case', 'local');
    await fs.mkdir(path.join(local, 'unreadable'), { recursive: true });
    await fs.writeFile(path.join(local, 'unreadable', 'precious.txt'), 'mine\n');
    await fs.writeFile(path.join(local, 'dup.txt'), 'mine\n');
    await fs.writeFile(path.join(local, NFC), 'mine\n');
    await fs.writeFile(path.join(local, 'only-local.txt'), 'the server does not have me\n');

    const args = [
      'download',
      local,
      `sftp://u:p@127.0.0.1:${server.port}/data`,
      '--delete',
      '--json',
      '--state-dir',
      path.join(box.root, 'case', 'state'),
      '--known-hosts',
      knownHosts,
      '--no-keyring',
      '--no-netrc',
    ];
    const result = await runCli(args, { env: { ...box.env, SSH_AUTH_SOCK: '' } });
    assert.equal(result.code, 1, result.stderr);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
    const events = parseJsonLines(result.stdout);
    const problems = events
      .filter((e) => e.type === 'problem')
      .map((e) => `${e.problem.path ?? ''}: ${e.problem.message}`)
      .join('\n');
    for (const expected of [
      /refused a name.*outside-abs\.txt/,
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
      events.filter((e) => e.type === 'conflict').map((e) => [e.conflict.path, e.conflict.conflict.reason]),
      [[NFC, 'unicode-twins']],
    );
    const failed = new Map(
      events.filter((e) => e.type === 'action-finished' && e.result.status === 'failed').map((e) => [e.result.action.path as string, e.result.error as string]),
    );
    assert.deepEqual([...failed.keys()].sort(), ['growing.txt', 'huge.bin'], [...failed].join('\n'));
    assert.match(failed.get('growing.txt')!, /changed while being copied/);

    // Nothing outside, the seeded files kept, the good files there.
    assert.deepEqual((await fs.readdir(path.join(box.root, 'case'))).sort(), ['local', 'state']);
    for (const probe of ['outside-abs.txt', 'outside-rel.txt', 'outside-rel2.txt']) {
      await assert.rejects(fs.stat(path.join(box.root, probe)));
      await assert.rejects(fs.stat(path.join(box.root, 'case', probe)));
    }
    assert.equal(await fs.readFile(path.join(local, 'unreadable', 'precious.txt'), 'utf8'), 'mine\n');
    assert.equal(await fs.readFile(path.join(local, 'dup.txt'), 'utf8'), 'mine\n');
    assert.equal(await fs.readFile(path.join(local, NFC), 'utf8'), 'mine\n');
    assert.equal(await fs.readFile(path.join(local, 'only-local.txt'), 'utf8'), 'the server does not have me\n', 'no deletion after failed copies');
    assert.equal(await fs.readFile(path.join(local, 'good.txt'), 'utf8'), 'hello\n');
    assert.equal(await fs.readFile(path.join(local, 'Case.txt'), 'utf8'), 'upper\n');
    assert.equal(await fs.readFile(path.join(local, 'case.txt'), 'utf8'), 'lower\n');
    assert.equal(await fs.readFile(path.join(local, 'future.txt'), 'utf8'), 'new!!\n');
    await assert.rejects(fs.stat(path.join(local, 'huge.bin')));
    await assert.rejects(fs.stat(path.join(local, 'growing.txt')));
    assert.deepEqual(
      [...(await listTree(local)).keys()].filter((p) => p.includes('.~ferry-')),
      [],
    );
    assert.deepEqual(server.writes, [], 'a download sends no writing request');

    const second = await runCli(args, { env: { ...box.env, SSH_AUTH_SOCK: '' } });
    const done = parseJsonLines(second.stdout).filter((e) => e.type === 'action-finished' && e.result.status === 'done' && e.result.action.kind !== 'record');
    assert.deepEqual(
      done.map((e) => e.result.action.path),
      [],
      'the second run has nothing more to do',
    );
  });
});
