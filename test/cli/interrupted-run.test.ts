/**
 * Killing a run midway. SIGKILL: no file under its final name is ever partial, temp files a kill
 * leaves behind are never synced as user files, and the next run finishes the job. SIGINT (Ctrl-C):
 * the run stops cleanly with exit 3 and saves the state, so the next run copies only what remained.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  collect,
  ensureBuilt,
  listTree,
  makeSandbox,
  parseJsonLines,
  runCli,
  spawnCli,
  type CliResult,
  type JsonEvent,
  type Sandbox,
  type TreeItem,
} from '../support/run-cli.js';

const FILES = 300;
const SIZE = 200 * 1024;
const TEMP = /(^|\/)\.~ferry-[^/]*\.tmp$/;

/** Calls `onLine` for each stdout line as it arrives; resolves with the whole result at exit. */
function watchLines(child: ChildProcess, onLine: (line: string) => void): Promise<CliResult> {
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      onLine(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  });
  return collect(child, 120_000);
}

function isFinishedCopy(line: string): boolean {
  if (!line.includes('"action-finished"')) return false;
  const event = JSON.parse(line) as JsonEvent;
  return event.type === 'action-finished' && event.result.action.kind === 'copy' && event.result.status === 'done';
}

/** Files (not folders) of a listing, split into user files and ferry temp files. */
function split(tree: Map<string, TreeItem>): { files: Map<string, TreeItem & { kind: 'file' }>; temps: string[] } {
  const files = new Map<string, TreeItem & { kind: 'file' }>();
  const temps: string[] = [];
  for (const [rel, item] of tree) {
    if (TEMP.test(rel)) temps.push(rel);
    else if (item.kind === 'file') files.set(rel, item);
  }
  return { files, temps };
}

function summaryOf(result: CliResult): JsonEvent['summary'] {
  const events = parseJsonLines(result.stdout);
  const last = events[events.length - 1]!;
  assert.equal(last.type, 'summary', `the last event is the summary:\n${result.stdout.slice(-2000)}\n${result.stderr}`);
  return last.summary;
}

