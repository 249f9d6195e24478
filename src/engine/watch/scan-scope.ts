/**
 * A scan of only the paths a watch was told about: the touched paths (and the subtrees of touched
 * folders) on both sides, plus the state records below them, so that the ordinary reconcile, plan
 * and executor can run on a small part of the tree.
 */
import type { Backend } from '../../backends/backend.js';
import type { Entry } from '../../core/entry.js';
import type { PathFilter } from '../../core/path-filter.js';
import { ancestorsOf, joinExactPath, comparePaths, isInside, joinRelPath, parentOf, ROOT, UnsafePathError, type RelPath } from '../../core/rel-path.js';
import type { Side } from '../../core/side.js';
import type { Snapshot } from '../../core/snapshot.js';
import type { SyncRecord, SyncState } from '../../core/sync-state.js';
import { describeError, isBackendError } from '../../errors.js';
import type { Problem } from '../problem.js';
import { scanTree } from '../scan-tree.js';
import { runPool } from '../task-pool.js';

/** What {@link scanScope} found. */
export interface ScopeScan {
  /** The folders and files re-scanned (each with its whole subtree); `[""]` for everything. */
  readonly roots: readonly RelPath[];
  readonly local: Snapshot;
  readonly remote: Snapshot;
  /** The records of the roots, of everything below them and of their parent folders. */
  readonly state: SyncState;
  readonly problems: readonly Problem[];
  readonly ignored: readonly { side: Side; path: RelPath; why: string }[];
}

/** Input of {@link scanScope}. */
export interface ScopeInput {
  readonly local: Backend;
  readonly remote: Backend;
  readonly state: SyncState;
  readonly filter: PathFilter;
  /** Touched paths (either side); `""` means the whole tree. */
  readonly paths: Iterable<RelPath>;
  readonly signal?: AbortSignal;
}

/** One folder's listing in a scope scan. */
type Listing =
  | {
      readonly kind: 'ok';
      readonly entries: ReadonlyMap<RelPath, Entry | { unsupported: string }>;
      readonly spellings: ReadonlyMap<RelPath, RelPath>;
      /** Keys two names of the folder share (an NFC and an NFD spelling), as in scan-tree.ts. */
      readonly twins: ReadonlySet<RelPath>;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'error'; readonly message: string };

/** Drops paths that lie inside another path of the list (a folder's rescan covers them). */
export function outermostPaths(paths: Iterable<RelPath>): RelPath[] {
  const sorted = [...new Set(paths)].sort(comparePaths);
  const result: RelPath[] = [];
  for (const path of sorted) {
    const last = result[result.length - 1];
    if (last !== undefined && (last === path || isInside(path, last))) continue;
    result.push(path);
  }
  return result;
}

/**
 * Scans the touched paths on both sides. A touched path whose parent folder is missing on either
 * side is widened to the outermost such folder (a new `a/b/c/file` is scanned as the new folder
 * `a`), so folders created or moved in arrive whole. Listing errors that may pass (a dropped
 * connection) are thrown; other unreadable folders are reported and their contents left alone.
 */
