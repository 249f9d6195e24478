/**
 * Remote↔remote: the engine never assumes that its "local" side is a local folder. Both sides
 * are servers here: an `ftp://` folder on proftpd against an `sftp://` folder on the loopback
 * sshd (both ways round), and FTP against FTP (proftpd ↔ pure-ftpd), through the library
 * (`runSync`) and the CLI. Every test gets fresh folders, created through the backends.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { openBackend, type OpenBackendOptions } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import type { SyncMode } from '../../src/core/sync-options.js';
import type { RunSummary, SyncEvent } from '../../src/engine/events.js';
import { runSync } from '../../src/engine/run-sync.js';
import { freshFolderName, ftpServer, ftpUrl, removeTestFolder, type FtpServerName } from '../ftp/ftp-test-servers.js';
import { makeSandbox, parseJsonLines } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

/** What scripts/servers/sshd.sh writes (the fields used here). */
interface SshdFacts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly knownHostsFile: string;
  readonly dataRoot: string;
}

/** One kind of remote folder: how to make a fresh one and how to clean it up. */
interface Endpoint {
  readonly label: string;
  /** URL of a new folder (not created yet); the password is in the URL. */
  freshUrl(prefix: string): string;
}

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup().catch(() => undefined)));
});

function ftpEndpoint(name: FtpServerName): Endpoint {
  return {
    label: `ftp (${name})`,
    freshUrl(prefix) {
      const server = ftpServer(name);
      const folder = freshFolderName(prefix);
      cleanups.push(() => removeTestFolder(server, folder));
      return ftpUrl(server, folder);
    },
  };
}

const sftpEndpoint: Endpoint = {
  label: 'sftp (sshd)',
  freshUrl(prefix) {
    const s = loadServer<SshdFacts>('sshd');
    const path = `${s.dataRoot}/${freshFolderName(prefix)}`;
    // The server runs on this machine: remove what the test left directly.
    cleanups.push(() => rm(path, { recursive: true, force: true }));
    return `sftp://${encodeURIComponent(s.user)}:${encodeURIComponent(s.password)}@${s.host}:${s.port}${path}`;
  },
};

/** Options for both sides: SFTP host keys from the test server, never the user's ~/.ssh. */
function connection(): OpenBackendOptions {
  return { knownHostsFile: loadServer<SshdFacts>('sshd').knownHostsFile, sshConfigFile: '/dev/null', parallel: 2 };
}

/** Whole seconds: every server reports mtimes to the second. */
const T1 = Date.UTC(2019, 2, 3, 4, 5, 6);
const T2 = Date.UTC(2019, 2, 3, 4, 5, 7);
const T3 = Date.UTC(2020, 6, 8, 9, 10, 11);
const T4 = Date.UTC(2021, 0, 2, 3, 4, 5);
const T5 = Date.UTC(2021, 0, 2, 3, 4, 9);

async function put(backend: Backend, path: string, content: string, mtimeMs: number): Promise<void> {
  const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  if (parent !== '') await backend.mkdir(p(parent));
  await backend.write(p(path), Readable.from([Buffer.from(content)]), { mtimeMs });
}

