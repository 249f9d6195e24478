/**
 * The password question on a real terminal (util-linux `script` gives the CLI a pty): `--prompt`
 * asks although FERRY_PASSWORD has a (wrong) password, the default does not ask when netrc has
 * one, `--no-prompt` never asks. The typed password is never echoed.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ftpServer } from '../ftp/ftp-test-servers.js';
import { freshFolderName } from '../sftp/sftp-test-server.js';
import { CLI_ENTRY, ensureBuilt, makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe('password prompt on a terminal', () => {
  let box: Sandbox;
  const folders: string[] = [];
  before(async () => {
    assert.ok(hasScript, 'script (util-linux) is missing: run bash scripts/test-tools.sh (npm test does)');
    await ensureBuilt();
    box = await makeSandbox('prompt');
    await writeTree(box.local, { 'a.txt': 'typed' });
  });
  after(async () => {
    await box.cleanup();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  /** Runs on a pty and types `answer` whenever the password question appears. */
  async function onTerminal(args: string[], env: NodeJS.ProcessEnv, answer: string): Promise<{ code: number | null; output: string; asked: number }> {
    const command = [process.execPath, CLI_ENTRY, ...args].map(quote).join(' ');
    const childEnv: NodeJS.ProcessEnv = { ...box.env, ...env };
    for (const name of ['FERRY_PASSWORD', 'NETRC', 'DBUS_SESSION_BUS_ADDRESS']) if (!(name in env)) delete childEnv[name];
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: box.root, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let asked = 0;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const questions = output.split('FTP password for').length - 1;
      while (asked < questions) {
        child.stdin.write(`${answer}\r`);
        asked++;
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    return { code, output, asked };
  }

  const ftp = () => ftpServer('proftpd');
  function target(): string {
    const folder = freshFolderName('prompt');
    folders.push(join(ftp().dataRoot, folder));
    return `ftp://${ftp().user}@${ftp().host}:${ftp().port}/${folder}`;
  }

  it('--prompt asks even though FERRY_PASSWORD has one; the answer logs in and is not echoed', async () => {
    const result = await onTerminal(
      ['upload', box.local, target(), '--create-folder', '--prompt', '--no-keyring', '--state-dir', box.stateDir],
      { FERRY_PASSWORD: 'wrong-env-pw' },
      ftp().password,
    );
    assert.equal(result.asked, 1, result.output);
    assert.equal(result.code, 0, result.output);
    assert.ok(!result.output.includes(ftp().password), 'typed password echoed');
  });

  it('by default a password from netrc means no question', async () => {
    const netrc = join(box.root, 'netrc');
    writeFileSync(netrc, `machine ${ftp().host} login ${ftp().user} password ${ftp().password}\n`);
    const result = await onTerminal(
      ['upload', box.local, target(), '--create-folder', '--no-keyring', '--state-dir', box.stateDir],
      { NETRC: netrc },
      'never-typed',
    );
    assert.equal(result.asked, 0, result.output);
    assert.equal(result.code, 0, result.output);
  });

  it('by default, with nothing stored, the terminal is asked', async () => {
    const result = await onTerminal(
      ['upload', box.local, target(), '--create-folder', '--no-keyring', '--no-netrc', '--state-dir', box.stateDir],
      {},
      ftp().password,
    );
    assert.equal(result.asked, 1, result.output);
    assert.equal(result.code, 0, result.output);
  });

  it('--no-prompt on a terminal never asks and fails with the auth error', async () => {
    const result = await onTerminal(
      ['upload', box.local, target(), '--create-folder', '--no-keyring', '--no-netrc', '--no-prompt', '--state-dir', box.stateDir],
      {},
      ftp().password,
    );
    assert.equal(result.asked, 0, result.output);
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, new RegExp(`no password for ${ftp().user}@127\\.0\\.0\\.1: .*--no-prompt forbids asking`));
  });
});
