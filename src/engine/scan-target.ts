/**
 * Scanning one target on its own (`ferry scan`, `ferry tree`): opens it (never creating it),
 * lists the whole tree with {@link scanTree} and returns a plain, JSON-serialisable result.
 */
import { setMaxListeners } from 'node:events';
import type { Backend } from '../backends/backend.js';
import { openBackend, type OpenBackendOptions } from '../backends/open-backend.js';
import { parseTarget } from '../backends/target-url.js';
import type { RuleList } from '../core/path-filter.js';
import { makePathFilter } from './load-path-filter.js';
import { comparePaths } from '../core/rel-path.js';
import { FerryError } from '../errors.js';
import { scanTree } from './scan-tree.js';

/** Options of {@link scanTarget}. */
export interface ScanTargetOptions {
  /** A folder path, a `file://`/`sftp://`/`ftp://`/`ftps://` URL, or an open Backend (left open). */
  readonly target: string | Backend;
  /** Glob patterns on file names; only matching files are reported (folders always are). */
  readonly match?: readonly string[];
  /** Glob patterns on file and folder names to leave out (default pyftpsync's list). */
  readonly exclude?: readonly string[];
  /** gitignore-style lists of paths to leave out (`--exclude-from`). */
  readonly excludeRules?: readonly RuleList[];
  /** Options for opening a remote target (keys, certificates, connections). `createFolder` is ignored. */
  readonly connection?: OpenBackendOptions;
  /** Aborting stops the scan; {@link scanTarget} then throws an `interrupted` FerryError. */
  readonly signal?: AbortSignal;
}

/** One scanned path. `path` is relative to the target's root, `/`-separated. */
export type ScannedEntry =
  { readonly path: string; readonly kind: 'file'; readonly size: number; readonly mtimeMs: number } | { readonly path: string; readonly kind: 'dir' };

/** What {@link scanTarget} found; plain data, safe to `JSON.stringify`. */
export interface ScanTargetResult {
  /** Canonical identity of the target, without any password. */
  readonly id: string;
  /** Short form of the target for output. */
  readonly displayName: string;
  /** Every file and folder below the root (not the root), sorted: a folder right before its contents. */
  readonly entries: readonly ScannedEntry[];
  readonly files: number;
  readonly folders: number;
  /** Sum of the sizes of all files. */
  readonly bytes: number;
  /** Files left out because their names do not match `match`. */
  readonly unmatched: number;
  /** Unreadable folders, unsafe or duplicate names; one line each. */
  readonly problems: readonly { readonly path?: string; readonly message: string }[];
  /** Entries left alone on purpose (symlinks, devices). */
  readonly ignored: readonly { readonly path: string; readonly why: string }[];
  /** Folders whose contents could not be listed. */
  readonly unreadable: readonly string[];
  readonly elapsedMs: number;
}

/**
 * Scans one target: every file and folder below its root, filtered like a sync would be. A missing
 * root is an error (nothing is created); a sub-folder that cannot be listed is a problem in the
 * result. Backends opened here are closed before it returns.
 */
export async function scanTarget(options: ScanTargetOptions): Promise<ScanTargetResult> {
  const started = Date.now();
  // A pattern that cannot match is a usage error before anything connects.
  const filter = makePathFilter(
    { match: options.match, exclude: options.exclude, excludeRules: options.excludeRules, ignoreFile: false },
    [],
    undefined,
    started,
  );
  if (options.signal) setMaxListeners(0, options.signal);
  let backend: Backend;
  let opened: Backend | undefined;
  if (typeof options.target === 'string') {
    opened = await openBackend(parseTarget(options.target), { ...options.connection, createFolder: false, dryRun: false, signal: options.signal });
    backend = opened;
  } else {
    backend = options.target;
  }
  try {
    let scan;
    try {
      scan = await scanTree(backend, { side: 'remote', filter, signal: options.signal });
    } catch (error) {
      if (options.signal?.aborted) throw new FerryError('interrupted', 'interrupted while scanning', { cause: error });
      throw error;
    }
    const paths = [...scan.snapshot.entries.keys()].sort(comparePaths);
    const entries: ScannedEntry[] = [];
    let files = 0;
    let folders = 0;
    let bytes = 0;
    let unmatched = 0;
    for (const path of paths) {
      const entry = scan.snapshot.entries.get(path)!;
      if (entry.kind === 'dir') {
        folders++;
        entries.push({ path, kind: 'dir' });
      } else if (!filter.isMatchedFile(path)) {
        unmatched++;
      } else {
        files++;
        bytes += entry.size;
        entries.push({ path, kind: 'file', size: entry.size, mtimeMs: entry.mtimeMs });
      }
    }
    return {
      id: backend.id,
      displayName: backend.displayName,
      entries,
      files,
      folders,
      bytes,
      unmatched,
      problems: scan.problems.map((problem) => (problem.path === undefined ? { message: problem.message } : { path: problem.path, message: problem.message })),
      ignored: [...scan.ignored].sort((a, b) => comparePaths(a.path, b.path)).map((item) => ({ path: item.path, why: item.why })),
      unreadable: [...scan.snapshot.unreadable].sort(comparePaths),
      elapsedMs: Date.now() - started,
    };
  } finally {
    await opened?.close().catch(() => undefined);
  }
}
