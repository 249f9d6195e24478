/**
 * ProxyJump and ProxyCommand: reaching the shared test sshd through a second sshd started here as
 * the jump host, with a private ssh config and known_hosts (never the user's).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import { parseJumpHosts } from '../../src/backends/sftp/jump-host.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { isBackendError } from '../../src/errors.js';
import { startJumpSshd, type JumpSshd } from './jump-sshd.js';
import { sshd, withAgentSocket } from './sftp-test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-jump-'));
let jump: JumpSshd;
before(async () => {
  jump = await startJumpSshd();
});
after(async () => {
  await jump?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** known_hosts with the server's key and (unless left out) the jump host's. */
function knownHosts(name: string, withJump = true): string {
  const server = readFileSync(sshd().knownHostsFile, 'utf8').trim();
  return file(name, `${server}\n${withJump ? `${jump.knownHostsLine}\n` : ''}`);
}

/** An ssh config naming the server `target` and the jump host `bastion`, both logging in with the test key. */
function sshConfig(name: string, targetExtra: string): string {
  const s = sshd();
  return file(
    name,
    [
      'Host bastion',
      `  HostName ${jump.host}`,
      `  Port ${jump.port}`,
      `  User ${s.user}`,
      `  IdentityFile ${s.keyPath}`,
      'Host target',
      `  HostName ${s.host}`,
      `  Port ${s.port}`,
      `  User ${s.user}`,
      `  IdentityFile ${s.keyPath}`,
      targetExtra,
      '',
    ].join('\n'),
  );
}

function forwardsSeen(): number {
  return jump
    .log()
    .split('\n')
    .filter((line) => new RegExp(`direct_tcpip: .*target ${sshd().host.replace(/\./g, '\\.')} port ${sshd().port}\\b`).test(line)).length;
}

async function openTarget(options: {
  config: string;
  knownHosts: string;
  jumpHosts?: string;
  proxyCommand?: string;
  sshKey?: string;
  askSecret?: (prompt: string) => Promise<string | undefined>;
  trace?: (line: string) => void;
}) {
  return withAgentSocket(undefined, () =>
    openSftpBackend(parseTarget(`sftp://target${sshd().dataRoot}`), {
      sshConfigFile: options.config,
      knownHostsFile: options.knownHosts,
      jumpHosts: options.jumpHosts,
      proxyCommand: options.proxyCommand,
      sshKey: options.sshKey,
      askSecret: options.askSecret,
      trace: options.trace,
      parallel: 2,
    }),
  );
}

