/**
 * Scanning one side into a snapshot: folders listed in parallel, names validated, filters applied.
 */
import type { Backend } from '../backends/backend.js';
import { EntryTable } from '../core/entry-table.js';
import type { PathIndex } from '../core/path-index.js';
import type { PathFilter } from '../core/path-filter.js';
import { joinExactPath, joinRelPath, ROOT, UnsafePathError, type RelPath } from '../core/rel-path.js';
import { parseTempName } from '../core/temp-name.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import { describeError } from '../errors.js';
import { meansServerGone } from './server-gone.js';
import type { Problem } from './problem.js';

/** A snapshot plus what the scan could not use. */
export interface ScanResult {
  readonly snapshot: Snapshot;
  /** Unreadable folders, unsafe or duplicate names. */
  readonly problems: readonly Problem[];
  /** Entries left alone on purpose (symlinks, devices), for verbose output. */
  readonly ignored: readonly { path: RelPath; why: string }[];
  /** ferry's temporary files (`.~ferry-*.tmp`) seen: never entries, removed when a dead run's. */
  readonly temps: readonly TempFile[];
}

/** A temporary file found by a scan, and the writer whose run made it (temp-name.ts). */
export interface TempFile {
  readonly path: RelPath;
  readonly writer: string | undefined;
}

/** Options of {@link scanTree}. */
export interface ScanOptions {
  readonly side: Side;
  readonly filter: PathFilter;
  /** Folders listed at once; default the backend's `listConcurrency`, else its `maxConcurrency`. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  /** Folder to start from (default the root): a watch re-scans only the subtree that changed. */
  readonly start?: RelPath;
  /** How this side spells `start`, when not as its key (an NFD folder name). */
  readonly startSpelling?: RelPath;
  /** Slots for paths, shared with the other side's scan so each path is held once (entry-table.ts). */
  readonly index?: PathIndex;
}

/**
 * Lists the whole tree below the backend's root (or `start`). Listing the start folder must
 * succeed (its error is thrown); a folder below it that cannot be listed is recorded as
 * unreadable, never as empty.
 */
export async function scanTree(backend: Backend, options: ScanOptions): Promise<ScanResult> {
  // In columns, not a Map of objects: a scan of a million paths is the bulk of a run's memory.
  const entries = new EntryTable(options.index);
  const unreadable = new Set<RelPath>();
  const incomplete = new Set<RelPath>();
  const spellings = new Map<RelPath, RelPath>();
  const twins = new Set<RelPath>();
  if (options.start !== undefined && options.startSpelling !== undefined && options.startSpelling !== options.start)
    spellings.set(options.start, options.startSpelling);
  const problems: Problem[] = [];
  const ignored: { path: RelPath; why: string }[] = [];
  const temps: TempFile[] = [];
  const start = options.start ?? ROOT;
  const pending: RelPath[] = [start];
  let running = 0;
  let failure: unknown;
  const concurrency = options.concurrency ?? backend.capabilities.listConcurrency ?? backend.capabilities.maxConcurrency;

  let onAbort = (): void => undefined;
  await new Promise<void>((resolve) => {
    // An abort ends the scan at once: listings still running are left to fail when the caller
    // closes the backend (a stalled one would otherwise hold the scan for its timeout).
    onAbort = () => resolve();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const pump = (): void => {
      if (failure !== undefined || options.signal?.aborted) {
        if (running === 0) resolve();
        return;
      }
      while (running < concurrency && pending.length > 0) {
        const dir = pending.pop()!;
        running++;
        void listOne(dir).finally(() => {
          running--;
          pump();
        });
      }
      if (running === 0 && pending.length === 0) resolve();
    };
    const listOne = async (dir: RelPath): Promise<void> => {
      let listed;
      try {
        listed = await backend.list(spellings.get(dir) ?? dir);
      } catch (error) {
        // The start folder must be listed; and a server that stopped answering (no connection
        // after the retries) would fail every other listing too, one timeout each: end the scan.
        if (dir === start || meansServerGone(error)) {
          failure ??= error;
          return;
        }
        unreadable.add(dir);
        problems.push({ side: options.side, path: dir, message: `cannot list folder ${dir}: ${describeError(error)} (its contents are left alone)` });
        return;
      }
      const exactDir = spellings.get(dir) ?? dir;
      for (const item of listed) {
        const temp = parseTempName(item.name);
        if (temp !== undefined) {
          // Never an entry: not synced, never an "extra" to delete. Kept for the clean-up.
          if (!('unsupported' in item) && item.entry.kind === 'file') {
            try {
              temps.push({ path: joinExactPath(exactDir, item.name), writer: temp.writer });
            } catch {
              // A name no path can hold is not one ferry wrote.
            }
          }
          continue;
        }
        if (options.filter.isExcludedName(item.name)) continue;
        let path: RelPath;
        try {
          path = joinRelPath(dir, item.name);
        } catch (error) {
          if (!(error instanceof UnsafePathError)) throw error;
          problems.push({ side: options.side, path: dir, message: `refused a name in ${dir || 'the root'}: ${error.message}` });
          incomplete.add(dir);
          continue;
        }
        if (options.filter.isSkippedFolderPath(path) || options.filter.isExcludedEntry(path, 'entry' in item && item.entry.kind === 'dir')) continue;
        if ('unsupported' in item) {
          ignored.push({ path, why: item.unsupported });
          continue;
        }
        if (entries.has(path)) {
          // Two names that are the same once normalised, or a server listing a name twice: which
          // one is meant is unknowable, so neither is touched. Two spellings (NFC and NFD twins)
          // are a true collision, reported as a conflict; one name listed twice is a broken
          // listing, an error.
          if (joinExactPath(exactDir, item.name) !== (spellings.get(path) ?? path)) twins.add(path);
          else problems.push({ side: options.side, path, message: `the name ${path} appears twice (after Unicode normalisation); it is left alone` });
          unreadable.add(path);
          incomplete.add(dir);
          continue;
        }
        entries.set(path, item.entry);
        // Paired by its key (NFC), used by its own spelling (an NFD name stays NFD, byte for byte).
        // Most names are their own key: checked without making a second string per path.
        const spelledAsKey = exactDir === dir && path.length === (dir === ROOT ? 0 : dir.length + 1) + item.name.length && path.endsWith(item.name);
        if (!spelledAsKey) {
          const exact = joinExactPath(exactDir, item.name);
          if (exact !== path) spellings.set(path, exact);
        }
        if (item.entry.kind === 'dir') pending.push(path);
      }
    };
    pump();
  }).finally(() => options.signal?.removeEventListener('abort', onAbort));
  options.signal?.throwIfAborted();
  if (failure !== undefined) throw failure;
  return { snapshot: { entries, unreadable, incomplete, spellings, twins }, problems, ignored, temps };
}
