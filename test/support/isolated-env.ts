/**
 * Keeps a test process, and the ferry processes it starts, away from the credentials and settings
 * of the person running the tests: a password they saved with `--store-password`, their netrc,
 * ssh-agent, ~/.ssh config and keys, or FERRY_PASSWORD would otherwise make logins succeed where a
 * test expects a prompt or a refusal, and `--store-password` in a test would write to their
 * keyring.
 *
 * Importing this module (test-servers.ts and run-cli.ts do) sets, for the whole process:
 * - HOME to a private empty folder, removed at exit (so `~/.netrc`, `~/.ssh`, `~/.local/state`
 *   are the test's own);
 * - FERRY_NO_KEYRING=1 (ferry neither reads nor writes any keyring: docs/credentials.md);
 * - no SSH_AUTH_SOCK, NETRC, FERRY_PASSWORD, XDG_* folders or D-Bus session bus.
 *
 * A test of one of these (the keyring, netrc, the agent) sets it up privately for its own runs
 * and removes what it made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The private HOME of this test process. */
export const testHome = mkdtempSync(join(tmpdir(), 'ferry-test-home-'));
process.on('exit', () => rmSync(testHome, { recursive: true, force: true }));

process.env.HOME = testHome;
process.env.FERRY_NO_KEYRING = '1';
for (const name of [
  'SSH_AUTH_SOCK',
  'NETRC',
  'FERRY_PASSWORD',
  'XDG_STATE_HOME',
  'XDG_CONFIG_HOME',
  'XDG_DATA_HOME',
  'XDG_CACHE_HOME',
  'DBUS_SESSION_BUS_ADDRESS',
]) {
  delete process.env[name];
}