describe('ProxyJump and ProxyCommand', () => {
  it('parses jump host lists like ssh -J', () => {
    assert.deepEqual(parseJumpHosts('a', 'x'), [{ user: undefined, host: 'a' }]);
    assert.deepEqual(parseJumpHosts('me@a:2222,ssh://b,[::1]:22', 'x'), [
      { user: 'me', host: 'a', port: 2222 },
      { user: undefined, host: 'b' },
      { user: undefined, host: '::1', port: 22 },
    ]);
    assert.throws(() => parseJumpHosts('a:99999', '--jump'), /--jump: jump host "a:99999" is not \[user@\]host\[:port\]/);
    assert.throws(() => parseJumpHosts('a b', '--jump'), /is not/);
  });

  it('goes through the ProxyJump of the ssh config, every connection of the pool too', async () => {
    const before = forwardsSeen();
    const backend = await openTarget({ config: sshConfig('proxyjump', '  ProxyJump bastion'), knownHosts: knownHosts('kh-both') });
    try {
      // Two listings at once need the pool's second connection.
      await Promise.all([backend.list('' as never), backend.list('' as never)]);
    } finally {
      await backend.close();
    }
    assert.ok(forwardsSeen() - before >= 1, `the jump host forwarded no channel to the server:\n${jump.log().slice(-2000)}`);
  });

  it('--jump on the command line (user@host:port) wins over the config', async () => {
    const s = sshd();
    const before = forwardsSeen();
    // The config names a jump host that does not exist: --jump must be the one used.
    const config = sshConfig('cli-jump', '  ProxyJump nobody@127.0.0.1:1');
    const backend = await openTarget({ config, knownHosts: knownHosts('kh-cli'), jumpHosts: `${s.user}@${jump.host}:${jump.port}`, sshKey: s.keyPath });
    await backend.close();
    assert.ok(forwardsSeen() > before);
    // And `none` turns the config's jump host off (a direct connection).
    const direct = await openTarget({ config, knownHosts: knownHosts('kh-none'), jumpHosts: 'none' });
    await direct.close();
  });

  it('goes through a chain of jump hosts (a,b), each hop logging in on its own', async () => {
    const before = forwardsSeen();
    const lines: string[] = [];
    const backend = await openTarget({
      config: sshConfig('chain', ''),
      knownHosts: knownHosts('kh-chain'),
      jumpHosts: 'bastion,bastion',
      trace: (line) => lines.push(line),
    });
    await backend.close();
    assert.ok(forwardsSeen() > before);
    // The second hop is reached through the first: the jump host forwarded a channel to itself.
    assert.ok(jump.log().includes(`target 127.0.0.1 port ${jump.port}`), 'no channel from the first hop to the second');
    assert.equal(lines.filter((line) => line.includes('logged in as')).length, 2, lines.join('\n'));
  });

  it("asks for the jump host's password when it has no key, naming the jump host", async () => {
    const s = sshd();
    const prompts: string[] = [];
    const config = file(
      'jump-password',
      `Host bastion\n  HostName ${jump.host}\n  Port ${jump.port}\n  User ${s.user}\n  IdentityFile /nonexistent/key\nHost target\n  HostName ${s.host}\n  Port ${s.port}\n  User ${s.user}\n  IdentityFile ${s.keyPath}\n  ProxyJump bastion\n`,
    );
    const backend = await openTarget({ config, knownHosts: knownHosts('kh-password'), askSecret: async (prompt) => (prompts.push(prompt), s.password) });
    await backend.close();
    assert.deepEqual(prompts, [`password for ${s.user}@${jump.host}:${jump.port} (jump host): `]);
  });

  it('a server the jump host cannot reach is a one-line connection error naming both', async () => {
    const s = sshd();
    const config = file(
      'unreachable',
      `Host bastion\n  HostName ${jump.host}\n  Port ${jump.port}\n  User ${s.user}\n  IdentityFile ${s.keyPath}\nHost target\n  HostName 127.0.0.1\n  Port 1\n  ProxyJump bastion\n`,
    );
    await assert.rejects(openTarget({ config, knownHosts: knownHosts('kh-unreachable') }), (error: unknown) => {
      assert.ok(isBackendError(error, 'connection-lost'), String(error));
      assert.match(error.message, new RegExp(`^jump host 127\\.0\\.0\\.1:${jump.port} could not reach 127\\.0\\.0\\.1:1: `));
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });

  it('refuses a jump host whose key is not in known_hosts, naming the jump host', async () => {
    await assert.rejects(
      openTarget({ config: sshConfig('unknown-jump', '  ProxyJump bastion'), knownHosts: knownHosts('kh-server-only', false) }),
      (error: unknown) => {
        assert.ok(isBackendError(error, 'host-key'), String(error));
        assert.match(error.message, new RegExp(`host key of 127\\.0\\.0\\.1:${jump.port} is not known`));
        return true;
      },
    );
  });

  it("still checks the server's own host key behind the jump host", async () => {
    // known_hosts lists the jump host, and for the server a key that is not its own.
    const wrong = jump.knownHostsLine.replace(`]:${jump.port} `, `]:${sshd().port} `);
    const kh = file('kh-wrong-server', `${jump.knownHostsLine}\n${wrong}\n`);
    await assert.rejects(openTarget({ config: sshConfig('wrong-server', '  ProxyJump bastion'), knownHosts: kh }), (error: unknown) => {
      assert.ok(isBackendError(error, 'host-key'), String(error));
      assert.match(error.message, /HAS CHANGED/);
      assert.match(error.message, /through jump host/);
      return true;
    });
  });

  it('runs the ProxyCommand of the ssh config with %h and %p, and its stdin/stdout carry the connection', async () => {
    const marker = join(dir, 'proxy-used');
    const script = file(
      'proxy.cjs',
      `const net = require('node:net');
require('node:fs').appendFileSync(${JSON.stringify(marker)}, process.argv.slice(2).join(' ') + '\\n');
const socket = net.connect(Number(process.argv[3]), process.argv[2]);
process.stdin.pipe(socket);
socket.pipe(process.stdout);
socket.on('close', () => process.exit(0));`,
    );
    const config = sshConfig('proxycommand', `  ProxyCommand "${process.execPath}" ${script} %h %p`);
    const backend = await openTarget({ config, knownHosts: knownHosts('kh-proxy') });
    await backend.list('' as never);
    await backend.close();
    assert.equal(readFileSync(marker, 'utf8').split('\n')[0], `${sshd().host} ${sshd().port}`);
  });

  it('a ProxyCommand that fails is a one-line error with what it said', async () => {
    await assert.rejects(
      openTarget({ config: sshConfig('proxy-fails', ''), knownHosts: knownHosts('kh-fail'), proxyCommand: 'echo "no route to %h" >&2; exit 3' }),
      (error: unknown) => {
        assert.ok(isBackendError(error), String(error));
        assert.match(error.message, /ProxyCommand/);
        assert.match(error.message, /exited with code 3/);
        assert.match(error.message, new RegExp(`no route to ${sshd().host.replace(/\./g, '\\.')}`));
        assert.ok(!error.message.includes('\n'));
        return true;
      },
    );
  });

  it('traces the jump and the SFTP requests when asked, with no secret', async () => {
    const lines: string[] = [];
    const backend = await openTarget({
      config: sshConfig('trace', '  ProxyJump bastion'),
      knownHosts: knownHosts('kh-trace'),
      trace: (line) => lines.push(line),
    });
    // The first listing of the root fetches the whole tree over exec; the next one is readdir.
    await backend.list('' as never);
    await backend.list('' as never);
    await backend.close();
    const text = lines.join('\n');
    assert.match(text, /ssh > EXEC env LC_ALL=C find /);
    assert.match(text, /ssh < EXEC: exit 0, \d+ bytes/);
    assert.match(text, new RegExp(`jump host 127\\.0\\.0\\.1:${jump.port}: logged in as ${sshd().user}`));
    assert.match(text, /> OPENDIR /);
    assert.match(text, /< READDIR .*: ok, \d+ entries/);
    assert.ok(!text.includes(sshd().password));
  });
});
