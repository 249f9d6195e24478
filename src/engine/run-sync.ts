/**
 * One run of upload, download or sync: open, scan, reconcile, resolve, plan, execute, record.
 */
import { spellerOf } from '../core/spellings.js';
import { spelledBackend } from './spelled-backend.js';
import { WRITER_ID } from '../core/temp-name.js';
import { TempWriters } from '../state/temp-writers.js';
import { removeLeftoverTemps } from './remove-leftover-temps.js';
import { adoptParts, openParts, removeUnusedParts } from './adopt-parts.js';
import { BandwidthLimit, parseByteRate } from './bandwidth-limit.js';
import type { TempFile } from './scan-tree.js';
import { describeHeldBack, holdBackDeletes } from '../core/hold-back-deletes.js';
import { setMaxListeners } from 'node:events';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Backend } from '../backends/backend.js';
import { openBackend, type OpenBackendOptions } from '../backends/open-backend.js';
import { parseTarget, type Target } from '../backends/target-url.js';
import type { ActionResult } from '../core/action-result.js';
import type { PlannedMove } from '../core/detect-moves.js';
import { settleCaseSpellings, type CaseMode } from '../core/case-collisions.js';
import type { CompareMethod } from '../core/content-compare.js';
import { adoptEqualByContent } from './adopt-equal-by-content.js';
import { cheapContentCheck } from './cheap-content-check.js';
import { planMoves } from './plan-moves.js';
import { loadPathFilter, makePathFilter, type FilterOptions } from './load-path-filter.js';
import { checkPlanSafety, describeRefusal, detectClockShift, parseDeleteLimit, type DeleteLimit } from '../core/check-plan-safety.js';
import { contentCompareCandidates } from '../core/content-compare.js';
import { buildPlan, type Plan } from '../core/plan.js';
import { planActions } from '../core/plan-actions.js';
import { reconcile } from '../core/reconcile.js';
import { resolveConflicts, type ConflictResolver } from '../core/resolve-conflicts.js';
import type { Side } from '../core/side.js';
import {
  DEFAULT_TIME_WINDOW_MS,
  resolveStrategiesByMode,
  type ResolveStrategy,
  type SyncMode,
} from '../core/sync-options.js';
import type { SyncState } from '../core/sync-state.js';
import { BackendError, describeError, FerryError, isBackendError, SafetyError } from '../errors.js';
import { checkMissingRoot } from './check-missing-root.js';
import { defaultStateDir, StateStore } from '../state/state-store.js';
import { actionFinishedEvent, actionStartedEvent, EVENT_SCHEMA_VERSION, plannedEvent, type EventListener, type RunSummary, type SyncEvent } from './events.js';
import { ByteProgress } from './byte-progress.js';
import { executePlanOutcome } from './execute-plan.js';
import { removePyftpsyncFiles, seedFromPyftpsync } from './migrate-pyftpsync.js';
import { scanTree } from './scan-tree.js';
import { withFileReader } from './read-prefix.js';
import { conflictStamp } from '../core/conflict-copy-name.js';
import { ROOT, toRelPath, type RelPath } from '../core/rel-path.js';

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The pair's writer list, with this process registered; undefined (and a warning) when it cannot be written. */
async function openWriters(store: StateStore, emit: (event: SyncEvent) => void): Promise<TempWriters | undefined> {
  try {
    const writers = await TempWriters.open(store.writersFile, WRITER_ID);
    await writers.register();
    return writers;
  } catch (error) {
    emit({ type: 'warning', message: `cannot list this run in ${store.writersFile} (${(error as Error).message}): temporary files it leaves if killed will not be removed by the next run` });
    return undefined;
  }
}

async function forgetWriters(writers: TempWriters, gone: readonly string[], emit: (event: SyncEvent) => void): Promise<void> {
  try {
    await writers.forget(gone);
  } catch (error) {
    emit({ type: 'warning', message: `cannot update the list of this pair's runs: ${(error as Error).message}` });
  }
}

