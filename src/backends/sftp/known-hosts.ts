/**
 * Host key verification against OpenSSH known_hosts files.
 *
 * Understands what `ssh` writes and reads: comma-separated host patterns with `*`/`?` wildcards and
 * `!` negation, `[host]:port` for non-default ports, hashed entries (`|1|salt|hmac-sha1`, written by
 * `HashKnownHosts yes`), and the `@revoked` marker. `@cert-authority` lines are ignored: ferry does
 * not accept host certificates, so such a host counts as unknown.
 */
import * as path from 'node:path';
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BackendError } from '../../errors.js';

/** One key line of a known_hosts file. */
export interface KnownHostLine {
  readonly file: string;
  /** 1-based line number, for messages. */
  readonly line: number;
  readonly marker?: 'revoked' | 'cert-authority';
  /** The host field as written (patterns or a hashed `|1|...` entry). */
  readonly hosts: string;
  readonly keyType: string;
  /** Base64 of the key blob (the SSH wire form of the public key). */
  readonly keyBase64: string;
}

/** Outcome of checking a presented host key. */
export type HostKeyVerdict =
  | { readonly status: 'trusted'; readonly line: KnownHostLine }
  | { readonly status: 'unknown' }
  | { readonly status: 'changed'; readonly line: KnownHostLine }
  | { readonly status: 'revoked'; readonly line: KnownHostLine };

/** Parses the text of a known_hosts file; malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string, file: string): KnownHostLine[] {
  const lines: KnownHostLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostLine['marker'];
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    } else if (fields[0].startsWith('@')) {
      return;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    lines.push({ file, line: index + 1, marker, hosts, keyType, keyBase64 });
  });
  return lines;
}

/** Reads and parses known_hosts files; missing files count as empty. */
export async function readKnownHosts(files: readonly string[]): Promise<KnownHostLine[]> {
  const all: KnownHostLine[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new BackendError('host-key', `cannot read known_hosts file ${file}: ${(error as Error).message}`);
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/** The name ssh looks up for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** True when the host field of a known_hosts line names `name` (see {@link knownHostName}). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return digest === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (globToRegExp(body).test(name)) {
      // A matching negation excludes the host whatever else matches on the line.
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

/**
 * Checks the key a server presented (its wire-form blob) against known_hosts lines for
 * `host`:`port`. A key listed for the host is trusted (unless revoked anywhere); a host that is
 * listed only with other keys has `changed`.
 */
export function checkHostKey(lines: readonly KnownHostLine[], host: string, port: number, key: Buffer): HostKeyVerdict {
  const name = knownHostName(host, port);
  const keyBase64 = key.toString('base64');
  const revoked = lines.find((l) => l.marker === 'revoked' && l.keyBase64 === keyBase64);
  if (revoked) return { status: 'revoked', line: revoked };
  const forHost = lines.filter((l) => l.marker === undefined && hostFieldMatches(l.hosts, name));
  const same = forHost.find((l) => l.keyBase64 === keyBase64);
  if (same) return { status: 'trusted', line: same };
  if (forHost[0]) return { status: 'changed', line: forHost[0] };
  return { status: 'unknown' };
}

/** `SHA256:...` fingerprint of a key blob, as `ssh-keygen -l` shows it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a wire-form key blob (`ssh-ed25519`, `ecdsa-sha2-nistp256`...). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  return key.subarray(4, 4 + length).toString('latin1');
}

/**
 * The one-line error for a host key that is not trusted. It shows the fingerprint so the user can
 * compare it with the one the server's admin publishes, and the command that trusts it.
 */
export function hostKeyError(
  verdict: Exclude<HostKeyVerdict, { status: 'trusted' }>,
  host: string,
  port: number,
  key: Buffer,
  knownHostsFile: string,
): BackendError {
  const where = port === 22 ? host : `${host}:${port}`;
  const shown = `${keyTypeOf(key)} ${fingerprintOf(key)}`;
  const portFlag = port === 22 ? '' : `-p ${port} `;
  switch (verdict.status) {
    case 'unknown':
      return new BackendError(
        'host-key',
        // mkdir first: `>>` fails where the folder (a fresh ~/.ssh) does not exist yet.
        `host key of ${where} is not known (${shown}); if that fingerprint is right, trust it with: mkdir -p -m 700 ${path.dirname(knownHostsFile)} && ssh-keyscan ${portFlag}${host} >> ${knownHostsFile}`,
        { retryable: false },
      );
    case 'changed':
      return new BackendError(
        'host-key',
        `WARNING: HOST KEY OF ${where} HAS CHANGED (now ${shown}, ${verdict.line.file}:${verdict.line.line} lists another key): someone may be intercepting the connection; refusing to connect. If the server's key was really replaced, remove the old entry with: ssh-keygen -R '${knownHostName(host, port)}' -f ${verdict.line.file}`,
        { retryable: false },
      );
    case 'revoked':
      return new BackendError(
        'host-key',
        `host key of ${where} (${shown}) is marked @revoked in ${verdict.line.file}:${verdict.line.line}: refusing to connect`,
        { retryable: false },
      );
  }
}
