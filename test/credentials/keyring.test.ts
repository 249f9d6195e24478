/**
 * The system keyring, for real:
 *
 * - with a Secret Service: gnome-keyring-daemon in a private D-Bus session (`dbus-run-session`)
 *   and a fresh HOME. `--store-password` saves the FERRY_PASSWORD that logged in; the next run
 *   logs in with the keyring alone (no netrc, no env, no prompt); pyftpsync's entry (service
 *   "pyftpsync", key host, value "user:password") works too.
 * - without a Secret Service: the keyring is unavailable or falls back to the kernel keyring;
 *   either way a warning at most, never fatal, and the next source is used.
 *
 * Needs `gnome-keyring` and `dbus-x11`: installed by the test when missing (as root), otherwise
 * it fails with the exact command.
 *
 * Every other test runs with FERRY_NO_KEYRING (test/support/isolated-env.ts); these lift it for
 * their own ferry runs only. The Secret Service is a private one (its own bus and HOME, removed
 * with the sandbox); what may reach the kernel keyring (the machine's, per user) is removed after
 * each test, and a test checks that nothing is left there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemKeyring } from '../../src/backends/credentials/keyring-store.js';
import { resolvePassword } from '../../src/backends/credentials/resolve-password.js';
import { ftpServer } from '../ftp/ftp-test-servers.js';
import { freshFolderName, sshd } from '../sftp/sftp-test-server.js';
import { CLI_ENTRY, REPO_ROOT, ensureBuilt, makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';

const installCommand = 'apt-get install -y gnome-keyring dbus-x11';

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** Makes sure gnome-keyring-daemon and dbus-run-session exist, installing them as root. */
function ensureSecretServiceTools(): void {
  const ready = () => hasCommand('gnome-keyring-daemon') && hasCommand('dbus-run-session');
  if (ready()) return;
  if (process.getuid?.() === 0) spawnSync('sh', ['-c', `DEBIAN_FRONTEND=noninteractive ${installCommand}`], { stdio: 'ignore', timeout: 300_000 });
  if (!ready()) throw new Error(`gnome-keyring-daemon or dbus-run-session is missing: install them with \`${installCommand}\``);
}

/** The script run inside the D-Bus session; it reads its settings from FERRY_KEYRING_TEST. */
const sessionScript = `
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
const cfg = JSON.parse(process.env.FERRY_KEYRING_TEST);
delete process.env.FERRY_KEYRING_TEST;
const { Entry } = createRequire(cfg.repo + '/package.json')('@napi-rs/keyring');
const run = (args, extraEnv = {}) => {
  const r = spawnSync(process.execPath, [cfg.cli, ...args], { env: { ...process.env, ...extraEnv }, encoding: 'utf8', input: '', timeout: 60000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
};
const out = { steps: {} };
for (const step of cfg.steps) {
  if (step.pyftpsyncEntry) new Entry('pyftpsync', step.pyftpsyncEntry.host, { linux: { store: 'secret-service' } }).setPassword(step.pyftpsyncEntry.value);
  out.steps[step.name] = run(step.args, step.env);
  if (step.checkAccount) {
    let value = null;
    try { value = new Entry('ferry', step.checkAccount, { linux: { store: 'secret-service' } }).getPassword(); } catch (e) { value = 'ERROR ' + e.message; }
    out.steps[step.name].inSecretService = value === step.expect;
  }
}
process.stdout.write(JSON.stringify(out));
`;

interface StepResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  inSecretService?: boolean;
}

