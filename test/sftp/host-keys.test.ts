/** Host key checks: unknown, changed, trusted (plain and hashed), revoked, and verification off. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkHostKey, fingerprintOf, hostFieldMatches, parseKnownHosts } from '../../src/backends/sftp/known-hosts.js';
import { openSftpBackend } from '../../src/backends/sftp/open-sftp-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { isBackendError } from '../../src/errors.js';
import { sftpUrl, sshd } from './sftp-test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-hostkeys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hostKeyBlob(): Buffer {
  return Buffer.from(readFileSync(sshd().hostKeyPublicPath, 'utf8').split(' ')[1]!, 'base64');
}

function knownHostsWith(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function open(knownHostsFile: string, extra: { verifyHostKeys?: boolean; warn?: (m: string) => void } = {}) {
  return openSftpBackend(parseTarget(sftpUrl(sshd().dataRoot)), { knownHostsFile, sshConfigFile: '/dev/null', ...extra });
}

async function rejectsHostKey(promise: Promise<unknown>, pattern: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isBackendError(error, 'host-key'), `expected a host-key error, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'message must be one line');
    assert.ok(!error.message.includes(sshd().password), 'message must not show the password');
    message = error.message;
    return true;
  });
  return message;
}

describe('sftp host keys', () => {
  it('refuses an unknown host and shows its fingerprint and how to trust it', async () => {
    const s = sshd();
    const file = knownHostsWith('empty', '');
    const message = await rejectsHostKey(open(file), /not known/);
    assert.ok(message.includes(fingerprintOf(hostKeyBlob())), message);
    assert.ok(message.includes(`mkdir -p -m 700 ${dirname(file)} && ssh-keyscan -p ${s.port} ${s.host} >> ${file}`), message);
    // The fingerprint is the one ssh-keygen shows.
    const keygen = execFileSync('ssh-keygen', ['-l', '-f', s.hostKeyPublicPath], { encoding: 'utf8' });
    assert.ok(keygen.includes(fingerprintOf(hostKeyBlob())));
  });

  it('treats a missing known_hosts file as empty (unknown host)', async () => {
    await rejectsHostKey(open(join(dir, 'does-not-exist')), /not known/);
  });

  it('refuses loudly when the host presents another key than the known one', async () => {
    const s = sshd();
    const stranger = readFileSync(`${s.strangerKeyPath}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    const file = knownHostsWith('changed', `[${s.host}]:${s.port} ${stranger}\n`);
    const message = await rejectsHostKey(open(file), /HAS CHANGED/);
    assert.ok(message.includes(`ssh-keygen -R '[${s.host}]:${s.port}'`), message);
  });

  it('does not accept the key listed for the same host on another port', async () => {
    const s = sshd();
    const key = readFileSync(s.hostKeyPublicPath, 'utf8').split(' ').slice(0, 2).join(' ');
    await rejectsHostKey(open(knownHostsWith('other-port', `${s.host} ${key}\n[${s.host}]:1 ${key}\n`)), /not known/);
  });

  it('connects when the key is known, in plain and in hashed form', async () => {
    const plain = await open(sshd().knownHostsFile);
    await plain.close();
    const hashed = knownHostsWith('hashed', readFileSync(sshd().knownHostsFile, 'utf8'));
    execFileSync('ssh-keygen', ['-H', '-f', hashed], { stdio: 'ignore' });
    assert.match(readFileSync(hashed, 'utf8'), /^\|1\|/);
    const backend = await open(hashed);
    await backend.close();
  });

  it('refuses a key marked @revoked', async () => {
    const s = sshd();
    const key = readFileSync(s.hostKeyPublicPath, 'utf8').split(' ').slice(0, 2).join(' ');
    const file = knownHostsWith('revoked', `@revoked * ${key}\n[${s.host}]:${s.port} ${key}\n`);
    await rejectsHostKey(open(file), /revoked/);
  });

  it('--no-verify-host-keys connects to an unknown host and warns', async () => {
    const warnings: string[] = [];
    const backend = await open(knownHostsWith('empty2', ''), { verifyHostKeys: false, warn: (m) => warnings.push(m) });
    await backend.close();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /host key verification is off/);
  });
});

describe('known_hosts parsing', () => {
  const key = Buffer.from('key-blob');
  const b64 = key.toString('base64');

  it('matches patterns, wildcards, negation and [host]:port', () => {
    assert.ok(hostFieldMatches('example.org,10.0.0.1', 'example.org'));
    assert.ok(hostFieldMatches('*.example.org', 'a.example.org'));
    assert.ok(!hostFieldMatches('*.example.org,!bad.example.org', 'bad.example.org'));
    assert.ok(hostFieldMatches('[example.org]:2222', '[example.org]:2222'));
    assert.ok(!hostFieldMatches('example.org', '[example.org]:2222'));
    assert.ok(hostFieldMatches('host?', 'host1'));
  });

  it('skips comments, blank and malformed lines, and cert-authority lines', () => {
    const lines = parseKnownHosts(`# comment\n\nbroken\n@cert-authority * ssh-ed25519 ${b64}\nh ssh-ed25519 ${b64}\n`, 'f');
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.line, 5);
    assert.equal(checkHostKey(lines, 'other', 22, key).status, 'unknown');
    assert.equal(checkHostKey(lines, 'h', 22, key).status, 'trusted');
    assert.equal(checkHostKey(lines, 'h', 22, Buffer.from('other')).status, 'changed');
  });
});
