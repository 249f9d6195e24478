/**
 * Runs the built `ferry` binary (`node dist/bin/ferry.js ...`) for the CLI tests, and a few helpers
 * those tests share: sandboxes in temp folders, tree listings, JSON event parsing.
 *
 * The binary is built once (`npm run build`) when dist/bin/ferry.js is missing or older than any
 * file under src/ (`tsc`, then scripts/bundle-cli.mjs; a type error stops the build, and the
 * missing dist/bin/ferry.js is then reported with the compiler's output). Set
 * FERRY_CLI_NO_BUILD=1 to use dist as it is (for example when `npm test` built it already).
 * Parallel test files share one build through a lock folder in the temp directory.
 */
import './isolated-env.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEntryFor } from './reachable-cli.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI_ENTRY = path.join(REPO_ROOT, 'dist', 'bin', 'ferry.js');

/** What a finished CLI run produced. `code` is null when the process died of a signal. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCli} and {@link spawnCli}. */
export interface CliOptions {
  readonly cwd?: string;
  /** The whole environment of the child (see {@link Sandbox.env}); default: this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (stdin is never a TTY here). */
  readonly input?: string;
  /** Kill the child with SIGKILL after this long (default 60 s). */
  readonly timeoutMs?: number;
  /** Run the binary through a command prefix, e.g. ['setpriv', '--reuid=65534', ...]. */
  readonly prefix?: readonly string[];
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else newest = Math.max(newest, st.mtimeMs);
    }
  };
  walk(dir);
  return newest;
}

function distIsStale(): boolean {
  let built: number;
  try {
    built = statSync(CLI_ENTRY).mtimeMs;
  } catch {
    return true;
  }
  return newestMtimeMs(path.join(REPO_ROOT, 'src')) > built;
}

