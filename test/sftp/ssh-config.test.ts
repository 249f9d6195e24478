/** Host aliases and settings from an ssh config file (never the user's real ~/.ssh/config). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import { readSshConfig } from '../../src/backends/sftp/ssh-config.js';
import { parseTarget } from '../../src/backends/target-url.js';
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
      openSftpBackend(parseTarget(`sftp://${s.user}:${s.password}@ferry-test-alias2:${s.port}${s.dataRoot}`), { sshConfigFile: file, knownHostsFile: s.knownHostsFile }),
    );
    await backend.close();
  });

  it('a missing explicit config file is a config error', async () => {
    await assert.rejects(openSftpBackend(parseTarget('sftp://h/x'), { sshConfigFile: join(dir, 'missing') }), /ssh config file .* does not exist/);
  });

  it('parses like ssh: first value wins, patterns, negation, Key=value, quotes, Match skipped, tokens', () => {
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
    assert.deepEqual(readSshConfig(join(dir, 'missing'), 'x'), { hostName: undefined, port: undefined, user: undefined, identityFiles: [], userKnownHostsFiles: [] });
  });
});