describe('keyring with a real Secret Service (gnome-keyring under dbus-run-session)', () => {
  let sandbox: Sandbox;
  const folders: string[] = [];
  before(async () => {
    ensureSecretServiceTools();
    await ensureBuilt();
    sandbox = await makeSandbox('keyring');
    await writeTree(sandbox.local, { 'a.txt': 'from the keyring test' });
  });
  const accounts: string[] = [];
  after(async () => {
    await sandbox?.cleanup();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    // Had the Secret Service failed, the library would have fallen back to the kernel keyring.
    for (const account of accounts) await forgetKernelKeyringEntry('ferry', account);
  });

  it('--store-password saves the password, then the keyring alone logs in (FTP and SFTP), and pyftpsync entries are read', async () => {
    const ftp = ftpServer('proftpd');
    const s = sshd();
    const ftpFolder = freshFolderName('keyring');
    const sftpFolder = freshFolderName('keyring');
    folders.push(join(ftp.dataRoot, ftpFolder), join(s.dataRoot, sftpFolder));
    const ftpUrl = `ftp://${ftp.user}@${ftp.host}:${ftp.port}/${ftpFolder}`;
    const ftpUrlNoUser = `ftp://${ftp.host}:${ftp.port}/${ftpFolder}`;
    const sftpUrl = `sftp://${s.user}@${s.host}:${s.port}${s.dataRoot}/${sftpFolder}`;
    accounts.push(`${ftp.user}@${ftp.host}`, `${s.user}@${s.host}`);
    const common = ['--state-dir', sandbox.stateDir, '--no-netrc', '--no-prompt', '--resolve', 'skip'];
    const sftpArgs = ['--known-hosts', s.knownHostsFile];
    const steps = [
      {
        name: 'ftpStore',
        args: ['upload', sandbox.local, ftpUrl, '--create-folder', '--store-password', ...common],
        env: { FERRY_PASSWORD: ftp.password },
        checkAccount: `${ftp.user}@${ftp.host}`,
        expect: ftp.password,
      },
      { name: 'ftpKeyringOnly', args: ['sync', sandbox.local, ftpUrl, ...common] },
      {
        name: 'sftpStore',
        args: ['upload', sandbox.local, sftpUrl, '--create-folder', '--store-password', ...common, ...sftpArgs],
        env: { FERRY_PASSWORD: s.password },
        checkAccount: `${s.user}@${s.host}`,
        expect: s.password,
      },
      { name: 'sftpKeyringOnly', args: ['sync', sandbox.local, sftpUrl, ...common, ...sftpArgs] },
      { name: 'sftpNoKeyring', args: ['sync', sandbox.local, sftpUrl, '--no-keyring', ...common, ...sftpArgs] },
      {
        name: 'pyftpsyncEntry',
        args: ['sync', sandbox.local, ftpUrlNoUser, ...common],
        pyftpsyncEntry: { host: ftp.host, value: `${ftp.user}:${ftp.password}` },
      },
    ];
    const scriptFile = join(sandbox.root, 'keyring-session.mjs');
    writeFileSync(scriptFile, sessionScript);
    const env: NodeJS.ProcessEnv = { ...sandbox.env, FERRY_KEYRING_TEST: JSON.stringify({ repo: REPO_ROOT, cli: CLI_ENTRY, steps }) };
    delete env.FERRY_PASSWORD;
    delete env.FERRY_NO_KEYRING;
    delete env.NETRC;
    delete env.SSH_AUTH_SOCK;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const result = spawnSync(
      'dbus-run-session',
      [
        '--',
        'bash',
        '-c',
        `echo -n keyring-test-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec node ${JSON.stringify(scriptFile)}`,
      ],
      { env, cwd: sandbox.root, encoding: 'utf8', timeout: 240_000 },
    );
    assert.equal(result.status, 0, `session failed: ${result.stderr}`);
    const out = JSON.parse(result.stdout) as { steps: Record<string, StepResult> };
    const show = (name: string) => `${name}: ${JSON.stringify(out.steps[name])}`;

    const ftpStore = out.steps.ftpStore!;
    assert.equal(ftpStore.code, 0, show('ftpStore'));
    assert.match(ftpStore.stdout + ftpStore.stderr, new RegExp(`saved the password of ${ftp.user}@${ftp.host.replace(/\./g, '\\.')} in the system keyring`));
    assert.equal(ftpStore.inSecretService, true, 'stored in the Secret Service, not elsewhere');
    assert.ok(existsSync(join(ftp.dataRoot, ftpFolder, 'a.txt')));
    assert.equal(out.steps.ftpKeyringOnly!.code, 0, show('ftpKeyringOnly'));

    assert.equal(out.steps.sftpStore!.code, 0, show('sftpStore'));
    assert.equal(out.steps.sftpStore!.inSecretService, true);
    assert.ok(existsSync(join(s.dataRoot, sftpFolder, 'a.txt')));
    assert.equal(out.steps.sftpKeyringOnly!.code, 0, show('sftpKeyringOnly'));
    // Control: without the keyring the same run has no password at all.
    assert.equal(out.steps.sftpNoKeyring!.code, 1, show('sftpNoKeyring'));
    assert.match(out.steps.sftpNoKeyring!.stderr, /authentication failed/);

    assert.equal(out.steps.pyftpsyncEntry!.code, 0, show('pyftpsyncEntry'));
    for (const step of Object.values(out.steps)) {
      for (const secret of [ftp.password, s.password]) assert.ok(!(step.stdout + step.stderr).includes(secret), 'no password in output');
    }
  });
});

/** Removes what the CLI may have saved in the kernel keyring, so later tests do not find it. */
async function forgetKernelKeyringEntry(service: string, account: string): Promise<void> {
  const { Entry } = await import('@napi-rs/keyring');
  for (let tries = 0; tries < 2; tries++) {
    try {
      new Entry(service, account, { linux: { store: 'keyutils' } }).deletePassword();
      return;
    } catch {
      // The first Entry of a process can fail; a second try is enough (see keyring-store.ts).
    }
  }
}

