/**
 * The options of upload, download and sync runs, and their checks before anything connects.
 */
import { parseByteRate } from './bandwidth-limit.js';
import type { Backend } from '../backends/backend.js';
import type { OpenBackendOptions } from '../backends/open-backend.js';
import type { CaseMode } from '../core/case-collisions.js';
import { parseDeleteLimit, type DeleteLimit } from '../core/check-plan-safety.js';
import type { CompareMethod } from '../core/content-compare.js';
import type { Plan } from '../core/plan.js';
import { ROOT, toRelPath, type RelPath } from '../core/rel-path.js';
import type { ConflictResolver } from '../core/resolve-conflicts.js';
import type { Side } from '../core/side.js';
import { DEFAULT_TIME_WINDOW_MS, resolveStrategiesByMode, type ReconcileOptions, type ResolveStrategy, type SyncMode } from '../core/sync-options.js';
import { FerryError } from '../errors.js';
import type { EventListener } from './events.js';
import { makePathFilter, type FilterOptions } from './load-path-filter.js';

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
   * Bytes per second for the whole run, shared by all transfers in both directions: a number, or
   * text with a `k`/`M`/`G` suffix (binary: `1M` = 1,048,576). Unset: no limit.
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

/** Throws a usage FerryError for options no run can start with (before anything connects). */
export function validateRunOptions(mode: SyncMode, options: AnyRunOptions): void {
  const strategy = options.resolve ?? 'skip';
  if (!resolveStrategiesByMode[mode].includes(strategy)) {
    throw new FerryError('usage', `\`resolve: '${strategy}'\` is not valid for ${mode} (choose ${resolveStrategiesByMode[mode].join(', ')})`);
  }
  if (mode === 'sync' && (options.delete || options.deleteUnmatched)) {
    throw new FerryError('usage', 'sync propagates deletions by itself: `delete` and `deleteUnmatched` are for upload and download');
  }
  maxDeleteOf(options);
  backupDirOf(options);
  bwlimitOf(options);
  // Patterns are checked before anything connects (the ignore file is read later).
  makePathFilter(options, [], undefined);
}

/** The `bwlimit` option in bytes per second; a usage error when it is not a rate. */
export function bwlimitOf(options: AnyRunOptions): number | undefined {
  if (options.bwlimit === undefined) return undefined;
  const rate = parseByteRate(String(options.bwlimit));
  if (rate === undefined) throw new FerryError('usage', `\`bwlimit\` ${options.bwlimit}: expected bytes per second like 500k, 1M or 1.5M`);
  return rate;
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
  if (dir === ROOT) throw new FerryError('usage', `\`backupDir\` ${options.backupDir}: expected a folder inside the synced folders, like .ferry-backup`);
  return dir;
}

/** The `maxDelete` option as a limit; a usage error when it is neither a count nor a percentage. */
export function maxDeleteOf(options: AnyRunOptions): DeleteLimit | undefined {
  if (options.maxDelete === undefined) return undefined;
  const limit = parseDeleteLimit(String(options.maxDelete));
  if (!limit) throw new FerryError('usage', `\`maxDelete\` ${options.maxDelete}: expected a number of files (20) or a percentage up to 100% (50%)`);
  return limit;
}

/** What reconcile is told by a run's (or a watch's) options, for a pair of opened sides. */
export function reconcileOptionsOf(mode: SyncMode, options: AnyRunOptions, backends: Readonly<Record<Side, Backend>>): ReconcileOptions {
  return {
    mode,
    delete: (options.delete ?? false) || (options.deleteUnmatched ?? false),
    // In sync, --force only releases the clock-shift brake.
    force: mode !== 'sync' && (options.force ?? false),
    deleteUnmatched: options.deleteUnmatched ?? false,
    // No window finer than a side keeps times.
    timeWindowMs: Math.max(
      options.timeWindowMs ?? DEFAULT_TIME_WINDOW_MS,
      backends.local.capabilities.mtimePrecisionMs,
      backends.remote.capabilities.mtimePrecisionMs,
    ),
  };
}

/** `--case`, or `strict` when a side reports itself case-insensitive; undefined: no check. */
export function caseModeOf(options: AnyRunOptions, backends: Readonly<Record<Side, Backend>>): CaseMode | undefined {
  return options.case ?? (backends.local.capabilities.caseInsensitive || backends.remote.capabilities.caseInsensitive ? 'strict' : undefined);
}
