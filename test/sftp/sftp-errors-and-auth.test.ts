/** Unit tables: SFTP status and socket error mapping; the login order of SshAuth without a server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyAuthMethod, AuthenticationType } from 'ssh2';
import { mapConnectError, mapSftpError } from '../../src/backends/sftp/sftp-errors.js';
import { SshAuth } from '../../src/backends/sftp/ssh-auth.js';
import { BackendError } from '../../src/errors.js';

function sftpStatus(code: number, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('mapSftpError', () => {
  const rows: Array<[unknown, string, boolean]> = [
    [sftpStatus(2, 'No such file'), 'not-found', false],
    [sftpStatus(3, 'Permission denied'), 'permission', false],
    [sftpStatus(4, 'Failure'), 'protocol', false],
    [sftpStatus(8, 'Operation unsupported'), 'unsupported', false],
    [sftpStatus(7, 'Connection lost'), 'connection-lost', true],
    [new Error('No response from server'), 'connection-lost', true],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'connection-lost', true],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'connection-lost', true],
    [Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), 'connection-lost', false],
  ];
  for (const [error, code, retryable] of rows) {
    it(`${(error as Error).message} → ${code}`, () => {
      const mapped = mapSftpError(error, 'cannot list /x');
      assert.ok(mapped instanceof BackendError);
      assert.equal(mapped.code, code);
      assert.equal(mapped.retryable, retryable);
      assert.match(mapped.message, /^cannot list \/x: /);
    });
  }

  it('passes errors of the data source and aborts through, unless the connection is gone', () => {
    const source = new Error('source failed midway');
    assert.equal(mapSftpError(source, 'w'), source);
    const abort = new DOMException('aborted', 'AbortError');
    assert.equal(mapSftpError(abort, 'w'), abort);
    assert.equal((mapSftpError(sftpStatus(4, 'Failure'), 'w', true) as BackendError).code, 'connection-lost');
  });

  it('maps handshake timeouts and authentication failures when connecting', () => {
    assert.equal(mapConnectError(Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' }), 'h:22').code, 'timeout');
    assert.equal(
      mapConnectError(Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' }), 'h:22').code,
      'auth',
    );
  });
});

/** Drives an SshAuth handler like ssh2 does, with the server rejecting every method. */
async function attempts(auth: SshAuth, authsLeft: AuthenticationType[] | null): Promise<{ methods: AnyAuthMethod[]; tried: string[] }> {
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = [];
  const handler = auth.handler(() => undefined, tried);
  for (;;) {
    const method = await new Promise<AnyAuthMethod | false>((resolve) =>
      handler(authsLeft as AuthenticationType[], false, (m) => resolve(m as AnyAuthMethod | false)),
    );
    if (method === false) return { methods, tried };
    methods.push(method);
  }
}

describe('SshAuth login order', () => {
  it('URL password, key, agent, then no prompt after a wrong URL password', async () => {
    const auth = new SshAuth({
      user: 'u',
      where: 'u@h',
      urlPassword: 'pw',
      explicitKey: '/nonexistent/key',
      identityFiles: ['/nonexistent/id'],
      agentSocket: '/tmp/agent.sock',
      askSecret: async () => 'typed',
    });
    const { methods } = await attempts(auth, ['publickey', 'password']);
    assert.deepEqual(
      methods.map((m) => m.type),
      ['password', 'agent'],
    );
  });

  it('answers keyboard-interactive with the password when the server offers only that', async () => {
    const auth = new SshAuth({ user: 'u', where: 'u@h', urlPassword: 'pw', identityFiles: ['/nonexistent/id'] });
    const { methods } = await attempts(auth, ['keyboard-interactive']);
    assert.equal(methods.length, 1);
    const method = methods[0]!;
    assert.equal(method.type, 'keyboard-interactive');
    const answers = await new Promise<string[]>((resolve) =>
      (method as { prompt: (...args: unknown[]) => void }).prompt('', '', '', [{ prompt: 'Password: ', echo: false }], resolve),
    );
    assert.deepEqual(answers, ['pw']);
  });

  it('asks for a password up to three times, and stops when no one answers', async () => {
    let asked = 0;
    const auth = new SshAuth({ user: 'u', where: 'u@h', identityFiles: ['/nonexistent/id'], askSecret: async () => `try${++asked}` });
    const { methods, tried } = await attempts(auth, ['password']);
    assert.equal(methods.length, 3);
    assert.equal(asked, 3);
    assert.ok(
      tried.every((t) => !t.includes('try')),
      'tried never contains a secret',
    );
    const silent = new SshAuth({ user: 'u', where: 'u@h', identityFiles: ['/nonexistent/id'], askSecret: async () => undefined });
    assert.equal((await attempts(silent, ['password'])).methods.length, 0);
  });

  it('a question after a refused answer says so (as ssh does)', async () => {
    const prompts: string[] = [];
    const auth = new SshAuth({ user: 'u', where: 'u@h', identityFiles: ['/nonexistent/id'], askSecret: async (prompt) => (prompts.push(prompt), 'wrong') });
    await attempts(auth, ['password']);
    assert.deepEqual(prompts, [
      'password for u@h: ',
      'Permission denied, please try again.\npassword for u@h: ',
      'Permission denied, please try again.\npassword for u@h: ',
    ]);
  });

  it('names what was not there to try: no URL password, no agent, no key file, nothing stored, no one to ask', async () => {
    const auth = new SshAuth({
      user: 'u',
      where: 'u@h',
      identityFiles: ['/nonexistent/id'],
      storedPassword: async () => ({ looked: ['/x/.netrc (no entry for h)', 'the keyring (nothing saved for u@h)', 'FERRY_PASSWORD (not set)'] }),
    });
    await attempts(auth, ['publickey', 'password']);
    assert.deepEqual(auth.notAvailable(), [
      'the URL (no password)',
      'ssh-agent (SSH_AUTH_SOCK not set)',
      '/nonexistent/id (no such key file)',
      '/x/.netrc (no entry for h)',
      'the keyring (nothing saved for u@h)',
      'FERRY_PASSWORD (not set)',
      'the terminal (--no-prompt, or none to ask on)',
    ]);
  });
});
