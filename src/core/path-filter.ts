/**
 * Which paths a run looks at: `--exclude` patterns (excluded folders are never entered), `--match`
 * patterns on files, gitignore-style rule lists (`--exclude-from`, `.ferryignore`,
 * `--include-from`), and limits on a file's size and age. pyftpsync's words and defaults for the
 * patterns; git's syntax for the rule lists. Pure: rule lists arrive as text, read elsewhere.
 */
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { Entry } from './entry.js';
import { isTempName } from './temp-name.js';
import { ancestorsOf, baseName, isInside, toRelPath, type RelPath } from './rel-path.js';

/** pyftpsync's default `--exclude`. */
export const DEFAULT_EXCLUDES: readonly string[] = ['.DS_Store', '.git', '.hg', '.svn', '#recycle'];

/**
 * The ignore file read from the local root by default (gitignore syntax). It configures ferry, like
 * pyftpsync's metadata, and is not synced itself (a deploy does not publish it).
 */
export const IGNORE_FILE_NAME = '.ferryignore';

/** Names ferry never syncs: its own temporary files and pyftpsync's metadata. */
const ALWAYS_SKIPPED = new Set(['.pyftpsync-meta.json', '.pyftpsync-lock.json']);

/** Lines of a gitignore-style rule list, and where they come from (for messages: `file:line`). */
export interface RuleList {
  /** `--exclude-from ignore.txt`, `.ferryignore`, … */
  readonly source: string;
  readonly lines: readonly string[];
}

/**
 * What a filter selects: the filter options a library caller gives (the engine's `FilterOptions`
 * add `ignoreFile`), declared once here.
 */
export interface FilterCriteria {
  /**
   * Glob patterns for files to sync; a file is synced only when one matches. A pattern without a
   * `/` matches the file's name at any depth; one with a `/` matches its path from the root
   * (`src/*.js`; a leading `/` or `./` only anchors). Empty: all files.
   */
  readonly match?: readonly string[];
  /**
   * Glob patterns for files and folders to leave alone, read as {@link match} (a name at any
   * depth, or a path from the root when the pattern holds a `/`); a trailing `/` means folders
   * only (`build/`). Default {@link DEFAULT_EXCLUDES}.
   */
  readonly exclude?: readonly string[];
  /**
   * gitignore-style lists of paths to leave alone (`--exclude-from`, `.ferryignore`): `dir/`,
   * `*.log`, `/top`, `!keep.log`, `# comments`. Added to {@link exclude}.
   */
  readonly excludeRules?: readonly RuleList[];
  /** gitignore-style lists of the files to sync (`--include-from`): other files are left alone. */
  readonly includeRules?: readonly RuleList[];
  /** Files smaller than this many bytes are left alone (on both sides: never copied nor deleted). */
  readonly minSize?: number;
  /** Files larger than this many bytes are left alone (on both sides). */
  readonly maxSize?: number;
  /** Files modified longer ago than this many ms are left alone (on both sides). */
  readonly maxAgeMs?: number;
}

/** Options of {@link PathFilter}: the criteria, and what the run adds. */
export interface PathFilterOptions extends FilterCriteria {
  /** The time {@link maxAgeMs} counts back from (ms since 1970); required with it. */
  readonly nowMs?: number;
  /** Folders (paths from the root) never synced besides {@link DEFAULT_BACKUP_DIR}: a `--backup-dir`. */
  readonly skipFolders?: readonly RelPath[];
  /** Leave {@link IGNORE_FILE_NAME} at the root alone (set when it was read). */
  readonly skipIgnoreFile?: boolean;
}

/** A pattern or rule that cannot match any path (a usage error for the caller). */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

/** The folder `--backup-dir` uses when given no name; at the root it is never synced. */
export const DEFAULT_BACKUP_DIR = toRelPath('.ferry-backup');

