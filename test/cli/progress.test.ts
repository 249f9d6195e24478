/**
 * Progress: the formatter (rate, ETA, shortening to the terminal width), when lines are drawn
 * (injected clock), a live status line in a real terminal (tmux) that is gone before the summary,
 * and no control characters at all when stderr is a pipe.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Action, SyncEvent } from '../../src/index.js';
import {
  CLEAR_LINE,
  ProgressDisplay,
  ProgressState,
  formatBytePair,
  formatEta,
  formatLiveLine,
  formatPlainLine,
  formatRate,
  progressModeFor,
  shortenStart,
} from '../../src/cli/render/progress-line.js';
import { ByteProgress } from '../../src/engine/byte-progress.js';
import { CLI_ENTRY, ensureBuilt, makeSandbox, type Sandbox } from '../support/run-cli.js';

const MiB = 1024 * 1024;

function copyAction(p: string, size: number): Action {
  return {
    kind: 'copy',
    phase: 'copy',
    from: 'local',
    to: 'remote',
    path: p,
    source: { kind: 'file', size, mtimeMs: 0 },
    expect: null,
    reason: 'new',
  } as unknown as Action;
}

/** Plans `n` copies of `size` bytes each; returns the actions. */
function plan(state: { update(e: SyncEvent, now: number): void } | ProgressDisplay, n: number, size: number): Action[] {
  const actions = Array.from({ length: n }, (_, i) => copyAction(`dir/file-${i}.bin`, size));
  for (const action of actions) {
    const event: SyncEvent = { type: 'planned', action };
    if (state instanceof ProgressDisplay) state.onEvent(event);
    else state.update(event, 0);
  }
  return actions;
}

const finished = (action: Action, bytes?: number): SyncEvent => ({ type: 'action-finished', result: { action, status: 'done', bytes } });

