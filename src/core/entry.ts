/**
 * What a scan knows about one path on one side.
 */
import type { RelPath } from './rel-path.js';

/** A regular file as a backend lists it. `mtimeMs` is in the backend's own precision. */
export interface FileEntry {
  readonly kind: 'file';
  readonly size: number;
  readonly mtimeMs: number;
  /** Unix permission bits, where the backend knows them. */
  readonly mode?: number;
}

/** A folder. */
export interface DirEntry {
  readonly kind: 'dir';
}

/** One path as a scan saw it. */
export type Entry = FileEntry | DirEntry;

/** One name in a folder listing. `unsupported` names (symlinks, devices) are reported, not synced. */
export type ListedEntry = { readonly name: string; readonly entry: Entry } | { readonly name: string; readonly unsupported: string };

/** The fingerprint of a path kept in the state: what the side reported right after the last sync. */
export type Fingerprint = FileEntry | DirEntry;

/**
 * The one folder entry shared wherever a folder's entry or fingerprint is made in bulk (a huge
 * tree has many folders). Frozen: it is shared.
 */
export const DIR_ENTRY: DirEntry = Object.freeze({ kind: 'dir' });

/** Reduces an entry to the fields the state keeps (mode is not part of change detection). */
export function fingerprintOf(entry: Entry): Fingerprint {
  return entry.kind === 'dir' ? DIR_ENTRY : { kind: 'file', size: entry.size, mtimeMs: entry.mtimeMs };
}

/** True when two entries describe the same content as far as a listing can tell. */
export function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'dir') return true;
  return b.kind === 'file' && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** A path and its entry. */
export interface PathEntry {
  readonly path: RelPath;
  readonly entry: Entry;
}
