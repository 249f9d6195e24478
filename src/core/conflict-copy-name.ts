/**
 * Names of conflict copies (`--resolve keep-both`): the losing version of a conflict is kept
 * beside the winner as `name.conflict-<side>-<UTC time>.ext`, for example
 * `report.conflict-remote-20261122T053000Z.txt`. The time is the losing version's mtime (so the name
 * says which version it is, and the same conflict always gets the same name); a name already taken
 * gets `-2`, `-3`, … before the extension. Pure.
 */
import { baseName, joinRelPath, parentOf, type RelPath } from './rel-path.js';
import type { Side } from './side.js';

const STAMP = /^\d{8}T\d{6}Z$/;
const COPY_NAME = /\.conflict-(local|remote)-(\d{8}T\d{6}Z)(-\d+)?(\.[^.]*)?$/;

/** `20261122T053000Z` for an mtime in ms (UTC, whole seconds). */
export function conflictStamp(mtimeMs: number): string {
  const iso = new Date(Math.floor(mtimeMs / 1000) * 1000).toISOString(); // 2026-11-22T05:30:00.000Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return STAMP.test(stamp) ? stamp : 'unknown';
}

/** Splits `report.txt` into `report` and `.txt`; a leading dot is part of the stem (`.bashrc`). */
function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/**
 * The conflict copy name for the `side` version of `path` with mtime `mtimeMs`: the first of
 * `name.conflict-side-STAMP.ext`, `name.conflict-side-STAMP-2.ext`, … that `taken` says is free.
 */
export function conflictCopyPath(path: RelPath, side: Side, mtimeMs: number, taken: (candidate: RelPath) => boolean): RelPath {
  const { stem, ext } = splitExtension(baseName(path));
  const stamp = conflictStamp(mtimeMs);
  for (let n = 1; ; n++) {
    const name = `${stem}.conflict-${side}-${stamp}${n === 1 ? '' : `-${n}`}${ext}`;
    const candidate = joinRelPath(parentOf(path), name);
    if (!taken(candidate)) return candidate;
  }
}

/** True for a name made by {@link conflictCopyPath}: such files are never copied again on conflict. */
export function isConflictCopy(path: RelPath): boolean {
  return COPY_NAME.test(baseName(path));
}
