/** Host aliases and settings from an ssh config file (never the user's real ~/.ssh/config). */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import { readSshConfig } from '../../src/backends/sftp/ssh-config.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { isBackendError } from '../../src/errors.js';
import { sshd, withAgentSocket } from './sftp-test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-sshconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function configFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('ssh config', () => {
  it('connects through a Host alias with HostName, Port, User and IdentityFile', async () => {
    const s = sshd();
    const file = configFile(
      'alias',
      `Host ferry-test-alias\n  HostName ${s.host}\n  Port ${s.port}\n  User ${s.user}\n  IdentityFile ${s.keyPath}\n\nHost *\n  User somebody-else\n  Port 1\n`,
    );
    const backend = await withAgentSocket(undefined, () =>
      openSftpBackend(parseTarget(`sftp://ferry-test-alias${s.dataRoot}`), { sshConfigFile: file, knownHostsFile: s.knownHostsFile }),
    );
    assert.equal(backend.id, `sftp://ferry-test-alias:22${s.dataRoot}`);
    await backend.close();
  });

  it('a port and user in the URL win over the config', async () => {
    const s = sshd();
    const file = configFile('override', `Host ferry-test-alias2\n  HostName ${s.host}\n  Port 1\n  User nobody\n`);
    const backend = await withAgentSocket(undefined, () =>
      openSftpBackend(parseTarget(`sftp://${s.user}:${s.password}@ferry-test-alias2:${s.port}${s.dataRoot}`), {
        sshConfigFile: file,
        knownHostsFile: s.knownHostsFile,
      }),
    );
    await backend.close();
  });

  it('a missing explicit config file is a config error', async () => {
    await assert.rejects(openSftpBackend(parseTarget('sftp://h/x'), { sshConfigFile: join(dir, 'missing') }), /ssh config file .* does not exist/);
  });

  it('parses like ssh: first value wins, patterns, negation, Key=value, quotes, tokens', () => {
    const file = configFile(
      'parse',
      [
        'User everyone-first',
        'Host web-* !web-secret',
        '  HostName %h.example.org',
        '  Port=2200',
        'Match host web-1',
        '  User matched',
        'Host web-1',
        '  Port 9999',
        '  IdentityFile "~/keys/my key"',
        '  IdentityFile %d/.ssh/id_%r_%h',
        'Host *',
        '  IdentityFile ~/.ssh/id_other',
      ].join('\n'),
    );
    const web1 = readSshConfig(file, 'web-1');
    assert.equal(web1.hostName, 'web-1.example.org');
    assert.equal(web1.port, 2200);
    assert.equal(web1.user, 'everyone-first');
    assert.deepEqual(web1.identityFiles, [
      join(homedir(), 'keys/my key'),
      `${homedir()}/.ssh/id_everyone-first_web-1.example.org`,
      join(homedir(), '.ssh/id_other'),
    ]);
    const secret = readSshConfig(file, 'web-secret');
    assert.equal(secret.hostName, undefined);
    assert.equal(secret.port, undefined);
    assert.deepEqual(readSshConfig(join(dir, 'missing'), 'x'), {
      hostName: undefined,
      port: undefined,
      user: undefined,
      identityFiles: [],
      userKnownHostsFiles: [],
      warnings: [],
    });
  });

  it('honours Match host/originalhost/user/localuser/all, and warns about Match criteria it cannot decide', () => {
    const file = configFile(
      'match',
      [
        'Host db',
        '  HostName 10.0.0.5',
        'Match host 10.0.0.* user admin',
        '  Port 2201',
        'Match originalhost db',
        '  IdentitiesOnly yes',
        '  ProxyJump bastion',
        'Match exec "test -e /"',
        '  Port 9',
        'Match originalhost other exec "test -e /"',
        '  Port 10',
        `Match localuser ${userInfo().username} !host 10.*`,
        '  IdentityFile ~/.ssh/local',
        'Match all',
        '  ProxyCommand nc -X connect %h %p',
        '',
      ].join('\n'),
    );
    const admin = readSshConfig(file, 'db', { user: 'admin' });
    assert.equal(admin.hostName, '10.0.0.5');
    assert.equal(admin.port, 2201, 'Match host sees the HostName, Match user the URL user');
    assert.equal(admin.identitiesOnly, true);
    assert.equal(admin.proxyJump, 'bastion');
    assert.equal(admin.proxyCommand, undefined, 'of ProxyJump and ProxyCommand the first one wins');
    assert.deepEqual(admin.identityFiles, [], '!host 10.* excludes db');
    assert.equal(admin.warnings.length, 1, 'a Match that fails on what ferry can decide is no warning');
    assert.match(admin.warnings[0]!, new RegExp(`^${file}:8: "Match exec "test -e /"" is not supported`));
    assert.equal(readSshConfig(file, 'db', { user: 'other' }).port, undefined);
    const web = readSshConfig(file, 'web');
    assert.equal(web.proxyCommand, 'nc -X connect %h %p', 'ProxyCommand keeps the rest of the line as written');
    assert.equal(web.identitiesOnly, undefined);
    assert.deepEqual(web.identityFiles, [join(homedir(), '.ssh/local')]);
    assert.equal(
      readSshConfig(configFile('none', 'Host *\n  ProxyJump none\n  ProxyCommand x\n'), 'a').proxyCommand,
      undefined,
      'ProxyJump none wins and means none',
    );
  });

  describe('IdentitiesOnly', () => {
    let agent: ChildProcess | undefined;
    const socket = join(dir, 'agent.sock');
    before(async () => {
      // The agent holds the server's accepted key; the configs below name another key.
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', [sshd().keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    });
    after(() => {
      agent?.kill();
    });

    function open(name: string, extra: string) {
      const s = sshd();
      const file = configFile(name, `Host only-test\n  HostName ${s.host}\n  Port ${s.port}\n  User ${s.user}\n${extra}`);
      return withAgentSocket(socket, () =>
        openSftpBackend(parseTarget(`sftp://only-test${s.dataRoot}`), { sshConfigFile: file, knownHostsFile: s.knownHostsFile, prompt: 'never' }),
      );
    }

    it('without it, the agent offers all its keys', async () => {
      await (await open('agent-all', `  IdentityFile ${sshd().strangerKeyPath}\n`)).close();
    });

    it("with it, the agent's keys not named by an IdentityFile are not offered", async () => {
      await assert.rejects(open('agent-only', `  IdentityFile ${sshd().strangerKeyPath}\n  IdentitiesOnly yes\n`), (error: unknown) => {
        assert.ok(isBackendError(error, 'auth'), String(error));
        assert.match(error.message, /IdentitiesOnly/);
        return true;
      });
    });

    it('with it, the agent still signs with a key an IdentityFile names', async () => {
      await (await open('agent-named', `  IdentityFile ${sshd().keyPath}\n  IdentitiesOnly yes\n`)).close();
    });
  });
});