describe('progress line: formatting', () => {
  it('byte pairs in the unit of the total, rates, ETAs', () => {
    assert.equal(formatBytePair(3.1 * MiB, 40 * MiB), '3.1/40 MiB');
    assert.equal(formatBytePair(0, 500), '0/500 B');
    assert.equal(formatBytePair(512, 2048), '0.5/2.0 KiB');
    assert.equal(formatRate(1.2 * MiB), '1.2 MiB/s');
    assert.equal(formatRate(100), '100 B/s');
    assert.equal(formatEta(7), '0:07');
    assert.equal(formatEta(754), '12:34');
    assert.equal(formatEta(3723), '1:02:03');
    assert.equal(formatEta(-3), '0:00');
  });

  it('rate and ETA from the clock: 10 of 40 MiB in 5 s is 2 MiB/s, 15 s left', () => {
    const state = new ProgressState();
    const actions = plan(state, 4, 10 * MiB);
    assert.equal(state.totalFiles, 4);
    assert.equal(state.totalBytes, 40 * MiB);
    state.update({ type: 'action-started', action: actions[0]! }, 1000);
    assert.equal(state.rate(1000), undefined, 'no rate before any time has passed');
    assert.equal(state.etaSeconds(1000), undefined);
    state.update(finished(actions[0]!, 10 * MiB), 6000);
    assert.equal(state.rate(6000), 2 * MiB);
    assert.equal(state.etaSeconds(6000), 15);
    assert.equal(formatPlainLine(state, 6000), 'progress: 1/4 files, 10/40 MiB, 2.0 MiB/s, ETA 0:15');
  });

  it('a failed copy leaves the byte total; empty files use the file rate for the ETA', () => {
    const state = new ProgressState();
    const [a] = plan(state, 2, 100);
    state.update({ type: 'action-started', action: a! }, 0);
    state.update({ type: 'action-finished', result: { action: a!, status: 'failed', error: 'x' } }, 1000);
    assert.equal(state.totalBytes, 100);
    assert.equal(state.doneFiles, 1);
    const empty = new ProgressState();
    const files = plan(empty, 4, 0);
    empty.update({ type: 'action-started', action: files[0]! }, 0);
    empty.update(finished(files[0]!, 0), 2000);
    assert.equal(empty.etaSeconds(2000), 6);
  });

  it('bytes of a file in flight count at once: rate and ETA from bytes while one big file copies', () => {
    const state = new ProgressState();
    const [big] = plan(state, 1, 4096 * MiB);
    state.update({ type: 'action-started', action: big! }, 0);
    const moved = (bytes: number, now: number) =>
      state.update({ type: 'progress', path: big!.path, bytes, size: 4096 * MiB, runBytes: bytes, runTotalBytes: 4096 * MiB }, now);
    moved(512 * MiB, 4000);
    assert.equal(state.doneBytes, 512 * MiB);
    assert.equal(formatPlainLine(state, 4000), 'progress: 0/1 files, 0.5/4.0 GiB, 128 MiB/s, ETA 0:28');
    moved(1024 * MiB, 8000);
    assert.equal(formatPlainLine(state, 8000), 'progress: 0/1 files, 1.0/4.0 GiB, 128 MiB/s, ETA 0:24');
    // The end replaces the partial count (a retry may have started from 0 again in between).
    state.update(finished(big!, 4096 * MiB), 32_000);
    assert.equal(state.doneBytes, 4096 * MiB);
    assert.equal(formatPlainLine(state, 32_000), 'progress: 1/1 files, 4.0/4.0 GiB, 128 MiB/s, ETA 0:00');
  });

  it("the engine's byte counter: one event per file at most every 500 ms, none for a quick file, run bytes over all files", () => {
    let now = 0;
    const events: SyncEvent[] = [];
    const counter = new ByteProgress(
      300,
      (event) => events.push(event),
      () => now,
    );
    const [a, b] = [copyAction('a', 100), copyAction('b', 200)];
    counter.onBytes(a!, 10);
    counter.onBytes(b!, 50);
    now = 400;
    counter.onBytes(a!, 50);
    assert.deepEqual(events, [], 'nothing in the first 500 ms of a file');
    now = 500;
    counter.onBytes(a!, 60);
    assert.deepEqual(events, [{ type: 'progress', path: 'a', bytes: 60, size: 100, runBytes: 110, runTotalBytes: 300 }]);
    now = 700;
    counter.onBytes(a!, 70);
    assert.equal(events.length, 1, 'the next one for a file waits 500 ms');
    counter.onResult({ action: a!, status: 'done', bytes: 100 });
    now = 1000;
    counter.onBytes(b!, 20); // a retry of b started again from 0
    assert.deepEqual(events.at(-1), { type: 'progress', path: 'b', bytes: 20, size: 200, runBytes: 120, runTotalBytes: 300 });
    assert.equal(counter.runBytes, 120);
  });

  it('the live line fits the width and shortens the current file from the start', () => {
    assert.equal(shortenStart('a/b/c/name.txt', 9), '…name.txt');
    assert.equal(shortenStart('short', 9), 'short');
    const state = new ProgressState();
    const [a] = plan(state, 3, MiB);
    const long = copyAction(`${'very-long-folder/'.repeat(10)}the-file.txt`, 0);
    state.update({ type: 'action-started', action: a! }, 0);
    state.update({ type: 'action-started', action: long }, 0);
    for (const width of [120, 80, 60, 40, 20]) {
      const line = formatLiveLine(state, 2000, width);
      assert.ok([...line].length <= width - 1, `width ${width}: ${line}`);
      assert.ok(line.startsWith(width >= 40 ? '0/3 files, 0.0/3.0 MiB' : '0/3 files'), line);
      if (width >= 80) assert.match(line, /the-file\.txt$/);
    }
    assert.match(formatLiveLine(state, 2000, 120), /  ….*\/the-file\.txt$/);
    state.update(finished(long, 0), 2000);
    assert.match(formatLiveLine(state, 2000, 120), /dir\/file-0\.bin$/, 'the current file falls back to one still in flight');
  });

  it('modes: --no-progress never; -q and --json only with --progress; a TTY gets the live line', () => {
    assert.equal(progressModeFor({ isTTY: true }), 'live');
    assert.equal(progressModeFor({ isTTY: false }), 'plain');
    assert.equal(progressModeFor({ isTTY: true, term: 'dumb' }), 'plain');
    assert.equal(progressModeFor({ isTTY: true, quiet: true }), 'off');
    assert.equal(progressModeFor({ isTTY: true, json: true }), 'off');
    assert.equal(progressModeFor({ isTTY: true, quiet: true, flag: true }), 'live');
    assert.equal(progressModeFor({ isTTY: false, json: true, flag: true }), 'plain');
    assert.equal(progressModeFor({ isTTY: true, flag: false }), 'off');
  });
});

