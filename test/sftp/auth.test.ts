/** Login methods and their order: password, keys (with passphrase), ssh-agent, prompts, failures. */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import type { OpenBackendOptions } from '../../src/backends/open-backend.js';
import { isBackendError } from '../../src/errors.js';
import { isolatedOptions, sftpUrl, sshd, withAgentSocket } from './sftp-test-server.js';

/** Opens on the data root with no agent, so only the methods a test gives are available. */
function open(url: string, extra: OpenBackendOptions = {}, agentSocket?: string) {
  return withAgentSocket(agentSocket, () => openSftpBackend(parseTarget(url), isolatedOptions(extra)));
}

async function rejectsAuth(promise: Promise<unknown>): Promise<string> {
  let message = '';
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isBackendError(error, 'auth'), `expected an auth error, got ${String(error)}`);
    assert.ok(!error.message.includes('\n'), 'one line');
    assert.ok(!error.message.includes(sshd().password), 'no password in messages');
    assert.ok(!error.message.includes(sshd().passphrase), 'no passphrase in messages');
    message = error.message;
    return true;
  });
  return message;
}

describe('sftp authentication', () => {
  it('logs in with the password in the URL, and never shows it in id or display name', async () => {
    const backend = await open(sftpUrl(sshd().dataRoot));
    assert.ok(!backend.id.includes(sshd().password));
    assert.ok(!backend.displayName.includes(sshd().password));
    assert.deepEqual(Array.isArray(await backend.list('' as never)), true);
    await backend.close();
  });

  it('a wrong password is an auth error with a one-line message, and no prompt follows it', async () => {
    const s = sshd();
    let asked = 0;
    const message = await rejectsAuth(
      open(`sftp://${s.user}:wrong-password@${s.host}:${s.port}${s.dataRoot}`, {
        askSecret: async () => {
          asked++;
          return undefined;
        },
      }),
    );
    assert.match(
      message,
      new RegExp(
        `authentication failed for ${s.user}@127\\.0\\.0\\.1:\\d+ \\(tried: password from the URL; nothing in .*\\); give a password in the URL, in FERRY_PASSWORD or in ~/\\.netrc`,
      ),
    );
    assert.ok(!message.includes('wrong-password'));
    assert.equal(asked, 0);
  });

  it('logs in with a key file given with --ssh-key', async () => {
    const backend = await open(sftpUrl(sshd().dataRoot, false), { sshKey: sshd().keyPath });
    await backend.close();
  });

  it('asks for the passphrase of an encrypted key (once, for every connection)', async () => {
    const prompts: string[] = [];
    const backend = await open(sftpUrl(sshd().dataRoot, false), {
      sshKey: sshd().passphraseKeyPath,
      parallel: 3,
      askSecret: async (prompt) => {
        prompts.push(prompt);
        return sshd().passphrase;
      },
    });
    // Load enough operations to open the extra connections.
    await Promise.all(Array.from({ length: 40 }, () => backend.stat('' as never)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all(Array.from({ length: 40 }, () => backend.stat('' as never)));
    await backend.close();
    assert.equal(prompts.length, 1);
    assert.match(prompts[0]!, /^passphrase for key .*client_pass_ed25519: $/);
  });

  it('a wrong passphrase leaves no usable method: auth error naming the key', async () => {
    const message = await rejectsAuth(
      open(sftpUrl(sshd().dataRoot, false), { sshKey: sshd().passphraseKeyPath, askSecret: async (p) => (p.startsWith('passphrase') ? 'nope' : undefined) }),
    );
    assert.match(message, /passphrase missing or wrong/);
  });

  it('a key the server does not know is an auth error', async () => {
    await rejectsAuth(open(sftpUrl(sshd().dataRoot, false), { sshKey: sshd().strangerKeyPath }));
  });

  it('asks for the password when nothing else works', async () => {
    const prompts: string[] = [];
    const backend = await open(sftpUrl(sshd().dataRoot, false), {
      askSecret: async (prompt) => {
        prompts.push(prompt);
        return sshd().password;
      },
    });
    await backend.close();
    assert.deepEqual(prompts, [`password for ${sshd().user}@${sshd().host}:${sshd().port}: `]);
  });

  it('asks again (up to three times) after a wrong typed password', async () => {
    const answers = ['bad-1', sshd().password];
    const backend = await open(sftpUrl(sshd().dataRoot, false), { askSecret: async () => answers.shift() });
    await backend.close();
    assert.deepEqual(answers, []);
  });

  it('without any method it says what to give', async () => {
    const message = await rejectsAuth(open(sftpUrl(sshd().dataRoot, false)));
    assert.match(message, /no usable method/);
  });

  it('a missing --ssh-key file is a config error', async () => {
    await assert.rejects(open(sftpUrl(sshd().dataRoot, false), { sshKey: '/nonexistent/key' }), /ssh key file \/nonexistent\/key does not exist/);
  });

  describe('ssh-agent', () => {
    let agent: ChildProcess | undefined;
    const dir = mkdtempSync(join(tmpdir(), 'ferry-agent-'));
    const socket = join(dir, 'agent.sock');
    before(async () => {
      // -D: stays in the foreground as our child, so we stop exactly this process.
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', [sshd().keyPath], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    });
    after(() => {
      agent?.kill();
      rmSync(dir, { recursive: true, force: true });
    });

    it('logs in with a key held by the agent at SSH_AUTH_SOCK', async () => {
      const backend = await open(sftpUrl(sshd().dataRoot, false), {}, socket);
      await backend.close();
    });

    it('a dead agent socket is skipped, and the next method is used', async () => {
      const backend = await open(sftpUrl(sshd().dataRoot, false), { askSecret: async () => sshd().password }, join(dir, 'no-such.sock'));
      await backend.close();
    });
  });
});
