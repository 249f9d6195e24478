/**
 * The whole-tree listing over SSH exec (`find -printf`): it reports exactly what SFTP readdir
 * reports, hostile names and odd times included, and ferry falls back to readdir when the server
 * refuses exec or runs something else for it (an account restricted to SFTP).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import type { SftpBackend } from '../../src/backends/sftp/sftp-backend.js';
import { SftpConnection } from '../../src/backends/sftp/sftp-connection.js';
import { parseTreeListing, treeListCommand } from '../../src/backends/sftp/sftp-exec-list.js';
import { parseTarget } from '../../src/backends/target-url.js';
import type { ListedEntry } from '../../src/core/entry.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { startJumpSshd } from './jump-sshd.js';
import { freshFolderName, isolatedOptions, sftpUrl, sshd } from './sftp-test-server.js';

const made: string[] = [];
after(() => {
  for (const folder of made) rmSync(folder, { recursive: true, force: true });
});

/** Every folder's sorted entries, walking from the root as a scan does (the root first). */
async function walk(backend: SftpBackend): Promise<Record<string, ListedEntry[]>> {
  const tree: Record<string, ListedEntry[]> = {};
  const visit = async (dir: string): Promise<void> => {
    const entries = (await backend.list(dir as RelPath)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    tree[dir] = entries;
    for (const item of entries) if ('entry' in item && item.entry.kind === 'dir') await visit(dir === '' ? item.name : `${dir}/${item.name}`);
  };
  await visit('');
  return tree;
}

/** A tree of hostile names, odd times, links and special files, made straight on the server's disk. */
function makeHostileTree(): string {
  const root = `${sshd().dataRoot}/${freshFolderName('execlist')}`;
  made.push(root);
  const uid = Number(execFileSync('id', ['-u', sshd().user], { encoding: 'utf8' }).trim());
  const names = ['plain.txt', 'two  spaces ', 'new\nline', '-n', "it's", '$(id)', 'back\\slash', '*', 'tab\there', 'ünïcödé', '日本語'];
  mkdirSync(`${root}/sub/new\nline dir/deeper`, { recursive: true });
  mkdirSync(`${root}/empty`);
  for (const [i, name] of names.entries()) {
    writeFileSync(`${root}/${name}`, 'x'.repeat(i));
    writeFileSync(`${root}/sub/new\nline dir/${name}`, 'y'.repeat(i + 1));
  }
  writeFileSync(`${root}/sub/new\nline dir/deeper/last`, 'z');
  // Times: a fraction of a second (SFTP carries whole seconds), and one before 1970.
  utimesSync(`${root}/plain.txt`, 1_700_000_000.75, 1_700_000_000.75);
  // (Node's utimes takes a negative time as now: touch sets it.)
  execFileSync('touch', ['-d', '@-10', `${root}/-n`]);
  execFileSync('chmod', ['600', `${root}/it's`]);
  // A name that is not UTF-8, in the root and in a folder.
  writeFileSync(Buffer.from([...Buffer.from(`${root}/caf`), 0xe9]), 'latin1');
  mkdirSync(Buffer.from([...Buffer.from(`${root}/sub/d`), 0xff]));
  symlinkSync('plain.txt', `${root}/link`);
  execFileSync('mkfifo', [`${root}/sub/fifo`]);
  execFileSync('chown', ['-R', String(uid), root]);
  chownSync(root, uid, 0);
  return root;
}

async function open(root: string, extra = {}): Promise<SftpBackend> {
  return (await openSftpBackend(parseTarget(sftpUrl(root)), isolatedOptions(extra))) as SftpBackend;
}

/** Runs `fn` with every connection's exec channel refused, as an SFTP-only server refuses it. */
async function withExecRefused<T>(fn: () => Promise<T>): Promise<T> {
  const original = SftpConnection.prototype.execRaw;
  SftpConnection.prototype.execRaw = () => Promise.reject(new Error('Unable to exec'));
  try {
    return await fn();
  } finally {
    SftpConnection.prototype.execRaw = original;
  }
}

describe('whole-tree listing over exec', () => {
  it('lists a tree of hostile names exactly as readdir does, and falls back when exec is refused', async () => {
    const root = makeHostileTree();
    const overExec = await open(root);
    const viaExec = await walk(overExec);
    assert.equal(overExec.treeLister.works, true, overExec.treeLister.reason);
    await overExec.close();

    const viaReaddir = await withExecRefused(async () => {
      const backend = await open(root);
      try {
        const tree = await walk(backend);
        assert.equal(backend.treeLister.works, false);
        assert.match(backend.treeLister.reason ?? '', /refused an exec channel/);
        return tree;
      } finally {
        await backend.close();
      }
    });
    assert.deepEqual(viaExec, viaReaddir);
    // What both agree on is what is on the disk.
    assert.deepEqual(
      viaExec['']!.find((item) => item.name === 'plain.txt'),
      { name: 'plain.txt', entry: { kind: 'file', size: 0, mtimeMs: 1_700_000_000_000, mode: 0o644 } },
    );
    const quoted = viaExec['']!.find((item) => item.name === "it's");
    assert.ok(quoted && 'entry' in quoted && quoted.entry.kind === 'file' && quoted.entry.mode === 0o600 && quoted.entry.size === 4);
    // Before 1970: SFTP v3 carries unsigned 32-bit seconds, so both wrap it alike.
    assert.deepEqual(
      viaExec['']!.find((item) => item.name === '-n'),
      { name: '-n', entry: { kind: 'file', size: 3, mtimeMs: (2 ** 32 - 10) * 1000, mode: 0o644 } },
    );
    assert.deepEqual(
      viaExec['']!.find((item) => item.name === 'link'),
      { name: 'link', unsupported: 'symlink' },
    );
    assert.deepEqual(
      viaExec['sub']!.find((item) => item.name === 'fifo'),
      { name: 'fifo', unsupported: 'special file' },
    );
    assert.equal(viaExec['']!.filter((item) => 'unsupported' in item && /UTF-8/.test(item.unsupported)).length, 1);
    assert.equal(viaExec['sub']!.filter((item) => 'unsupported' in item && /UTF-8/.test(item.unsupported)).length, 1);
    assert.equal(viaExec['sub/new\nline dir']!.length, 12);
    assert.deepEqual(viaExec['empty'], []);
  });

  it('is not used once anything changed, nor for a folder asked for a second time', async () => {
    const root = makeHostileTree();
    const backend = await open(root);
    try {
      assert.ok((await backend.list('' as RelPath)).some((item) => item.name === 'empty'));
      assert.equal(backend.treeLister.works, true);
      // Changed behind ferry's back after the tree listing: a folder listed again is read anew.
      writeFileSync(`${root}/empty/new`, 'n');
      assert.deepEqual(await backend.list('empty' as RelPath), []); // from the tree listing, as a scan would see it
      assert.deepEqual(
        (await backend.list('empty' as RelPath)).map((item) => item.name),
        ['new'],
      );
      // A change through ferry drops what is left of the tree listing.
      await backend.mkdir('made' as RelPath);
      writeFileSync(`${root}/sub/added`, 'a');
      assert.ok((await backend.list('sub' as RelPath)).some((item) => item.name === 'added'));
    } finally {
      await backend.close();
    }
  });

  it('falls back to readdir on an account restricted to SFTP (ForceCommand internal-sftp)', async () => {
    const root = makeHostileTree();
    const server = await startJumpSshd(['Subsystem sftp internal-sftp', 'ForceCommand internal-sftp']);
    const dir = mkdtempSync(join(tmpdir(), 'ferry-execlist-'));
    try {
      const knownHosts = join(dir, 'known_hosts');
      writeFileSync(knownHosts, `${server.knownHostsLine}\n`);
      const s = sshd();
      const url = sftpUrl(root).replace(`@${s.host}:${s.port}/`, `@${server.host}:${server.port}/`);
      const backend = (await openSftpBackend(parseTarget(url), isolatedOptions({ knownHostsFile: knownHosts }))) as SftpBackend;
      try {
        const tree = await walk(backend);
        assert.equal(backend.treeLister.works, false);
        assert.match(backend.treeLister.reason ?? '', /not a listing|find failed/);
        const reference = await open(root);
        try {
          assert.deepEqual(tree, await withExecRefused(() => walk(reference)));
        } finally {
          await reference.close();
        }
      } finally {
        await backend.close();
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseTreeListing', () => {
  const record = (text: string): Buffer => Buffer.from(`${text}\0`, 'utf8');
  const rootRecord = record('d 4096 1700000000.5 755 ');

  it('takes nothing that does not start with the root record, or that is cut short', () => {
    assert.equal(parseTreeListing(Buffer.alloc(0)), undefined);
    assert.equal(parseTreeListing(record('f 1 1700000000.0 644 a')), undefined);
    assert.equal(parseTreeListing(Buffer.concat([rootRecord, Buffer.from('f 1 1700000000.0 644 a')])), undefined);
    assert.equal(parseTreeListing(Buffer.concat([rootRecord, record('f 1 1700000000.0 644 nofolder/a')])), undefined);
    assert.equal(parseTreeListing(Buffer.concat([rootRecord, record('f x 1700000000.0 644 a')])), undefined);
    assert.deepEqual([...parseTreeListing(rootRecord)!], [['', []]]);
  });

  it('sends a root path only when every login shell keeps it literal', () => {
    assert.equal(treeListCommand('/srv/www site/a-b_c.d'), "env LC_ALL=C find -H '/srv/www site/a-b_c.d' -printf '%y %s %T@ %m %P\\0'");
    for (const root of ["/it's", '/back\\slash', '/a!b', '/$(id)', '/new\nline', 'relative']) assert.equal(treeListCommand(root), undefined, root);
  });
});