async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  const lockDir = path.join(tmpdir(), `ferry-cli-build-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock older than two minutes was left by a killed test run.
      const age =
        Date.now() -
        (await fs.stat(lockDir).then(
          (s) => s.mtimeMs,
          () => Date.now(),
        ));
      if (age > 120_000) await fs.rm(lockDir, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockDir}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

let built: Promise<void> | undefined;

/** Builds dist once per process when it is missing or older than src (see the file comment). */
export function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    if (process.env.FERRY_CLI_NO_BUILD) {
      await fs.access(CLI_ENTRY).catch(() => {
        throw new Error(`${CLI_ENTRY} is missing: run npm run build (FERRY_CLI_NO_BUILD is set)`);
      });
      return;
    }
    if (!distIsStale()) return;
    await withBuildLock(async () => {
      if (!distIsStale()) return; // another test file built it while we waited
      const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
      try {
        await fs.access(CLI_ENTRY);
      } catch {
        throw new Error(`npm run build did not produce ${CLI_ENTRY}:\n${result.stdout}\n${result.stderr}`);
      }
    });
  })();
  return built;
}

/** Starts the CLI without waiting; stdin, stdout and stderr are pipes. Call {@link ensureBuilt} first. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  // Another user (the prefix) may not reach this checkout: it then runs a copy it can read.
  const entry = options.prefix ? cliEntryFor(options.prefix, CLI_ENTRY) : CLI_ENTRY;
  const command = [...(options.prefix ?? []), process.execPath, entry, ...args];
  const spawnOptions: SpawnOptions = { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] };
  return spawn(command[0]!, command.slice(1), spawnOptions);
}

/**
 * Calls `onLine` with each whole line the child writes to stdout, as it comes (a JSON event per
 * line with `--json`), for tests that act at a moment of a run. Leaves `collect` its own reading.
 */
export function onStdoutLines(child: ChildProcess, onLine: (line: string) => void): void {
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      onLine(line);
    }
  });
}

/** Collects a spawned child's output until it exits. */
export function collect(child: ChildProcess, timeoutMs = 60_000): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `node dist/bin/ferry.js ...args` to the end and returns its exit code and output. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  await ensureBuilt();
  const child = spawnCli(args, options);
  child.stdin?.end(options.input ?? '');
  return collect(child, options.timeoutMs);
}

/** A temp folder for one test: trees, a state dir, and an environment that never touches $HOME. */
export interface Sandbox {
  readonly root: string;
  readonly local: string;
  readonly remote: string;
  readonly stateDir: string;
  /** Environment for the child: HOME and XDG_STATE_HOME in the sandbox, colours and debug off. */
  readonly env: NodeJS.ProcessEnv;
  /** `ferry MODE local remote --state-dir stateDir ...extra` in this sandbox. */
  run(args: readonly string[], options?: Omit<CliOptions, 'env'> & { env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  cleanup(): Promise<void>;
}

/** Creates a sandbox with empty `local` and `remote` folders. */
export async function makeSandbox(label = 'cli'): Promise<Sandbox> {
  const root = await fs.mkdtemp(path.join(tmpdir(), `ferry-${label}-`));
  const local = path.join(root, 'local');
  const remote = path.join(root, 'remote');
  const stateDir = path.join(root, 'state');
  const home = path.join(root, 'home');
  await Promise.all([fs.mkdir(local), fs.mkdir(remote), fs.mkdir(home)]);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_STATE_HOME: path.join(root, 'xdg-state') };
  delete env.FERRY_DEBUG;
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  return {
    root,
    local,
    remote,
    stateDir,
    env,
    run: (args, options = {}) => runCli(args, { cwd: root, ...options, env: { ...env, ...options.env } }),
    cleanup: () => fs.rm(root, { recursive: true, force: true }),
  };
}

/** Writes files: `{ 'a.txt': 'text', 'sub/b.txt': 'x' }`, creating folders; optional mtime for all. */
export async function writeTree(root: string, files: Record<string, string | Buffer>, mtime?: Date): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(root, ...rel.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content);
    if (mtime) await fs.utimes(file, mtime, mtime);
  }
}

/** One listed entry: folders as `dir`, files with size, whole-ms mtime and a content hash. */
export type TreeItem = { kind: 'dir' } | { kind: 'file'; size: number; mtimeMs: number; sha256: string };

/** Every entry below `root` (relative `/` paths, sorted), for exact before/after comparisons. */
export async function listTree(root: string): Promise<Map<string, TreeItem>> {
  const out = new Map<string, TreeItem>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    const names = (await fs.readdir(dir)).sort();
    for (const name of names) {
      const abs = path.join(dir, name);
      const rel = prefix ? `${prefix}/${name}` : name;
      const st = await fs.lstat(abs);
      if (st.isDirectory()) {
        out.set(rel, { kind: 'dir' });
        await walk(abs, rel);
      } else {
        const content = await fs.readFile(abs);
        out.set(rel, { kind: 'file', size: st.size, mtimeMs: Math.floor(st.mtimeMs), sha256: createHash('sha256').update(content).digest('hex') });
      }
    }
  };
  await walk(root, '');
  return out;
}

/** The listing as a plain object, for deepStrictEqual with readable diffs. */
export async function treeObject(root: string): Promise<Record<string, TreeItem>> {
  return Object.fromEntries(await listTree(root));
}

/** Every file's content below `root`, as text, keyed by relative path (folders omitted). */
export async function treeContents(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [rel, item] of await listTree(root)) {
    if (item.kind === 'file') out[rel] = await fs.readFile(path.join(root, ...rel.split('/')), 'utf8');
  }
  return out;
}

/** A parsed `--json` event (loosely typed: tests check the fields they rely on). */
export type JsonEvent = { type: string } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Parses every stdout line as JSON; throws naming the first line that is not. */
export function parseJsonLines(stdout: string): JsonEvent[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line, index) => {
      try {
        return JSON.parse(line) as JsonEvent;
      } catch {
        throw new Error(`stdout line ${index + 1} is not JSON: ${JSON.stringify(line)}`);
      }
    });
}

/** Lines of a stream's text without the trailing empty line. */
export function linesOf(text: string): string[] {
  return text.split('\n').filter((line, index, all) => !(line === '' && index === all.length - 1));
}

/** True when some line looks like a stack frame (`    at ...`). */
export function hasStackTrace(text: string): boolean {
  return /^\s+at\s/m.test(text);
}

/**
 * Asserts two trees hold the same paths, kinds and bytes, and mtimes within 1 ms of each other (a
 * copied file's mtime goes through utimes' float seconds, which can round it down by 1 ms).
 */
export async function assertSameTree(a: string, b: string, message = ''): Promise<void> {
  const [left, right] = await Promise.all([treeObject(a), treeObject(b)]);
  const strip = (tree: Record<string, TreeItem>) =>
    Object.fromEntries(
      Object.entries(tree).map(([rel, item]) => [rel, item.kind === 'dir' ? item : { kind: item.kind, size: item.size, sha256: item.sha256 }]),
    );
  assert.deepStrictEqual(strip(left), strip(right), `${message} (${a} vs ${b}): contents differ`);
  for (const [rel, item] of Object.entries(left)) {
    const other = right[rel]!;
    if (item.kind === 'file' && other.kind === 'file') {
      assert.ok(Math.abs(item.mtimeMs - other.mtimeMs) <= 1, `${message}: mtime of ${rel} differs: ${item.mtimeMs} vs ${other.mtimeMs}`);
    }
  }
}
