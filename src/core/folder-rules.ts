/**
 * The folder rules that hold across paths (docs/design.md "Folder rules"). Pure.
 *
 * 1. A folder is removed from a side (deleted, or replaced by a file) only when everything inside
 *    it on that side goes too; otherwise the removal becomes a conflict, so a folder deleted on one
 *    side never takes an edit (or anything this run keeps) on the other side with it.
 * 2. Nothing is created below a path that stays a file on the target side: contents wait with the
 *    conflict of their folder.
 *
 * Rule 1 runs in `reconcile` (before conflicts are resolved) and again after resolution, because a
 * resolved conflict can turn back into the removal it protected against. Rule 2 runs after.
 */
import type { ConflictInfo, Decision } from './decision.js';
import { ancestorsOf, isInside, type RelPath } from './rel-path.js';
import { otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';

type Snapshots = Readonly<Record<Side, Snapshot>>;

/** The side whose folder at `path` the decision would remove, if any. */
function sideLosingFolder(decision: Decision, snapshots: Snapshots): Side | undefined {
  if (decision.type === 'delete' && snapshots[decision.side].entries.get(decision.path)?.kind === 'dir') return decision.side;
  if (decision.type === 'copy') {
    const to = otherSide(decision.from);
    const replaced = snapshots[to].entries.get(decision.path);
    if (replaced?.kind === 'dir' && snapshots[decision.from].entries.get(decision.path)?.kind !== 'dir') return to;
  }
  return undefined;
}

/** True when the decision leaves an entry in place on `side` (so its folder must stay). */
function keepsEntryOn(decision: Decision, side: Side, snapshot: Snapshot): boolean {
  if (decision.type === 'delete' && decision.side === side) return false;
  if (decision.type === 'copy' && decision.from !== side) return true;
  if (decision.type === 'forget') return false;
  return snapshot.entries.has(decision.path);
}

/**
 * Rule 1. `factsOf` gives the conflict facts (each side's detected change) for a decision that
 * becomes a conflict. Decisions must be sorted (folders before contents); deepest folders are
 * checked first, so a nested conflict protects its parents.
 */
export function protectFolderContents(decisions: readonly Decision[], snapshots: Snapshots, factsOf: (decision: Decision) => ConflictInfo): Decision[] {
  // Copied on the first change only: usually nothing changes, and a copy is a million slots.
  let result = decisions as Decision[];
  let copied = false;
  for (let index = result.length - 1; index >= 0; index--) {
    const decision = result[index]!;
    const side = sideLosingFolder(decision, snapshots);
    if (side === undefined) continue;
    let keepsContents = false;
    for (let inner = index + 1; inner < result.length && isInside(result[inner]!.path, decision.path); inner++) {
      if (keepsEntryOn(result[inner]!, side, snapshots[side])) {
        keepsContents = true;
        break;
      }
    }
    if (!keepsContents) continue;
    const facts = factsOf(decision);
    const reason = decision.type === 'copy' ? 'type-changed' : 'folder-deleted-contents-changed';
    if (!copied) {
      result = [...result];
      copied = true;
    }
    result[index] = { type: 'conflict', path: decision.path, conflict: { ...facts, reason } };
  }
  return result;
}

/** The side a decision creates something on, if any. */
function sideCreatedOn(decision: Decision): Side | undefined {
  return decision.type === 'copy' ? otherSide(decision.from) : undefined;
}

/**
 * Rule 2: a copy to side X below a path that is a file on X (and is not being replaced by a folder
 * in this run) waits: it becomes a `parent-conflict` skip.
 */
export function blockWritesBelowFiles(decisions: readonly Decision[], snapshots: Snapshots): Decision[] {
  // Needed only when a file stands where a copy needs a folder (rare): built on first use.
  let byPath: Map<RelPath, Decision> | undefined;
  const decisionAt = (dir: RelPath): Decision | undefined => (byPath ??= new Map(decisions.map((decision) => [decision.path, decision]))).get(dir);
  // Mapped (a copy of a million slots) only when some decision is blocked: usually none is.
  const isBlocked = (decision: Decision): boolean => {
    const side = sideCreatedOn(decision);
    if (side === undefined) return false;
    return ancestorsOf(decision.path).some((dir) => {
      if (snapshots[side].entries.get(dir)?.kind !== 'file') return false;
      const ancestor = decisionAt(dir);
      const becomesFolder = ancestor?.type === 'copy' && ancestor.from !== side && snapshots[ancestor.from].entries.get(dir)?.kind === 'dir';
      return !becomesFolder;
    });
  };
  if (!decisions.some(isBlocked)) return decisions as Decision[];
  return decisions.map((decision): Decision => (isBlocked(decision) ? { type: 'skip', path: decision.path, reason: 'parent-conflict' } : decision));
}
