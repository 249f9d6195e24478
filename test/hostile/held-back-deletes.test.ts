/**
 * A folder whose listing had entries ferry refused is never mirrored with `--delete`: a download
 * from a hostile FTP or SFTP server whose every copy succeeds deletes the local extras of the
 * folders listed cleanly, keeps those of the folder with a refused name, and says so in one line
 * per folder. The same holds in sync, where the refused name looks like a deleted file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHostileFtpServer, type HostileFtpServer } from '../support/hostile-ftp-server.js';
import { startHostileSftpServer, type HostileSftpServer } from '../support/hostile-sftp-server.js';
import { linesOf, makeSandbox, runCli, type CliResult, type Sandbox } from '../support/run-cli.js';

const T = '20240101000000';
const MTIME_S = Date.UTC(2024, 0, 1) / 1000;

async function seed(local: string): Promise<void> {
  await fs.mkdir(path.join(local, 'clean'), { recursive: true });
  await fs.mkdir(path.join(local, 'odd'), { recursive: true });
  await fs.writeFile(path.join(local, 'clean', 'extra.txt'), 'delete me\n');
  await fs.writeFile(path.join(local, 'odd', 'extra.txt'), 'keep me: my folder was listed with a refused name\n');
}

async function assertHeldBack(result: CliResult, local: string): Promise<void> {
  assert.equal(result.code, 1, `exit 1 for the refused name (stdout: ${result.stdout}; stderr: ${result.stderr})`);
  await assert.rejects(fs.stat(path.join(local, 'clean', 'extra.txt')), 'an extra file in a folder listed cleanly is deleted');
  assert.equal(await fs.readFile(path.join(local, 'odd', 'extra.txt'), 'utf8'), 'keep me: my folder was listed with a refused name\n');
  assert.equal(await fs.readFile(path.join(local, 'odd', 'ok.txt'), 'utf8'), 'hello\n', 'copies still run in that folder');
  const held = linesOf(result.stderr).filter((line) => /held back/.test(line));
  assert.deepEqual(
    held,
    ['warning: 1 deletion in folder odd held back: its remote listing had entries ferry refused or left alone (see above), so it is not mirrored this run'],
    result.stderr,
  );
  assert.match(result.stdout, /1 deleted/);
}

describe('refused names hold back --delete', () => {
  let box: Sandbox;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    box = await makeSandbox('held-back');
  });
  after(async () => {
    for (const close of closers) await close();
    await box.cleanup();
  });

  it('FTP (MLSD): the folder with a refused name keeps its local extras', async () => {
    const server: HostileFtpServer = await startHostileFtpServer({
      mode: 'mlsd',
      folders: {
        '/': { listing: `type=dir;modify=${T}; clean\r\ntype=dir;modify=${T}; odd\r\n` },
        '/clean': { listing: `type=file;size=6;modify=${T}; ok.txt\r\n` },
        '/odd': { listing: `type=file;size=6;modify=${T}; ok.txt\r\ntype=file;size=6;modify=${T}; a\\b.txt\r\n` },
      },
      files: {
        '/clean/ok.txt': { content: Buffer.from('hello\n'), facts: `type=file;size=6;modify=${T};` },
        '/odd/ok.txt': { content: Buffer.from('hello\n'), facts: `type=file;size=6;modify=${T};` },
      },
    });
    closers.push(() => server.close());
    const local = path.join(box.root, 'ftp', 'local');
    await seed(local);
    const result = await runCli(
      ['download', local, `ftp://u:p@127.0.0.1:${server.port}/`, '--delete', '--state-dir', path.join(box.root, 'ftp', 'state'), '--no-keyring', '--no-netrc'],
      { env: box.env },
    );
    await assertHeldBack(result, local);
  });

  it('SFTP: the folder with a refused name keeps its local extras', async () => {
    const file = (name: string) => ({ name, kind: 'file' as const, size: 6, mtime: MTIME_S });
    const server: HostileSftpServer = await startHostileSftpServer({
      folders: {
        '/data': [
          { name: 'clean', kind: 'dir' },
          { name: 'odd', kind: 'dir' },
        ],
        '/data/clean': [file('ok.txt')],
        '/data/odd': [file('ok.txt'), file('../escape.txt')],
      },
      files: {
        '/data/clean/ok.txt': { content: Buffer.from('hello\n'), mtime: MTIME_S },
        '/data/odd/ok.txt': { content: Buffer.from('hello\n'), mtime: MTIME_S },
      },
    });
    closers.push(() => server.close());
    const knownHosts = path.join(box.root, 'known_hosts');
    await fs.writeFile(knownHosts, `${server.knownHostsLine}\n`);
    const local = path.join(box.root, 'sftp', 'local');
    await seed(local);
    const result = await runCli(
      [
        'download',
        local,
        `sftp://u:p@127.0.0.1:${server.port}/data`,
        '--delete',
        '--state-dir',
        path.join(box.root, 'sftp', 'state'),
        '--known-hosts',
        knownHosts,
        '--no-keyring',
        '--no-netrc',
      ],
      { env: box.env },
    );
    await assertHeldBack(result, local);
  });
});
