/**
 * Which paths a run looks at: `--exclude` patterns on file and folder names (excluded folders are
 * never entered), `--match` patterns on file names. pyftpsync's words and defaults.
 */
import picomatch from 'picomatch';
import { isTempName } from './temp-name.js';
import { baseName, isInside, type RelPath } from './rel-path.js';

/** pyftpsync's default `--exclude`. */
export const DEFAULT_EXCLUDES: readonly string[] = ['.DS_Store', '.git', '.hg', '.svn', '#recycle'];

/** Names ferry never syncs: its own temporary files and pyftpsync's metadata. */
const ALWAYS_SKIPPED = new Set(['.pyftpsync-meta.json', '.pyftpsync-lock.json']);

/** Options of {@link PathFilter}. */
export interface PathFilterOptions {
  /** Glob patterns on file names; a file is synced only when one matches. Empty: all files. */
  readonly match?: readonly string[];
  /** Glob patterns on file and folder names to leave alone. Default {@link DEFAULT_EXCLUDES}. */
  readonly exclude?: readonly string[];
  /** Folders (paths from the root) never synced besides {@link DEFAULT_BACKUP_DIR}: a `--backup-dir`. */
  readonly skipFolders?: readonly RelPath[];
}

/** The folder `--backup-dir` uses when given no name; at the root it is never synced. */
export const DEFAULT_BACKUP_DIR = '.ferry-backup' as RelPath;

/** Splits a comma-separated pattern list (`"*.js, *.css"`), dropping empty items. */
export function splitPatterns(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Characters that give a pattern a meaning of its own in picomatch (globs, escapes, and `/`, since
 * picomatch reads `./name` as `name`); a pattern without any names exactly one name.
 */
const GLOB_CHARACTERS = /[*?[\]{}()!+@\\|^$/]/;

/**
 * One test for a list of patterns. Plain names (the default excludes are all plain) are looked up
 * in a set: compiling them with picomatch cost about 25 ms of every run's start-up, a twentieth of
 * a no-op sync. Only real globs are compiled.
 */
function nameMatcher(patterns: readonly string[]): (name: string) => boolean {
  const plainNames = new Set(patterns.filter((pattern) => !GLOB_CHARACTERS.test(pattern)));
  const globs = patterns.filter((pattern) => GLOB_CHARACTERS.test(pattern));
  if (globs.length === 0) return (name) => plainNames.has(name);
  const globMatcher = picomatch(globs, { dot: true });
  if (plainNames.size === 0) return globMatcher;
  return (name) => plainNames.has(name) || globMatcher(name);
}

/** Decides what a scan enters and what reconciliation syncs. */
export class PathFilter {
  private readonly matchers: ((name: string) => boolean) | undefined;
  private readonly excluders: (name: string) => boolean;
  private readonly skipFolders: readonly RelPath[];

  constructor(options: PathFilterOptions = {}) {
    const match = options.match ?? [];
    const exclude = options.exclude ?? DEFAULT_EXCLUDES;
    // dot: true so that "*.txt" also matches ".hidden.txt", as a shell user would not expect but
    // pyftpsync (fnmatch) does.
    this.matchers = match.length > 0 ? nameMatcher(match) : undefined;
    this.excluders = nameMatcher(exclude);
    this.skipFolders = [DEFAULT_BACKUP_DIR, ...(options.skipFolders ?? [])];
  }

  /** True for a backup folder and everything in it (see {@link PathFilterOptions.skipFolders}). */
  isSkippedFolderPath(path: RelPath): boolean {
    return this.skipFolders.some((dir) => path === dir || isInside(path, dir));
  }

  /** True when a name (file or folder) is never looked at. */
  isExcludedName(name: string): boolean {
    return ALWAYS_SKIPPED.has(name) || isTempName(name) || this.excluders(name);
  }

  /** True when any segment of `path` is excluded. */
  isExcludedPath(path: RelPath): boolean {
    return path.split('/').some((segment) => this.isExcludedName(segment)) || this.isSkippedFolderPath(path);
  }

  /** True when a file's name passes `--match` (folders always do). */
  isMatchedFile(path: RelPath): boolean {
    return this.matchers === undefined || this.matchers(baseName(path));
  }
}
