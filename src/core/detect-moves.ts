/**
 * Moves and renames: a path that disappeared on one side and a new path on the same side with the
 * recorded fingerprint of the old one become one rename on the other side, instead of a copy of
 * the new path and a deletion of the old one. Pure.
 *
 * The fingerprint is what the state keeps: size and mtime as the moved side reported them at the
 * last sync (a rename keeps both on every file system and server ferry knows). Only unambiguous
 * pairs count: exactly one disappeared path and exactly one new path with that fingerprint. Empty
 * files are never paired (their fingerprint says nothing about content, and copying them is free).
 */
import type { Decision } from './decision.js';
import type { Entry } from './entry.js';
import { comparePaths, isInside, joinPaths, leadingPath, pathBelow, type RelPath } from './rel-path.js';
import { otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';
import type { SyncState } from './sync-state.js';

/** One entry carried along by a folder move, relative to the folder. */
export interface MovedEntry {
  /** Path below the moved folder (`sub/file.txt`). */
  readonly suffix: RelPath;
  /** The entry on the side where the move happened (at the new path). */
  readonly source: Entry;
  /** The entry on the side to rename (at the old path), as scanned. */
  readonly expect: Entry;
}

/** A rename to repeat on `side`: `from` (old path) becomes `to` (new path). */
export interface PlannedMove {
  /** The side the rename is done on (the side where the path did not move yet). */
  readonly side: Side;
  readonly from: RelPath;
  readonly to: RelPath;
  /** The moved entry as the other side lists it at `to`. */
  readonly source: Entry;
  /** The entry at `from` on `side` at scan time (re-checked before the rename). */
  readonly expect: Entry;
  /** Folder moves: everything below the folder (files and folders), which moves with it. */
  readonly contents: readonly MovedEntry[];
  /** `case`: a spelling settled by `--case` (case-collisions.ts); default a detected move. */
  readonly reason?: 'moved' | 'case';
}

/** Input of {@link detectMoves}. */
export interface DetectMovesInput {
  /** Decisions after conflict resolution, sorted (folders before contents). */
  readonly decisions: readonly Decision[];
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  /** Old paths (files or folders) never to move: their content did not match (see confirm-moves). */
  readonly refuse?: ReadonlySet<RelPath>;
}

/** The decisions left after pairing, and the moves that replace the paired ones. */
export interface DetectMovesResult {
  readonly decisions: Decision[];
  readonly moves: PlannedMove[];
}

/** The decision at a path. */
type DecisionLookup = Pick<ReadonlyMap<RelPath, Decision>, 'get'>;

type CopyDecision = Extract<Decision, { type: 'copy' }>;
type DeleteDecision = Extract<Decision, { type: 'delete' }>;

const segments = (path: RelPath): string[] => (path === '' ? [] : path.split('/'));

/**
 * Pairs a deletion on side T of a path the other side S deleted with a copy to T of a path S
 * created, when S's new file has the fingerprint S had for the old path. Then folds file moves
 * into folder moves where a whole folder moved: every entry below the old folder on T pairs with
 * the same entry below the new folder on S, and nothing else is below either.
 */
export function detectMoves(input: DetectMovesInput): DetectMovesResult {
  const snapshots = { local: input.local, remote: input.remote };
  // Needed only to check folder moves (rare): built on first use, not a map of a million
  // decisions on every run.
  let decisionMap: Map<RelPath, Decision> | undefined;
  const byPath: DecisionLookup = {
    get: (path) => {
      if (!decisionMap) {
        decisionMap = new Map();
        for (const decision of input.decisions) decisionMap.set(decision.path, decision);
      }
      return decisionMap.get(path);
    },
  };
  const consumed = new Set<RelPath>();
  const moves: PlannedMove[] = [];

  for (const moved of ['local', 'remote'] as const) {
    const target = otherSide(moved);
    // A folder on the target side that a file replaces is cleared before anything else runs:
    // what lies below it is deleted there, not renamed out of it.
    const cleared = input.decisions
      .filter(
        (decision) =>
          decision.type === 'copy' &&
          decision.from === moved &&
          snapshots[target].entries.get(decision.path)?.kind === 'dir' &&
          snapshots[moved].entries.get(decision.path)?.kind === 'file',
      )
      .map((decision) => decision.path);
    const inCleared = (path: RelPath): boolean => cleared.some((dir) => isInside(path, dir));
    const gone = new Map<string, DeleteDecision[]>();
    const created = new Map<string, CopyDecision[]>();
    for (const decision of input.decisions) {
      if (decision.type === 'delete' && decision.side === target && decision.reason === 'deleted') {
        const recorded = input.state.get(decision.path)?.[moved];
        const current = snapshots[target].entries.get(decision.path);
        if (recorded?.kind !== 'file' || recorded.size === 0 || current?.kind !== 'file' || inCleared(decision.path) || input.refuse?.has(decision.path))
          continue;
        push(gone, `${recorded.size}:${recorded.mtimeMs}`, decision);
      } else if (decision.type === 'copy' && decision.from === moved && decision.reason === 'new') {
        const entry = snapshots[moved].entries.get(decision.path);
        if (entry?.kind !== 'file' || entry.size === 0 || snapshots[target].entries.has(decision.path)) continue;
        push(created, `${entry.size}:${entry.mtimeMs}`, decision);
      }
    }
    const fileMoves: PlannedMove[] = [];
    for (const [key, deletions] of gone) {
      const copies = created.get(key);
      if (deletions.length !== 1 || copies?.length !== 1) continue;
      const from = deletions[0]!.path;
      const to = copies[0]!.path;
      fileMoves.push({
        side: target,
        from,
        to,
        source: snapshots[moved].entries.get(to)!,
        expect: snapshots[target].entries.get(from)!,
        contents: [],
      });
    }
    const folded = foldFolderMoves(
      fileMoves,
      moved,
      byPath,
      snapshots,
      input.state,
      // Nothing cleared (the usual run): the decisions as they are, not a copy of a million.
      cleared.length === 0 ? input.decisions : input.decisions.filter((decision) => !inCleared(decision.path)),
      input.refuse ?? new Set(),
    );
    for (const move of folded) {
      moves.push(move);
      consumed.add(move.from);
      consumed.add(move.to);
      for (const entry of move.contents) {
        consumed.add(joinPaths(move.from, entry.suffix));
        consumed.add(joinPaths(move.to, entry.suffix));
      }
    }
  }
  moves.sort((a, b) => comparePaths(a.to, b.to));
  // No move (the usual run): the decisions as they are, not a copy of a million slots.
  if (consumed.size === 0) return { decisions: input.decisions as Decision[], moves };
  return { decisions: input.decisions.filter((decision) => !consumed.has(decision.path)), moves };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Replaces the file moves of a folder that moved as a whole by one folder move. Candidate folder
 * pairs come from each file move's paths with their common trailing segments stripped; shallow
 * candidates are tried first, so a moved tree becomes one rename of its top folder.
 */
function foldFolderMoves(
  fileMoves: readonly PlannedMove[],
  moved: Side,
  byPath: DecisionLookup,
  snapshots: Readonly<Record<Side, Snapshot>>,
  state: SyncState,
  decisions: readonly Decision[],
  refuse: ReadonlySet<RelPath>,
): PlannedMove[] {
  const target = otherSide(moved);
  const candidates = new Map<string, { from: RelPath; to: RelPath }>();
  for (const pair of sameContentsFolders(moved, decisions, snapshots, state)) candidates.set(`${pair.from}\u0000${pair.to}`, pair);
  for (const move of fileMoves) {
    const from = segments(move.from);
    const to = segments(move.to);
    for (let kept = 1; kept < Math.min(from.length, to.length); kept++) {
      if (from[from.length - kept] !== to[to.length - kept]) break;
      const fromDir = leadingPath(move.from, from.length - kept);
      const toDir = leadingPath(move.to, to.length - kept);
      if (fromDir === toDir || isInside(toDir, fromDir) || isInside(fromDir, toDir)) continue;
      candidates.set(`${fromDir}\u0000${toDir}`, { from: fromDir, to: toDir });
    }
  }
  const sorted = [...candidates.values()].sort((a, b) => segments(a.from).length - segments(b.from).length || comparePaths(a.from, b.from));
  const folderMoves: PlannedMove[] = [];
  const usedFolders: RelPath[] = [];
  for (const candidate of sorted) {
    if (refuse.has(candidate.from)) continue;
    if (usedFolders.some((dir) => candidate.from === dir || isInside(candidate.from, dir) || candidate.to === dir || isInside(candidate.to, dir))) continue;
    const contents = wholeFolderMoved(candidate.from, candidate.to, moved, byPath, snapshots, state, refuse);
    if (!contents) continue;
    usedFolders.push(candidate.from, candidate.to);
    folderMoves.push({
      side: target,
      from: candidate.from,
      to: candidate.to,
      source: { kind: 'dir' },
      expect: { kind: 'dir' },
      contents,
    });
  }
  const inFolderMove = (move: PlannedMove): boolean => folderMoves.some((folder) => isInside(move.from, folder.from) && isInside(move.to, folder.to));
  return [...folderMoves, ...fileMoves.filter((move) => !inFolderMove(move))];
}

/**
 * The entries below a folder that moved as a whole from `from` to `to` on the `moved` side, or
 * undefined when it did not: the target side's old folder must hold only entries that go away and
 * pair with the same entry below the new folder, and the new folder nothing else.
 */
function wholeFolderMoved(
  from: RelPath,
  to: RelPath,
  moved: Side,
  byPath: DecisionLookup,
  snapshots: Readonly<Record<Side, Snapshot>>,
  state: SyncState,
  refuse: ReadonlySet<RelPath>,
): MovedEntry[] | undefined {
  const target = otherSide(moved);
  const removesOld = byPath.get(from);
  const createsNew = byPath.get(to);
  if (removesOld?.type !== 'delete' || removesOld.side !== target || removesOld.reason !== 'deleted') return undefined;
  if (createsNew?.type !== 'copy' || createsNew.from !== moved || createsNew.reason !== 'new') return undefined;
  if (snapshots[target].entries.get(from)?.kind !== 'dir' || snapshots[moved].entries.get(to)?.kind !== 'dir') return undefined;
  if (snapshots[target].entries.has(to) || snapshots[target].unreadable.has(from) || snapshots[moved].unreadable.has(to)) return undefined;

  const below = (snapshot: Snapshot, dir: RelPath): Map<RelPath, Entry> => {
    const found = new Map<RelPath, Entry>();
    for (const [path, entry] of snapshot.entries) if (isInside(path, dir)) found.set(pathBelow(path, dir), entry);
    return found;
  };
  const oldContents = below(snapshots[target], from);
  const newContents = below(snapshots[moved], to);
  if (oldContents.size !== newContents.size) return undefined;
  const contents: MovedEntry[] = [];
  let files = 0;
  for (const [suffix, expect] of oldContents) {
    const source = newContents.get(suffix);
    if (!source || source.kind !== expect.kind) return undefined;
    const oldPath = joinPaths(from, suffix);
    const newPath = joinPaths(to, suffix);
    const removal = byPath.get(oldPath);
    const creation = byPath.get(newPath);
    if (removal?.type !== 'delete' || removal.side !== target || removal.reason !== 'deleted') return undefined;
    if (creation?.type !== 'copy' || creation.from !== moved || creation.reason !== 'new') return undefined;
    if (source.kind === 'file') {
      // The moved side's new file must be the one it had at the old path at the last sync.
      const recorded = state.get(oldPath)?.[moved];
      if (refuse.has(oldPath)) return undefined;
      if (recorded?.kind !== 'file' || recorded.size !== source.size || recorded.mtimeMs !== source.mtimeMs) return undefined;
      files++;
    }
    contents.push({ suffix, source, expect });
  }
  if (files === 0) return undefined;
  return contents.sort((a, b) => comparePaths(a.suffix, b.suffix));
}

/**
 * Pairs of a folder the moved side deleted and a folder it created whose contents have the same
 * names and recorded fingerprints, where that signature is unique on both ends. This finds folder
 * moves even when their files alone are ambiguous (a checkout where every file has one mtime).
 */
function sameContentsFolders(
  moved: Side,
  decisions: readonly Decision[],
  snapshots: Readonly<Record<Side, Snapshot>>,
  state: SyncState,
): { from: RelPath; to: RelPath }[] {
  const target = otherSide(moved);
  const signatureOf = (snapshot: Snapshot, dir: RelPath, printOf: (path: RelPath, entry: Entry) => string | undefined): string | undefined => {
    const parts: string[] = [];
    for (const [path, entry] of snapshot.entries) {
      if (!isInside(path, dir)) continue;
      const print = printOf(path, entry);
      if (print === undefined) return undefined;
      parts.push(`${path.slice(dir.length + 1)}\u0000${print}`);
    }
    return parts.length === 0 ? undefined : parts.sort().join('\u0001');
  };
  const printOfEntry = (entry: Entry | undefined): string | undefined =>
    entry === undefined ? undefined : entry.kind === 'dir' ? 'dir' : `${entry.size}:${entry.mtimeMs}`;
  const gone = new Map<string, RelPath[]>();
  const created = new Map<string, RelPath[]>();
  for (const decision of decisions) {
    if (
      decision.type === 'delete' &&
      decision.side === target &&
      decision.reason === 'deleted' &&
      snapshots[target].entries.get(decision.path)?.kind === 'dir'
    ) {
      const signature = signatureOf(snapshots[target], decision.path, (path) => printOfEntry(state.get(path)?.[moved]));
      if (signature !== undefined) push(gone, signature, decision.path);
    } else if (
      decision.type === 'copy' &&
      decision.from === moved &&
      decision.reason === 'new' &&
      snapshots[moved].entries.get(decision.path)?.kind === 'dir'
    ) {
      const signature = signatureOf(snapshots[moved], decision.path, (_path, entry) => printOfEntry(entry));
      if (signature !== undefined) push(created, signature, decision.path);
    }
  }
  const pairs: { from: RelPath; to: RelPath }[] = [];
  for (const [signature, froms] of gone) {
    const tos = created.get(signature);
    if (froms.length === 1 && tos?.length === 1) pairs.push({ from: froms[0]!, to: tos[0]! });
  }
  return pairs;
}
