/**
 * `--resolve ask`: the diff and binary compare it can show, the answers it takes (upper case for
 * all remaining), a real terminal (tmux) driving the built binary, and no terminal at all.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { ConflictQuestion, FileEntry, Side } from '../../src/index.js';
import { answersFor, compareLines, terminalConflictResolver, type PromptIo } from '../../src/cli/prompts.js';
import { firstDifference, looksLikeText, unifiedDiff } from '../../src/cli/render/unified-diff.js';
import { CLI_ENTRY, ensureBuilt, makeSandbox, treeContents, writeTree, type Sandbox } from '../support/run-cli.js';

describe('unified diff and binary compare', () => {
  it('a unified diff with 3 lines of context, hunks apart when changes are far apart', () => {
    assert.deepEqual(unifiedDiff('a\nb\nc\n', 'a\nB\nc\nd\n', { a: 'local/x', b: 'remote/x' }), [
      '--- local/x',
      '+++ remote/x',
      '@@ -1,3 +1,4 @@',
      ' a',
      '-b',
      '+B',
      ' c',
      '+d',
    ]);
    assert.deepEqual(unifiedDiff('same\n', 'same\n', { a: 'a', b: 'b' }), []);
    assert.deepEqual(unifiedDiff('', 'x\n', { a: 'a', b: 'b' }), ['--- a', '+++ b', '@@ -0,0 +1,1 @@', '+x']);
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const changed = lines.map((line, i) => (i === 2 || i === 25 ? `changed ${i}` : line));
    const diff = unifiedDiff(lines.join('\n'), changed.join('\n'), { a: 'a', b: 'b' });
    assert.deepEqual(
      diff.filter((line) => line.startsWith('@@')),
      ['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@'],
    );
    assert.ok(diff.includes('-line 25') && diff.includes('+changed 25'));
  });

  it('first differing offset, prefixes, equality; text detection', () => {
    assert.equal(firstDifference(Buffer.from('abc'), Buffer.from('abd')), 2);
    assert.equal(firstDifference(Buffer.from('ab'), Buffer.from('abc')), 2);
    assert.equal(firstDifference(Buffer.from('ab'), Buffer.from('ab')), undefined);
    assert.ok(looksLikeText(Buffer.from('héllo\n')));
    assert.ok(looksLikeText(Buffer.from('héllo').subarray(0, 2)), 'a character cut by the size cap');
    assert.ok(!looksLikeText(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00])));
  });
});

const T = Date.UTC(2026, 0, 2, 3, 4, 5);
const file = (size: number, mtimeMs: number): FileEntry => ({ kind: 'file', size, mtimeMs });

function question(path: string, local: string, remote: string, extra: Partial<ConflictQuestion> = {}): ConflictQuestion {
  const bytes: Record<Side, Buffer> = { local: Buffer.from(local), remote: Buffer.from(remote) };
  return {
    path: path as ConflictQuestion['path'],
    conflict: { reason: 'both-modified', local: 'modified', remote: 'modified' },
    local: file(bytes.local.length, T),
    remote: file(bytes.remote.length, T + 60_000),
    allowed: ['local', 'remote'],
    canKeepBoth: true,
    recorded: { local: file(3, T - 1000), remote: file(3, T - 1000) },
    read: async (side, max) => ({ bytes: bytes[side].subarray(0, max), truncated: bytes[side].length > max }),
    ...extra,
  };
}

/** A prompt that answers from a list and records what it showed. */
function scripted(answers: string[]): PromptIo & { shown: string[] } {
  const shown: string[] = [];
  return {
    shown,
    async question(prompt) {
      shown.push(prompt);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('asked more often than expected');
      return answer;
    },
    write: (line) => shown.push(line),
  };
}

