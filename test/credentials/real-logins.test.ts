/**
 * Real logins where the password comes only from a netrc file or FERRY_PASSWORD: FTP against
 * proftpd and SFTP against the test sshd, in-process and through the CLI. Also `--no-netrc` (an
 * auth error) and `--no-prompt` (fails at once, never waits for input).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openFtpBackend } from '../../src/backends/ftp/open-ftp-backend.js';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { isBackendError } from '../../src/errors.js';
import { ftpServer } from '../ftp/ftp-test-servers.js';
import { freshFolderName, isolatedOptions, sshd, withAgentSocket } from '../sftp/sftp-test-server.js';
import { makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-real-creds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function netrcWith(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}

const ftp = () => ftpServer('proftpd');
const ftpTargetUrl = (folder: string) => `ftp://${ftp().user}@${ftp().host}:${ftp().port}/${folder}`;
const sftpTargetUrl = (folder: string) => `sftp://${sshd().user}@${sshd().host}:${sshd().port}${sshd().dataRoot}/${folder}`;

/** Runs with FERRY_PASSWORD removed from this process's environment. */
async function withoutEnvPassword<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.FERRY_PASSWORD;
  delete process.env.FERRY_PASSWORD;
  try {
    return await fn();
  } finally {
    if (saved !== undefined) process.env.FERRY_PASSWORD = saved;
  }
}

describe('in-process logins with the password only in a netrc file', () => {
  it('FTP (proftpd): user from the URL, password from the netrc machine entry', async () => {
    const netrc = netrcWith('ftp-netrc', `machine ${ftp().host} login ${ftp().user} password "${ftp().password}"\n`);
    const backend = await withoutEnvPassword(() => openFtpBackend(parseTarget(ftpTargetUrl('')), { netrcFile: netrc, useKeyring: false, prompt: 'never' }));
    await backend.list('' as never);
    await backend.close();
  });

  it('FTP: no user in the URL takes the netrc login (the default entry)', async () => {
    const netrc = netrcWith('ftp-default', `machine elsewhere login x password y\ndefault login ${ftp().user} password ${ftp().password}\n`);
    const backend = await withoutEnvPassword(() =>
      openFtpBackend(parseTarget(`ftp://${ftp().host}:${ftp().port}/`), { netrcFile: netrc, useKeyring: false, prompt: 'never' }),
    );
    await backend.close();
  });

  it('FTP: without any password and with prompt never, a clear auth error naming no secret', async () => {
    await withoutEnvPassword(() =>
      assert.rejects(
        openFtpBackend(parseTarget(ftpTargetUrl('')), { netrcFile: join(dir, 'missing'), useKeyring: false, prompt: 'never' }),
        (error: unknown) => {
          assert.ok(isBackendError(error, 'auth'), String(error));
          assert.match(
            error.message,
            new RegExp(
              `no password for ${ftp().user}@127\\.0\\.0\\.1: none in the URL \\(no password\\), .* \\(no entry for 127\\.0\\.0\\.1\\), the keyring \\(.*\\), FERRY_PASSWORD \\(not set\\), and \`prompt: 'never'\` forbids asking; give one in the URL \\(ftp://${ftp().user}:PASSWORD@127\\.0\\.0\\.1/…\\), in FERRY_PASSWORD, or in ~/\\.netrc`,
            ),
          );
          return true;
        },
      ),
    );
  });

  it('SFTP (sshd): password from the netrc, tried after keys, and named in the tried list on failure', async () => {
    const netrc = netrcWith('sftp-netrc', `machine ${sshd().host} login ${sshd().user} password ${sshd().password}\n`);
    const backend = await withoutEnvPassword(() =>
      withAgentSocket(undefined, () =>
        openSftpBackend(
          parseTarget(`sftp://${sshd().user}@${sshd().host}:${sshd().port}${sshd().dataRoot}`),
          isolatedOptions({ netrcFile: netrc, useKeyring: false, prompt: 'never' }),
        ),
      ),
    );
    await backend.close();
    const wrong = netrcWith('sftp-wrong', `machine ${sshd().host} password not-the-password\n`);
    await withoutEnvPassword(() =>
      withAgentSocket(undefined, () =>
        assert.rejects(
          openSftpBackend(
            parseTarget(`sftp://${sshd().user}@${sshd().host}:${sshd().port}${sshd().dataRoot}`),
            isolatedOptions({ netrcFile: wrong, useKeyring: false, prompt: 'never' }),
          ),
          (error: unknown) => {
            assert.ok(isBackendError(error, 'auth'), String(error));
            assert.match(error.message, /password from netrc/);
            assert.ok(!error.message.includes('not-the-password'));
            return true;
          },
        ),
      ),
    );
  });
});

