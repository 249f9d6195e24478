/**
 * One crash-safety trial: a pair that was synced once, then changed on the source side, is synced
 * again by the built CLI, which is killed with SIGKILL at a random moment. Then:
 * - every file under a final name on the target is either its old or its new version, whole
 *   (never truncated, never a mix);
 * - every path that existed on either side before the run still exists;
 * - the source side is untouched;
 * - the next run completes (exit 0, no errors, no conflicts) and leaves the target exactly as a
 *   clean run would (every source file, byte for byte; target-only files kept), and a run after
 *   that has nothing to do.
 * Leftover `.~ferry-*.tmp` files (a killed process cannot remove them) are counted, never synced.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { remoteFolder, type RemoteFolder, type RemoteKind } from './fault-targets.js';
import { collect, listTree, parseJsonLines, runCli, spawnCli, type CliResult, type TreeItem, onStdoutLines } from './run-cli.js';
import { loadServer } from './test-servers.js';

/** Where the pair's second side lives. */
export type CrashBackend = 'local' | RemoteKind;

/** What one trial does. */
export interface CrashTrialSpec {
  readonly backend: CrashBackend;
  readonly direction: 'upload' | 'download';
  readonly size: 'small' | 'large';
  /** Seed of the trial's random choices (contents, kill moment). */
  readonly seed: number;
}

/** What a trial found (it throws on any broken promise). */
export interface CrashTrialResult {
  readonly spec: CrashTrialSpec;
  /** False when the run finished before the kill landed (the trial still checks the result). */
  readonly killed: boolean;
  /** ms after the start when the kill was sent. */
  readonly killAfterMs: number;
  /** Changed or new source files already complete on the target right after the kill. */
  readonly doneAtKill: number;
  readonly toCopy: number;
  /** `.~ferry-*.tmp` files the kill left on the target. */
  readonly leftoverTemps: number;
}

const TEMP = /(^|\/)\.~ferry-[^/]*\.tmp$/;

/** A small deterministic PRNG (mulberry32), so a failing trial can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Files = Map<string, string>;

async function filesOf(root: string): Promise<{ files: Files; temps: string[] }> {
  const files: Files = new Map();
  const temps: string[] = [];
  for (const [rel, item] of await listTree(root)) {
    if (TEMP.test(rel)) temps.push(rel);
    else if (item.kind === 'file') files.set(rel, (item as TreeItem & { kind: 'file' }).sha256);
  }
  return { files, temps };
}

/** Gives a tree the owner of the server's data root, so the server's user may change it. */
async function chownLike(root: string, owner: { uid: number; gid: number }): Promise<void> {
  await fs.chown(root, owner.uid, owner.gid);
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    const p = path.join(root, entry.name);
    if (entry.isDirectory()) await chownLike(p, owner);
    else await fs.chown(p, owner.uid, owner.gid);
  }
}

function dataRootOf(backend: RemoteKind): string {
  return backend === 'sftp' ? loadServer<{ dataRoot: string }>('sshd').dataRoot : loadServer<{ dataRoot: string }>('proftpd').dataRoot;
}

