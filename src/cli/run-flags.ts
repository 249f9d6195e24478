/**
 * The command-line flags that `upload`, `download`, `sync` and `watch` share, and the run options
 * they become: one mapping, so the commands cannot drift apart.
 */
import { DEFAULT_BACKUP_DIR, splitPatterns, type AnyRunOptions, type ResolveStrategy } from '../index.js';
import { connectionOptionsOf, type ConnectionFlags } from './connection-options.js';
import { filterOptionsOf, type FilterFlags } from './filter-options.js';
import { canPrompt, terminalConflictResolver } from './prompts.js';

/** The help text of `--bwlimit`. */
export const BWLIMIT_HELP =
  'limit transfers to this many bytes per second for the whole run, all parallel transfers and both directions together (500k, 1M, 1.5M; k = 1024)';

/** The help text of `watch --bwlimit`. */
export const WATCH_BWLIMIT_HELP =
  'limit transfers to this many bytes per second for the whole watch, all parallel transfers of a pass and both directions together (500k, 1M, 1.5M; k = 1024)';

/** Flags commander parses for every command that runs a sync. */
export interface RunFlags extends ConnectionFlags, FilterFlags {
  dryRun?: boolean;
  delete?: boolean;
  deleteUnmatched?: boolean;
  force?: boolean;
  resolve?: ResolveStrategy;
  match?: string;
  exclude?: string;
  createFolder?: boolean;
  allowEmpty?: boolean;
  maxDelete?: string;
  bwlimit?: string;
  /** `--backup-dir` alone is `true`: the default folder. */
  backupDir?: string | boolean;
  json?: boolean;
  stateDir?: string;
  timeWindow?: number;
  compare?: 'time' | 'checksum';
  case?: 'strict' | 'local' | 'remote';
  links?: 'skip' | 'follow';
}

/**
 * The run options `flags` ask for (without the sides, events and signal). `--resolve ask` gets a
 * terminal prompt only where one can be shown and no JSON is printed.
 */
export function runOptionsOf(flags: RunFlags): Omit<AnyRunOptions, 'local' | 'remote'> {
  const resolve = flags.resolve ?? 'skip';
  return {
    dryRun: flags.dryRun,
    resolve,
    ask: resolve === 'ask' && canPrompt() && !flags.json ? terminalConflictResolver() : undefined,
    delete: flags.delete,
    deleteUnmatched: flags.deleteUnmatched,
    force: flags.force,
    match: flags.match !== undefined ? splitPatterns(flags.match) : undefined,
    exclude: flags.exclude !== undefined ? splitPatterns(flags.exclude) : undefined,
    ...filterOptionsOf(flags),
    createFolder: flags.createFolder,
    allowEmptySide: flags.allowEmpty,
    maxDelete: flags.maxDelete,
    bwlimit: flags.bwlimit,
    backupDir: flags.backupDir === true ? DEFAULT_BACKUP_DIR : flags.backupDir === false ? undefined : flags.backupDir,
    stateDir: flags.stateDir,
    timeWindowMs: flags.timeWindow,
    compare: flags.compare,
    case: flags.case,
    links: flags.links,
    connection: connectionOptionsOf(flags, flags.json ?? false),
  };
}