describe('CLI logins: NETRC, FERRY_PASSWORD, --no-netrc, --no-prompt', () => {
  const sandboxes: Sandbox[] = [];
  after(async () => {
    for (const s of sandboxes) await s.cleanup();
  });
  async function sandbox(): Promise<Sandbox> {
    const s = await makeSandbox('creds');
    sandboxes.push(s);
    await writeTree(s.local, { 'a.txt': 'hello' });
    return s;
  }
  /** Environment without the user's agent, keyring session bus or stray password. */
  function envOf(s: Sandbox, extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...s.env, ...extra };
    delete env.SSH_AUTH_SOCK;
    if (!('FERRY_PASSWORD' in extra)) delete env.FERRY_PASSWORD;
    if (!('NETRC' in extra)) delete env.NETRC;
    return env;
  }
  const secrets = () => [ftp().password, sshd().password];
  function assertNoSecret(text: string): void {
    for (const secret of secrets()) assert.ok(!text.includes(secret), 'a password appeared in the output');
  }

  const protocols = [
    {
      name: 'FTP (proftpd)',
      url: ftpTargetUrl,
      host: () => ftp().host,
      user: () => ftp().user,
      password: () => ftp().password,
      remoteFile: (folder: string) => join(ftp().dataRoot, folder, 'a.txt'),
      extraArgs: (): string[] => [],
      cleanup: (folder: string) => rmSync(join(ftp().dataRoot, folder), { recursive: true, force: true }),
    },
    {
      name: 'SFTP (sshd)',
      url: sftpTargetUrl,
      host: () => sshd().host,
      user: () => sshd().user,
      password: () => sshd().password,
      remoteFile: (folder: string) => join(sshd().dataRoot, folder, 'a.txt'),
      extraArgs: () => ['--known-hosts', sshd().knownHostsFile],
      cleanup: (folder: string) => rmSync(join(sshd().dataRoot, folder), { recursive: true, force: true }),
    },
  ];

  for (const p of protocols) {
    it(`${p.name}: password only in the file named by $NETRC`, async () => {
      const s = await sandbox();
      const folder = freshFolderName('netrc');
      const netrc = netrcWith(`cli-${folder}`, `machine ${p.host()}\n  login ${p.user()}\n  password ${p.password()}\n`);
      try {
        const result = await s.run(['upload', s.local, p.url(folder), '--create-folder', '--no-keyring', '--state-dir', s.stateDir, ...p.extraArgs()], {
          env: envOf(s, { NETRC: netrc }),
        });
        assert.equal(result.code, 0, result.stderr);
        assert.ok(existsSync(p.remoteFile(folder)));
        assertNoSecret(result.stdout + result.stderr);
      } finally {
        p.cleanup(folder);
      }
    });

    it(`${p.name}: password only in FERRY_PASSWORD`, async () => {
      const s = await sandbox();
      const folder = freshFolderName('env');
      try {
        const result = await s.run(['upload', s.local, p.url(folder), '--create-folder', '--no-keyring', '--state-dir', s.stateDir, ...p.extraArgs()], {
          env: envOf(s, { FERRY_PASSWORD: p.password() }),
        });
        assert.equal(result.code, 0, result.stderr);
        assert.ok(existsSync(p.remoteFile(folder)));
        assertNoSecret(result.stdout + result.stderr);
      } finally {
        p.cleanup(folder);
      }
    });

    it(`${p.name}: --no-netrc ignores the netrc file: an auth error, quickly, without waiting for input`, async () => {
      const s = await sandbox();
      const folder = freshFolderName('nonetrc');
      const netrc = netrcWith(`cli-${folder}`, `machine ${p.host()} login ${p.user()} password ${p.password()}\n`);
      const started = Date.now();
      const result = await s.run(
        ['upload', s.local, p.url(folder), '--create-folder', '--no-netrc', '--no-keyring', '--no-prompt', '--state-dir', s.stateDir, ...p.extraArgs()],
        {
          env: envOf(s, { NETRC: netrc }),
          timeoutMs: 30_000,
        },
      );
      p.cleanup(folder);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /authentication failed|no password for/);
      assertNoSecret(result.stdout + result.stderr);
      assert.ok(Date.now() - started < 25_000, 'failed promptly');
    });
  }

  it('--no-prompt with no password anywhere fails with the auth error and never hangs (stdin left open)', async () => {
    const s = await sandbox();
    const { spawnCli, collect, ensureBuilt } = await import('../support/run-cli.js');
    await ensureBuilt();
    const child = spawnCli(['upload', s.local, ftpTargetUrl('x'), '--no-prompt', '--no-keyring', '--state-dir', s.stateDir], {
      cwd: s.root,
      env: envOf(s, { NETRC: join(dir, 'missing') }),
    });
    // stdin stays open: a prompt would wait forever; collect kills after 20 s.
    const result = await collect(child, 20_000);
    assert.equal(result.signal, null, 'did not hang');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`no password for ${ftp().user}@127\\.0\\.0\\.1: .*--no-prompt forbids asking`));
  });

  it('a malformed netrc is a warning and ignored, the login goes on with FERRY_PASSWORD', async () => {
    const s = await sandbox();
    const folder = freshFolderName('badnetrc');
    const netrc = netrcWith(`cli-${folder}`, `machine ${ftp().host} login ${ftp().user} password "unterminated\n`);
    try {
      const result = await s.run(['upload', s.local, ftpTargetUrl(folder), '--create-folder', '--no-keyring', '--state-dir', s.stateDir], {
        env: envOf(s, { NETRC: netrc, FERRY_PASSWORD: ftp().password }),
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout + result.stderr, /malformed \(unterminated quote on line 1\): not using it/);
    } finally {
      rmSync(join(ftp().dataRoot, folder), { recursive: true, force: true });
    }
  });
});
