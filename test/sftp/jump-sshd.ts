/**
 * A second sshd, started by a test to be the jump host in front of the shared test sshd: its own
 * config and host key in a temp folder, 127.0.0.1 on a free high port, the shared server's test
 * user and authorized keys, SFTP off (a jump host only forwards). Stopped by its PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sshd } from './sftp-test-server.js';

/** A running jump sshd. */
export interface JumpSshd {
  readonly host: string;
  readonly port: number;
  /** known_hosts line for this server (`[127.0.0.1]:port ssh-ed25519 ...`). */
  readonly knownHostsLine: string;
  /** Everything it logged so far (LogLevel DEBUG1: forwarded channels show up). */
  log(): string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the jump sshd and resolves once it accepts connections. `extraConfig`: more sshd_config
 * lines (a test that needs a second server of another kind, such as one restricted to SFTP).
 */
export async function startJumpSshd(extraConfig: readonly string[] = []): Promise<JumpSshd> {
  const facts = sshd();
  const dir = mkdtempSync(join(tmpdir(), 'ferry-jump-sshd-'));
  mkdirSync('/run/sshd', { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dirname(facts.keyPath), 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AllowUsers ${facts.user}`,
      'AllowTcpForwarding yes',
      'MaxStartups 50:30:100',
      'UseDNS no',
      'LogLevel DEBUG1',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    log += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const check = (): void => {
      if (/Server listening on/.test(log)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`jump sshd did not start: ${log}`));
      if (Date.now() - started > 10_000) return reject(new Error(`jump sshd did not start in 10 s: ${log}`));
      setTimeout(check, 20);
    };
    check();
  });
  const publicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return {
    host: '127.0.0.1',
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey}`,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
