/**
 * Human output: one line per action with its direction, a `Done:` summary, `-q` for the summary
 * only, and no colour codes unless stdout is a terminal without NO_COLOR / --no-color.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CLI_ENTRY, ensureBuilt, linesOf, makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';

const ESC = '\u001b';
const old = new Date('2024-01-01T12:00:00Z');
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

describe('ferry CLI: text output', () => {
  let box: Sandbox;
  const run = (mode: string, ...extra: string[]) => box.run([mode, box.local, box.remote, '--state-dir', box.stateDir, ...extra]);

  /** Runs the CLI with stdout and stderr on a pseudo-terminal (util-linux `script`). */
  async function runOnTerminal(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
    await ensureBuilt();
    const command = [process.execPath, CLI_ENTRY, ...args].map(quote).join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: box.root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    return { code: result.status, output: result.stdout + result.stderr };
  }

  beforeEach(async () => {
    box = await makeSandbox('text');
    await writeTree(box.local, { 'up.txt': 'to remote', 'dir/deep.txt': 'deep', 'gone-remote.txt': 'g', 'clash.txt': 'mine' }, old);
    await writeTree(box.remote, { 'down.txt': 'to local', 'gone-local.txt': 'h', 'clash.txt': 'theirs, longer' }, old);
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('default output: one line per action with > or <, the conflict, and a final Done: line', async () => {
    const result = await run('sync');
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    const linesAbout = (name: string) => lines.filter((line) => line.endsWith(` ${name}`) || line.endsWith(`[${name}]`));
    for (const name of ['up.txt', 'dir/deep.txt', 'gone-remote.txt']) {
      assert.equal(linesAbout(name).length, 1, `one line for ${name}:\n${result.stdout}`);
      assert.match(linesAbout(name)[0]!, new RegExp(`^COPY\\b.* > +${name.replace('.', '\\.')}$`));
    }
    for (const name of ['down.txt', 'gone-local.txt']) {
      assert.equal(linesAbout(name).length, 1, `one line for ${name}`);
      assert.match(linesAbout(name)[0]!, new RegExp(`^COPY\\b.* < +${name.replace('.', '\\.')}$`));
    }
    assert.match(linesAbout('dir')[0] ?? '', /^MKDIR\b.* > +\[dir\]$/);
    assert.ok(
      lines.some((line) => /^CONFLICT\b.*clash\.txt/.test(line)),
      result.stdout,
    );
    const last = lines[lines.length - 1]!;
    assert.match(last, /^Done: 5 files copied/);
    assert.match(last, /1 conflict left unresolved/);
    assert.equal(lines.filter((line) => line.startsWith('Done:')).length, 1);
  });

  it('deletions show the side: " >X" for remote, "X< " for local', async () => {
    await run('sync', '--resolve', 'local');
    await fs.rm(path.join(box.local, 'up.txt'));
    await fs.rm(path.join(box.remote, 'down.txt'));
    const result = await run('sync');
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    assert.ok(
      lines.some((line) => /^DELETE\b.* >X +up\.txt$/.test(line)),
      result.stdout,
    );
    assert.ok(
      lines.some((line) => /^DELETE\b.*X< +down\.txt$/.test(line)),
      result.stdout,
    );
    assert.match(lines[lines.length - 1]!, /^Done: 0 files copied.*2 deleted/);
  });

  it('-q prints only the summary line (also with a conflict)', async () => {
    const result = await run('sync', '-q');
    assert.equal(result.code, 0, result.stderr);
    const lines = linesOf(result.stdout);
    assert.equal(lines.length, 1, result.stdout);
    assert.match(lines[0]!, /^Done: /);
    assert.equal(result.stderr, '');
  });

  it('no ESC characters when stdout is not a terminal (and with NO_COLOR)', async () => {
    const plain = await run('sync');
    assert.ok(!plain.stdout.includes(ESC) && !plain.stderr.includes(ESC), 'non-TTY output has no escape codes');
    const noColor = await box.run(['sync', box.local, box.remote, '--state-dir', path.join(box.root, 'state2'), '--resolve', 'ask'], {
      env: { NO_COLOR: '1' },
    });
    assert.ok(!noColor.stdout.includes(ESC) && !noColor.stderr.includes(ESC));
    assert.ok(noColor.stderr.includes('warning'), 'warning printed without colour');
  });

  it('FORCE_COLOR colours output into a pipe; --no-color still wins', async () => {
    const forced = await box.run(['sync', box.local, box.remote, '--state-dir', path.join(box.root, 'state-f'), '-n'], { env: { FORCE_COLOR: '1' } });
    assert.ok(forced.stdout.includes(`${ESC}[`), `FORCE_COLOR=1: escape codes expected:\n${JSON.stringify(forced.stdout)}`);
    const off = await box.run(['sync', box.local, box.remote, '--state-dir', path.join(box.root, 'state-g'), '-n', '--no-color'], {
      env: { FORCE_COLOR: '1' },
    });
    assert.ok(!off.stdout.includes(ESC), 'FORCE_COLOR with --no-color: no escape codes');
  });

  it('a run of many files writes nothing to stderr', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`many/f${i}.txt`] = `file ${i}`;
    await writeTree(box.local, files);
    const result = await run('upload', '--resolve', 'local');
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '', 'stderr must stay empty on a clean run');
    assert.match(result.stdout, /Done: 64 files copied/);
  });

  it('-v also shows what was scanned and ignored (symlinks, never followed); skipped files are named by default', async () => {
    await fs.symlink('/etc/hostname', path.join(box.local, 'link-out'));
    const normal = await run('upload');
    assert.equal(normal.code, 0, normal.stderr);
    assert.doesNotMatch(normal.stdout, /IGNORED|scanned/);
    assert.match(normal.stdout, /^SKIP +down\.txt \(only on the target; --delete deletes it\)$/m, 'a remote-only file upload leaves alone');
    const verbose = await box.run(['upload', box.local, box.remote, '--state-dir', path.join(box.root, 'state-v'), '-v']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stdout, /^IGNORED symlink .*link-out$/m);
    assert.match(verbose.stdout, /^SKIP .*down\.txt/m, 'a remote-only file upload leaves alone');
    assert.match(verbose.stdout, /^scanned local: \d+ entries$/m);
    await assert.rejects(fs.lstat(path.join(box.remote, 'link-out')), 'the symlink is not copied');
  });

  describe('on a terminal', () => {
    beforeEach(async () => {
      assert.ok(hasScript, 'script (util-linux) is missing: run bash scripts/test-tools.sh (npm test does)');
      // No conflict: a terminal would be asked about it.
      await fs.rm(path.join(box.remote, 'clash.txt'));
    });

    /** Runs on a terminal and types `answer` each time a conflict question appears. */
    async function answerOnTerminal(args: string[], answers: string[]): Promise<{ code: number | null; output: string; asked: number }> {
      await ensureBuilt();
      const command = [process.execPath, CLI_ENTRY, ...args].map(quote).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: box.root, env: box.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let output = '';
      let asked = 0;
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const questions = output.split('(upper case: for all remaining)').length - 1;
        while (asked < questions) {
          child.stdin.write(`${answers[asked] ?? 's'}\n`);
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

    it('--resolve ask (the default on a terminal) asks per conflict; the answer is applied', async () => {
      await writeTree(box.local, { 'c1.txt': 'local one' }, old);
      await writeTree(box.remote, { 'c1.txt': 'remote one, longer' }, old);
      const result = await answerOnTerminal(['sync', box.local, box.remote, '--state-dir', box.stateDir], ['r']);
      assert.equal(result.code, 0, result.output);
      assert.equal(result.asked, 1, result.output);
      assert.equal(await fs.readFile(path.join(box.local, 'c1.txt'), 'utf8'), 'remote one, longer');
      assert.match(result.output, /Done: .*0 conflicts/);
    });

    it('an upper-case answer applies to every remaining conflict', async () => {
      await writeTree(box.local, { 'c1.txt': 'local one', 'c2.txt': 'local two', 'c3.txt': 'local three' }, old);
      await writeTree(box.remote, { 'c1.txt': 'remote one, longer', 'c2.txt': 'remote two, longer', 'c3.txt': 'remote three, longer' }, old);
      const result = await answerOnTerminal(['sync', box.local, box.remote, '--state-dir', box.stateDir], ['L']);
      assert.equal(result.code, 0, result.output);
      assert.equal(result.asked, 1, `asked once only:\n${result.output}`);
      for (const [name, text] of [
        ['c1.txt', 'local one'],
        ['c2.txt', 'local two'],
        ['c3.txt', 'local three'],
      ]) {
        assert.equal(await fs.readFile(path.join(box.remote, name!), 'utf8'), text);
      }
    });

    it('colours on a TTY; NO_COLOR and --no-color turn them off', async () => {
      const coloured = await runOnTerminal(['sync', box.local, box.remote, '--state-dir', path.join(box.root, 's1'), '-n'], box.env);
      assert.equal(coloured.code, 0, coloured.output);
      assert.ok(coloured.output.includes(ESC), `a terminal gets colours:\n${JSON.stringify(coloured.output)}`);

      const noColorEnv = await runOnTerminal(['sync', box.local, box.remote, '--state-dir', path.join(box.root, 's2'), '-n'], { ...box.env, NO_COLOR: '1' });
      assert.equal(noColorEnv.code, 0, noColorEnv.output);
      assert.match(noColorEnv.output, /Done:/);
      assert.ok(!noColorEnv.output.includes(ESC), `NO_COLOR: no escape codes:\n${JSON.stringify(noColorEnv.output)}`);

      const noColorFlag = await runOnTerminal(['sync', box.local, box.remote, '--state-dir', path.join(box.root, 's3'), '-n', '--no-color'], box.env);
      assert.equal(noColorFlag.code, 0, noColorFlag.output);
      assert.match(noColorFlag.output, /Done:/);
      assert.ok(!noColorFlag.output.includes(ESC), `--no-color: no escape codes:\n${JSON.stringify(noColorFlag.output)}`);
    });
  });
});
