/**
 * Names as each side spells them, on every backend, end to end through the CLI: an NFD file and
 * folder (as a Mac writes them) are synced byte for byte, updated and deleted under that
 * spelling, never next to an NFC look-alike; names with an escape sequence or a line break are
 * synced where the protocol can carry them, and refused in one clear line where it cannot (FTP
 * sends names on a line-based control connection).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder } from '../support/fault-targets.js';
import { makeSandbox, parseJsonLines, runCli, type CliResult, type JsonEvent, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

const NFD_FILE = 'cafe\u0301.txt';
const NFD_DIR = 'Re\u0301sume\u0301';
const ESC = 'esc\u001b[31mred.txt';
const NEWLINE = 'two\nlines.txt';
const NFD_REMOTE = 'nai\u0308ve.txt';

type Target = 'local' | 'sftp' | 'proftpd' | 'pure-ftpd' | 'vsftpd' | 'pyftpdlib';
const TARGETS: readonly Target[] = ['local', 'sftp', 'proftpd', 'pure-ftpd', 'vsftpd', 'pyftpdlib'];

interface Remote {
  readonly url: string;
  readonly diskPath: string;
  readonly args: readonly string[];
  readonly ftp: boolean;
  cleanup(): Promise<void>;
}

async function remoteFor(target: Target, box: Sandbox): Promise<Remote> {
  const name = `names-${target}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  if (target === 'local') {
    const diskPath = path.join(box.root, name);
    return { url: diskPath, diskPath, args: [], ftp: false, cleanup: () => fs.rm(diskPath, { recursive: true, force: true }) };
  }
  if (target === 'sftp' || target === 'proftpd') {
    const folder = await remoteFolder(target === 'sftp' ? 'sftp' : 'ftp', `names-${target}`, box.root, false);
    return { url: folder.url, diskPath: folder.diskPath, args: folder.args, ftp: target !== 'sftp', cleanup: () => folder.cleanup() };
  }
  const s = loadServer<{ port: number; user: string; password: string; dataRoot: string; remoteRoot?: string }>(target);
  const diskPath = path.join(s.dataRoot, name);
  const remotePath = `${(s.remoteRoot ?? '/').replace(/\/$/, '')}/${name}`;
  return {
    url: `ftp://${s.user}:${encodeURIComponent(s.password)}@127.0.0.1:${s.port}${remotePath}`,
    diskPath,
    args: ['--no-keyring', '--no-netrc'],
    ftp: true,
    cleanup: () => fs.rm(diskPath, { recursive: true, force: true }),
  };
}

/** Gives a tree the owner of its parent (the server's data root), so the server's user may change it. */
async function chownLikeParent(root: string): Promise<void> {
  const owner = await fs.stat(path.dirname(root));
  const walk = async (p: string): Promise<void> => {
    await fs.chown(p, owner.uid, owner.gid);
    const stats = await fs.lstat(p);
    if (stats.isDirectory()) for (const entry of await fs.readdir(p)) await walk(path.join(p, entry));
  };
  await walk(root);
}

/** The names in a folder as raw bytes (hex), so an NFC name never passes for an NFD one. */
async function rawNames(dir: string): Promise<string[]> {
  return (await fs.readdir(dir, { encoding: 'buffer' })).map((name) => name.toString('hex')).sort();
}
const hex = (...names: string[]): string[] => names.map((name) => Buffer.from(name).toString('hex')).sort();

function failures(result: CliResult): Map<string, string> {
  return new Map(
    parseJsonLines(result.stdout)
      .filter((event: JsonEvent) => event.type === 'action-finished' && event['result'].status === 'failed')
      .map((event: JsonEvent) => [event['result'].action.path as string, event['result'].error as string]),
  );
}

function summaryOf(result: CliResult): Record<string, number> {
  return parseJsonLines(result.stdout).at(-1)!['summary'];
}

