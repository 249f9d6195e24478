/**
 * Relative paths inside a synced tree.
 *
 * A {@link RelPath} is `/`-separated, without leading or trailing `/`, and `""` is the root. The
 * only ways to make one from a string are {@link toRelPath}, {@link joinRelPath} and
 * {@link joinExactPath}, which reject `..`, `.`, absolute paths, NUL and empty segments, so a name
 * sent by a server can never point outside the tree it belongs to; the others ({@link parentOf},
 * {@link joinPaths}, {@link pathBelow}, {@link leadingPath}, {@link ancestorsOf}) derive paths
 * from paths. Nothing outside this file writes `as RelPath` (test/architecture checks it).
 *
 * Snapshots, plans and the state are keyed by the NFC form (the comparison key that pairs a name
 * across sides: `toRelPath`, `joinRelPath`); a side's own spelling of a name (an NFD name on Linux,
 * byte for byte) is kept beside it for I/O (`joinExactPath`, core/spellings.ts).
 */

declare const relPathBrand: unique symbol;
/** A validated path relative to a tree's root. */
export type RelPath = string & { readonly [relPathBrand]: true };

/** The root of a tree. */
export const ROOT = '' as RelPath;

/** Thrown when a path or name is not safe to use inside a tree. */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
  constructor(
    readonly path: string,
    readonly why: string,
  ) {
    super(`unsafe path ${JSON.stringify(path)}: ${why}`);
  }
}

/** Why `name` cannot be a single path segment, or undefined when it can. */
export function segmentProblem(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name === '.' || name === '..') return `"${name}" is not allowed`;
  if (name.includes('/')) return 'contains "/"';
  if (name.includes('\0')) return 'contains NUL';
  if (name.includes('\\')) return 'contains "\\"';
  return undefined;
}

/**
 * True for a path of printable ASCII whose every segment is safe: such a path is its own NFC form
 * and needs no splitting (a state of a million paths is validated on every load).
 */
function isPlainSafePath(path: string): boolean {
  let segmentStart = 0;
  for (let i = 0; i <= path.length; i++) {
    const code = i < path.length ? path.charCodeAt(i) : 47;
    if (code === 47) {
      const length = i - segmentStart;
      if (length === 0) return false;
      if (path.charCodeAt(segmentStart) === 46 && (length === 1 || (length === 2 && path.charCodeAt(segmentStart + 1) === 46))) return false;
      segmentStart = i + 1;
    } else if (code < 32 || code > 126 || code === 92) {
      return false;
    }
  }
  return true;
}

/** Validates a `/`-separated relative path. Throws {@link UnsafePathError}. */
export function toRelPath(path: string): RelPath {
  if (path === '') return ROOT;
  if (isPlainSafePath(path)) return path as RelPath;
  if (path.startsWith('/')) throw new UnsafePathError(path, 'absolute path');
  const normalized = path.normalize('NFC');
  for (const segment of normalized.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) throw new UnsafePathError(path, problem);
  }
  return normalized as RelPath;
}

/** The path of `name` inside `dir`. Throws {@link UnsafePathError} when `name` is unsafe. */
export function joinRelPath(dir: RelPath, name: string): RelPath {
  const normalized = name.normalize('NFC');
  const problem = segmentProblem(normalized);
  if (problem !== undefined) throw new UnsafePathError(name, problem);
  // join makes one flat string; `${dir}/${name}` would make a rope (a cons string) that keeps an
  // extra object per path alive once flattened: 40 bytes more for each of a scan's million paths.
  return (dir === ROOT ? normalized : [dir, normalized].join('/')) as RelPath;
}

/**
 * The path of `name` inside `dir` as spelled, without normalisation: how a side names an entry
 * for I/O. Throws {@link UnsafePathError} when `name` is unsafe.
 */
export function joinExactPath(dir: RelPath, name: string): RelPath {
  const problem = segmentProblem(name);
  if (problem !== undefined) throw new UnsafePathError(name, problem);
  return (dir === ROOT ? name : [dir, name].join('/')) as RelPath;
}

