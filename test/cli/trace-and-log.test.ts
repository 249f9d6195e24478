/**
 * `-vv` (protocol trace) and `--log-file` through the built binary, against the real loopback
 * servers: proftpd for FTP, sshd for SFTP (and a second sshd as a jump host, for `--jump`). The
 * password must appear nowhere: not on stdout, not on stderr, not in the log file.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, makeSandbox, spawnCli, collect, writeTree, type Sandbox } from '../support/run-cli.js';
import { ftpServer, ftpUrl, freshFolderName } from '../ftp/ftp-test-servers.js';
import { sftpUrl, sshd } from '../sftp/sftp-test-server.js';
import { startJumpSshd, type JumpSshd } from '../sftp/jump-sshd.js';
import { waitFor } from '../watch/watch-harness.js';

const timestamped = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
const cleanups: (() => void | Promise<void>)[] = [];
let box: Sandbox;
before(async () => {
  await ensureBuilt();
  box = await makeSandbox('trace');
  cleanups.push(() => box.cleanup());
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function assertNoSecret(secret: string, ...texts: string[]): void {
  for (const text of texts) assert.ok(!text.includes(secret), `the password appears in:\n${text.slice(0, 3000)}`);
}

function logLines(file: string): string[] {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '');
  for (const line of lines) assert.match(line, timestamped);
  return lines;
}

describe('protocol trace (-vv) and --log-file', () => {
  it('FTP: -vv shows commands and replies with PASS masked; the log file gets them with timestamps', async () => {
    const server = ftpServer('proftpd');
    const folder = freshFolderName('trace');
    cleanups.push(() => rmSync(join(server.dataRoot, folder), { recursive: true, force: true }));
    const local = join(box.root, 'ftp-local');
    await writeTree(local, { 'a.txt': 'alpha', 'sub/b.txt': 'beta' });
    const log = join(box.root, 'ftp.log');
    const result = await box.run([
      'upload',
      local,
      ftpUrl(server, folder),
      '--create-folder',
      '-vv',
      '--log-file',
      log,
      '--state-dir',
      box.stateDir,
      '--no-keyring',
      '--no-netrc',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const logText = readFileSync(log, 'utf8');
    assertNoSecret(server.password, result.stdout, result.stderr, logText);
    assert.match(result.stderr, new RegExp(`trace: ftp#\\d+ > (OPTS UTF8 ON \\+ )?USER ${server.user}`));
    assert.match(result.stderr, /trace: ftp#\d+ > PASS \*\*\*\*$/m);
    assert.match(result.stderr, /trace: ftp#\d+ < 230 /);
    assert.match(result.stderr, /trace: ftp#\d+ > (.* \+ )?STOR /);
    const lines = logLines(log);
    assert.match(lines[0]!, /ferry upload started \(pid \d+\)$/);
    assert.ok(lines.some((line) => / trace: ftp#\d+ > PASS \*\*\*\*$/.test(line)));
    assert.ok(
      lines.some((line) => /COPY NEW +> +sub\/b\.txt$/.test(line)),
      'the actions are in the log',
    );
    assert.match(lines.at(-1)!, /ferry finished with exit code 0$/);
  });

  it('-v prints no trace (only -vv does)', async () => {
    const server = ftpServer('proftpd');
    const folder = freshFolderName('trace-v');
    cleanups.push(() => rmSync(join(server.dataRoot, folder), { recursive: true, force: true }));
    const local = join(box.root, 'v-local');
    await writeTree(local, { 'a.txt': 'alpha' });
    // The same log file as the first test: a second run appends to it.
    const log = join(box.root, 'ftp.log');
    const result = await box.run([
      'upload',
      local,
      ftpUrl(server, folder),
      '--create-folder',
      '-v',
      '--log-file',
      log,
      '--state-dir',
      box.stateDir,
      '--no-keyring',
      '--no-netrc',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stderr.includes('trace:'), result.stderr);
    assert.match(result.stdout, /scanned local: /, '-v still adds its lines');
    const lines = logLines(log);
    assert.equal(lines.filter((line) => / ferry upload started /.test(line)).length, 2, 'both runs are in the log');
    assert.ok(
      !lines.slice(lines.map((line) => / ferry upload started /.test(line)).lastIndexOf(true)).some((line) => line.includes(' trace: ')),
      'no trace without -vv',
    );
    assertNoSecret(server.password, readFileSync(log, 'utf8'));
  });

  describe('SFTP', () => {
    let jump: JumpSshd;
    before(async () => {
      jump = await startJumpSshd();
      cleanups.push(() => jump.stop());
    });

    it('-vv through --jump shows the jump, the login and the SFTP requests, never the password', async () => {
      const s = sshd();
      const folder = `${s.dataRoot}/${freshFolderName('trace-sftp')}`;
      cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
      // A private ssh config and known_hosts in the sandbox HOME: the jump host `bastion` logs in
      // with the test key; the server with the password of the URL.
      const ssh = join(box.env.HOME!, '.ssh');
      mkdirSync(ssh, { recursive: true });
      writeFileSync(join(ssh, 'config'), `Host bastion\n  HostName ${jump.host}\n  Port ${jump.port}\n  User ${s.user}\n  IdentityFile ${s.keyPath}\n`);
      const knownHosts = join(box.root, 'known_hosts');
      writeFileSync(knownHosts, `${readFileSync(s.knownHostsFile, 'utf8').trim()}\n${jump.knownHostsLine}\n`);
      const local = join(box.root, 'sftp-local');
      await writeTree(local, { 'a.txt': 'alpha', 'big.bin': Buffer.alloc(300_000, 7) });
      const log = join(box.root, 'sftp.log');
      const result = await box.run(
        [
          'upload',
          local,
          sftpUrl(folder),
          '--create-folder',
          '--jump',
          'bastion',
          '-vv',
          '--log-file',
          log,
          '--known-hosts',
          knownHosts,
          '--state-dir',
          box.stateDir,
          '--no-keyring',
          '--no-netrc',
        ],
        { env: { SSH_AUTH_SOCK: '' } },
      );
      assert.equal(result.code, 0, result.stderr);
      const logText = readFileSync(log, 'utf8');
      assertNoSecret(s.password, result.stdout, result.stderr, logText);
      assert.match(result.stderr, new RegExp(`trace: ssh jump host 127\\.0\\.0\\.1:${jump.port}: logged in as ${s.user}`));
      assert.match(result.stderr, /trace: ssh 127\.0\.0\.1:\d+: logged in \(server OpenSSH/);
      assert.match(result.stderr, /trace: sftp#\d+ > OPEN .*\.tmp/);
      assert.match(result.stderr, /trace: sftp#\d+ > CLOSE .*\(\d+ WRITE, 300000 bytes\)/);
      assert.match(result.stderr, /trace: sftp#\d+ < POSIX-RENAME .* -> .*big\.bin: ok/);
      assert.match(result.stderr, /trace: sftp#\d+ < STAT .*: status 2 \(No such file\)/);
      assert.ok(logLines(log).some((line) => / trace: sftp#\d+ > OPEN /.test(line)));
    });

    it('doctor: through --jump it logs in; a refused jump host key is not "looked at" directly', async () => {
      const s = sshd();
      const good = join(box.root, 'kh-doctor-good');
      writeFileSync(good, `${readFileSync(s.knownHostsFile, 'utf8').trim()}\n${jump.knownHostsLine}\n`);
      const url = `sftp://${s.user}@${s.host}:${s.port}${s.dataRoot}`;
      const common = ['--jump', 'bastion', '--no-keyring', '--no-netrc', '--no-prompt'];
      const ok = await box.run(['doctor', url, '--known-hosts', good, '--ssh-key', s.keyPath, ...common], { env: { SSH_AUTH_SOCK: '' } });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const refused = await box.run(['doctor', url, '--known-hosts', s.knownHostsFile, ...common], { env: { SSH_AUTH_SOCK: '' } });
      assert.equal(refused.code, 1, refused.stdout + refused.stderr);
      assert.match(refused.stdout + refused.stderr, new RegExp(`host key of 127\\.0\\.0\\.1:${jump.port} is not known`));
      assert.match(refused.stdout, /skipped: the server is reached through jump host bastion/);
    });

    it('watch: --log-file appends to the same file, with timestamps, until Ctrl-C', async () => {
      const s = sshd();
      const folder = `${s.dataRoot}/${freshFolderName('trace-watch')}`;
      cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
      const local = join(box.root, 'watch-local');
      await writeTree(local, { 'first.txt': 'one' });
      const log = join(box.root, 'watch.log');
      writeFileSync(log, 'an earlier line that must stay\n');
      const child = spawnCli(
        [
          'watch',
          local,
          sftpUrl(folder),
          '--create-folder',
          '-q',
          '--log-file',
          log,
          '--known-hosts',
          s.knownHostsFile,
          '--state-dir',
          box.stateDir,
          '--no-keyring',
          '--no-netrc',
        ],
        { env: box.env, cwd: box.root },
      );
      const result = collect(child, 60_000);
      await waitFor(() => readFileSync(log, 'utf8').includes('Now watching'), 'the watch to start');
      writeFileSync(join(local, 'second.txt'), 'two');
      await waitFor(() => /COPY NEW +> +second\.txt/.test(readFileSync(log, 'utf8')), 'second.txt in the log');
      child.kill('SIGINT');
      const { code, stdout, stderr } = await result;
      assert.equal(code, 3, stderr);
      assert.ok(!stdout.includes('COPY'), '-q keeps the actions off the terminal');
      const text = readFileSync(log, 'utf8');
      assertNoSecret(s.password, stdout, stderr, text);
      assert.ok(text.startsWith('an earlier line that must stay\n'), 'the log is appended to');
      const ours = text
        .split('\n')
        .slice(1)
        .filter((line) => line !== '');
      for (const line of ours) assert.match(line, timestamped);
      assert.ok(ours.some((line) => /ferry watch started/.test(line)));
      assert.ok(ours.some((line) => /COPY NEW +> +first\.txt$/.test(line)));
      assert.ok(
        ours.some((line) => /Stopped: 2 files copied/.test(line)),
        text,
      );
      assert.match(ours.at(-1)!, /ferry finished with exit code 3$/);
    });
  });

  it('a log file that cannot be opened is a one-line error', async () => {
    const result = await box.run(['upload', box.local, box.remote, '--log-file', join(box.root, 'no-such-dir', 'x.log'), '--state-dir', box.stateDir]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ferry: cannot open log file .*x\.log: ENOENT\n$/);
  });
});