describe('the ask prompt', () => {
  it('shows both sides and the last sync, ignores unknown answers, shows a diff and a compare, then keeps both', async () => {
    const io = scripted(['x', 'd', 'b', 'k']);
    const choice = await terminalConflictResolver(io)(question('notes.txt', 'one\nlocal\n', 'one\nremote\n'));
    assert.equal(choice, 'keep-both');
    const text = io.shown.join('\n');
    assert.match(text, /notes\.txt: modified on both sides/);
    assert.match(text, /local modified: 10 B, 2026-01-02 03:04:05 UTC; remote modified: 11 B, 2026-01-02 03:05:05 UTC; last sync: 3 B/);
    assert.match(text, /\[l\]ocal, \[r\]emote, \[o\]lder, \[n\]ewer, \[k\]eep both, \[s\]kip, \[d\]iff, \[b\]inary compare/);
    assert.match(text, /--- local\/notes\.txt\n\+\+\+ remote\/notes\.txt\n@@ -1,2 \+1,2 @@\n one\n-local\n\+remote/);
    assert.match(text, /first difference at byte offset 4 \(0x4\)/);
    assert.equal(io.shown.filter((line) => line.includes('[k]eep both')).length, 4, 'asked again after x, d and b');
    assert.ok(io.shown.includes('    "x" is not one of the choices here: l, r, o, n, k, s, d, b (upper case: for all remaining)'), 'an unknown key is named');
  });

  it('a deleted-vs-modified conflict offers no older/newer and nothing to compare, but keep both; other keys are refused aloud', async () => {
    const deleted = question('gone.txt', '', 'remote edit\n', {
      conflict: { reason: 'deleted-vs-modified', local: 'deleted', remote: 'modified' },
      local: undefined,
    });
    assert.equal(answersFor(deleted), 'lrks');
    const io = scripted(['n', '', 'k']);
    assert.equal(await terminalConflictResolver(io)(deleted), 'keep-both');
    assert.match(io.shown.join('\n'), /\[l\]ocal, \[r\]emote, \[k\]eep both, \[s\]kip\? /);
    assert.ok(io.shown.includes('    "n" is not one of the choices here: l, r, k, s (upper case: for all remaining)'));
    assert.ok(io.shown.includes('    an empty answer is not one of the choices here: l, r, k, s (upper case: for all remaining)'));
  });

  it('an upper-case answer applies to all remaining conflicts; older/newer by time', async () => {
    const io = scripted(['O']);
    const resolve = terminalConflictResolver(io);
    assert.equal(await resolve(question('a', '1', '2')), 'local', 'local is older');
    assert.equal(await resolve(question('b', '1', '2', { local: file(1, T + 120_000) })), 'remote');
    assert.equal(io.shown.filter((line) => line.includes('[s]kip')).length, 1, 'asked once');
  });

  it('keep both is offered only where it can be done; one-way modes offer their source side; older/newer only for two times', () => {
    assert.equal(answersFor(question('a', '1', '2')), 'lronksdb');
    assert.equal(answersFor(question('a', '1', '2', { canKeepBoth: false })), 'lronsdb');
    assert.equal(answersFor(question('a', '1', '2', { allowed: ['local'], canKeepBoth: false })), 'lsdb');
    assert.equal(answersFor(question('a', '1', '2', { remote: file(1, T) })), 'lrksdb', 'same time: neither is older');
    assert.equal(answersFor(question('d', '', '', { remote: { kind: 'dir' }, canKeepBoth: false })), 'lrs', 'a file against a folder');
  });

  it('unified diff: a missing newline at the end is no change of its own', () => {
    assert.deepEqual(unifiedDiff('a\nb', 'a\nc', { a: 'x', b: 'y' }), ['--- x', '+++ y', '@@ -1,2 +1,2 @@', ' a', '-b', '+c']);
    assert.deepEqual(unifiedDiff('a\nb', 'a\nb\n', { a: 'x', b: 'y' }), []);
  });

  it('compare: binary files get no diff; equal files say so; the size cap is named', async () => {
    assert.deepEqual(await compareLines(question('z', 'PK\u0000a', 'PK\u0000b'), 'diff'), ['    binary files: no diff (try [b]inary compare)']);
    assert.deepEqual(await compareLines(question('z', 'same', 'same'), 'binary'), ['    the files are equal byte for byte']);
    const big = 'x'.repeat(300 * 1024);
    assert.deepEqual(await compareLines(question('z', big, `${big}y`), 'binary'), ['    the first 256 KiB are equal (sizes 307200 and 307201 bytes)']);
  });
});

