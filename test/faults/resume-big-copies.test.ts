/**
 * Big copies continue where a killed run left them: the CLI is SIGKILLed mid-file (upload and
 * download; SFTP on sshd, FTP on proftpd and pure-ftpd, local folders), the next run continues the
 * part (it sends about the rest) and the result is byte-exact. A source changed since the part was
 * started, and a part whose bytes were flipped, are copied from the start instead. proftpd refuses
 * `APPE` in its default configuration: there an upload starts afresh, a download continues.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, ensureBuilt, makeSandbox, parseJsonLines, runCli, spawnCli, type JsonEvent, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';
import { remoteFolder } from '../support/fault-targets.js';
import { partIn } from '../support/ferry-part.js';

const SIZE = 64 * 1024 * 1024;
const MiB = 1024 * 1024;
/** The first run's pace, so that it can be killed mid-file. */
const SLOW = '48M';

type Kind = 'local' | 'sftp' | 'proftpd' | 'pure-ftpd';

interface ServerFacts {
  port: number;
  user: string;
  password: string;
  dataRoot: string;
  hostKeyPublicPath?: string;
}

/** A fresh folder on the target of `kind`: its URL (or path), the folder on this disk, extra CLI arguments. */
async function remoteFor(kind: Kind, box: Sandbox, name: string): Promise<{ url: string; disk: string; args: string[] }> {
  if (kind === 'local') {
    const disk = path.join(box.root, name, 'remote');
    await fs.mkdir(disk, { recursive: true });
    return { url: disk, disk, args: [] };
  }
  const facts = loadServer<ServerFacts>(kind === 'sftp' ? 'sshd' : kind);
  const folder = `resume-${name}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const disk = path.join(facts.dataRoot, folder);
  await fs.mkdir(disk);
  const owner = await fs.stat(facts.dataRoot);
  await fs.chown(disk, owner.uid, owner.gid);
  const auth = `${facts.user}:${encodeURIComponent(facts.password)}`;
  if (kind === 'sftp') {
    const key = (await fs.readFile(facts.hostKeyPublicPath!, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = path.join(box.root, `known_hosts-${facts.port}`);
    await fs.writeFile(knownHosts, `[127.0.0.1]:${facts.port} ${key}\n`);
    return { url: `sftp://${auth}@127.0.0.1:${facts.port}${disk}`, disk, args: ['--known-hosts', knownHosts, '--no-keyring', '--no-netrc'] };
  }
  return { url: `ftp://${auth}@127.0.0.1:${facts.port}/${folder}`, disk, args: ['--no-keyring', '--no-netrc'] };
}

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

interface Case {
  readonly kind: Kind;
  readonly direction: 'upload' | 'download';
  /** What happens between the kill and the next run. */
  readonly meanwhile?: 'change-source' | 'flip-part';
}

/** Whether the target can continue parts of this case's direction. */
function continues(c: Case): boolean {
  return !(c.kind === 'proftpd' && c.direction === 'upload');
}