export async function scanScope(input: ScopeInput): Promise<ScopeScan> {
  const { filter } = input;
  const backends: Record<Side, Backend> = { local: input.local, remote: input.remote };
  const touched = outermostPaths([...input.paths].filter((path) => path === ROOT || !filter.isExcludedPath(path)));
  const problems: Problem[] = [];
  const ignored: { side: Side; path: RelPath; why: string }[] = [];

  if (touched.length === 0) {
    return { roots: [], local: emptySnapshot(), remote: emptySnapshot(), state: new Map(), problems, ignored };
  }
  if (touched[0] === ROOT) {
    const [local, remote] = await Promise.all(
      (['local', 'remote'] as const).map(async (side) => {
        const result = await scanTree(backends[side], { side, filter, signal: input.signal });
        problems.push(...result.problems);
        for (const item of result.ignored) ignored.push({ side, ...item });
        return result.snapshot;
      }),
    );
    return { roots: [ROOT], local: local!, remote: remote!, state: input.state, problems, ignored };
  }

  const listings: Record<Side, Map<RelPath, Promise<Listing>>> = { local: new Map(), remote: new Map() };
  const listOnce = (side: Side, dir: RelPath): Promise<Listing> => {
    let listing = listings[side].get(dir);
    if (!listing) {
      listing = listFolder(backends[side], dir, filter);
      listings[side].set(dir, listing);
    }
    return listing;
  };

  // Widen each touched path until its parent folder exists on both sides.
  const widened: RelPath[] = [];
  const concurrency = Math.min(input.local.capabilities.maxConcurrency, input.remote.capabilities.maxConcurrency);
  await runPool(touched, concurrency, async (path) => {
    let root = path;
    while (root !== ROOT) {
      const parent = parentOf(root);
      const both = await Promise.all([listOnce('local', parent), listOnce('remote', parent)]);
      if (both.every((listing) => listing.kind !== 'missing')) break;
      root = parent;
    }
    widened.push(root);
  });
  input.signal?.throwIfAborted();
  const roots = outermostPaths(widened);
  if (roots[0] === ROOT) return scanScope({ ...input, paths: [ROOT] });

  type ScopeSnapshot = {
    entries: Map<RelPath, Entry>;
    unreadable: Set<RelPath>;
    incomplete: Set<RelPath>;
    spellings: Map<RelPath, RelPath>;
    twins: Set<RelPath>;
  };
  const emptyScope = (): ScopeSnapshot => ({ entries: new Map(), unreadable: new Set(), incomplete: new Set(), spellings: new Map(), twins: new Set() });
  const snapshots: Record<Side, ScopeSnapshot> = { local: emptyScope(), remote: emptyScope() };
  const subtrees: { side: Side; root: RelPath }[] = [];
  for (const root of roots) {
    for (const side of ['local', 'remote'] as const) {
      const snapshot = snapshots[side];
      // The parent listed fine on both sides, so every folder above the root exists there.
      for (const dir of ancestorsOf(root)) snapshot.entries.set(dir, { kind: 'dir' });
      const listing = await listOnce(side, parentOf(root));
      if (listing.kind === 'error') {
        snapshot.unreadable.add(root);
        problems.push({ side, path: root, message: listing.message });
        continue;
      }
      if (listing.kind === 'missing') continue;
      const twin = listing.twins.has(root);
      if (twin) {
        // Two spellings of the touched name: which one is meant is unknowable, neither is touched
        // (a conflict, and nothing in the folder is deleted), as in a full scan (scan-tree.ts).
        snapshot.twins.add(root);
        snapshot.unreadable.add(root);
        snapshot.incomplete.add(parentOf(root));
      }
      const entry = listing.entries.get(root);
      if (entry === undefined) continue;
      if ('unsupported' in entry) {
        ignored.push({ side, path: root, why: entry.unsupported });
        continue;
      }
      snapshot.entries.set(root, entry);
      const spelling = listing.spellings.get(root);
      if (spelling !== undefined) snapshot.spellings.set(root, spelling);
      if (entry.kind === 'dir' && !twin) subtrees.push({ side, root });
    }
  }
  await runPool(subtrees, concurrency, async ({ side, root }) => {
    const snapshot = snapshots[side];
    try {
      const result = await scanTree(backends[side], { side, filter, signal: input.signal, start: root, startSpelling: snapshot.spellings.get(root) });
      for (const [path, entry] of result.snapshot.entries) snapshot.entries.set(path, entry);
      for (const path of result.snapshot.unreadable) snapshot.unreadable.add(path);
      for (const path of result.snapshot.incomplete ?? []) snapshot.incomplete.add(path);
      for (const [path, spelling] of result.snapshot.spellings ?? []) snapshot.spellings.set(path, spelling);
      for (const path of result.snapshot.twins ?? []) snapshot.twins.add(path);
      problems.push(...result.problems);
      for (const item of result.ignored) ignored.push({ side, ...item });
    } catch (error) {
      if (isBackendError(error) && error.retryable) throw error;
      // Gone or unreadable since its parent was listed: leave it alone this time; the change that
      // removed it is reported by the watcher or the next rescan.
      snapshot.unreadable.add(root);
      problems.push({ side, path: root, message: `cannot list folder ${root}: ${describeError(error)} (its contents are left alone)` });
    }
  });
  input.signal?.throwIfAborted();

  return {
    roots,
    local: snapshots.local,
    remote: snapshots.remote,
    state: scopedState(input.state, roots),
    problems,
    ignored,
  };
}

/** The records of the roots, their contents and their parent folders. */
export function scopedState(state: SyncState, roots: readonly RelPath[]): SyncState {
  const rootSet = new Set(roots);
  const scoped = new Map<RelPath, SyncRecord>();
  for (const root of roots) {
    for (const dir of ancestorsOf(root)) {
      const record = state.get(dir);
      if (record) scoped.set(dir, record);
    }
  }
  for (const [path, record] of state) {
    // Walk up the path's own folders: cheaper than testing every root when roots are many.
    let current = path;
    for (;;) {
      if (rootSet.has(current)) {
        scoped.set(path, record);
        break;
      }
      if (current === ROOT) break;
      current = parentOf(current);
    }
  }
  return scoped;
}

function emptySnapshot(): Snapshot {
  return { entries: new Map(), unreadable: new Set() };
}

/** Lists one folder for a scope scan; `missing` when it is not there (or not a folder). */
async function listFolder(backend: Backend, dir: RelPath, filter: PathFilter): Promise<Listing> {
  let listed;
  try {
    listed = await backend.list(dir);
  } catch (error) {
    if (isBackendError(error, 'not-found') || isBackendError(error, 'not-a-directory')) return { kind: 'missing' };
    if (isBackendError(error) && error.retryable) throw error;
    if (!isBackendError(error)) throw error;
    return { kind: 'error', message: `cannot list folder ${dir || 'the root'}: ${describeError(error)} (its contents are left alone)` };
  }
  const entries = new Map<RelPath, Entry | { unsupported: string }>();
  const spellings = new Map<RelPath, RelPath>();
  const twins = new Set<RelPath>();
  for (const item of listed) {
    if (filter.isExcludedName(item.name)) continue;
    let path: RelPath;
    try {
      path = joinRelPath(dir, item.name);
    } catch (error) {
      if (error instanceof UnsafePathError) continue;
      throw error;
    }
    if (filter.isExcludedEntry(path, 'entry' in item && item.entry.kind === 'dir')) continue;
    // A folder listed by its key has its key's spelling; a name spelled otherwise (NFD) keeps it.
    const exact = joinExactPath(dir, item.name);
    if (entries.has(path) && exact !== (spellings.get(path) ?? path)) {
      twins.add(path);
      continue;
    }
    entries.set(path, 'unsupported' in item ? { unsupported: item.unsupported } : item.entry);
    if (exact !== path) spellings.set(path, exact);
  }
  return { kind: 'ok', entries, spellings, twins };
}