/**
 * A `/`-separated relative path as spelled, without normalisation: for paths ferry itself recorded
 * exactly (a part's temporary file in the state folder). Throws {@link UnsafePathError}.
 */
export function toExactRelPath(path: string): RelPath {
  if (path === '') return ROOT;
  if (path.startsWith('/')) throw new UnsafePathError(path, 'absolute path');
  for (const segment of path.split('/')) {
    const problem = segmentProblem(segment);
    if (problem !== undefined) throw new UnsafePathError(path, problem);
  }
  return path as RelPath;
}

/*
 * The constructors below are trusted: they make a RelPath from RelPaths without checking the
 * result, because each one only cuts a valid path at a `/` or joins two valid paths with one `/`,
 * and neither can make `..`, `.`, an empty segment, a leading `/` or NUL out of parts that have
 * none. They are the way the rest of the code derives paths from paths (never a cast).
 */

/**
 * `rest`, a path relative to `dir`, as a path of the tree (`a` and `b/c`: `a/b/c`). Either may be
 * the root. Trusted: two valid paths joined by one `/` make a valid path.
 */
export function joinPaths(dir: RelPath, rest: RelPath): RelPath {
  if (rest === ROOT) return dir;
  if (dir === ROOT) return rest;
  return `${dir}/${rest}` as RelPath;
}

/**
 * `path` relative to `dir`, which is `path` or holds it (`a/b/c` below `a`: `b/c`; `dir` itself:
 * the root). Trusted: what follows a `/` of a valid path is a valid path.
 */
export function pathBelow(path: RelPath, dir: RelPath): RelPath {
  if (path === dir) return ROOT;
  if (dir === ROOT) return path;
  return path.slice(dir.length + 1) as RelPath;
}

/**
 * The first `count` segments of `path` (`a/b/c`, 2: `a/b`; 0: the root; `count` at or above the
 * depth: `path` itself). Trusted: a valid path cut before one of its `/` is a valid path.
 */
export function leadingPath(path: RelPath, count: number): RelPath {
  if (count <= 0) return ROOT;
  let end = -1;
  for (let i = 0; i < count; i++) {
    end = path.indexOf('/', end + 1);
    if (end < 0) return path;
  }
  return path.slice(0, end) as RelPath;
}

/** The folder that holds `path` (`""` for top-level names). The root has no parent. */
export function parentOf(path: RelPath): RelPath {
  const slash = path.lastIndexOf('/');
  return (slash < 0 ? ROOT : path.slice(0, slash)) as RelPath;
}

/** The last segment of `path`. */
export function baseName(path: RelPath): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** True when `path` lies strictly inside `dir`. */
export function isInside(path: RelPath, dir: RelPath): boolean {
  if (dir === ROOT) return path !== ROOT;
  return path.length > dir.length && path.startsWith(dir) && path[dir.length] === '/';
}

/** All ancestors of `path` from the outermost down, without the root and without `path`. */
export function ancestorsOf(path: RelPath): RelPath[] {
  const result: RelPath[] = [];
  let index = path.indexOf('/');
  while (index >= 0) {
    result.push(path.slice(0, index) as RelPath);
    index = path.indexOf('/', index + 1);
  }
  return result;
}

/** Number of segments (`""` has depth 0). */
export function depthOf(path: RelPath): number {
  if (path === ROOT) return 0;
  let depth = 1;
  for (const ch of path) if (ch === '/') depth++;
  return depth;
}

/**
 * Orders paths so that every folder comes right before its contents (`a`, `a/b`, `a.txt`),
 * comparing segment by segment. Used to give plans and listings a stable order. Takes any strings
 * (the order needs no check), so lists of plain strings sort the same way without a cast.
 */
export function comparePaths(a: string, b: string): number {
  // Segment by segment, as if each path were split at "/", without allocating: "/" sorts before
  // every other character (names cannot contain NUL), so a shorter name comes first.
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x === 47) return -1;
      if (y === 47) return 1;
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}