describe('names as each side spells them, on every backend', () => {
  let box: Sandbox;
  const remotes: Remote[] = [];
  before(async () => {
    box = await makeSandbox('names');
  });
  after(async () => {
    for (const remote of remotes) await remote.cleanup();
    await box.cleanup();
  });

  for (const target of TARGETS) {
    it(`${target}: NFD names byte for byte; control characters synced or refused in one line`, async () => {
      const remote = await remoteFor(target, box);
      remotes.push(remote);
      const local = path.join(box.root, `${target}-local`);
      await fs.mkdir(path.join(local, NFD_DIR), { recursive: true });
      await fs.writeFile(path.join(local, NFD_FILE), 'v1');
      await fs.writeFile(path.join(local, NFD_DIR, 'notes.txt'), 'notes');
      await fs.writeFile(path.join(local, ESC), 'esc');
      await fs.writeFile(path.join(local, NEWLINE), 'newline');
      await fs.mkdir(remote.diskPath, { recursive: true });
      await fs.writeFile(path.join(remote.diskPath, NFD_REMOTE), 'from the server');
      if (target !== 'local') await chownLikeParent(remote.diskPath);
      const stateDir = path.join(box.root, `${target}-state`);
      const run = (mode: string, ...extra: string[]) =>
        runCli([mode, local, remote.url, '--state-dir', stateDir, '--json', ...remote.args, ...extra], { env: box.env, timeoutMs: 120_000 });

      // Both ways once: every name arrives as its side spelled it.
      const first = await run('sync');
      const failed = failures(first);
      if (remote.ftp) {
        // FTP carries a name on a CRLF-terminated command line: a line break cannot be sent; other
        // control characters are not kept by every server (pure-ftpd writes "_"): not created.
        assert.deepEqual([...failed.keys()].sort(), [ESC, NEWLINE].sort(), first.stdout);
        assert.match(failed.get(NEWLINE)!, /^cannot use "two\\nlines\.txt" over FTP: names with line breaks or NUL cannot be sent$/);
        assert.match(
          failed.get(ESC)!,
          /^cannot create "esc\\u001b\[31mred\.txt" over FTP: names with control characters are not kept as they are by every server$/,
        );
        assert.equal(first.code, 1);
      } else {
        assert.deepEqual([...failed.keys()], [], first.stdout);
        assert.equal(first.code, 0, first.stderr);
      }
      const sent = remote.ftp ? [NFD_FILE, NFD_DIR, NFD_REMOTE] : [NFD_FILE, NFD_DIR, ESC, NEWLINE, NFD_REMOTE];
      assert.deepEqual(await rawNames(remote.diskPath), hex(...sent), 'the remote folder holds the names byte for byte, and no temporary file');
      assert.deepEqual(await rawNames(path.join(remote.diskPath, NFD_DIR)), hex('notes.txt'));
      assert.deepEqual(await rawNames(local), hex(NFD_FILE, NFD_DIR, ESC, NEWLINE, NFD_REMOTE));
      assert.equal(await fs.readFile(path.join(local, NFD_REMOTE), 'utf8'), 'from the server');
      assert.equal(await fs.readFile(path.join(remote.diskPath, NFD_FILE), 'utf8'), 'v1');

      // The state pairs them: nothing more to do (over FTP the refused names fail again, alone).
      const again = await run('sync');
      assert.equal(summaryOf(again)['filesCopied'], 0, again.stdout);
      assert.deepEqual([...failures(again).keys()].sort(), remote.ftp ? [ESC, NEWLINE].sort() : []);
      // Failed copies hold back deletions: the names FTP cannot carry go, so the steps below run.
      if (remote.ftp) for (const name of [ESC, NEWLINE]) await fs.rm(path.join(local, name));

      // An edit is written over the same spelling, never beside it as an NFC look-alike.
      await fs.writeFile(path.join(local, NFD_FILE), 'version 2');
      const edit = await run('upload');
      assert.equal(summaryOf(edit)['filesCopied'], 1, edit.stdout);
      assert.equal(await fs.readFile(path.join(remote.diskPath, NFD_FILE), 'utf8'), 'version 2');
      assert.deepEqual(await rawNames(remote.diskPath), hex(...sent));

      // A deletion deletes that spelling (folders too).
      await fs.rm(path.join(local, NFD_FILE));
      await fs.rm(path.join(local, NFD_DIR), { recursive: true });
      const deletion = await run('sync');
      assert.equal(summaryOf(deletion)['filesDeleted'], 2, deletion.stdout);
      assert.deepEqual(await rawNames(remote.diskPath), hex(...sent.filter((name) => name !== NFD_FILE && name !== NFD_DIR)));
    });
  }
});