/** One line for the temporary files on a side that no dead run of this pair left. */
function describeForeignTemps(side: Side, foreign: readonly TempFile[]): string {
  const shown = foreign.slice(0, 2).map((temp) => temp.path).join(', ') + (foreign.length > 2 ? ', …' : '');
  return `${plural(foreign.length, 'temporary file', 'temporary files')} of other ferry runs left alone on the ${side} side (${shown}): another pair, another host or an older ferry may still be writing; delete them by hand once no other ferry run uses this folder`;
}

/** Options every mode shares. */
export interface RunOptions extends FilterOptions {
  /** Local side: a folder path, a `file://`/`sftp://`/`ftp://`/`ftps://` URL, or an open Backend. */
  readonly local: string | Backend;
  /** Remote side: the same forms as `local`. */
  readonly remote: string | Backend;
  /** Plan and report, change nothing (neither side nor the state). */
  readonly dryRun?: boolean;
  /** Conflict strategy (default `skip`). `ask` needs `ask`; without it, conflicts are skipped. */
  readonly resolve?: ResolveStrategy;
  /** Asks a person about each conflict when `resolve` is `ask`. */
  readonly ask?: ConflictResolver;
  /** Create the target's missing root folder (remote for upload and sync, local for download). */
  readonly createFolder?: boolean;
  /** Where the state of the pair is kept (default `$XDG_STATE_HOME/ferry`). */
  readonly stateDir?: string;
  /** Two mtimes closer than this count as equal (default 2000 ms). */
  readonly timeWindowMs?: number;
  /**
   * `checksum`: where both sides have a file of the same size but the times say "changed", compare
   * the contents (server-side hash or read); equal files are recorded, not copied or reported.
   * `time`: size and modification time only. Unset: `time`, except when every file on a side the
   * run copies from changed only its time (which the clock-shift brake would refuse) and both sides
   * can hash without a transfer (a local folder, or a server-side hash): then `checksum`, with a
   * warning saying so.
   */
  readonly compare?: CompareMethod;
  /**
   * Symbolic links in a local folder: `skip` (default) leaves them out with one warning per run;
   * `follow` syncs what a link points to when that lies inside the folder and makes no loop
   * (other links are still skipped). Links on SFTP and FTP servers are always skipped.
   */
  readonly links?: 'skip' | 'follow';
  /**
   * Names that differ only in case (`A.txt`, `a.txt`): `strict` leaves every spelling alone and
   * reports a `case-collision` conflict; `local`/`remote` renames the other side's entry to that
   * side's spelling. Unset: `strict` when a side reports itself case-insensitive, else no check
   * (two case-sensitive sides keep both names as two files).
   */
  readonly case?: CaseMode;
  /**
   * Run even when one side's root is empty although the last sync recorded files there (which
   * would delete everything on the other side). Off by default: that is usually a mistake.
   */
  readonly allowEmptySide?: boolean;
  /**
   * Refuse a run that would delete more files on one side than this: a count (`20`) or a
   * percentage of the files that side holds (`'50%'`, the default; `'100%'` turns it off).
   * Percentages do not brake runs deleting fewer than 10 files.
   */
  readonly maxDelete?: number | string;
  /**
   * Run even when every file on one side changed only its time (a clock or time-zone shift). In
   * upload and download it also makes the source the truth for every file it has (see
   * {@link OneWayOptions.force}).
   */
  readonly force?: boolean;
  /**
   * Called with the plan once the brakes let it through and before anything is changed (also in a
   * dry run); awaited. Throwing cancels the run.
   */
  readonly beforeExecute?: (plan: Plan) => void | Promise<void>;
  /**
   * Move files the run would delete or overwrite into this folder (relative to each side's root,
   * e.g. `.ferry-backup`) under a folder named after the run's start time (UTC), instead of
   * deleting them. The folder is never synced; `.ferry-backup` at the root never is.
   */
  readonly backupDir?: string;
  /**
   * After a run without errors, delete pyftpsync's `.pyftpsync-meta.json` files (every folder) and
   * `.pyftpsync-lock.json` on both sides (not in a dry run).
   */
  readonly removePyftpsyncMeta?: boolean;
  /**
   * `--bwlimit`: bytes per second for the whole run, shared by all transfers in both directions;
   * a number, or text with a `k`/`M`/`G` suffix (binary: `1M` = 1,048,576). Unset: no limit.
   */
  readonly bwlimit?: number | string;
  /** Options for opening remote backends (keys, certificates, connections). */
  readonly connection?: OpenBackendOptions;
  readonly onEvent?: EventListener;
  /** Aborting finishes or undoes in-flight writes, saves the state, and ends the run. */
  readonly signal?: AbortSignal;
}

