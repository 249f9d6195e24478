/**
 * Building a run's {@link PathFilter}: the options, plus the `.ferryignore` file in the local root
 * read through the local backend (whatever it is). A pattern that cannot match anything is a
 * usage error.
 */
import type { Backend } from '../backends/backend.js';
import { FilterPatternError, IGNORE_FILE_NAME, PathFilter, type FilterCriteria, type RuleList } from '../core/path-filter.js';
import { toRelPath, type RelPath } from '../core/rel-path.js';
import { describeError, FerryError, isBackendError } from '../errors.js';
import { readPrefix } from './read-prefix.js';

/** The filter options of a run (part of RunOptions, run-sync.ts): the criteria, and the ignore file. */
export interface FilterOptions extends FilterCriteria {
  /**
   * Read `.ferryignore` (gitignore syntax) in the local root as more exclude rules (default true).
   * The file itself is never synced; with false it is an ordinary file.
   */
  readonly ignoreFile?: boolean;
}

/** An ignore file larger than this is refused: a rule list, not data. */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

/** The lines of `.ferryignore` in `local`'s root, or undefined when there is none. */
async function readIgnoreFile(local: Backend): Promise<RuleList | undefined> {
  const name = toRelPath(IGNORE_FILE_NAME);
  let entry;
  try {
    entry = await local.stat(name);
  } catch (error) {
    throw new FerryError('config', `cannot read ${IGNORE_FILE_NAME} in ${local.displayName}: ${describeError(error)}`, { cause: error });
  }
  if (entry === undefined || entry.kind !== 'file') return undefined;
  let read;
  try {
    read = await readPrefix(local, name, MAX_IGNORE_FILE_BYTES);
  } catch (error) {
    if (isBackendError(error, 'not-found')) return undefined;
    throw new FerryError('config', `cannot read ${IGNORE_FILE_NAME} in ${local.displayName}: ${describeError(error)}`, { cause: error });
  }
  if (read.truncated) throw new FerryError('config', `${IGNORE_FILE_NAME} in ${local.displayName} is larger than 1 MiB: expected a list of patterns`);
  return { source: IGNORE_FILE_NAME, lines: Buffer.from(read.bytes).toString('utf8').split('\n') };
}

/**
 * The filter a run uses. Reads `.ferryignore` from the local root unless `ignoreFile` is false;
 * throws a usage FerryError for a pattern or rule that cannot match anything.
 */
export async function loadPathFilter(
  options: FilterOptions,
  local: Backend | undefined,
  skipFolders: readonly RelPath[],
  nowMs = Date.now(),
): Promise<PathFilter> {
  const fromFile = local !== undefined && options.ignoreFile !== false ? await readIgnoreFile(local) : undefined;
  return makePathFilter(options, skipFolders, fromFile, nowMs);
}

/** The filter for options and an ignore file already read; a usage FerryError for a bad pattern. */
export function makePathFilter(options: FilterOptions, skipFolders: readonly RelPath[], ignoreFile: RuleList | undefined, nowMs = Date.now()): PathFilter {
  try {
    return new PathFilter({
      match: options.match,
      exclude: options.exclude,
      excludeRules: [...(ignoreFile ? [ignoreFile] : []), ...(options.excludeRules ?? [])],
      includeRules: options.includeRules,
      minSize: options.minSize,
      maxSize: options.maxSize,
      maxAgeMs: options.maxAgeMs,
      nowMs,
      skipFolders,
      // The file configures ferry on this side; it is not synced (and one on the other side is
      // left alone too, rather than deleted by an upload --delete).
      skipIgnoreFile: options.ignoreFile !== false,
    });
  } catch (error) {
    if (error instanceof FilterPatternError) throw new FerryError('usage', error.message);
    throw error;
  }
}
