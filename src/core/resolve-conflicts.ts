/**
 * Settling conflicts by the chosen strategy. Pure, except that `ask` calls the injected resolver.
 */
import type { ConflictInfo, Decision } from './decision.js';
import type { Entry } from './entry.js';
import { conflictCopyPath, isConflictCopy } from './conflict-copy-name.js';
import { blockWritesBelowFiles, protectFolderContents } from './folder-rules.js';
import type { RelPath } from './rel-path.js';
import { sourceSideOf } from './reconcile.js';
import { assertNever, otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';
import type { ResolveStrategy, SyncMode } from './sync-options.js';

/**
 * An answer to one conflict: a side wins, both versions are kept (sync only: the older one under a
 * conflict copy name, see conflict-copy-name.ts), or the path is left as it is.
 */
export type ConflictChoice = Side | 'skip' | 'keep-both';

/** What the `ask` resolver is shown. */
export interface ConflictQuestion {
  readonly path: RelPath;
  readonly conflict: ConflictInfo;
  readonly local: Entry | undefined;
  readonly remote: Entry | undefined;
  /**
   * The sides whose win settles this conflict: allowed in this mode (one-way modes: only the
   * source) and changing something (a source that deleted the file wins a one-way run only with
   * `--delete`). Never empty: a conflict no side can settle is not asked about.
   */
  readonly allowed: readonly Side[];
  /**
   * Whether "keep both" settles it (sync only): both sides have a file (not a conflict copy), or
   * one side deleted the file the other changed (the changed file is kept on both sides).
   */
  readonly canKeepBoth?: boolean;
  /** Both sides' fingerprints at the last sync, when there was one. */
  readonly recorded?: { readonly local: Entry; readonly remote: Entry } | null;
  /**
   * Reads up to `maxBytes` of one side's file (for showing a diff); set by the engine. Resolves to
   * the bytes read and whether the file was longer.
   */
  readonly read?: (side: Side, maxBytes: number) => Promise<{ readonly bytes: Uint8Array; readonly truncated: boolean }>;
}

/** Asks a person; resolves to their choice. */
export type ConflictResolver = (question: ConflictQuestion) => Promise<ConflictChoice>;

/** Options of {@link resolveConflicts}. */
export interface ResolveOptions {
  readonly mode: SyncMode;
  readonly strategy: ResolveStrategy;
  /** One-way `--force`: the source wins every conflict where it has the file. */
  readonly force: boolean;
  /** One-way `--delete`: a winning source that lacks the path deletes it on the target. */
  readonly delete: boolean;
  readonly timeWindowMs: number;
  readonly local: Snapshot;
  readonly remote: Snapshot;
  /** Required when strategy is `ask`. */
  readonly ask?: ConflictResolver;
  /** The state of the last sync (shown to `ask`). */
  readonly recorded?: (path: RelPath) => { readonly local: Entry; readonly remote: Entry } | undefined;
}

/** The side with the newer (or older) file, or undefined when not both are files or times tie. */
function sideByTime(local: Entry | undefined, remote: Entry | undefined, newer: boolean, windowMs: number): Side | undefined {
  if (local?.kind !== 'file' || remote?.kind !== 'file') return undefined;
  const difference = local.mtimeMs - remote.mtimeMs;
  if (Math.abs(difference) <= windowMs) return undefined;
  const localIsNewer = difference > 0;
  return localIsNewer === newer ? 'local' : 'remote';
}

/**
 * Replaces each conflict decision that the strategy settles by the copy or delete that makes the
 * winner's version hold on both sides. Unsettled conflicts stay as they are (and are reported).
 */
export async function resolveConflicts(decisions: readonly Decision[], options: ResolveOptions): Promise<Decision[]> {
  const settled = await settleEach(decisions, options);
  // A settled conflict may be the folder removal that reconcile had protected; the folder rules
  // apply again to the settled decisions (an unsettled one keeps its facts).
  const snapshots = { local: options.local, remote: options.remote };
  const protectedAgain = protectFolderContents(settled, snapshots, (decision) =>
    'conflict' in decision && decision.conflict ? decision.conflict : { reason: 'folder-deleted-contents-changed', local: 'unchanged', remote: 'unchanged' },
  );
  return blockWritesBelowFiles(protectedAgain, snapshots);
}

async function settleEach(decisions: readonly Decision[], options: ResolveOptions): Promise<Decision[]> {
  // Nothing to settle (the usual run): the decisions as they are, not a copy of a million slots.
  if (!decisions.some((decision) => decision.type === 'conflict')) return decisions as Decision[];
  const result: Decision[] = [];
  /** Conflict copy names chosen in this run (besides what either side has). */
  const chosen = new Set<RelPath>();
  const taken = (path: RelPath): boolean => chosen.has(path) || options.local.entries.has(path) || options.remote.entries.has(path);
  for (const decision of decisions) {
    if (decision.type !== 'conflict') {
      result.push(decision);
      continue;
    }
    const local = options.local.entries.get(decision.path);
    const remote = options.remote.entries.get(decision.path);
    const allowed: Side[] = options.mode === 'sync' ? ['local', 'remote'] : [sourceSideOf(options.mode)];
    let choice: ConflictChoice | undefined;
    if (options.mode !== 'sync' && options.force) {
      choice = allowed[0];
    } else {
      const strategy = options.strategy;
      switch (strategy) {
        case 'local':
        case 'remote':
          choice = strategy;
          break;
        case 'new':
        case 'old':
          choice = sideByTime(local, remote, strategy === 'new', options.timeWindowMs);
          break;
        case 'skip':
          choice = 'skip';
          break;
        case 'keep-both':
          choice = 'keep-both';
          break;
        case 'ask': {
          if (!options.ask) throw new Error('resolve strategy "ask" needs a resolver');
          // Only the answers that settle this conflict are offered; with none, it is not asked.
          const entries = { local, remote };
          const winners = allowed.filter((side) => applyChoice(decision, side, entries, options) !== decision);
          const canKeepBoth = keepBoth(decision, entries, options, taken) !== decision;
          if (winners.length === 0 && !canKeepBoth) {
            choice = 'skip';
            break;
          }
          // The resolver remembers an "for all remaining" answer itself.
          choice = await options.ask({
            path: decision.path,
            conflict: decision.conflict,
            local,
            remote,
            allowed: winners,
            canKeepBoth,
            recorded: options.recorded?.(decision.path) ?? null,
          });
          break;
        }
        default:
          assertNever(strategy);
      }
    }
    if (choice === 'keep-both') {
      const kept = keepBoth(decision, { local, remote }, options, taken);
      if (kept.type === 'copy' && kept.keepLoserAs) chosen.add(kept.keepLoserAs);
      result.push(kept);
      continue;
    }
    if (choice === undefined || choice === 'skip' || !allowed.includes(choice)) {
      result.push(decision);
      continue;
    }
    result.push(applyChoice(decision, choice, { local, remote }, options));
  }
  return result;
}

/**
 * keep-both: both files survive. The newer version keeps the name; the older one (the remote one
 * when the times tie) is renamed to a conflict copy name on its side, and each side then gets the
 * other's file. Where only one side has the file (deleted against modified), that file is kept on
 * both sides. A conflict on a conflict copy, and conflicts with folders, stay unresolved.
 */
function keepBoth(
  decision: Extract<Decision, { type: 'conflict' }>,
  entries: { local: Entry | undefined; remote: Entry | undefined },
  options: ResolveOptions,
  taken: (path: RelPath) => boolean,
): Decision {
  if (options.mode !== 'sync' || isConflictCopy(decision.path)) return decision;
  const { local, remote } = entries;
  if (local?.kind === 'file' && remote?.kind === 'file') {
    const winner = sideByTime(local, remote, true, options.timeWindowMs) ?? 'local';
    const loser = otherSide(winner);
    const keepLoserAs = conflictCopyPath(decision.path, loser, entries[loser]!.kind === 'file' ? (entries[loser] as { mtimeMs: number }).mtimeMs : 0, taken);
    return { type: 'copy', path: decision.path, from: winner, reason: 'conflict-resolved', conflict: decision.conflict, keepLoserAs };
  }
  if (local?.kind === 'file' && remote === undefined) return applyChoice(decision, 'local', entries, options);
  if (remote?.kind === 'file' && local === undefined) return applyChoice(decision, 'remote', entries, options);
  return decision;
}

/** The decision that makes `winner`'s version hold on both sides. */
function applyChoice(
  decision: Extract<Decision, { type: 'conflict' }>,
  winner: Side,
  entries: { local: Entry | undefined; remote: Entry | undefined },
  options: ResolveOptions,
): Decision {
  const loser = otherSide(winner);
  if (entries[winner] !== undefined) {
    return { type: 'copy', path: decision.path, from: winner, reason: 'conflict-resolved', conflict: decision.conflict };
  }
  if (entries[loser] === undefined) return { type: 'forget', path: decision.path };
  // The winner deleted it. One-way modes delete on the target only when --delete allows it.
  if (options.mode !== 'sync' && !options.delete) return decision;
  return { type: 'delete', path: decision.path, side: loser, reason: 'conflict-resolved', conflict: decision.conflict };
}