/** Options of one-way modes (upload, download). */
export interface OneWayOptions extends RunOptions {
  /** Delete files on the target that the source does not have. */
  readonly delete?: boolean;
  /** The source is the truth for every file it has: overwrite target changes, settle conflicts. */
  readonly force?: boolean;
  /** Delete target files that do not match `match` (implies `delete`). */
  readonly deleteUnmatched?: boolean;
}

/** Options of any mode. */
export type AnyRunOptions = OneWayOptions;

function validate(mode: SyncMode, options: AnyRunOptions): void {
  const strategy = options.resolve ?? 'skip';
  if (!resolveStrategiesByMode[mode].includes(strategy)) {
    throw new FerryError('usage', `--resolve ${strategy} is not valid for ${mode} (choose ${resolveStrategiesByMode[mode].join(', ')})`);
  }
  if (mode === 'sync' && (options.delete || options.deleteUnmatched)) {
    throw new FerryError('usage', 'sync propagates deletions by itself: --delete and --delete-unmatched are for upload and download');
  }
  maxDeleteOf(options);
  backupDirOf(options);
  bwlimitOf(options);
  // Patterns are checked before anything connects (the ignore file is read later).
  makePathFilter(options, [], undefined);
}

/** The `backupDir` option as a path below the root; a usage error when it leaves the root. */
export function backupDirOf(options: AnyRunOptions): RelPath | undefined {
  if (options.backupDir === undefined) return undefined;
  let dir: RelPath;
  try {
    dir = toRelPath(options.backupDir.replace(/^\.\/+/, '').replace(/\/+$/, ''));
  } catch {
    dir = ROOT;
  }
  if (dir === ROOT) throw new FerryError('usage', `--backup-dir ${options.backupDir}: expected a folder inside the synced folders, like .ferry-backup`);
  return dir;
}

/** The `bwlimit` option in bytes per second; a usage error when it is not a rate. */
export function bwlimitOf(options: AnyRunOptions): number | undefined {
  if (options.bwlimit === undefined) return undefined;
  const rate = parseByteRate(String(options.bwlimit));
  if (rate === undefined) throw new FerryError('usage', `--bwlimit ${options.bwlimit}: expected bytes per second like 500k, 1M or 1.5M`);
  return rate;
}

/** The `maxDelete` option as a limit; a usage error when it is neither a count nor a percentage. */
export function maxDeleteOf(options: AnyRunOptions): DeleteLimit | undefined {
  if (options.maxDelete === undefined) return undefined;
  const limit = parseDeleteLimit(String(options.maxDelete));
  if (!limit) throw new FerryError('usage', `--max-delete ${options.maxDelete}: expected a number of files (20) or a percentage up to 100% (50%)`);
  return limit;
}