describe('faults: a big copy killed mid-file continues on the next run', () => {
  let box: Sandbox;
  const cleanups: string[] = [];
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('resume');
  });
  after(async () => {
    for (const dir of cleanups) await fs.rm(dir, { recursive: true, force: true });
    await box.cleanup();
  });

  const cases: Case[] = [
    { kind: 'proftpd', direction: 'upload' },
    { kind: 'sftp', direction: 'upload' },
    { kind: 'sftp', direction: 'download' },
    { kind: 'pure-ftpd', direction: 'upload' },
    { kind: 'pure-ftpd', direction: 'download' },
    { kind: 'proftpd', direction: 'download' },
    { kind: 'local', direction: 'upload' },
    { kind: 'local', direction: 'download' },
    { kind: 'sftp', direction: 'upload', meanwhile: 'change-source' },
    { kind: 'pure-ftpd', direction: 'download', meanwhile: 'change-source' },
    { kind: 'sftp', direction: 'download', meanwhile: 'flip-part' },
    { kind: 'pure-ftpd', direction: 'upload', meanwhile: 'flip-part' },
    { kind: 'local', direction: 'upload', meanwhile: 'flip-part' },
  ];

  for (const c of cases) {
    const title = `${c.kind} ${c.direction}${c.meanwhile ? ` (${c.meanwhile})` : ''}`;
    it(title, async () => {
      const name = `${c.kind}-${c.direction}-${c.meanwhile ?? 'plain'}`;
      const remote = await remoteFor(c.kind, box, name);
      if (c.kind !== 'local') cleanups.push(remote.disk);
      const local = path.join(box.root, name, 'local');
      const stateDir = path.join(box.root, name, 'state');
      await fs.mkdir(local, { recursive: true });
      const sourceDir = c.direction === 'upload' ? local : remote.disk;
      const targetDir = c.direction === 'upload' ? remote.disk : local;
      let content = randomBytes(SIZE);
      await fs.writeFile(path.join(sourceDir, 'big.bin'), content);
      if (c.direction === 'download' && c.kind !== 'local') {
        const owner = await fs.stat(remote.disk);
        await fs.chown(path.join(sourceDir, 'big.bin'), owner.uid, owner.gid);
      }
      const args = [c.direction, local, remote.url, '--state-dir', stateDir, '--json', '--no-progress', ...remote.args];

      // The first run, slowed down, is killed once the part holds a good share of the file.
      const child = spawnCli([...args, '--bwlimit', SLOW], { env: box.env });
      child.stdin!.end();
      const done = collect(child, 60_000);
      let part: { name: string; size: number } | undefined;
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
        part = await partIn(targetDir);
        if (part !== undefined && part.size >= SIZE * 0.4) break;
      }
      child.kill('SIGKILL');
      const first = await done;
      assert.equal(first.signal, 'SIGKILL', `the first run ended before it was killed: ${first.stderr}`);
      part = await partIn(targetDir);
      assert.ok(part !== undefined && part.size >= SIZE * 0.4 && part.size < SIZE, `a part is left: ${JSON.stringify(part)}`);

      if (c.meanwhile === 'change-source') {
        // Same size, other bytes, another time: the part is of a file that is no more.
        content = randomBytes(SIZE);
        await fs.writeFile(path.join(sourceDir, 'big.bin'), content);
        const later = new Date(Date.now() + 60_000);
        await fs.utimes(path.join(sourceDir, 'big.bin'), later, later);
      } else if (c.meanwhile === 'flip-part') {
        // Bytes flipped 2 MiB before the part's end: inside what is checked on every backend.
        const handle = await fs.open(path.join(targetDir, part.name), 'r+');
        const at = part.size - 2 * MiB;
        const bytes = Buffer.alloc(16);
        await handle.read(bytes, 0, 16, at);
        for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i]! ^ 0xff;
        await handle.write(bytes, 0, 16, at);
        await handle.close();
      }

      const second = await runCli(args, { env: box.env, timeoutMs: 120_000 });
      assert.equal(second.code, 0, second.stderr + second.stdout.slice(-2000));
      const events = parseJsonLines(second.stdout);
      const summary = events.find((event) => event.type === 'summary')!['summary'] as { bytesCopied: number; filesCopied: number };
      const finished = events.find((event): event is JsonEvent => event.type === 'action-finished')!;
      assert.equal(summary.filesCopied, 1);
      const written = await fs.readFile(path.join(targetDir, 'big.bin'));
      assert.equal(sha(written), sha(content), 'the copy is byte-exact');
      assert.equal(await partIn(targetDir), undefined, 'no temporary file is left');
      assert.deepEqual(
        (await fs.readdir(stateDir)).filter((file) => file.endsWith('.parts')),
        [],
        'no part is recorded any more',
      );
      const warnings = events.filter((event) => event.type === 'warning').map((event) => event['message'] as string);
      if (c.meanwhile === undefined && continues(c)) {
        // The rest, plus at most the 1 MiB an SFTP continuation writes again.
        const resumedFrom = finished['result']['resumedFrom'] as number;
        assert.ok(resumedFrom >= part.size - MiB && resumedFrom <= part.size, `continued at ${resumedFrom} of a ${part.size}-byte part`);
        assert.equal(summary.bytesCopied, SIZE - resumedFrom);
        assert.deepEqual(warnings, []);
      } else {
        assert.equal(finished['result']['resumedFrom'], undefined, 'copied from the start');
        assert.equal(summary.bytesCopied, SIZE);
        if (c.meanwhile === 'flip-part')
          assert.ok(
            warnings.some((message) => message.includes('does not match the source')),
            warnings.join('\n'),
          );
        else assert.deepEqual(warnings, []);
      }
    });
  }
});

describe('faults: a big copy whose connection drops continues on the retry within the run', () => {
  let box: Sandbox;
  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('resume-retry');
  });
  after(async () => {
    await box.cleanup();
  });

  for (const [kind, direction] of [
    ['sftp', 'upload'],
    ['ftp', 'download'],
  ] as const) {
    it(`${kind} ${direction}: the retry sends about the rest`, async () => {
      const remote = await remoteFolder(kind, `resume-retry-${kind}`, box.root, true);
      try {
        const local = path.join(box.root, `${kind}-${direction}`, 'local');
        await fs.mkdir(local, { recursive: true });
        await fs.mkdir(remote.diskPath, { recursive: true });
        const owner = await fs.stat(path.dirname(remote.diskPath));
        await fs.chown(remote.diskPath, owner.uid, owner.gid);
        const content = randomBytes(SIZE);
        const source = path.join(direction === 'upload' ? local : remote.diskPath, 'big.bin');
        await fs.writeFile(source, content);
        await fs.chown(source, owner.uid, owner.gid);
        // One connection (FTP: one data connection) is cut once it has carried 40 MiB.
        remote.proxy!.dropAfterBytes(40 * MiB, 1, kind === 'ftp');
        const args = [
          direction,
          local,
          remote.url,
          '--state-dir',
          path.join(box.root, `${kind}-${direction}`, 'state'),
          '--json',
          '--no-progress',
          ...remote.args,
        ];
        const run = await runCli(args, { env: box.env, timeoutMs: 120_000 });
        assert.equal(run.code, 0, run.stderr + run.stdout.slice(-2000));
        const events = parseJsonLines(run.stdout);
        const finished = events.find((event) => event.type === 'action-finished')!;
        const summary = events.find((event) => event.type === 'summary')!['summary'] as { bytesCopied: number };
        const resumedFrom = finished['result']['resumedFrom'] as number | undefined;
        assert.ok(resumedFrom !== undefined && resumedFrom >= 20 * MiB, `continued at ${resumedFrom}`);
        assert.equal(summary.bytesCopied, SIZE - resumedFrom);
        const target = path.join(direction === 'upload' ? remote.diskPath : local, 'big.bin');
        assert.equal(sha(await fs.readFile(target)), sha(content), 'the copy is byte-exact');
        assert.equal(await partIn(path.dirname(target)), undefined, 'no temporary file is left');
      } finally {
        await remote.cleanup();
      }
    });
  }
});
