/**
 * The scan of a run: both sides listed at once into snapshots that share one path index.
 */
import type { Backend } from '../backends/backend.js';
import type { PathFilter } from '../core/path-filter.js';
import type { PathIndex } from '../core/path-index.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import { FerryError } from '../errors.js';
import type { SyncEvent } from './events.js';
import { plural } from './plural.js';
import { scanTree, type TempFile } from './scan-tree.js';

/** What {@link scanPair} found. */
export interface ScannedPair {
  readonly local: Snapshot;
  readonly remote: Snapshot;
  /** ferry's temporary files on each side (run-writers.ts). */
  readonly temps: Readonly<Record<Side, readonly TempFile[]>>;
  /** Problems reported (each an error of the run). */
  readonly problems: number;
  /** Symbolic links left out, as `side: path`. */
  readonly skippedLinks: readonly string[];
}

/** Input of {@link scanPair}. */
export interface PairToScan {
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly filter: PathFilter;
  /** Both sides and the state mostly hold the same paths: one index holds each path once. */
  readonly index?: PathIndex;
  readonly emit: (event: SyncEvent) => void;
  readonly signal?: AbortSignal;
}

/**
 * Scans both sides, reporting what each held, left out and could not read. An abort is an
 * `interrupted` FerryError saying nothing was changed.
 */
export async function scanPair(input: PairToScan): Promise<ScannedPair> {
  const { emit, signal } = input;
  const skippedLinks: string[] = [];
  const temps: Record<Side, readonly TempFile[]> = { local: [], remote: [] };
  let problems = 0;
  const scanSide = async (side: Side): Promise<Snapshot> => {
    const result = await scanTree(input.backends[side], { side, filter: input.filter, signal, index: input.index });
    temps[side] = result.temps;
    emit({ type: 'scanned', side, entries: result.snapshot.entries.size, unreadable: result.snapshot.unreadable.size });
    for (const item of result.ignored) emit({ type: 'ignored', side, path: item.path, why: item.why });
    for (const item of result.ignored) if (item.why.startsWith('symlink')) skippedLinks.push(`${side}: ${item.path}`);
    for (const problem of result.problems) {
      problems++;
      emit({ type: 'problem', problem });
    }
    return result.snapshot;
  };
  try {
    // The remote scan first: its first listing goes out before the local scan's stats take
    // the CPU, so the two overlap.
    const remoteScan = scanSide('remote');
    const [local, remote] = await Promise.all([scanSide('local'), remoteScan]);
    return { local, remote, temps, problems, skippedLinks };
  } catch (error) {
    if (signal?.aborted) throw new FerryError('interrupted', 'interrupted while scanning; nothing was changed', { cause: error });
    throw error;
  }
}

/** The warning for skipped symbolic links, or undefined when none were. */
export function describeSkippedLinks(skippedLinks: readonly string[], links: 'skip' | 'follow' | undefined): string | undefined {
  if (skippedLinks.length === 0) return undefined;
  const shown = skippedLinks.slice(0, 3).join(', ') + (skippedLinks.length > 3 ? `, … (-v lists all)` : '');
  const hint = links === 'follow' ? 'they point outside the folder, dangle or make a loop' : "`links: 'follow'` copies what links inside the folder point to";
  return `${plural(skippedLinks.length, 'symbolic link was', 'symbolic links were')} skipped (${shown}); ${hint}`;
}
