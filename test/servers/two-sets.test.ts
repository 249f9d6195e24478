/**
 * Two sets of test servers at once on one machine: this checkout's (running), and a second one
 * started from a copy of scripts/ inside a fresh 0700 folder (`mkdtemp`), where no server user
 * could enter, as in a home folder of mode 0700. Each server of each set takes a login and a
 * small upload, both sets at the same time; then the second set is stopped and leaves no user,
 * data or port behind, and the first still works.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openBackend } from '../../src/backends/open-backend.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { loadServer, repoRoot } from '../support/test-servers.js';

const names = ['sshd', 'proftpd', 'pure-ftpd', 'vsftpd', 'pyftpdlib'] as const;
type Name = (typeof names)[number];

interface Facts {
  host: string;
  port: number;
  user: string;
  password: string;
  dataRoot: string;
  log: string;
  caFile?: string;
  knownHostsFile?: string;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function portOpen(port: number): boolean {
  return spawnSync('bash', ['-c', `(exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null`]).status === 0;
}

function userExists(user: string): boolean {
  return spawnSync('id', [user], { stdio: 'ignore' }).status === 0;
}

/** Logs in to one server and uploads a small file into a new folder; returns its path on disk. */
async function loginAndUpload(name: Name, facts: Facts, label: string): Promise<string> {
  const folder = `two-sets-${label}-${process.pid}-${Date.now().toString(36)}`;
  const auth = `${encodeURIComponent(facts.user)}:${encodeURIComponent(facts.password)}`;
  const url = name === 'sshd' ? `sftp://${auth}@${facts.host}:${facts.port}${facts.dataRoot}/${folder}` : `ftp://${auth}@${facts.host}:${facts.port}/${folder}`;
  const backend = await openBackend(parseTarget(url), {
    createFolder: true,
    caFile: facts.caFile,
    knownHostsFile: facts.knownHostsFile,
    sshConfigFile: '/dev/null',
    prompt: 'never',
  });
  try {
    await backend.write('hello.txt' as RelPath, Readable.from([Buffer.from(`${label} ${name}\n`)]), {});
  } finally {
    await backend.close();
  }
  const onDisk = join(facts.dataRoot, folder, 'hello.txt');
  assert.equal(readFileSync(onDisk, 'utf8'), `${label} ${name}\n`, `${label} ${name}: the upload landed in its own data root`);
  return join(facts.dataRoot, folder);
}

describe('two sets of test servers at once, one from a 0700 folder', () => {
  const first = {} as Record<Name, Facts>;
  const second = {} as Record<Name, Facts>;
  const made: string[] = [];
  let root: string;
  let copy: string;
  const script = (name: Name) => join(copy, 'scripts', 'servers', `${name}.sh`);

  before(() => {
    for (const name of names) first[name] = loadServer<Facts>(name);
    root = mkdtempSync(join(tmpdir(), 'ferry-second-set-'));
    assert.equal(statSync(root).mode & 0o777, 0o700);
    copy = join(root, 'checkout');
    cpSync(join(repoRoot, 'scripts'), join(copy, 'scripts'), { recursive: true });
    for (const name of names) {
      const result = spawnSync('bash', [script(name), 'start'], { encoding: 'utf8', timeout: 180_000 });
      assert.equal(result.status, 0, `second set: ${name}.sh start failed: ${result.stderr}`);
      second[name] = JSON.parse(readFileSync(join(copy, '.test-servers', `${name}.json`), 'utf8')) as Facts;
    }
  });

  after(() => {
    if (copy === undefined) return;
    for (const name of names) spawnSync('bash', [script(name), 'stop'], { stdio: 'ignore', timeout: 60_000 });
    for (const name of names) if (second[name]) rmSync(dirname(dirname(second[name].log)), { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
    for (const folder of made) rmSync(folder, { recursive: true, force: true });
  });

  it('the second set has its own users, ports and data, outside its checkout', () => {
    for (const name of names) {
      const [a, b] = [first[name], second[name]];
      assert.notEqual(a.port, b.port, `${name}: ports`);
      assert.notEqual(a.dataRoot, b.dataRoot, `${name}: data roots`);
      assert.ok(!b.dataRoot.startsWith(root) && !b.log.startsWith(root), `${name}: nothing of the server inside the 0700 folder (${b.dataRoot})`);
      if (name === 'sshd' || name === 'vsftpd') assert.notEqual(a.user, b.user, `${name}: a unix user of its own`);
      if (name === 'sshd' || name === 'vsftpd') assert.ok(userExists(b.user), `${name}: ${b.user} exists`);
    }
  });

  it('every server of both sets takes a login and an upload, at the same time', async () => {
    const runs = names.flatMap((name) => [loginAndUpload(name, first[name], 'first'), loginAndUpload(name, second[name], 'second')]);
    made.push(...(await Promise.all(runs)));
  });

  it('stopping the second set removes its users, data and ports, and the first set still works', async () => {
    for (const name of names) {
      const result = spawnSync('bash', [script(name), 'stop'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(result.status, 0, `${name}.sh stop: ${result.stderr}`);
    }
    for (const name of names) {
      const facts = second[name];
      assert.ok(!portOpen(facts.port), `${name}: port ${facts.port} closed`);
      assert.ok(!existsSync(facts.dataRoot), `${name}: data root removed`);
      assert.ok(!existsSync(join(copy, '.test-servers', `${name}.json`)), `${name}: facts removed`);
      if (name === 'sshd' || name === 'vsftpd') assert.ok(!userExists(facts.user), `${name}: user ${facts.user} removed`);
    }
    made.push(...(await Promise.all(names.map((name) => loginAndUpload(name, first[name], 'after')))));
  });
});