describe('progress line: when it is drawn', () => {
  it('live: at most every 100 ms, cleared around other output and before the summary', () => {
    let now = 0;
    let written = '';
    const display = new ProgressDisplay(
      'live',
      (text) => (written += text),
      () => now,
      () => 80,
    );
    const actions = plan(display, 50, 10);
    for (const [i, action] of actions.entries()) {
      now = i * 10; // an action every 10 ms
      display.onEvent({ type: 'action-started', action });
      display.onEvent(finished(action, 10));
    }
    const draws = written.split(CLEAR_LINE).filter((part) => part !== '').length;
    assert.ok(draws >= 4 && draws <= 6, `${draws} draws in 500 ms`);
    written = '';
    display.above(() => (written += 'COPY line\n'));
    assert.ok(written.startsWith(`${CLEAR_LINE}COPY line\n`), JSON.stringify(written));
    now += 200;
    display.tick();
    assert.match(written, /COPY line\n\r\u001b\[K50\/50 files/, 'redrawn after the line');
    written = '';
    display.onEvent({ type: 'summary', summary: {} as never });
    assert.equal(written, CLEAR_LINE);
    now += 1000;
    display.tick();
    display.above(() => (written += 'Done\n'));
    assert.equal(written, `${CLEAR_LINE}Done\n`, 'nothing drawn after the summary');
  });

  it('plain: nothing for a run shorter than 10 s, then one line per 10 s, no control characters', () => {
    let now = 0;
    let written = '';
    const display = new ProgressDisplay(
      'plain',
      (text) => (written += text),
      () => now,
      () => 80,
    );
    const actions = plan(display, 100, MiB);
    display.onEvent({ type: 'action-started', action: actions[0]! });
    for (now = 0; now < 9_900; now += 100) display.tick();
    assert.equal(written, '');
    for (const [i, action] of actions.entries()) {
      now = 10_000 + i * 200; // 5 files a second for 20 s
      display.onEvent({ type: 'action-started', action });
      display.onEvent(finished(action, MiB));
    }
    const lines = written.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, written);
    assert.equal(lines[0], 'progress: 0/100 files, 0.0/100 MiB, 0 B/s');
    assert.equal(lines[1], 'progress: 50/100 files, 50/100 MiB, 2.5 MiB/s, ETA 0:20');
    assert.doesNotMatch(written, /[\r\u001b]/);
    display.onEvent({ type: 'summary', summary: {} as never });
    assert.equal(written.split('\n').filter(Boolean).length, 2);
  });
});

describe('ferry CLI: progress on a real terminal and in a pipe', () => {
  let box: Sandbox;
  const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;

  before(async () => {
    box = await makeSandbox('progress');
    await Promise.all(Array.from({ length: 3000 }, (_, i) => fs.writeFile(path.join(box.local, `file-${String(i).padStart(4, '0')}.txt`), `content ${i}\n`)));
    await ensureBuilt();
  });
  after(async () => {
    await box.cleanup();
  });

  it('in a pipe: no \\r and no ESC on stdout or stderr, also with --progress', async () => {
    const result = await box.run([
      'upload',
      box.local,
      path.join(box.root, 'pipe-remote'),
      '--state-dir',
      path.join(box.root, 'pipe-state'),
      '--create-folder',
      '--progress',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Done: 3000 files copied/);
    assert.doesNotMatch(result.stdout + result.stderr, /[\r\u001b]/);
  });

  it('in tmux: a live status line while it runs; the final screen has the summary and no status line', async () => {
    assert.ok(hasTmux, 'tmux is missing: run bash scripts/test-tools.sh (npm test does)');
    const socket = `ferry-progress-${process.pid}`;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { env: { ...box.env, TERM: 'xterm-256color' }, encoding: 'utf8' });
    const command = [
      process.execPath,
      CLI_ENTRY,
      'upload',
      box.local,
      path.join(box.root, 'tty-remote'),
      '--state-dir',
      path.join(box.root, 'tty-state'),
      '--create-folder',
    ]
      .map((arg) => `'${arg}'`)
      .join(' ');
    // The run waits for a key press so that every byte it writes reaches the pane log: the live
    // line is asserted from the raw stream, not from screen captures that a fast run can slip between.
    const paneLog = path.join(box.root, 'pane.log');
    const started = tmux('new-session', '-d', '-s', 'p', '-x', '120', '-y', '30', `read go; ${command}; echo EXIT=$?; sleep 30`);
    assert.equal(started.status, 0, started.stderr);
    try {
      const piped = tmux('pipe-pane', '-t', 'p', '-o', `cat >> '${paneLog}'`);
      assert.equal(piped.status, 0, piped.stderr);
      tmux('send-keys', '-t', 'p', 'Enter');
      let final = '';
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const screen = tmux('capture-pane', '-p', '-J', '-t', 'p').stdout;
        if (/EXIT=\d+/.test(screen)) {
          final = screen;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      let raw = '';
      while (Date.now() < deadline && !/EXIT=\d+/.test(raw)) {
        raw = await fs.readFile(paneLog, 'utf8').catch(() => '');
        if (!/EXIT=\d+/.test(raw)) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const drawn = raw.split('\r\u001b[K').filter((chunk) => /^\d+\/3000 files, [\d.]+\/[\d.]+ KiB/.test(chunk));
      assert.ok(drawn.length > 0, `a status line was drawn while the run went on:\n${JSON.stringify(raw.slice(0, 500))}`);
      for (const chunk of drawn) assert.ok(chunk.split(/[\r\n]/)[0]!.length <= 119, chunk);
      assert.match(final, /EXIT=0/);
      const lines = final.split('\n').filter((line) => line.trim() !== '');
      assert.match(lines[lines.length - 2]!, /^Done: 3000 files copied/, final);
      assert.ok(!lines.some((line) => /\/3000 files/.test(line)), `no status line left:\n${final}`);
    } finally {
      tmux('kill-server');
    }
  });
});