describe('ferry CLI: interrupted runs', () => {
  let box: Sandbox;
  let source: Map<string, TreeItem>;
  let run = 0;
  let remote: string;
  let stateDir: string;
  const args = (...extra: string[]) => ['sync', box.local, remote, '--state-dir', stateDir, '--json', ...extra];

  before(async () => {
    await ensureBuilt();
    box = await makeSandbox('interrupted');
    for (let i = 0; i < FILES; i++) {
      const dir = path.join(box.local, `d${i % 6}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, `f${String(i).padStart(3, '0')}.bin`), randomBytes(SIZE));
    }
    source = await listTree(box.local);
  });
  after(async () => {
    await box.cleanup();
  });
  beforeEach(async () => {
    run++;
    remote = path.join(box.root, `remote${run}`);
    stateDir = path.join(box.root, `state${run}`);
    await fs.mkdir(remote);
  });

  /** Every remote user file is byte-identical to its source; returns how many there are. */
  async function assertNoPartialFiles(): Promise<{ complete: number; temps: string[] }> {
    const { files, temps } = split(await listTree(remote));
    for (const [rel, item] of files) {
      const src = source.get(rel);
      assert.ok(src && src.kind === 'file', `${rel} has no source`);
      assert.equal(item.size, src.size, `${rel} is partial: ${item.size} of ${src.size} bytes under its final name`);
      assert.equal(item.sha256, src.sha256, `${rel} differs from its source`);
    }
    return { complete: files.size, temps };
  }

  /** The local tree is still exactly the source (a sync into an empty remote never writes locally). */
  async function assertLocalUntouched(): Promise<void> {
    const local = await listTree(box.local);
    const temps = [...local.keys()].filter((rel) => TEMP.test(rel));
    assert.deepEqual(temps, [], 'temp files were synced to the local side');
    assert.deepEqual(Object.fromEntries(local), Object.fromEntries(source));
  }

  async function assertBothSidesEqual(): Promise<void> {
    const { files } = split(await listTree(remote));
    assert.equal(files.size, FILES);
    for (const [rel, src] of source) {
      if (src.kind !== 'file') continue;
      const copy = files.get(rel);
      assert.ok(copy, `${rel} missing on the remote side`);
      assert.equal(copy.sha256, src.sha256, `${rel} differs`);
    }
  }

  it('SIGKILL midway: no partial files, temp files never synced, the next run completes, the one after copies nothing', async (t) => {
    const child = spawnCli(args(), { env: box.env });
    child.stdin!.end();
    // Kill after a few dozen copies, when transfers are in full flow (some mid-write).
    let finished = 0;
    let killed = false;
    const first = await watchLines(child, (line) => {
      if (!killed && isFinishedCopy(line) && ++finished >= 40) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    assert.ok(killed, `no copy finished before the run ended: ${first.stderr}`);
    assert.equal(first.signal, 'SIGKILL');

    const { complete, temps } = await assertNoPartialFiles();
    assert.ok(complete >= 1, 'the copy reported finished is there');
    assert.ok(complete < FILES, `the kill came too late to test anything (${complete} of ${FILES} copied)`);
    await assertLocalUntouched();
    t.diagnostic(`after SIGKILL: ${complete} of ${FILES} files complete, ${temps.length} temp files left`);
    // However the kill fell, there is a leftover temp file like one a kill leaves mid-write.
    const planted = 'd0/.~ferry-f000.bin.k1ll3d00.tmp';
    await fs.writeFile(path.join(remote, planted), randomBytes(1000));
    temps.push(planted);

    // The next run takes over the dead run's lock, ignores its temp files, and finishes.
    const second = await runCli(args(), { env: box.env, timeoutMs: 120_000 });
    assert.equal(second.code, 0, `second run: ${second.stderr}`);
    const s2 = summaryOf(second);
    assert.equal(s2.errors, 0);
    assert.equal(s2.conflicts, 0, 'files completed before the kill are recognised as equal, not conflicts');
    assert.equal(s2.filesCopied, FILES - complete, 'files already complete are not copied again');
    const copiedPaths = parseJsonLines(second.stdout)
      .filter((e) => e.type === 'action-finished' && e.result.action.kind === 'copy')
      .map((e) => e.result.action.path as string);
    assert.ok(!copiedPaths.some((p) => TEMP.test(p)), `temp files were copied: ${copiedPaths.filter((p) => TEMP.test(p)).join(', ')}`);
    await assertBothSidesEqual();
    await assertLocalUntouched();
    // Temp files the kill left (if any) are still only on the side they were written to.
    for (const temp of temps) await assert.rejects(fs.stat(path.join(box.local, temp)));

    const third = await runCli(args(), { env: box.env, timeoutMs: 120_000 });
    assert.equal(third.code, 0, third.stderr);
    const s3 = summaryOf(third);
    assert.equal(s3.filesCopied, 0);
    assert.equal(s3.filesDeleted, 0);
    assert.equal(s3.foldersCreated, 0);
    assert.equal(s3.conflicts, 0);
    assert.equal(parseJsonLines(third.stdout).filter((e) => e.type === 'planned' && e.action.kind !== 'record').length, 0);
  });

  it('SIGINT (Ctrl-C) midway: exit 3, no partial or temp files, state saved; the next run copies only what remained', async () => {
    const child = spawnCli(args(), { env: box.env });
    child.stdin!.end();
    let interrupted = false;
    const first = await watchLines(child, (line) => {
      if (!interrupted && isFinishedCopy(line)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(interrupted, 'a copy finished');
    assert.equal(first.code, 3, `exit code after Ctrl-C (stderr: ${first.stderr})`);
    assert.match(first.stderr, /Interrupted/);
    const s1 = summaryOf(first);
    assert.equal(s1.interrupted, true);
    assert.ok(s1.filesCopied >= 1 && s1.filesCopied < FILES, `interrupted midway (${s1.filesCopied} of ${FILES})`);
    const doneFirst = new Set(
      parseJsonLines(first.stdout)
        .filter((e) => e.type === 'action-finished' && e.result.action.kind === 'copy' && e.result.status === 'done')
        .map((e) => e.result.action.path as string),
    );
    assert.equal(doneFirst.size, s1.filesCopied);

    const { complete, temps } = await assertNoPartialFiles();
    assert.deepEqual(temps, [], 'an orderly stop removes its temp files');
    assert.equal(complete, s1.filesCopied, 'exactly the reported copies are on the remote side');
    await assertLocalUntouched();
    const stateFiles = await fs.readdir(stateDir);
    assert.ok(
      stateFiles.some((name) => name.endsWith('.json')),
      `state saved: ${stateFiles.join(', ')}`,
    );
    assert.ok(!stateFiles.some((name) => name.endsWith('.lock')), 'lock released');

    const second = await runCli(args(), { env: box.env, timeoutMs: 120_000 });
    assert.equal(second.code, 0, second.stderr);
    const s2 = summaryOf(second);
    assert.equal(s2.filesCopied, FILES - s1.filesCopied, 'only what remained is copied');
    assert.equal(s2.recorded, 0, 'nothing needed re-checking: the state had every finished copy');
    const copiedAgain = parseJsonLines(second.stdout)
      .filter((e) => e.type === 'action-finished' && e.result.action.kind === 'copy')
      .map((e) => e.result.action.path as string)
      .filter((p) => doneFirst.has(p));
    assert.deepEqual(copiedAgain, [], 'files copied before Ctrl-C are not copied again');
    await assertBothSidesEqual();

    const third = await runCli(args(), { env: box.env, timeoutMs: 120_000 });
    assert.equal(third.code, 0);
    assert.equal(summaryOf(third).filesCopied, 0);
  });

  it('a second Ctrl-C quits at once with exit 3', async () => {
    const child = spawnCli(args(), { env: box.env });
    child.stdin!.end();
    let sent = 0;
    const result = await watchLines(child, (line) => {
      if (sent === 0 && isFinishedCopy(line)) {
        sent = 1;
        child.kill('SIGINT');
        child.kill('SIGINT');
      }
    });
    assert.equal(sent, 1);
    assert.equal(result.code, 3, result.stderr);
    await assertNoPartialFiles();
    // Whatever it left, the next run completes.
    const next = await runCli(args(), { env: box.env, timeoutMs: 120_000 });
    assert.equal(next.code, 0, next.stderr);
    await assertBothSidesEqual();
  });

  it('SIGTERM midway stops like Ctrl-C: exit 3, no partial files, the next run completes', async () => {
    const child = spawnCli(args(), { env: box.env });
    child.stdin!.end();
    let sent = false;
    const result = await watchLines(child, (line) => {
      if (!sent && isFinishedCopy(line)) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    assert.ok(sent);
    assert.equal(result.code, 3, result.stderr);
    assert.equal(summaryOf(result).interrupted, true);
    const { temps } = await assertNoPartialFiles();
    assert.deepEqual(temps, []);
    const next = await runCli(args(), { env: box.env, timeoutMs: 120_000 });
    assert.equal(next.code, 0, next.stderr);
    await assertBothSidesEqual();
  });

  it('Ctrl-C in text mode: the notice on stderr and a final "Interrupted:" summary line, exit 3', async () => {
    const child = spawnCli(['sync', box.local, remote, '--state-dir', stateDir], { env: box.env });
    child.stdin!.end();
    let sent = false;
    const result = await watchLines(child, (line) => {
      if (!sent && line.startsWith('COPY')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(sent);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /^Interrupted: .*saving the state/m);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[lines.length - 1]!, /^Interrupted: \d+ files? copied/);
    assert.doesNotMatch(result.stdout, /^Done:/m);
    assert.ok(!/^\s+at /m.test(result.stderr), 'no stack trace');
  });

  it('a second run on the same pair while one is running: exit 1 naming the running pid; the first finishes', async () => {
    const child = spawnCli(args(), { env: box.env });
    child.stdin!.end();
    let second: Promise<CliResult> | undefined;
    const first = watchLines(child, (line) => {
      if (!second && isFinishedCopy(line)) {
        // Keep the first run from finishing while the second one starts: stop it (SIGSTOP; it
        // keeps its lock) and let it go on once the second run has ended. Pausing its output
        // instead held it only when the rest of its output outgrew the pipe's buffer.
        child.kill('SIGSTOP');
        second = runCli(args(), { env: box.env, timeoutMs: 60_000 }).finally(() => child.kill('SIGCONT'));
      }
    });
    const firstResult = await first;
    assert.ok(second, 'the first run copied something');
    const secondResult = await second;
    assert.equal(secondResult.code, 1, secondResult.stderr);
    assert.match(secondResult.stderr, new RegExp(`pid ${child.pid}\\b`));
    assert.equal(firstResult.code, 0, firstResult.stderr);
    await assertBothSidesEqual();
  });
});