/** Splits a comma-separated pattern list (`"*.js, *.css"`), dropping empty items. */
export function splitPatterns(list: string): string[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/**
 * Characters that give a pattern a meaning of its own in picomatch (globs, escapes); a pattern
 * without any names exactly one name.
 */
const GLOB_CHARACTERS = /[*?[\]{}()!+@\\|^$]/;

/**
 * One test for a list of patterns. Plain names (the default excludes are all plain) are looked up
 * in a set: compiling them with picomatch cost about 25 ms of every run's start-up, a twentieth of
 * a no-op sync. Only real globs are compiled.
 */
function nameMatcher(patterns: readonly string[]): ((name: string) => boolean) | undefined {
  if (patterns.length === 0) return undefined;
  const plainNames = new Set(patterns.filter((pattern) => !GLOB_CHARACTERS.test(pattern)));
  const globs = patterns.filter((pattern) => GLOB_CHARACTERS.test(pattern));
  // dot: true so that "*.txt" also matches ".hidden.txt", as a shell user would not expect but
  // pyftpsync (fnmatch) does.
  if (globs.length === 0) return (name) => plainNames.has(name);
  const globMatcher = picomatch(globs, { dot: true });
  if (plainNames.size === 0) return globMatcher;
  return (name) => plainNames.has(name) || globMatcher(name);
}

/** `--exclude`/`--match` patterns sorted by what they test. */
interface PatternSet {
  /** On a name at any depth (files and folders). */
  readonly names?: (name: string) => boolean;
  /** On a folder's name at any depth (`name/`). */
  readonly folderNames?: (name: string) => boolean;
  /** On a path from the root. */
  readonly paths?: (path: string) => boolean;
  /** On a folder's path from the root (`a/b/`). */
  readonly folderPaths?: (path: string) => boolean;
}

/**
 * Why a pattern cannot match any path, or undefined when it can. `.` and `..` segments and
 * empty ones (`a//b`) never appear in a path ferry compares.
 */
function patternProblem(body: string): string | undefined {
  if (body === '') return 'it names no file or folder';
  const segments = body.split('/');
  if (segments.some((segment) => segment === '')) return 'it has an empty path segment (//)';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'paths are compared from the root, without . or .. segments';
  return undefined;
}

function compilePatterns(patterns: readonly string[], flag: '--exclude' | '--match'): PatternSet {
  const groups = { names: [] as string[], folderNames: [] as string[], paths: [] as string[], folderPaths: [] as string[] };
  for (const pattern of patterns) {
    let body = pattern;
    const folderOnly = body.endsWith('/');
    if (folderOnly) body = body.replace(/\/+$/, '');
    const anchored = body.startsWith('/') || body.startsWith('./') || body.includes('/');
    body = body.replace(/^(\.\/|\/)+/, '');
    const problem = patternProblem(body);
    if (problem) throw new FilterPatternError(`${flag} ${pattern}: cannot match anything: ${problem}`);
    if (folderOnly && flag === '--match') {
      throw new FilterPatternError(
        `${flag} ${pattern}: cannot match anything: --match picks files, and a trailing / means folders only (use --include-from for folders)`,
      );
    }
    const group = anchored ? (folderOnly ? groups.folderPaths : groups.paths) : folderOnly ? groups.folderNames : groups.names;
    group.push(body);
  }
  return {
    names: nameMatcher(groups.names),
    folderNames: nameMatcher(groups.folderNames),
    paths: nameMatcher(groups.paths),
    folderPaths: nameMatcher(groups.folderPaths),
  };
}

/** True when a pattern set holds anything beyond plain names. */
function testsPaths(set: PatternSet): boolean {
  return set.folderNames !== undefined || set.paths !== undefined || set.folderPaths !== undefined;
}

/**
 * One gitignore-style matcher for rule lists; lines that cannot match anything are a
 * {@link FilterPatternError} naming `source:line`.
 */
function compileRules(lists: readonly RuleList[] | undefined): Ignore | undefined {
  if (!lists || lists.length === 0) return undefined;
  const rules = ignore();
  for (const list of lists) {
    list.lines.forEach((raw, index) => {
      const line = raw.replace(/\r$/, '');
      // Blank lines and comments, as git reads them (a trailing space only counts when escaped).
      const text = line.replace(/(?<!\\)\s+$/, '');
      if (text === '' || text.startsWith('#')) return;
      const body = text.replace(/^!/, '').replace(/\/+$/, '').replace(/^\/+/, '').replace(/^\.\//, '');
      const problem = patternProblem(body);
      if (problem) throw new FilterPatternError(`${list.source}:${index + 1}: ${text}: cannot match anything: ${problem}`);
      rules.add(text);
    });
  }
  return rules;
}

/** Decides what a scan enters and what reconciliation syncs. */
export class PathFilter {
  private readonly match: PatternSet | undefined;
  private readonly exclude: PatternSet;
  private readonly excludeRules: Ignore | undefined;
  private readonly includeRules: Ignore | undefined;
  /** Whether {@link isExcludedEntry} has anything to test beyond names. */
  private readonly testsEntries: boolean;
  private readonly skipFolders: readonly RelPath[];
  private readonly skipIgnoreFile: boolean;
  private readonly minSize: number;
  private readonly maxSize: number;
  private readonly oldestMtimeMs: number;

  /** Throws a {@link FilterPatternError} for a pattern or rule that cannot match anything. */
  constructor(options: PathFilterOptions = {}) {
    const match = options.match ?? [];
    this.match = match.length > 0 ? compilePatterns(match, '--match') : undefined;
    this.exclude = compilePatterns(options.exclude ?? DEFAULT_EXCLUDES, '--exclude');
    this.excludeRules = compileRules(options.excludeRules);
    this.includeRules = compileRules(options.includeRules);
    this.skipFolders = [DEFAULT_BACKUP_DIR, ...(options.skipFolders ?? [])];
    this.skipIgnoreFile = options.skipIgnoreFile ?? false;
    this.testsEntries = testsPaths(this.exclude) || this.excludeRules !== undefined || this.skipIgnoreFile;
    this.minSize = options.minSize ?? 0;
    this.maxSize = options.maxSize ?? Infinity;
    if (options.maxAgeMs !== undefined && options.nowMs === undefined) throw new FilterPatternError('maxAgeMs needs nowMs');
    this.oldestMtimeMs = options.maxAgeMs === undefined ? -Infinity : options.nowMs! - options.maxAgeMs;
  }

  /** True for a backup folder and everything in it (see {@link PathFilterOptions.skipFolders}). */
  isSkippedFolderPath(path: RelPath): boolean {
    return this.skipFolders.some((dir) => path === dir || isInside(path, dir));
  }

  /** True when a name (file or folder) is never looked at, wherever it is. */
  isExcludedName(name: string): boolean {
    return ALWAYS_SKIPPED.has(name) || isTempName(name) || (this.exclude.names?.(name) ?? false);
  }

  /**
   * True when the entry at `path` (a folder when `isDir`) is left out by a pattern on folder
   * names or on paths, or by the exclude rules. The name tests of {@link isExcludedName} are not
   * repeated; a scan asks both.
   */
  isExcludedEntry(path: RelPath, isDir: boolean): boolean {
    if (!this.testsEntries) return false;
    if (this.skipIgnoreFile && path === IGNORE_FILE_NAME) return true;
    const { folderNames, paths, folderPaths } = this.exclude;
    if (paths?.(path)) return true;
    if (isDir && (folderNames?.(baseName(path)) || folderPaths?.(path))) return true;
    return this.excludeRules?.ignores(isDir ? `${path}/` : path) ?? false;
  }

  /**
   * True when `path` or a folder above it is excluded. `isDir` says what `path` itself is; when
   * it is not known, a path excluded as either a file or a folder counts as excluded (left alone).
   */
  isExcludedPath(path: RelPath, isDir?: boolean): boolean {
    if (this.isSkippedFolderPath(path)) return true;
    const segments = path.split('/');
    if (segments.some((segment) => this.isExcludedName(segment))) return true;
    if (!this.testsEntries) return false;
    for (const dir of ancestorsOf(path)) {
      if (this.isExcludedEntry(dir, true)) return true;
    }
    if (isDir !== undefined) return this.isExcludedEntry(path, isDir);
    return this.isExcludedEntry(path, false) || this.isExcludedEntry(path, true);
  }

  /** True when a file's path passes `--match` and the include rules (folders always do). */
  isMatchedFile(path: RelPath): boolean {
    if (this.includeRules && !this.includeRules.ignores(path)) return false;
    if (this.match === undefined) return true;
    const { names, paths } = this.match;
    return (names?.(baseName(path)) ?? false) || (paths?.(path) ?? false);
  }

  /**
   * True when a file is outside the size and age limits (`--min-size`, `--max-size`,
   * `--max-age`): such a path is left alone on both sides, never copied nor deleted.
   */
  isOutsideLimits(entry: Entry | undefined): boolean {
    if (entry === undefined || entry.kind !== 'file') return false;
    return entry.size < this.minSize || entry.size > this.maxSize || entry.mtimeMs < this.oldestMtimeMs;
  }
}
