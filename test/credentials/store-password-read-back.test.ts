/**
 * `--store-password` says "saved" only for a password the keyring gives back, and the next run
 * finds it. The keyring entries here are the test's own: an ssh config alias unique to the test
 * run makes the account (`ferrytest@<alias>`), and every entry made is deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { systemKeyring, type EntryConstructor } from '../../src/backends/credentials/keyring-store.js';
import { makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

interface SshdFacts {
  host: string;
  port: number;
  user: string;
  password: string;
  knownHostsFile: string;
  dataRoot: string;
}

describe('keyring lookups that find nothing at first', () => {
  it('a lookup that finds nothing is tried once more with a fresh entry (the first access of a process may miss the persistent keyring)', async () => {
    let made = 0;
    class FlakyEntry {
      private readonly nth = ++made;
      getPassword(): string | null {
        return this.nth === 1 ? null : 'pw-from-second';
      }
      setPassword(): void {}
    }
    const keyring = systemKeyring(undefined, undefined, FlakyEntry as unknown as EntryConstructor);
    assert.equal(await keyring.lookup('svc', 'acct'), 'pw-from-second');
    assert.equal(made, 2);
  });

  it('an entry that is really absent stays absent (two tries, no warning)', async () => {
    class EmptyEntry {
      getPassword(): string | null {
        return null;
      }
      setPassword(): void {}
    }
    const warnings: string[] = [];
    assert.equal(await systemKeyring((m) => warnings.push(m), undefined, EmptyEntry as unknown as EntryConstructor).lookup('svc', 'acct'), undefined);
    assert.deepEqual(warnings, []);
  });
});

describe("ferry CLI: --store-password with the real keyring (an account of the test's own)", () => {
  let box: Sandbox;
  let sshd: SshdFacts;
  let alias: string;
  let remoteDir: string;
  const account = () => `${sshd.user}@${alias}`;

  /** Deletes the test's keyring entry, if the keyring is there at all. */
  async function forget(): Promise<void> {
    try {
      const require = createRequire(import.meta.url);
      const { Entry } = require('@napi-rs/keyring') as { Entry: new (s: string, a: string) => { deletePassword(): boolean } };
      // A kernel keyring may hold the entry twice (a first, failed save of a process can leave
      // one behind): delete until two tries in a row find nothing.
      let misses = 0;
      for (let i = 0; i < 10 && misses < 2; i++) {
        try {
          misses = new Entry('ferry', account()).deletePassword() ? 0 : misses + 1;
        } catch {
          // the first access of a process may fail; try again
        }
      }
    } catch {
      // no keyring library: nothing was stored
    }
  }

  before(async () => {
    sshd = loadServer<SshdFacts>('sshd');
    box = await makeSandbox('store-password');
    alias = `ferry-store-pw-${randomBytes(5).toString('hex')}`;
    const ssh = path.join(box.env.HOME!, '.ssh');
    await fs.mkdir(ssh, { recursive: true });
    await fs.writeFile(path.join(ssh, 'config'), `Host ${alias}\n  HostName ${sshd.host}\n  Port ${sshd.port}\n`);
    await fs.copyFile(sshd.knownHostsFile, path.join(ssh, 'known_hosts'));
    remoteDir = `${sshd.dataRoot}/${alias}`;
    await fs.mkdir(remoteDir, { recursive: true });
    await fs.chmod(remoteDir, 0o777);
    await writeTree(box.local, { 'a.txt': 'a' });
  });
  after(async () => {
    await forget();
    await fs.rm(remoteDir, { recursive: true, force: true });
    await box.cleanup();
  });

  it('"saved" is said only after the password was read back, and the next run logs in with it alone', async () => {
    // The test suite keeps the keyring out of every run (FERRY_NO_KEYRING); this one is about it.
    const env = { FERRY_PASSWORD: '', FERRY_NO_KEYRING: '' };
    const first = await box.run(
      [
        'upload',
        box.local,
        `sftp://${sshd.user}:${encodeURIComponent(sshd.password)}@${alias}${remoteDir}`,
        '--state-dir',
        box.stateDir,
        '--store-password',
        '--no-netrc',
        '--no-prompt',
      ],
      { env },
    );
    assert.equal(first.code, 0, first.stderr);
    const said = first.stdout + first.stderr;
    assert.ok(!said.includes(sshd.password), 'the password is never printed');
    if (/could not save|not saved/.test(said)) {
      // No usable keyring on this machine: said so, and nothing claims "saved".
      assert.doesNotMatch(said, /warning: saved the password/);
      return;
    }
    assert.match(
      said,
      new RegExp(`saved the password of ${account()} in the system keyring \\(service ferry, account ${account()}\\); the next run finds it there`),
    );
    await writeTree(box.local, { 'b.txt': 'b' });
    const next = await box.run(['upload', box.local, `sftp://${sshd.user}@${alias}${remoteDir}`, '--state-dir', box.stateDir, '--no-netrc', '--no-prompt'], {
      env,
    });
    assert.equal(next.code, 0, `the next run did not find the saved password:\n${next.stderr}`);
    assert.match(next.stdout, /COPY NEW\s+>\s+b\.txt/);
  });
});
