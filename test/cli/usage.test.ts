/**
 * The built binary's help, version and usage errors (exit 0 and 2).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasStackTrace, linesOf, makeSandbox, REPO_ROOT, type CliResult, type Sandbox } from '../support/run-cli.js';

/** The error lines of a usage error, without commander's "(run with --help for usage)" hint. */
function messageLines(result: CliResult): string[] {
  return linesOf(result.stderr).filter((line) => line !== '' && !line.startsWith('(run with --help'));
}

function assertUsageError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  const lines = messageLines(result);
  assert.equal(lines.length, 1, `one message line expected, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.ok(!hasStackTrace(result.stderr), 'no stack trace');
  assert.equal(result.stdout, '', 'nothing on stdout');
}

describe('ferry CLI: help, version, usage errors', () => {
  let box: Sandbox;
  before(async () => {
    box = await makeSandbox('usage');
  });
  after(async () => {
    await box.cleanup();
  });

  it('--help exits 0 and shows the commands and examples', async () => {
    const result = await box.run(['--help']);
    assert.equal(result.code, 0);
    for (const word of ['upload', 'download', 'sync', 'demo', 'Examples:', '$ ferry ']) assert.ok(result.stdout.includes(word), `help mentions ${word}`);
    assert.match(result.stdout, /Exit codes:/);
  });

  for (const mode of ['upload', 'download', 'sync'] as const) {
    it(`${mode} --help exits 0 and shows examples of ${mode}`, async () => {
      const result = await box.run([mode, '--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /Examples:/);
      assert.match(result.stdout, new RegExp(`\\$ ferry ${mode} `));
      assert.match(result.stdout, /--dry-run/);
      assert.match(result.stdout, /--state-dir/);
      if (mode === 'sync') assert.doesNotMatch(result.stdout, /--delete\b/, 'sync has no --delete');
      else assert.match(result.stdout, /--delete\b/);
    });
  }

  it('--version and -V exit 0 and print the package version', async () => {
    const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-V']) {
      const result = await box.run([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout.trim(), version);
    }
  });

  it('an unknown command exits 2 with a one-line message', async () => {
    assertUsageError(await box.run(['bogus']), /bogus/);
  });

  it('an unknown option exits 2 with a one-line message naming it', async () => {
    assertUsageError(await box.run(['sync', '--bogus', box.local, box.remote, '--state-dir', box.stateDir]), /--bogus/);
  });

  it('a missing argument exits 2', async () => {
    assertUsageError(await box.run(['upload', box.local]), /REMOTE|argument/i);
  });

  it('a bad --resolve value exits 2 naming the allowed choices', async () => {
    assertUsageError(await box.run(['sync', box.local, box.remote, '--resolve', 'bad', '--state-dir', box.stateDir]), /--resolve.*bad|bad.*--resolve/);
  });

  it('a --resolve value the mode does not accept exits 2 (upload --resolve remote, download --resolve local)', async () => {
    assertUsageError(await box.run(['upload', box.local, box.remote, '--resolve', 'remote', '--state-dir', box.stateDir]), /remote/);
    assertUsageError(await box.run(['download', box.local, box.remote, '--resolve', 'local', '--state-dir', box.stateDir]), /local/);
  });

  it('sync --delete / --delete-unmatched exit 2 (sync has no --delete) and change nothing', async () => {
    assertUsageError(await box.run(['sync', '--delete', box.local, box.remote, '--state-dir', box.stateDir]), /--delete/);
    assertUsageError(await box.run(['sync', '--delete-unmatched', box.local, box.remote, '--state-dir', box.stateDir]), /--delete-unmatched/);
  });

  it('a bad --parallel value exits 2', async () => {
    assertUsageError(await box.run(['sync', box.local, box.remote, '--parallel', '0', '--state-dir', box.stateDir]), /parallel/);
  });

  it('--parallel past 64 exits 2 naming the limit; 64 is taken', async () => {
    for (const value of ['1000000000', '65']) {
      assertUsageError(await box.run(['sync', box.local, box.remote, '--parallel', value, '--state-dir', box.stateDir]), /--parallel.*must be at most 64/);
    }
    assert.equal((await box.run(['sync', box.local, box.remote, '--parallel', '64', '--state-dir', box.stateDir])).code, 0);
  });

  it('--timeout past a day exits 2 naming the limit (a huge one used to overflow the timers and fail at once)', async () => {
    for (const value of ['100000000', '86401']) {
      assertUsageError(await box.run(['sync', box.local, box.remote, '--timeout', value, '--state-dir', box.stateDir]), /--timeout.*must be at most 86400/);
    }
    assert.equal((await box.run(['sync', box.local, box.remote, '--timeout', '86400', '--state-dir', box.stateDir])).code, 0);
  });

  for (const url of ['ftp:///x', 'ftps:///x', 'sftp:///x']) {
    it(`${url} exits 2 saying the URL has no host`, async () => {
      assertUsageError(await box.run(['sync', box.local, url, '--state-dir', box.stateDir]), /^ferry: URL has no host: /);
    });
  }

  for (const url of ['sftp://h:0/x', 'ftp://h:0/x', 'ftp://h:65536/x']) {
    it(`${url} exits 2 naming the port`, async () => {
      assertUsageError(await box.run(['sync', box.local, url, '--state-dir', box.stateDir]), /^ferry: port \d+ is not valid in .*1 to 65535/);
    });
  }
});
