/**
 * The `ask` prompt on a real terminal (tmux) against real servers: each conflict is offered only
 * the answers that settle it (keep-both for a deletion against an edit, no older/newer there, no
 * diff without two files), a key that is not one of them is named and asked again, and a one-way
 * conflict no answer could settle is not asked but reported.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { toRelPath } from '../../src/core/rel-path.js';
import { CLI_ENTRY, ensureBuilt, makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';
import { freshRemoteFolder, putFiles, readFile, type RemoteCliFolder } from '../support/remote-cli-targets.js';

const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);
const LOCAL_EDIT = new Date(T0 + 3_600_000);
const REMOTE_EDIT = T0 + 7_200_000;

/** Runs `args` in a detached tmux session and lets a test read the screen and type. */
function terminal(box: Sandbox, args: readonly string[]) {
  const socket = `ferry-ask-remote-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const tmux = (...rest: string[]) => spawnSync('tmux', ['-L', socket, ...rest], { env: { ...box.env, TERM: 'xterm-256color' }, encoding: 'utf8' });
  const command = [process.execPath, CLI_ENTRY, ...args, '--no-color'].map((arg) => `'${arg}'`).join(' ');
  assert.equal(tmux('new-session', '-d', '-s', 'a', '-x', '200', '-y', '60', `${command}; echo EXIT=$?; sleep 30`).status, 0);
  const screen = () => tmux('capture-pane', '-p', '-J', '-t', 'a', '-S', '-300').stdout;
  return {
    async waitFor(pattern: RegExp): Promise<string> {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${pattern}; screen:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    type: (keys: string) => tmux('send-keys', '-t', 'a', keys, 'Enter'),
    close: () => tmux('kill-server'),
  };
}

const PROMPT_END = /\? \(upper case: for all remaining\) $/m;

describe('the ask prompt against real servers', () => {
  let box: Sandbox;
  let remote: RemoteCliFolder | undefined;
  before(async () => {
    assert.equal(spawnSync('tmux', ['-V']).status, 0, 'tmux is missing: run bash scripts/test-tools.sh (npm test does)');
    await ensureBuilt();
  });
  after(async () => {
    await remote?.cleanup();
    await box?.cleanup();
  });

  it('sync over SFTP: deleted against modified offers local, remote, keep both, skip; "n" is refused aloud; k restores the edit', async () => {
    box = await makeSandbox('ask-sftp');
    remote = await freshRemoteFolder('sftp', 'ask');
    const args = ['sync', box.local, remote.url, '--state-dir', box.stateDir, ...remote.flags];
    await writeTree(box.local, { 'both.txt': 'original\n', 'gone.txt': 'original\n' }, new Date(T0));
    assert.equal((await box.run(args)).code, 0);
    await writeTree(box.local, { 'both.txt': 'local edit\n' }, LOCAL_EDIT);
    await putFiles(remote.backend, { 'both.txt': 'remote edit!\n', 'gone.txt': 'remote edit of a file deleted locally\n' }, REMOTE_EDIT);
    await fs.rm(path.join(box.local, 'gone.txt'));
    const term = terminal(box, args);
    try {
      const first = await term.waitFor(PROMPT_END);
      assert.match(first, /both\.txt: modified on both sides/);
      assert.match(first, /\[l\]ocal, \[r\]emote, \[o\]lder, \[n\]ewer, \[k\]eep both, \[s\]kip, \[d\]iff, \[b\]inary compare\? /);
      term.type('l');
      const second = await term.waitFor(/gone\.txt: deleted on one side[\s\S]*\[s\]kip\? \(upper case: for all remaining\) $/m);
      assert.match(second, /^\[l\]ocal, \[r\]emote, \[k\]eep both, \[s\]kip\? \(upper case: for all remaining\) $/m);
      term.type('n');
      await term.waitFor(
        /"n" is not one of the choices here: l, r, k, s \(upper case: for all remaining\)\n\[l\]ocal, \[r\]emote, \[k\]eep both, \[s\]kip\? \(upper case: for all remaining\) $/m,
      );
      term.type('k');
      const final = await term.waitFor(/EXIT=\d+/);
      assert.match(final, /EXIT=0/);
      assert.match(final, /0 conflicts/);
    } finally {
      term.close();
    }
    assert.equal(await readFile(remote.backend, 'both.txt'), 'local edit\n');
    assert.equal(
      await fs.readFile(path.join(box.local, 'gone.txt'), 'utf8'),
      'remote edit of a file deleted locally\n',
      'keep both kept the edit on both sides',
    );
    assert.equal(await readFile(remote.backend, 'gone.txt'), 'remote edit of a file deleted locally\n');
    await remote.cleanup();
    remote = undefined;
    await box.cleanup();
  });

  it('upload over FTP: only [l]ocal, [s]kip, [d]iff, [b]inary; "r" is refused aloud; a conflict no answer settles is reported, not asked', async () => {
    box = await makeSandbox('ask-ftp');
    remote = await freshRemoteFolder('proftpd', 'ask');
    const args = ['upload', box.local, remote.url, '--state-dir', box.stateDir, ...remote.flags];
    await writeTree(box.local, { 'both.txt': 'original\n', 'gone.txt': 'original\n' }, new Date(T0));
    assert.equal((await box.run(args)).code, 0);
    await writeTree(box.local, { 'both.txt': 'local edit\n' }, LOCAL_EDIT);
    await putFiles(remote.backend, { 'both.txt': 'remote edit!\n', 'gone.txt': 'remote edit\n' }, REMOTE_EDIT);
    await fs.rm(path.join(box.local, 'gone.txt'));
    const term = terminal(box, args);
    try {
      const first = await term.waitFor(PROMPT_END);
      assert.match(first, /^\[l\]ocal, \[s\]kip, \[d\]iff, \[b\]inary compare\? \(upper case: for all remaining\) $/m);
      term.type('r');
      await term.waitFor(/"r" is not one of the choices here: l, s, d, b/);
      term.type('l');
      const final = await term.waitFor(/EXIT=\d+/);
      assert.match(final, /EXIT=0/);
      assert.doesNotMatch(final, /gone\.txt[^\n]*\n[^\n]*\n\[l\]ocal/, 'gone.txt was not asked about');
      assert.match(final, /CONFLICT\s+\*\?\* gone\.txt: deleted on one side/);
      assert.match(final, /1 conflict left unresolved/);
    } finally {
      term.close();
    }
    assert.equal(await readFile(remote.backend, 'both.txt'), 'local edit\n');
    assert.equal(await readFile(remote.backend, 'gone.txt'), 'remote edit\n');
    assert.ok(await remote.backend.stat(toRelPath('gone.txt')));
  });
});
