/**
 * The authentication error names every source ferry looked in and how to give a password, end to
 * end against the loopback sshd and proftpd: the password in the URL, the netrc file, the keyring,
 * FERRY_PASSWORD, the terminal (and for SFTP the agent and key files), never a secret.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { linesOf, makeSandbox, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

interface Facts {
  host: string;
  port: number;
  user: string;
  password: string;
  knownHostsFile?: string;
  remoteRoot?: string;
}

describe('ferry CLI: the authentication error lists every source and how to give a password', () => {
  let box: Sandbox;
  before(async () => {
    box = await makeSandbox('auth-sources');
  });
  after(async () => {
    await box.cleanup();
  });
  // --no-keyring: the test users' own keyring entries are never read here (the keyring's
  // "nothing saved" wording is tested with a fake keyring in resolve-password.test.ts).
  const env = { FERRY_PASSWORD: '', SSH_AUTH_SOCK: '' };

  it('SFTP, no password anywhere, --no-prompt', async () => {
    const s = loadServer<Facts>('sshd');
    const folder = `/nonexistent-${randomBytes(4).toString('hex')}`;
    const result = await box.run(['scan', `sftp://${s.user}@${s.host}:${s.port}${folder}`, '--known-hosts', s.knownHostsFile!, '--no-prompt', '--no-keyring'], {
      env,
    });
    assert.equal(result.code, 1, result.stderr);
    const lines = linesOf(result.stderr).filter((l) => l !== '');
    assert.equal(lines.length, 1, result.stderr);
    const line = lines[0]!;
    assert.ok(line.startsWith(`ferry: authentication failed for ${s.user}@127.0.0.1:`), line);
    assert.match(line, /^ferry: authentication failed for \S+@127\.0\.0\.1:\d+ \(tried: /);
    for (const source of [
      'the URL (no password)',
      'ssh-agent (SSH_AUTH_SOCK not set)',
      '(no such key file)',
      '.netrc (no entry for 127.0.0.1)',
      'the keyring (skipped: --no-keyring)',
      'FERRY_PASSWORD (not set)',
      'the terminal (--no-prompt',
    ]) {
      assert.ok(line.includes(source), `${source} in ${line}`);
    }
    assert.ok(
      line.includes(
        `give a password in the URL, in FERRY_PASSWORD or in ~/.netrc ("machine 127.0.0.1 login ${s.user} password …"), a key with --ssh-key, or run ssh-agent`,
      ),
      line,
    );
  });

  it('FTP, no password anywhere, --no-prompt; and a refused password says where it came from', async () => {
    const f = loadServer<Facts>('proftpd');
    const url = `ftp://${f.user}@${f.host}:${f.port}/`;
    const none = await box.run(['scan', url, '--no-prompt', '--no-keyring'], { env });
    assert.equal(none.code, 1, none.stderr);
    const line = linesOf(none.stderr).filter((l) => l !== '')[0]!;
    assert.ok(line.startsWith(`ferry: no password for ${f.user}@127.0.0.1: none in the URL (no password), `), line);
    assert.match(
      line,
      /\.netrc \(no entry for 127\.0\.0\.1\), the keyring \(skipped: --no-keyring\), FERRY_PASSWORD \(not set\), and --no-prompt forbids asking; give one in the URL \(ftp:\/\/\S+:PASSWORD@127\.0\.0\.1\/…\), in FERRY_PASSWORD, or in ~\/\.netrc/,
    );
    assert.ok(line.includes(`(ftp://${f.user}:PASSWORD@127.0.0.1/…)`), line);
    const wrong = await box.run(['scan', url, '--no-prompt', '--no-keyring'], { env: { ...env, FERRY_PASSWORD: 'not-the-password' } });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /login to ftp:\/\/\S+@127\.0\.0\.1:\d+ failed: 530 .*\(the password came from FERRY_PASSWORD; give one in the URL/);
    assert.ok(wrong.stderr.includes(`login to ftp://${f.user}@127.0.0.1:`), wrong.stderr);
    assert.ok(!wrong.stderr.includes('not-the-password'));
  });
});

describe('ferry CLI: small things about logins', () => {
  let box: Sandbox;
  before(async () => {
    box = await makeSandbox('login-small');
  });
  after(async () => {
    await box.cleanup();
  });

  it('the suggested ssh-keyscan line works where ~/.ssh does not exist yet, and then ferry connects', async () => {
    const s = loadServer<Facts>('sshd');
    const home = box.env.HOME!;
    await fs.rm(path.join(home, '.ssh'), { recursive: true, force: true });
    const folder = `${(s as Facts & { dataRoot: string }).dataRoot}/login-small-${randomBytes(4).toString('hex')}`;
    await fs.mkdir(folder, { recursive: true, mode: 0o777 });
    after(() => fs.rm(folder, { recursive: true, force: true }));
    const url = `sftp://${s.user}:${encodeURIComponent(s.password)}@${s.host}:${s.port}${folder}`;
    const first = await box.run(['scan', url, '--no-keyring', '--no-netrc']);
    assert.equal(first.code, 1, first.stderr);
    const suggested = /trust it with: (.*)$/m.exec(first.stderr)?.[1];
    assert.ok(suggested, first.stderr);
    assert.equal(suggested, `mkdir -p -m 700 ${path.join(home, '.ssh')} && ssh-keyscan -p ${s.port} ${s.host} >> ${path.join(home, '.ssh', 'known_hosts')}`);
    const shell = spawnSync('sh', ['-c', suggested], { encoding: 'utf8', env: { ...box.env } });
    assert.equal(shell.status, 0, shell.stderr);
    const second = await box.run(['scan', url, '--no-keyring', '--no-netrc']);
    assert.equal(second.code, 0, second.stderr);
  });

  it('a netrc file other users can read: used, with a warning naming chmod 600', async () => {
    const f = loadServer<Facts>('proftpd');
    const name = `login-small-${randomBytes(4).toString('hex')}`;
    const dataRoot = (f as Facts & { dataRoot: string }).dataRoot;
    await fs.mkdir(path.join(dataRoot, name), { recursive: true, mode: 0o777 });
    after(() => fs.rm(path.join(dataRoot, name), { recursive: true, force: true }));
    const url = `ftp://${f.user}@${f.host}:${f.port}${f.remoteRoot!.replace(/\/$/, '')}/${name}`;
    const netrc = path.join(box.root, 'netrc-open');
    await fs.writeFile(netrc, `machine ${f.host} login ${f.user} password ${f.password}\n`);
    await fs.chmod(netrc, 0o644);
    const result = await box.run(['scan', url, '--no-prompt', '--no-keyring'], { env: { NETRC: netrc, FERRY_PASSWORD: '' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(`warning: ${netrc.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} holds passwords and other users may read it \\(mode 644\\): run chmod 600`),
    );
    assert.ok(!result.stderr.includes(f.password));
    await fs.chmod(netrc, 0o600);
    const quiet = await box.run(['scan', url, '--no-prompt', '--no-keyring'], { env: { NETRC: netrc, FERRY_PASSWORD: '' } });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /other users may read/);
  });
});