/** Live (not invalidated) kernel keys of this user that hold the password of (service, account). */
function liveKernelKeys(service: string, account: string): string[] {
  const description = `keyring:${account}@${service}`;
  // /proc/keys: serial, flags (I=instantiated, i=invalidated, ...), usage, timeout, perm, uid, gid, type, description: ...
  return readFileSync('/proc/keys', 'utf8')
    .split('\n')
    .filter((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[7] === 'user' && fields[8] === `${description}:` && !fields[1]!.includes('i');
    });
}

describe('the kernel keyring keeps no copy of a saved password', () => {
  it('a password saved by a new process (whose first keyring access may fail) is gone once deleted', async () => {
    const account = `ferry-test-${process.pid}-${Date.now().toString(36)}@keyring.invalid`;
    const script = `import { systemKeyring } from ${JSON.stringify(join(REPO_ROOT, 'src/backends/credentials/keyring-store.ts'))};
const saved = await systemKeyring(undefined, 'keyutils').store('ferry', ${JSON.stringify(account)}, 'kernel-keyring-test-pw');
process.stdout.write(String(saved));`;
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(result.status, 0, result.stderr);
      if (result.stdout !== 'true') return assert.deepEqual(liveKernelKeys('ferry', account), [], 'a failed save leaves nothing');
      assert.equal(liveKernelKeys('ferry', account).length >= 1, true, 'saved in the kernel keyring');
      await forgetKernelKeyringEntry('ferry', account);
      assert.deepEqual(liveKernelKeys('ferry', account), [], 'no copy of the password is left in the kernel keyring');
    } finally {
      await forgetKernelKeyringEntry('ferry', account);
    }
  });
});

describe('keyring without a Secret Service', () => {
  let saved: string | undefined;
  before(() => {
    saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/ferry-no-bus';
  });
  after(() => {
    if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
  });

  it('a required Secret Service that is missing: a one-line warning, and the next source (FERRY_PASSWORD) is used', async () => {
    const warnings: string[] = [];
    const keyring = systemKeyring((m) => warnings.push(m), 'secret-service');
    const found = await resolvePassword(
      { host: 'h.example', user: 'alice', promptText: () => '' },
      { useNetrc: false, warn: (m) => warnings.push(m) },
      { keyring, env: { FERRY_PASSWORD: 'from-env' } },
    );
    assert.deepEqual(found, { user: 'alice', password: 'from-env', source: 'env' });
    assert.ok(warnings.length >= 1, 'warned');
    for (const w of warnings) {
      assert.match(w, /^the system keyring failed \(.+\): keyring lookup for .+ skipped$/);
      assert.ok(!w.includes('\n'));
    }
    assert.equal(await keyring.store('ferry', 'alice@h.example', 'secret-x'), false);
    assert.ok(!warnings.some((w) => w.includes('secret-x')));
  });

  it('the CLI with no session bus: --store-password is a warning at most, the FTP login and sync succeed', async () => {
    const ftp = ftpServer('proftpd');
    const s = await makeSandbox('nokeyring');
    const folder = freshFolderName('nokeyring');
    try {
      await writeTree(s.local, { 'a.txt': 'x' });
      const env: NodeJS.ProcessEnv = { ...s.env, FERRY_PASSWORD: ftp.password, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/ferry-no-bus' };
      delete env.NETRC;
      // Empty turns the keyring back on (the sandbox's environment is merged under this one).
      env.FERRY_NO_KEYRING = '';
      const result = await s.run(
        [
          'upload',
          s.local,
          `ftp://${ftp.user}@${ftp.host}:${ftp.port}/${folder}`,
          '--create-folder',
          '--store-password',
          '--no-prompt',
          '--state-dir',
          s.stateDir,
        ],
        { env },
      );
      assert.equal(result.code, 0, result.stderr);
      // Either the kernel keyring took it, or the keyring failed: both are reported, neither is fatal.
      assert.match(result.stdout + result.stderr, /saved the password of|could not save the password of/);
      assert.ok(!(result.stdout + result.stderr).includes(ftp.password));
      assert.ok(existsSync(join(ftp.dataRoot, folder, 'a.txt')));
    } finally {
      await s.cleanup();
      rmSync(join(ftp.dataRoot, folder), { recursive: true, force: true });
      await forgetKernelKeyringEntry('ferry', `${ftp.user}@${ftp.host}`);
    }
    assert.deepEqual(liveKernelKeys('ferry', `${ftp.user}@${ftp.host}`), [], 'the test left no password in the kernel keyring');
  });
});