async function realOrResolved(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/** Refuses a pair where one local folder is the other or lies inside it. */
export async function checkDistinct(local: Target, remote: Target): Promise<void> {
  if (local.scheme !== 'file' || remote.scheme !== 'file') return;
  const a = await realOrResolved(local.path);
  const b = await realOrResolved(remote.path);
  const inside = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
  if (inside(a, b) || inside(b, a)) {
    throw new FerryError('config', a === b ? `LOCAL and REMOTE are the same folder (${a})` : `LOCAL and REMOTE must not be inside each other (${a}, ${b})`);
  }
}

function emptySummary(mode: SyncMode, dryRun: boolean): { -readonly [K in keyof RunSummary]: RunSummary[K] } {
  return {
    mode,
    dryRun,
    filesCopied: 0,
    bytesCopied: 0,
    filesDeleted: 0,
    foldersCreated: 0,
    foldersDeleted: 0,
    conflictCopies: 0,
    moved: 0,
    recorded: 0,
    conflicts: 0,
    skipped: 0,
    errors: 0,
    interrupted: false,
    elapsedMs: 0,
  };
}

/** Adds a finished (or, in a dry run, planned) action to the totals. */
function count(summary: ReturnType<typeof emptySummary>, result: ActionResult): void {
  if (result.status === 'failed') summary.errors++;
  else if (result.status === 'conflict') summary.conflicts++;
  else if (result.status === 'not-run' && result.why === 'interrupted') summary.interrupted = true;
  if (result.status !== 'done') return;
  const action = result.action;
  switch (action.kind) {
    case 'copy':
      summary.filesCopied++;
      summary.bytesCopied += result.bytes ?? action.source.size;
      break;
    case 'delete':
      summary.filesDeleted++;
      break;
    case 'mkdir':
      summary.foldersCreated++;
      break;
    case 'move':
      summary.moved++;
      summary.bytesCopied += result.bytes ?? 0;
      break;
    case 'rmdir':
      summary.foldersDeleted++;
      break;
    case 'record':
      summary.recorded++;
      break;
    case 'conflict-copy':
      summary.conflictCopies++;
      break;
    case 'forget':
      break;
  }
}

/**
 * Runs one upload, download or sync. Resolves to the run's totals (also when interrupted:
 * `interrupted` is then true). Throws a FerryError when the run cannot start (bad options,
 * missing folder, locked or unreadable state, unreachable server).
 */
export async function runSync(mode: SyncMode, options: AnyRunOptions): Promise<RunSummary> {
  const started = Date.now();
  validate(mode, options);
  // Every in-flight transfer listens on the signal; dozens at once are expected, not a leak.
  if (options.signal) setMaxListeners(0, options.signal);
  const emit = (event: SyncEvent): void => options.onEvent?.(event);
  const dryRun = options.dryRun ?? false;
  const summary = emptySummary(mode, dryRun);
  const opened: Backend[] = [];
  let store: StateStore | undefined;
  /** What the run is doing, for the message of an interruption before anything was changed. */
  let phase: 'connecting' | 'scanning' | 'planning' | 'executing' = 'connecting';
  try {
    // --create-folder creates only the side this mode writes to (the remote side for sync, as in
    // pyftpsync): a mistyped source folder must fail, not become an empty source that --delete
    // would mirror onto the target.
    const creates: Side = mode === 'download' ? 'local' : 'remote';
    const stateDir = options.stateDir ?? defaultStateDir();
    const idOf = (value: string | Backend) => (typeof value === 'string' ? parseTarget(value).id : value.id);
    const displayOf = (value: string | Backend) => (typeof value === 'string' ? parseTarget(value).display : value.displayName);
    const ids = { local: idOf(options.local), remote: idOf(options.remote) };
    // The state is opened (lock taken, file loaded) once, lazily: opening a side may need its
    // record count, and otherwise it loads while the remote side connects and logs in.
    let storeOpening: Promise<StateStore> | undefined;
    const openStore = (): Promise<StateStore> => {
      if (storeOpening === undefined) {
        storeOpening = StateStore.open(stateDir, ids.local, ids.remote);
        // Awaited later; a failure must not count as unhandled meanwhile.
        storeOpening.catch(() => undefined);
      }
      return storeOpening;
    };
    /** How many paths the state of the pair records (0 for a pair never synced). */
    const recordedEntries = async (): Promise<number> => (await openStore()).state.size;
    const openSide = async (side: Side, value: string | Backend): Promise<Backend> => {
      if (typeof value !== 'string') return value;
      // --create-folder never creates afresh a root the last sync saw (that is the brake's case):
      // only a pair without records, or --allow-empty, lets it create. The records are counted
      // only once the root turns out missing, so an existing root connects without waiting for
      // the state.
      const createFolder = (options.createFolder ?? false) && side === creates;
      let backend: Backend;
      try {
        backend = await openBackend(parseTarget(value), {
          ...options.connection,
          // The state loads while the first connection waits for the server (see below).
          onConnecting: () => {
            options.connection?.onConnecting?.();
            void openStore();
          },
          createFolder,
          createFolderIf: options.allowEmptySide ? undefined : async () => (await recordedEntries()) === 0,
          // --create-folder creates only this side (never the source of a one-way run).
          createFolderHint: side === creates,
          links: options.links ?? 'skip',
          dryRun,
          warn: (message) => emit({ type: 'warning', message }),
          signal: options.signal,
        });
      } catch (error) {
        if (isBackendError(error, 'not-found') && !options.allowEmptySide) {
          await checkMissingRoot(side, recordedEntries, { local: displayOf(options.local), remote: displayOf(options.remote) });
        }
        throw error;
      }
      opened.push(backend);
      return backend;
    };
    if (typeof options.local === 'string' && typeof options.remote === 'string') {
      await checkDistinct(parseTarget(options.local), parseTarget(options.remote));
    }
    let local: Backend;
    let remote: Backend;
    try {
      // The local side first: a missing source must fail before anything is done remotely.
      local = await openSide('local', options.local);
      // The state starts loading once the remote side's first connection is under way (the
      // backend calls onConnecting): its parsing then fills the round trips of the login
      // instead of delaying the connection.
      remote = await openSide('remote', options.remote);
    } catch (error) {
      await storeOpening?.then((unused) => unused.close(), () => undefined);
      throw error;
    }
    emit({ type: 'start', schema: EVENT_SCHEMA_VERSION, mode, local: local.displayName, remote: remote.displayName, dryRun });
    phase = 'scanning';

    // Opened under the targets' ids, which are the backends' own (a backend's id is its target's).
    store = await openStore();
    // The writers of the pair's temporary files: dead runs' leftovers are removed after the scan;
    // this process is listed before it writes any (a dry run writes none and removes none).
    const writers = dryRun ? undefined : await openWriters(store, emit);
    // Parts of big copies a dead run left are kept for those copies (resumable-copy.ts).
    const parts = writers ? await openParts(store.partsFile) : undefined;
    const adopted = new Set<string>();
    const settledWriters: string[] = [];
    const cleanUpTemps = async (list: TempWriters, temps: Record<Side, readonly TempFile[]>, scansComplete: boolean): Promise<void> => {
      const dead = list.dead;
      const kept = parts ? await adoptParts(parts, temps, dead, WRITER_ID) : undefined;
      for (const key of kept?.adopted ?? []) adopted.add(key);
      // A writer whose part is kept stays listed: the part is its leftover until continued.
      let complete = scansComplete && adopted.size === 0;
      for (const [side, backend] of [['local', local], ['remote', remote]] as const) {
        const cleanup = await removeLeftoverTemps(backend, side, kept?.rest[side] ?? temps[side], dead, options.signal);
        if (cleanup.removed > 0) emit({ type: 'temps-removed', side, files: cleanup.removed });
        for (const message of cleanup.failures) emit({ type: 'warning', message });
        if (cleanup.foreign.length > 0) emit({ type: 'warning', message: describeForeignTemps(side, cleanup.foreign) });
        complete &&= cleanup.complete;
      }
      // A dead writer is forgotten once every folder was scanned and its leftovers are gone.
      if (complete) settledWriters.push(...dead);
    };

    const backupDir = backupDirOf(options);
    const filter = await loadPathFilter(options, local, backupDir ? [backupDir] : [], started);
    // Scanned, reconciled and planned in a function of its own: a huge tree's snapshots and
    // decisions die with it rather than living on, as locals of this one, through the execution.
    const scanAndPlan = async (store: StateStore) => {
      const skippedLinks: string[] = [];
      let copyBytes = 0;
      // Both sides and the state mostly hold the same paths: one index holds each path once for
      // both snapshots and the state.
      const index = store.paths;
      const temps: Record<Side, readonly TempFile[]> = { local: [], remote: [] };
      const scanSide = async (side: Side, backend: Backend) => {
        const result = await scanTree(backend, { side, filter, signal: options.signal, index });
        temps[side] = result.temps;
        emit({ type: 'scanned', side, entries: result.snapshot.entries.size, unreadable: result.snapshot.unreadable.size });
        for (const item of result.ignored) emit({ type: 'ignored', side, path: item.path, why: item.why });
        for (const item of result.ignored) if (item.why.startsWith('symlink')) skippedLinks.push(`${side}: ${item.path}`);
        for (const problem of result.problems) {
          summary.errors++;
          emit({ type: 'problem', problem });
        }
        return result.snapshot;
      };
      let snapshots;
      try {
        // The remote scan first: its first listing goes out before the local scan's stats take
        // the CPU, so the two overlap.
        const remoteScan = scanSide('remote', remote);
        snapshots = await Promise.all([scanSide('local', local), remoteScan]);
      } catch (error) {
        if (options.signal?.aborted) throw new FerryError('interrupted', 'interrupted while scanning; nothing was changed', { cause: error });
        throw error;
      }
      phase = 'planning';
      let [localSnapshot, remoteSnapshot] = snapshots;
      if (writers) await cleanUpTemps(writers, temps, localSnapshot.unreadable.size + remoteSnapshot.unreadable.size === 0);
      // From here on paths are keys (NFC); each side is reached under its own spelling of them.
      const speller = spellerOf({ local: localSnapshot, remote: remoteSnapshot });
      if (speller) {
        local = spelledBackend(local, 'local', speller);
        remote = spelledBackend(remote, 'remote', speller);
      }
      if (skippedLinks.length > 0) {
        const shown = skippedLinks.slice(0, 3).join(', ') + (skippedLinks.length > 3 ? `, … (-v lists all)` : '');
        const hint = options.links === 'follow' ? 'they point outside the folder, dangle or make a loop' : '--links follow copies what links inside the folder point to';
        emit({ type: 'warning', message: `${plural(skippedLinks.length, 'symbolic link was', 'symbolic links were')} skipped (${shown}); ${hint}` });
      }

      // A pair pyftpsync synced but ferry never did: seed the state from pyftpsync's metadata
      // (in memory only in a dry run, which must not write the state).
      let state: SyncState = store.state;
      if (state.size === 0) {
        const seeded = await seedFromPyftpsync({ local, remote, localSnapshot, remoteSnapshot, warn: (message) => emit({ type: 'warning', message }), signal: options.signal });
        if (seeded.size > 0) {
          if (dryRun) state = seeded;
          else for (const [path, record] of seeded) store.record({ op: 'set', path, record });
          emit({ type: 'migrated', records: seeded.size });
        }
      }

      const timeWindowMs = Math.max(
        options.timeWindowMs ?? DEFAULT_TIME_WINDOW_MS,
        local.capabilities.mtimePrecisionMs,
        remote.capabilities.mtimePrecisionMs,
      );
      const reconcileOptions = {
        mode,
        delete: (options.delete ?? false) || (options.deleteUnmatched ?? false),
        // In sync, --force only releases the clock-shift brake.
        force: mode !== 'sync' && (options.force ?? false),
        deleteUnmatched: options.deleteUnmatched ?? false,
        timeWindowMs,
      };
      // --case (or a case-insensitive side): settle or report names that differ only in case
      // before anything is decided, so no transfer writes through a collision.
      const caseMode = options.case ?? (local.capabilities.caseInsensitive || remote.capabilities.caseInsensitive ? 'strict' : undefined);
      let caseRenames: PlannedMove[] = [];
      let collisions: RelPath[][] = [];
      if (caseMode) {
        const settled = settleCaseSpellings({ local: localSnapshot, remote: remoteSnapshot, state, caseMode, mode });
        ({ renames: caseRenames, collisions, state } = settled);
        localSnapshot = settled.local;
        remoteSnapshot = settled.remote;
      }
      let decisions = reconcile({ local: localSnapshot, remote: remoteSnapshot, state, filter, options: reconcileOptions });
      let contentCompared: ReadonlySet<RelPath> | undefined;
      let compareByContent = options.compare === 'checksum';
      // Every file changed only its time (a fresh checkout, a clock shift): where contents can be
      // compared without a transfer, ferry does so on its own rather than refusing (exit 6) or
      // copying everything. An explicit --compare time keeps the brake.
      if (options.compare === undefined && !(options.force ?? false)) {
        const shift = detectClockShift({ mode, local: localSnapshot, remote: remoteSnapshot, state, timeWindowMs });
        const probe = shift ? contentCompareCandidates(decisions, localSnapshot, remoteSnapshot)[0] : undefined;
        const how = probe !== undefined ? await cheapContentCheck({ local, remote }, probe, options.signal) : undefined;
        if (shift && how) {
          emit({
            type: 'warning',
            message: `all ${plural(shift.files, 'file', 'files')} on the ${shift.side} side changed only their time (a fresh checkout, or a clock shift?): comparing contents (${how}) instead of copying them; --compare time refuses instead`,
          });
          compareByContent = true;
        }
      }
      if (compareByContent) {
        ({ decisions, compared: contentCompared } = await adoptEqualByContent(decisions, { local, remote }, localSnapshot, remoteSnapshot, emit, options.signal));
      }
      let strategy = options.resolve ?? 'skip';
      if (strategy === 'ask' && !options.ask) {
        emit({ type: 'warning', message: 'no terminal to ask on: conflicts are skipped (--resolve ask needs an interactive terminal)' });
        strategy = 'skip';
      }
      const resolved = await resolveConflicts(decisions, {
        mode,
        strategy,
        force: reconcileOptions.force,
        delete: reconcileOptions.delete,
        timeWindowMs,
        local: localSnapshot,
        remote: remoteSnapshot,
        ask: options.ask ? withFileReader(options.ask, { local, remote }) : undefined,
        recorded: (path) => state.get(path),
      });
      // A folder whose listing had refused entries is never mirrored: its deletions wait.
      const held = holdBackDeletes(resolved, { local: localSnapshot, remote: remoteSnapshot });
      for (const folder of held.folders) emit({ type: 'warning', message: describeHeldBack(folder) });
      const paired = await planMoves({ decisions: held.decisions, local: localSnapshot, remote: remoteSnapshot, state, collisions, caseRenames, backends: { local, remote }, signal: options.signal });
      const plan: Plan = buildPlan({ mode, decisions: paired.decisions, moves: paired.moves, local: localSnapshot, remote: remoteSnapshot, state });
      const refusal = checkPlanSafety({
        plan,
        local: localSnapshot,
        remote: remoteSnapshot,
        state,
        allowEmptySide: options.allowEmptySide ?? false,
        maxDelete: maxDeleteOf(options),
        force: options.force ?? false,
        timeWindowMs,
        contentCompared,
      });
      // A dry run shows the plan it refuses, so the user sees what the brake stopped.
      if (!refusal || dryRun) {
        // The actions are made one at a time (plan-actions.ts): a huge plan's array is never made
        // unless someone reads it.
        for (const action of planActions(plan)) {
          if (action.kind === 'copy') copyBytes += action.source.size;
          emit(plannedEvent(action));
        }
        for (const conflict of plan.conflicts) emit({ type: 'conflict', conflict });
        for (const skip of plan.skipped) emit({ type: 'skipped', skip });
      }
      if (refusal) throw new SafetyError(refusal, describeRefusal(refusal, { local: local.displayName, remote: remote.displayName }));
      await options.beforeExecute?.(plan);
      summary.conflicts += plan.conflicts.length;
      summary.skipped += plan.skipped.length;
      // The snapshots outlive planning only when the pyftpsync files are to be removed after.
      return { plan, copyBytes, snapshots: options.removePyftpsyncMeta ? { local: localSnapshot, remote: remoteSnapshot } : undefined };
    };
    const { plan, copyBytes, snapshots: kept } = await scanAndPlan(store);
    // Interrupted while planning (or asking about conflicts): nothing was changed yet.
    options.signal?.throwIfAborted();

    if (dryRun) {
      for (const action of planActions(plan)) count(summary, { action, status: 'done' });
    } else {
      phase = 'executing';
      const bytes = new ByteProgress(copyBytes, emit);
      const outcome = await executePlanOutcome(plan, {
        local,
        remote,
        signal: options.signal,
        backupDir: backupDir ? toRelPath(`${backupDir}/${conflictStamp(started)}`) : undefined,
        isExcludedName: (name) => filter.isExcludedName(name),
        collectResults: false,
        bandwidth: options.bwlimit !== undefined ? new BandwidthLimit(bwlimitOf(options)!) : undefined,
        resume: parts && { parts, writer: WRITER_ID, adopted, warn: (message) => emit({ type: 'warning', message }) },
        onStart: (action) => emit(actionStartedEvent(action)),
        onBytes: bytes.onBytes,
        onResult: async (result) => {
          bytes.onResult(result);
          store!.recordResult(result);
          count(summary, result);
          emit(actionFinishedEvent(result));
        },
      });
      if (options.signal?.aborted) summary.interrupted = true;
      // Kept parts no copy continued (their files are no longer to be copied) go, unless the run
      // stopped before it could reach them.
      if (parts && !summary.interrupted && outcome.serverLost === undefined) await removeUnusedParts(parts, adopted, { local, remote });
      await parts?.flush().catch(() => undefined);
      await store.save();
      // A run without errors left no temporary file: this process need not stay listed.
      if (writers) await forgetWriters(writers, summary.errors === 0 && !summary.interrupted && outcome.serverLost === undefined ? [...settledWriters, WRITER_ID] : settledWriters, emit);
      if (outcome.serverLost !== undefined && !summary.interrupted) {
        const lost = outcome.serverLost;
        const code = isBackendError(lost) ? lost.code : 'connection-lost';
        throw new BackendError(code, `${describeError(lost)}; the run stopped (the server stopped answering): ${summary.filesCopied} ${summary.filesCopied === 1 ? 'file' : 'files'} copied before, the rest is left for the next run`, {
          cause: lost,
          retryable: false,
        });
      }
      if (options.removePyftpsyncMeta) {
        if (summary.errors > 0 || summary.interrupted) {
          emit({ type: 'warning', message: 'pyftpsync metadata not removed: the run did not finish without errors' });
        } else {
          const warn = (message: string): void => emit({ type: 'warning', message });
          const files = (await removePyftpsyncFiles(local, kept!.local, warn)) + (await removePyftpsyncFiles(remote, kept!.remote, warn));
          emit({ type: 'pyftpsync-meta-removed', files });
        }
      }
    }
  } catch (error) {
    // Interrupted before anything was changed (connecting, logging in, scanning, planning): the
    // failure the abort caused (a closed connection, an AbortError) is not the story.
    if (options.signal?.aborted && phase !== 'executing' && !(error instanceof FerryError && error.kind === 'interrupted')) {
      throw new FerryError('interrupted', `interrupted while ${phase}; nothing was changed`, { cause: error });
    }
    throw error;
  } finally {
    await store?.close();
    await Promise.allSettled(opened.map((backend) => backend.close()));
  }
  summary.elapsedMs = Date.now() - started;
  emit({ type: 'summary', summary });
  return summary;
}