describe('ferry sync --resolve ask: terminal and no terminal', () => {
  let box: Sandbox;
  const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
  const old = new Date(T);

  before(async () => {
    await ensureBuilt();
  });
  after(async () => {
    await box?.cleanup();
  });

  /** Two synced files, then edited on both sides (remote newer). */
  async function twoConflicts(): Promise<void> {
    box = await makeSandbox('ask');
    await writeTree(box.local, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' }, old);
    await writeTree(box.remote, { 'a.txt': 'alpha\n', 'b.txt': 'beta\n' }, old);
    const first = await box.run(['sync', box.local, box.remote, '--state-dir', box.stateDir]);
    assert.equal(first.code, 0, first.stderr);
    await writeTree(box.local, { 'a.txt': 'alpha\nlocal line\n', 'b.txt': 'beta local\n' }, new Date(T + 60_000));
    await writeTree(box.remote, { 'a.txt': 'alpha\nremote line\n', 'b.txt': 'beta remote\n' }, new Date(T + 120_000));
  }

  it('without a terminal: a warning, conflicts skipped, nothing crashes (exit 0)', async () => {
    await twoConflicts();
    const result = await box.run(['sync', box.local, box.remote, '--state-dir', box.stateDir, '--resolve', 'ask']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /no terminal to ask on: conflicts are skipped/);
    assert.match(result.stdout, /2 conflicts left unresolved/);
    assert.equal((await treeContents(box.local))['a.txt'], 'alpha\nlocal line\n');
    await box.cleanup();
  });

  it('in tmux: d shows the diff, K keeps both versions of every conflict', async () => {
    assert.ok(hasTmux, 'tmux is missing: run bash scripts/test-tools.sh (npm test does)');
    await twoConflicts();
    const socket = `ferry-ask-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { env: { ...box.env, TERM: 'xterm-256color' }, encoding: 'utf8' });
    const command = [process.execPath, CLI_ENTRY, 'sync', box.local, box.remote, '--state-dir', box.stateDir, '--no-color'].map((arg) => `'${arg}'`).join(' ');
    assert.equal(tmux('new-session', '-d', '-s', 'a', '-x', '160', '-y', '50', `${command}; echo EXIT=$?; sleep 30`).status, 0);
    const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'a', '-S', '-200').stdout;
    const waitFor = async (pattern: RegExp): Promise<string> => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; screen:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await waitFor(/\[b\]inary compare\? \(upper case: for all remaining\) $/m);
      tmux('send-keys', '-t', 'a', 'd', 'Enter');
      const diff = await waitFor(/\+remote line\n\[l\]ocal, [^\n]*\[b\]inary compare\? \(upper case: for all remaining\) $/m);
      assert.match(diff, /a\.txt: modified on both sides/);
      assert.match(diff, /--- local\/a\.txt\n\+\+\+ remote\/a\.txt\n@@ -1,2 \+1,2 @@\n alpha\n-local line\n\+remote line/);
      tmux('send-keys', '-t', 'a', 'K', 'Enter');
      const final = await waitFor(/EXIT=\d+/);
      assert.match(final, /EXIT=0/);
      assert.match(final, /2 kept both/);
      assert.doesNotMatch(final, /b\.txt: modified on both sides/, 'K answered the second conflict too, without asking');
    } finally {
      tmux('kill-server');
    }
    const expected = {
      'a.txt': 'alpha\nremote line\n',
      'a.conflict-local-20260102T030505Z.txt': 'alpha\nlocal line\n',
      'b.txt': 'beta remote\n',
      'b.conflict-local-20260102T030505Z.txt': 'beta local\n',
    };
    assert.deepEqual(await treeContents(box.local), expected);
    assert.deepEqual(await treeContents(box.remote), expected);
  });
});
