/**
 * The options that shape reconciliation and planning (the pure part of a run).
 */

/** Which way a run may move files. */
export type SyncMode = 'sync' | 'upload' | 'download';

/** How conflicts are settled (pyftpsync's `--resolve` words). */
export type ResolveStrategy = 'local' | 'remote' | 'new' | 'old' | 'skip' | 'ask' | 'keep-both';

/** The strategies each mode accepts (as pyftpsync: upload cannot pick remote, download local). */
export const resolveStrategiesByMode: Record<SyncMode, readonly ResolveStrategy[]> = {
  // keep-both needs both sides written, which one-way modes never do to their source.
  sync: ['local', 'remote', 'new', 'old', 'skip', 'ask', 'keep-both'],
  upload: ['local', 'skip', 'ask'],
  download: ['remote', 'skip', 'ask'],
};

/** Options of {@link reconcile}. */
export interface ReconcileOptions {
  readonly mode: SyncMode;
  /** One-way modes: delete target files that the source does not have. */
  readonly delete: boolean;
  /** One-way modes: the source is the truth for every file it has (overwrite target changes). */
  readonly force: boolean;
  /** One-way modes: delete target files whose names do not match the `match` patterns. */
  readonly deleteUnmatched: boolean;
  /** Two mtimes closer than this are "the same time" (default 2000 ms, pyftpsync's value). */
  readonly timeWindowMs: number;
}

/** Default comparison window for mtimes of the two sides. */
export const DEFAULT_TIME_WINDOW_MS = 2000;
