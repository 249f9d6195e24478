/**
 * The library's in-memory secrets (`connection.password`, `privateKey`, `passphrase`, `agent`):
 * each logs in against the loopback sshd (and proftpd for the password), and none of them ends
 * up in the state files, an event or an error message.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { upload, isBackendError, type SyncEvent } from '../../src/index.js';
import { freshFolderName, isolatedOptions, sftpUrl, sshd, withAgentSocket } from './sftp-test-server.js';
import { ftpServer } from '../ftp/ftp-test-servers.js';

/** Every file below `dir`, read as text, joined. */
async function allText(dir: string): Promise<string> {
  let text = '';
  for (const entry of await fs.readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) text += await fs.readFile(join(entry.parentPath, entry.name), 'utf8');
  }
  return text;
}

describe('in-memory secrets of the library', () => {
  let work: string;
  let agent: ChildProcess | undefined;
  let agentSocket: string;

  before(async () => {
    work = await fs.mkdtemp(join(tmpdir(), 'ferry-secrets-'));
    await fs.mkdir(join(work, 'local', 'sub'), { recursive: true });
    await fs.writeFile(join(work, 'local', 'a.txt'), 'a');
    await fs.writeFile(join(work, 'local', 'sub', 'b.txt'), 'b');
    agentSocket = join(work, 'agent.sock');
    // -D: stays in the foreground as our child, so we stop exactly this process.
    agent = spawn('ssh-agent', ['-D', '-a', agentSocket], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(agentSocket); i++) await new Promise((r) => setTimeout(r, 50));
    execFileSync('ssh-add', [sshd().keyPath], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: 'ignore' });
  });
  after(async () => {
    agent?.kill();
    await fs.rm(work, { recursive: true, force: true });
  });

  /** Uploads the local folder to a fresh remote folder; returns the events and the state's text. */
  async function uploadWith(remote: string, connection: Parameters<typeof upload>[0]['connection']) {
    const events: SyncEvent[] = [];
    const stateDir = join(work, freshFolderName('state'));
    const summary = await withAgentSocket(undefined, () =>
      upload({ local: join(work, 'local'), remote, stateDir, createFolder: true, connection, onEvent: (event) => events.push(event) }),
    );
    return { summary, eventText: JSON.stringify(events), stateText: await allText(stateDir) };
  }

  it('password: logs in over SFTP, and is in neither the state nor an event', async () => {
    const s = sshd();
    const remote = sftpUrl(`${s.dataRoot}/${freshFolderName('secret-pw')}`, false);
    const { summary, eventText, stateText } = await uploadWith(
      remote,
      isolatedOptions({ password: s.password, prompt: 'never', useNetrc: false, useKeyring: false }),
    );
    assert.equal(summary.filesCopied, 2);
    assert.ok(stateText.length > 0, 'a state was written');
    assert.ok(!stateText.includes(s.password), 'no password in the state');
    assert.ok(!eventText.includes(s.password), 'no password in the events');
  });

  it('password: a wrong one fails with an auth error that names it without showing it', async () => {
    const s = sshd();
    const secret = 'not-the-Password-4711';
    await assert.rejects(
      uploadWith(
        sftpUrl(`${s.dataRoot}/${freshFolderName('secret-bad')}`, false),
        isolatedOptions({ password: secret, prompt: 'never', useNetrc: false, useKeyring: false }),
      ),
      (error: Error) => {
        assert.ok(isBackendError(error, 'auth'), String(error));
        assert.match(error.message, /tried: the password given/);
        assert.ok(!error.message.includes(secret) && !String(error.stack).includes(secret), error.message);
        return true;
      },
    );
  });

  it('password: logs in over FTP (it takes the place of the URL password)', async () => {
    const server = ftpServer('proftpd');
    const remote = `ftp://${server.user}@${server.host}:${server.port}/${freshFolderName('secret-ftp')}`;
    const { summary, eventText, stateText } = await uploadWith(remote, { password: server.password, prompt: 'never', useNetrc: false, useKeyring: false });
    assert.equal(summary.filesCopied, 2);
    assert.ok(!stateText.includes(server.password) && !eventText.includes(server.password));
  });

  it('privateKey + passphrase: an encrypted key held in memory logs in without asking', async () => {
    const s = sshd();
    let asked = 0;
    const privateKey = readFileSync(s.passphraseKeyPath, 'utf8');
    const { summary, eventText, stateText } = await uploadWith(
      sftpUrl(`${s.dataRoot}/${freshFolderName('secret-key')}`, false),
      isolatedOptions({
        privateKey,
        passphrase: s.passphrase,
        useNetrc: false,
        useKeyring: false,
        askSecret: async () => {
          asked++;
          return undefined;
        },
      }),
    );
    assert.equal(summary.filesCopied, 2);
    assert.equal(asked, 0);
    for (const secret of [s.passphrase, privateKey.split('\n')[1]!]) {
      assert.ok(!stateText.includes(secret) && !eventText.includes(secret), 'no key or passphrase in the state or events');
    }
  });

  it('privateKey with a wrong passphrase: an auth error that shows neither', async () => {
    const s = sshd();
    const privateKey = readFileSync(s.passphraseKeyPath, 'utf8');
    await assert.rejects(
      uploadWith(
        sftpUrl(`${s.dataRoot}/${freshFolderName('secret-key-bad')}`, false),
        isolatedOptions({ privateKey, passphrase: 'wrong-Phrase-99', prompt: 'never', useNetrc: false, useKeyring: false }),
      ),
      (error: Error) => {
        assert.ok(isBackendError(error, 'auth'), String(error));
        assert.match(error.message, /the private key given \(passphrase missing or wrong\)/);
        assert.ok(!error.message.includes('wrong-Phrase-99') && !error.message.includes(privateKey.split('\n')[1]!));
        return true;
      },
    );
  });

  it('agent: a socket given as an option is used although SSH_AUTH_SOCK is unset', async () => {
    const s = sshd();
    const { summary } = await uploadWith(
      sftpUrl(`${s.dataRoot}/${freshFolderName('secret-agent')}`, false),
      isolatedOptions({ agent: agentSocket, prompt: 'never', useNetrc: false, useKeyring: false }),
    );
    assert.equal(summary.filesCopied, 2);
  });

  it("agent: false leaves SSH_AUTH_SOCK's agent alone", async () => {
    const s = sshd();
    const remote = sftpUrl(`${s.dataRoot}/${freshFolderName('secret-noagent')}`, false);
    const options = { local: join(work, 'local'), remote, stateDir: join(work, 'state-noagent'), createFolder: true };
    const connection = isolatedOptions({ agent: false as const, prompt: 'never' as const, useNetrc: false, useKeyring: false });
    await withAgentSocket(agentSocket, async () => {
      await assert.rejects(
        upload({ ...options, connection }),
        (error: Error) => isBackendError(error, 'auth') && /tried: no usable method/.test(error.message),
      );
      const summary = await upload({ ...options, connection: { ...connection, agent: undefined } });
      assert.equal(summary.filesCopied, 2, 'the same run with the agent of SSH_AUTH_SOCK logs in');
    });
  });
});