async function text(backend: Backend, path: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(p(path))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/** Asserts content and mtime of a file as the backend reports them. */
async function assertFile(backend: Backend, path: string, content: string, mtimeMs: number, where: string): Promise<void> {
  assert.equal(await text(backend, path), content, `${where}: content of ${path}`);
  const entry = await backend.stat(p(path));
  assert.ok(entry?.kind === 'file', `${where}: ${path} is a file`);
  assert.equal(entry.mtimeMs, mtimeMs, `${where}: mtime of ${path} is ${new Date(entry.mtimeMs).toISOString()}, expected ${new Date(mtimeMs).toISOString()}`);
}

/** Opens a fresh folder through its backend (created), for setting up and checking. */
async function openFresh(endpoint: Endpoint, prefix: string): Promise<{ url: string; backend: Backend }> {
  const url = endpoint.freshUrl(prefix);
  const backend = await openBackend(parseTarget(url), { ...connection(), createFolder: true });
  return { url, backend };
}

/**
 * How a run is started: through the library or through the CLI. Both return the run's summary and
 * its events, so one scenario serves both.
 */
interface Runner {
  readonly label: string;
  run(mode: SyncMode, a: string, b: string): Promise<{ summary: RunSummary; events: SyncEvent[] }>;
  cleanup(): Promise<void>;
}

async function libraryRunner(): Promise<Runner> {
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-r2r-state-'));
  return {
    label: 'library',
    async run(mode, a, b) {
      const events: SyncEvent[] = [];
      const summary = await runSync(mode, { local: a, remote: b, stateDir, connection: connection(), onEvent: (event) => events.push(event) });
      return { summary, events };
    },
    cleanup: () => rm(stateDir, { recursive: true, force: true }),
  };
}

async function cliRunner(): Promise<Runner> {
  const sandbox = await makeSandbox('r2r');
  const knownHosts = loadServer<SshdFacts>('sshd').knownHostsFile;
  return {
    label: 'CLI',
    async run(mode, a, b) {
      const result = await sandbox.run([
        mode,
        a,
        b,
        '--state-dir',
        sandbox.stateDir,
        '--known-hosts',
        knownHosts,
        '--parallel',
        '2',
        '--json',
        '--report-problems',
      ]);
      const events = parseJsonLines(result.stdout) as unknown as SyncEvent[];
      const last = events.at(-1);
      assert.ok(last?.type === 'summary', `ferry ${mode} printed no summary (exit ${result.code}): ${result.stderr}`);
      // --report-problems: 10 exactly when conflicts were left or errors happened.
      const expected = last.summary.conflicts > 0 || last.summary.errors > 0 ? 10 : 0;
      assert.equal(result.code, expected, `ferry ${mode} exit code; stderr: ${result.stderr}`);
      assert.equal(result.stderr.includes('\n    at '), false, result.stderr);
      return { summary: last.summary, events };
    },
    cleanup: () => sandbox.cleanup(),
  };
}

/**
 * The scenario: files made on side A arrive on B with their mtimes; a change on B comes back to A;
 * a second run transfers nothing; `upload` copies A's new file to B; a file changed on both sides
 * is a conflict, reported and left as it is on each side.
 */
async function scenario(runner: Runner, endpointA: Endpoint, endpointB: Endpoint): Promise<void> {
  const prefix = `r2r-${runner.label}`.replace(/[^A-Za-z0-9-]/g, '');
  const a = await openFresh(endpointA, `${prefix}-a`);
  const b = await openFresh(endpointB, `${prefix}-b`);
  try {
    await put(a.backend, 'a.txt', 'alpha from A', T1);
    await put(a.backend, 'sub/b.txt', 'beta from A', T2);
    await put(a.backend, 'empty.txt', '', T1);

    // 1. A → B.
    const first = await runner.run('sync', a.url, b.url);
    assert.equal(first.summary.errors, 0, JSON.stringify(first.events.filter((e) => e.type === 'problem' || e.type === 'action-finished')));
    assert.equal(first.summary.conflicts, 0);
    assert.equal(first.summary.filesCopied, 3);
    await assertFile(b.backend, 'a.txt', 'alpha from A', T1, 'B after the first sync');
    await assertFile(b.backend, 'sub/b.txt', 'beta from A', T2, 'B after the first sync');
    await assertFile(b.backend, 'empty.txt', '', T1, 'B after the first sync');

    // 2. A change and a new file on B come back to A.
    await put(b.backend, 'a.txt', 'alpha changed on B', T3);
    await put(b.backend, 'c.txt', 'gamma from B', T3);
    const back = await runner.run('sync', a.url, b.url);
    assert.equal(back.summary.errors, 0);
    assert.equal(back.summary.conflicts, 0);
    assert.equal(back.summary.filesCopied, 2);
    await assertFile(a.backend, 'a.txt', 'alpha changed on B', T3, 'A after syncing back');
    await assertFile(a.backend, 'c.txt', 'gamma from B', T3, 'A after syncing back');
    await assertFile(a.backend, 'sub/b.txt', 'beta from A', T2, 'A after syncing back');

    // 3. Nothing left to do.
    const again = await runner.run('sync', a.url, b.url);
    assert.deepEqual(
      {
        copied: again.summary.filesCopied,
        deleted: again.summary.filesDeleted,
        folders: again.summary.foldersCreated,
        conflicts: again.summary.conflicts,
        errors: again.summary.errors,
      },
      { copied: 0, deleted: 0, folders: 0, conflicts: 0, errors: 0 },
    );

    // 4. upload: A's new file goes to B, and only that.
    await put(a.backend, 'sub/up.txt', 'uploaded from A', T4);
    const up = await runner.run('upload', a.url, b.url);
    assert.equal(up.summary.errors, 0);
    assert.equal(up.summary.filesCopied, 1);
    await assertFile(b.backend, 'sub/up.txt', 'uploaded from A', T4, 'B after upload');
    const upAgain = await runner.run('upload', a.url, b.url);
    assert.equal(upAgain.summary.filesCopied, 0);
    assert.equal(upAgain.summary.errors, 0);

    // 5. Both remotes change the same file: a conflict, both versions kept.
    await put(a.backend, 'a.txt', 'A wins?', T4);
    await put(b.backend, 'a.txt', 'B wins?', T5);
    const clash = await runner.run('sync', a.url, b.url);
    assert.equal(clash.summary.conflicts, 1);
    assert.equal(clash.summary.filesCopied, 0);
    assert.equal(clash.summary.errors, 0);
    const reported = clash.events.filter((event) => event.type === 'conflict').map((event) => (event.type === 'conflict' ? event.conflict.path : ''));
    assert.deepEqual(reported, ['a.txt']);
    await assertFile(a.backend, 'a.txt', 'A wins?', T4, 'A after the conflict');
    await assertFile(b.backend, 'a.txt', 'B wins?', T5, 'B after the conflict');
    // upload leaves it alone too (no --force), and reports it again.
    const clashUp = await runner.run('upload', a.url, b.url);
    assert.equal(clashUp.summary.conflicts, 1);
    assert.equal(clashUp.summary.filesCopied, 0);
    await assertFile(b.backend, 'a.txt', 'B wins?', T5, 'B after upload of a conflict');
  } finally {
    await Promise.allSettled([a.backend.close(), b.backend.close()]);
  }
}

const pairs: Array<[Endpoint, Endpoint]> = [
  [ftpEndpoint('proftpd'), sftpEndpoint],
  [sftpEndpoint, ftpEndpoint('proftpd')],
  [ftpEndpoint('proftpd'), ftpEndpoint('pure-ftpd')],
];

for (const makeRunner of [libraryRunner, cliRunner]) {
  describe(`remote↔remote through the ${makeRunner === libraryRunner ? 'library' : 'CLI'}`, () => {
    for (const [endpointA, endpointB] of pairs) {
      it(`sync and upload between ${endpointA.label} and ${endpointB.label}`, async () => {
        const runner = await makeRunner();
        try {
          await scenario(runner, endpointA, endpointB);
        } finally {
          await runner.cleanup();
        }
      });
    }
  });
}
