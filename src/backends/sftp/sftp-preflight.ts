/**
 * What `ferry doctor` can learn from an SSH server without logging in, for a report when the
 * login fails: the server's software and its host key, and whether known_hosts lists that key.
 * The connection is dropped as soon as the key is seen, before any authentication.
 */
import { homedir } from 'node:os';
import * as path from 'node:path';
import ssh2 from 'ssh2';
import type { SftpOpenOptions } from '../options/open-backend-options.js';
import { preflightStopped, type ProbeReporter } from '../probe-finding.js';
import type { Target } from '../target-url.js';
import { checkHostKey, fingerprintOf, keyTypeOf, readKnownHosts } from './known-hosts.js';
import { readSshConfig } from './ssh-config.js';
import { describeRoute } from './ssh-route.js';
import { serverSoftware } from './ssh2-internals.js';

const TIMEOUT_MS = 10_000;

/** Reports the server software and host key; never throws. */
export async function preflightSftp(target: Target, options: SftpOpenOptions, report: ProbeReporter): Promise<void> {
  try {
    const config = readSshConfig(options.sshConfigFile ?? path.join(homedir(), '.ssh', 'config'), target.host!, { user: target.user });
    const route = describeRoute(options.jumpHosts, options.proxyCommand, config);
    if (route !== undefined) {
      // A direct look would reach another machine than the one ferry talks to (or none at all).
      report({
        id: 'preflight',
        capability: 'look before login',
        found: `skipped: the server is reached through ${route}`,
        action: 'see the connection error above',
        status: 'info',
        value: null,
      });
      return;
    }
    const host = config.hostName ?? target.host!;
    const port = target.portGiven && target.port !== undefined ? target.port : (config.port ?? target.port ?? 22);
    const { software, key } = await firstLook(host, port);
    report({ id: 'server', capability: 'SSH server', found: software ?? 'unknown', action: 'nothing to do', status: 'info', value: software ?? null });
    if (key === undefined) return;
    const files =
      options.knownHostsFile !== undefined
        ? [options.knownHostsFile]
        : config.userKnownHostsFiles.length > 0
          ? [...config.userKnownHostsFiles, '/etc/ssh/ssh_known_hosts']
          : [path.join(homedir(), '.ssh', 'known_hosts'), path.join(homedir(), '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts'];
    const verdict = options.verifyHostKeys === false ? undefined : checkHostKey(await readKnownHosts(files), host, port, key);
    const status = verdict?.status ?? 'not checked';
    const shown = `${keyTypeOf(key)} ${fingerprintOf(key)}`;
    report({
      id: 'host-key',
      capability: 'host key',
      found: `${shown}, ${status === 'trusted' ? 'verified from known_hosts' : status === 'not checked' ? 'NOT verified (--no-verify-host-keys)' : status === 'unknown' ? 'not in known_hosts' : status === 'changed' ? 'CHANGED: known_hosts lists another key for this host' : 'revoked in known_hosts'}`,
      action:
        status === 'trusted'
          ? 'ferry trusts this server'
          : status === 'not checked'
            ? 'ferry accepts any key (unsafe)'
            : "ferry refuses to connect: compare the fingerprint with the one the server's admin publishes, then add the key to known_hosts",
      status: status === 'trusted' ? 'ok' : status === 'not checked' ? 'warn' : 'fail',
      value: { type: keyTypeOf(key), fingerprint: fingerprintOf(key), verified: status === 'trusted' },
    });
  } catch (error) {
    report(preflightStopped(error));
  }
}

/** Connects until the server has shown its software version and host key, then hangs up. */
function firstLook(host: string, port: number): Promise<{ software?: string; key?: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let key: Buffer | undefined;
    let done = false;
    const finish = (error?: Error): void => {
      if (done) return;
      done = true;
      const software = serverSoftware(client);
      client.destroy();
      if (key === undefined && software === undefined && error) reject(error);
      else resolve({ software, key });
    };
    client.on('error', finish);
    client.on('close', () => finish());
    client.connect({
      host,
      port,
      username: 'ferry-doctor',
      readyTimeout: TIMEOUT_MS,
      // Refusing the key ends the handshake before any authentication is tried.
      hostVerifier: (presented: Buffer): boolean => {
        key = presented;
        return false;
      },
    });
  });
}
