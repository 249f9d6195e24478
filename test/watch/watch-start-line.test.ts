/**
 * `ferry watch` says its start line once: on a terminal (tmux) as the live state line while idle,
 * in a pipe as a printed line. The state line itself, with an injected writer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLEAR_LINE } from '../../src/cli/render/progress-line.js';
import { WatchStatusLine } from '../../src/cli/render/watch-status-line.js';
import { CLI_ENTRY, ensureBuilt, makeSandbox, type Sandbox } from '../support/run-cli.js';

describe('watch state line: the start line as the idle state', () => {
  it('live: the idle state shows the start line, before or after the first state event', () => {
    let written = '';
    const line = new WatchStatusLine(
      'live',
      (text) => (written += text),
      () => 120,
    );
    line.onEvent({ type: 'watch-state', state: 'watching' });
    assert.equal(written, `${CLEAR_LINE}watching for changes (Ctrl-C to stop)`);
    line.setWatching('Now watching ./site for changes. Ctrl-C to stop.');
    assert.ok(written.endsWith(`${CLEAR_LINE}Now watching ./site for changes. Ctrl-C to stop.`), written);
    line.onEvent({ type: 'watch-state', state: 'syncing', files: 2 });
    assert.ok(written.endsWith(`${CLEAR_LINE}syncing 2 files`));
    line.onEvent({ type: 'watch-state', state: 'watching' });
    assert.ok(written.endsWith(`${CLEAR_LINE}Now watching ./site for changes. Ctrl-C to stop.`), 'back to idle: the start line again');
    assert.equal(line.isLive, true);
    assert.equal(
      new WatchStatusLine(
        'plain',
        () => undefined,
        () => 80,
      ).isLive,
      false,
    );
  });
});

describe('ferry CLI: watch on a real terminal says its start line once', () => {
  let box: Sandbox;
  before(async () => {
    box = await makeSandbox('watch-start');
    await fs.writeFile(path.join(box.local, 'a.txt'), 'a');
    await ensureBuilt();
  });
  after(async () => {
    await box.cleanup();
  });

  it('in tmux: "Ctrl-C to stop" appears once on the screen', async () => {
    const socket = `ferry-watch-start-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { env: { ...box.env, TERM: 'xterm-256color' }, encoding: 'utf8' });
    const command = [process.execPath, CLI_ENTRY, 'watch', box.local, box.remote, '--state-dir', box.stateDir].map((arg) => `'${arg}'`).join(' ');
    const started = tmux('new-session', '-d', '-s', 'w', '-x', '150', '-y', '30', `${command}; sleep 30`);
    assert.equal(started.status, 0, started.stderr);
    try {
      let screen = '';
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        screen = tmux('capture-pane', '-p', '-J', '-t', 'w').stdout;
        if (screen.includes('Ctrl-C to stop')) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // Give a second start line the time it would take to appear.
      await new Promise((resolve) => setTimeout(resolve, 500));
      screen = tmux('capture-pane', '-p', '-J', '-t', 'w').stdout;
      assert.equal(screen.split('Ctrl-C to stop').length - 1, 1, screen);
      assert.match(screen, /Now watching .* for changes\. Ctrl-C to stop\./);
      tmux('send-keys', '-t', 'w', 'C-c');
    } finally {
      tmux('kill-server');
    }
  });
});