/** Runs one trial in `workDir` (a fresh folder). Throws an AssertionError naming the seed on failure. */
export async function runCrashTrial(spec: CrashTrialSpec, workDir: string, env: NodeJS.ProcessEnv): Promise<CrashTrialResult> {
  const random = prng(spec.seed);
  const label = `${spec.backend} ${spec.direction} ${spec.size} (seed ${spec.seed})`;
  const local = path.join(workDir, 'local');
  await fs.mkdir(local, { recursive: true });
  let remote: RemoteFolder | undefined;
  let remotePath: string;
  let remoteArg: string;
  let extra: readonly string[] = [];
  if (spec.backend === 'local') {
    remotePath = path.join(workDir, 'remote');
    remoteArg = remotePath;
  } else {
    remote = await remoteFolder(spec.backend, `crash-${spec.backend}`, workDir, false);
    remotePath = remote.diskPath;
    remoteArg = remote.url;
    extra = remote.args;
  }
  await fs.mkdir(remotePath, { recursive: true });
  const owner = spec.backend === 'local' ? undefined : await fs.stat(dataRootOf(spec.backend));
  const source = spec.direction === 'upload' ? local : remotePath;
  const target = spec.direction === 'upload' ? remotePath : local;
  const stateDir = path.join(workDir, 'state');
  const args = [spec.direction, local, remoteArg, '--state-dir', stateDir, '--json', '--no-progress', ...extra];
  const settle = async (): Promise<void> => {
    if (owner) await chownLike(remotePath, owner);
  };

  try {
    // The synced starting point.
    const count = spec.size === 'small' ? 40 : 3;
    const sizeOf = (): number => (spec.size === 'small' ? 1 + Math.floor(random() * 8192) : (3 + Math.floor(random() * 5)) * 1024 * 1024);
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = spec.size === 'small' ? `d${i % 4}/f${i}.txt` : `big${i}.bin`;
      names.push(name);
      await fs.mkdir(path.dirname(path.join(source, name)), { recursive: true });
      await fs.writeFile(path.join(source, name), randomBytes(sizeOf()));
    }
    await settle();
    const firstStarted = Date.now();
    const first = await runCli(args, { env, timeoutMs: 180_000 });
    const firstMs = Date.now() - firstStarted;
    assert.equal(first.code, 0, `${label}: the first run: ${first.stderr}`);

    // Changes on the source: some files rewritten (new size and time), some new; one file only on the target.
    const later = new Date(Date.now() + 60_000);
    const changed = names.filter(() => random() < 0.4);
    if (changed.length === 0) changed.push(names[0]!);
    for (const name of changed) {
      await fs.writeFile(path.join(source, name), randomBytes(sizeOf()));
      await fs.utimes(path.join(source, name), later, later);
    }
    const added: string[] = [];
    for (let i = 0; i < (spec.size === 'small' ? 10 : 2); i++) {
      const name = spec.size === 'small' ? `new${i % 2}/n${i}.txt` : `newbig${i}.bin`;
      added.push(name);
      await fs.mkdir(path.dirname(path.join(source, name)), { recursive: true });
      await fs.writeFile(path.join(source, name), randomBytes(sizeOf()));
    }
    await fs.writeFile(path.join(target, 'target-only.txt'), 'kept\n');
    await settle();

    const sourceBefore = await filesOf(source);
    const targetBefore = await filesOf(target);
    const allBefore = new Set([...sourceBefore.files.keys(), ...targetBefore.files.keys()]);

    // The run that is killed: at a random moment, or right after a random number of starts.
    const child = spawnCli(args, { env });
    child.stdin!.end();
    const started = Date.now();
    const byEvents = random() < 0.5;
    const killAtStart = Math.floor(random() * (changed.length + added.length + 3));
    // Timed kills fall anywhere from start-up to about when the run would end (the first run,
    // which copied everything, took firstMs).
    const killAfterMs = byEvents ? -1 : Math.floor(random() * firstMs);
    let killedAt = -1;
    const kill = (): void => {
      if (killedAt >= 0 || child.exitCode !== null) return;
      killedAt = Date.now() - started;
      child.kill('SIGKILL');
    };
    let timer: NodeJS.Timeout | undefined;
    if (byEvents) {
      let starts = 0;
      onStdoutLines(child, (line) => {
        if (line.includes('"action-started"') && starts++ === killAtStart) setTimeout(kill, Math.floor(random() * 20));
      });
    } else {
      timer = setTimeout(kill, killAfterMs);
    }
    const killedRun: CliResult = await collect(child, 180_000);
    if (timer) clearTimeout(timer);
    const killed = killedRun.signal === 'SIGKILL';
    if (!killed) assert.equal(killedRun.code, 0, `${label}: the run that was not killed in time: ${killedRun.stderr}`);

    // Right after the kill.
    const sourceAfter = await filesOf(source);
    assert.deepEqual(sourceAfter.files, sourceBefore.files, `${label}: the source side changed`);
    const targetAfter = await filesOf(target);
    let doneAtKill = 0;
    for (const [rel, sha] of targetAfter.files) {
      const versions = [targetBefore.files.get(rel), sourceBefore.files.get(rel)];
      assert.ok(versions.includes(sha), `${label}: ${rel} on the target is neither its old nor its new version (partial or mixed)`);
      if (sha === sourceBefore.files.get(rel) && sha !== targetBefore.files.get(rel)) doneAtKill++;
    }
    for (const rel of allBefore) {
      const side = sourceBefore.files.has(rel) ? sourceAfter.files : targetAfter.files;
      if (targetBefore.files.has(rel)) assert.ok(targetAfter.files.has(rel), `${label}: ${rel} was lost on the target`);
      assert.ok(side.has(rel) || targetAfter.files.has(rel), `${label}: ${rel} was lost`);
    }
    const leftoverTemps = targetAfter.temps.length;
    await settle();

    // The next run finishes the job, as a clean run would have.
    const next = await runCli(args, { env, timeoutMs: 180_000 });
    assert.equal(next.code, 0, `${label}: the run after the kill: ${next.stderr}`);
    const summary = parseJsonLines(next.stdout).at(-1)!.summary;
    assert.equal(summary.errors, 0, `${label}: errors in the run after the kill`);
    assert.equal(summary.conflicts, 0, `${label}: conflicts in the run after the kill (a half-done copy was not recognised)`);
    const expected = new Map(sourceBefore.files);
    expected.set('target-only.txt', targetBefore.files.get('target-only.txt')!);
    assert.deepEqual((await filesOf(target)).files, expected, `${label}: the target after the next run differs from a clean run's`);
    assert.deepEqual((await filesOf(source)).files, sourceBefore.files, `${label}: the source changed in the next run`);
    // The next run removed every temporary file the killed one left (and left none of its own).
    assert.deepEqual((await filesOf(target)).temps, [], `${label}: temporary files remain on the target after the next run`);
    assert.deepEqual((await filesOf(source)).temps, [], `${label}: temporary files remain on the source after the next run`);
    const idle = await runCli(args, { env, timeoutMs: 180_000 });
    assert.equal(idle.code, 0, idle.stderr);
    const idleSummary = parseJsonLines(idle.stdout).at(-1)!.summary;
    assert.equal(idleSummary.filesCopied + idleSummary.filesDeleted + idleSummary.conflicts, 0, `${label}: a third run still had work to do`);
    return { spec, killed, killAfterMs: killed ? killedAt : -1, doneAtKill, toCopy: changed.length + added.length, leftoverTemps };
  } finally {
    await remote?.cleanup();
  }
}

/** The trial specs of a series: every backend × direction × size in turn, seeds from `firstSeed`. */
export function crashTrialSpecs(count: number, firstSeed: number): CrashTrialSpec[] {
  const combos: Omit<CrashTrialSpec, 'seed'>[] = [];
  for (const size of ['small', 'large'] as const) {
    for (const backend of ['local', 'sftp', 'ftp'] as const) {
      for (const direction of ['upload', 'download'] as const) combos.push({ backend, direction, size });
    }
  }
  return Array.from({ length: count }, (_, i) => ({ ...combos[i % combos.length]!, seed: firstSeed + i }));
}
