/**
 * `ferry watch` through the built binary: against the loopback SFTP server, with --json events
 * and in text form; Ctrl-C (SIGINT) finishes, saves the state and exits with code 3.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collect, ensureBuilt, spawnCli } from '../support/run-cli.js';
import { sshd } from '../sftp/sftp-test-server.js';
import { contentOf, sftpServer, waitFor } from './watch-harness.js';

const server = sftpServer();
const temps: string[] = [];
before(() => ensureBuilt());
after(async () => {
  await server.cleanup();
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function temp(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `ferry-watch-cli-${label}-`));
  temps.push(dir);
  return dir;
}

describe('ferry watch (built CLI)', () => {
  it('uploads changes as they happen, emits JSON events, and exits 3 on Ctrl-C with the state saved', async () => {
    const remote = await server.fresh('cli-json');
    const local = await temp('local');
    const stateDir = await temp('state');
    await writeFile(join(local, 'start.txt'), 'there at start');
    const child = spawnCli([
      'watch',
      local,
      remote.url,
      '--delete',
      '--json',
      '--state-dir',
      stateDir,
      '--known-hosts',
      sshd().knownHostsFile,
      '--no-keyring',
      '--no-netrc',
    ]);
    const result = collect(child, 90_000);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer | string) => (stdout += chunk.toString()));
    await waitFor(() => stdout.includes('"type":"watch-started"'), 'the watch to start');
    assert.equal(await contentOf(join(remote.dir, 'start.txt')), 'there at start');
    await writeFile(join(local, 'live.txt'), 'written while watching');
    await waitFor(async () => (await contentOf(join(remote.dir, 'live.txt'))) === 'written while watching', 'live.txt on the server');
    await rm(join(local, 'start.txt'));
    await waitFor(async () => (await contentOf(join(remote.dir, 'start.txt'))) === undefined, 'start.txt gone from the server');
    child.kill('SIGINT');
    const { code, stdout: out, stderr } = await result;
    assert.equal(code, 3, stderr);
    const events = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; summary?: { interrupted: boolean; filesCopied: number } });
    const summary = events.find((event) => event.type === 'watch-summary');
    assert.equal(summary?.summary?.interrupted, true);
    assert.equal(summary?.summary?.filesCopied, 2);
    assert.ok(events.some((event) => event.type === 'watch-pass'));
    assert.ok(!out.includes('ferry-secret-pw') && !stderr.includes('ferry-secret-pw'), 'the password never appears in the output');
    // The state was saved and the lock released: a batch upload now has nothing to do.
    const files = await readdir(stateDir);
    assert.ok(files.some((name) => name.endsWith('.json')) && !files.some((name) => name.endsWith('.lock')), files.join(','));
  });

  it('prints one line per transfer in text form', async () => {
    const remote = await server.fresh('cli-text');
    const local = await temp('local');
    const stateDir = await temp('state');
    const child = spawnCli(['watch', local, remote.url, '--state-dir', stateDir, '--known-hosts', sshd().knownHostsFile, '--no-keyring', '--no-netrc']);
    const result = collect(child, 90_000);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer | string) => (stdout += chunk.toString()));
    await waitFor(() => stdout.includes('Now watching'), 'the watch to start');
    await writeFile(join(local, 'text.txt'), 'text');
    await waitFor(async () => (await contentOf(join(remote.dir, 'text.txt'))) === 'text', 'text.txt on the server');
    await waitFor(() => /text\.txt/.test(stdout), 'a line about text.txt');
    child.kill('SIGINT');
    const { code, stdout: out } = await result;
    assert.equal(code, 3);
    assert.match(out, /Stopped: 1 file copied/);
  });

  it('says on stderr when the connection is lost and back, and sends the queued change', async () => {
    const remote = await server.proxied('cli-outage');
    const local = await temp('local');
    const stateDir = await temp('state');
    const child = spawnCli([
      'watch',
      local,
      remote.url,
      '--state-dir',
      stateDir,
      '--known-hosts',
      remote.connection.knownHostsFile!,
      '--no-keyring',
      '--no-netrc',
    ]);
    const result = collect(child, 90_000);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer | string) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer | string) => (stderr += chunk.toString()));
    try {
      await waitFor(() => stdout.includes('Now watching'), 'the watch to start');
      await remote.proxy.stop();
      await writeFile(join(local, 'queued.txt'), 'queued during the outage');
      await waitFor(() => /reconnecting in .*1 change queued/.test(stderr), 'the reconnecting line');
      await remote.proxy.start();
      await waitFor(async () => (await contentOf(join(remote.dir, 'queued.txt'))) === 'queued during the outage', 'queued.txt on the server');
      await waitFor(() => stderr.includes('connection back'), 'the line saying the connection is back');
    } finally {
      child.kill('SIGINT');
      await remote.proxy.stop();
    }
    const { code } = await result;
    assert.equal(code, 3);
  });

  it('rejects a bad --poll with a one-line usage error (exit 2)', async () => {
    const { code, stderr } = await collect(spawnCli(['watch', '/tmp', '/tmp/x', '--poll', '0']));
    assert.equal(code, 2);
    assert.match(stderr, /--poll/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });
});
