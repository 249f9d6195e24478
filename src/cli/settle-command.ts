/**
 * The command line that settles a run's conflicts: the user's own command (sides and the options
 * they gave), without a password, with the `--resolve` strategy that settles them.
 */
import type { Command } from 'commander';
import type { PlannedConflict, ResolveStrategy, SyncMode } from '../index.js';

/** Options that only change what is printed, or that a settling run must not repeat. */
const LEFT_OUT = new Set(['resolve', 'dryRun', 'verbose', 'quiet', 'progress', 'color', 'json', 'reportProblems']);

/**
 * Picks the strategy that settles a run's conflicts, seen one at a time: a one-way run's source
 * wins; a sync takes `new` while every conflict is two files of different times, else `keep-both`
 * while every one has a file to keep, else `ask` (folders: a person decides, nothing destructive
 * is suggested blindly).
 */
export class SettlingStrategy {
  private allNewer = true;
  private allKeepable = true;
  constructor(
    private readonly mode: SyncMode,
    private readonly timeWindowMs: number,
  ) {}

  /** Takes one unresolved conflict into account. */
  add(conflict: PlannedConflict): void {
    const { local, remote } = conflict;
    const twoFiles = local?.kind === 'file' && remote?.kind === 'file';
    if (!twoFiles || Math.abs(local.mtimeMs - remote.mtimeMs) <= this.timeWindowMs) this.allNewer = false;
    if (!twoFiles && !(local?.kind === 'file' && !remote) && !(remote?.kind === 'file' && !local)) this.allKeepable = false;
  }

  /** The strategy for the conflicts seen. */
  get strategy(): ResolveStrategy {
    if (this.mode !== 'sync') return this.mode === 'upload' ? 'local' : 'remote';
    return this.allNewer ? 'new' : this.allKeepable ? 'keep-both' : 'ask';
  }
}

/** A URL without its password (`sftp://me:pw@host/x` → `sftp://me@host/x`): asked again, never shown. */
export function withoutPassword(target: string): string {
  return target.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1@');
}

/** One word for a POSIX shell: as it is when it is plain, else in single quotes. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,~^-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `ferry MODE LOCAL REMOTE [the options given on the command line] --resolve STRATEGY`.
 * `command` is the parsed sync command (its options' values and where they came from).
 */
export function settleCommandLine(mode: SyncMode, local: string, remote: string, command: Command, strategy: ResolveStrategy): string {
  const words = ['ferry', mode, withoutPassword(local), withoutPassword(remote)];
  for (const option of command.options) {
    const key = option.attributeName();
    if (LEFT_OUT.has(key) || command.getOptionValueSource(key) !== 'cli' || option.long === undefined) continue;
    const value: unknown = command.getOptionValue(key);
    if (typeof value === 'boolean') {
      // `--no-x` options are false when given; plain flags are true.
      if (value === !option.negate) words.push(option.long);
    } else if (Array.isArray(value)) {
      // A repeatable option (`--exclude-from a --exclude-from b`) is given once per value.
      for (const item of value) words.push(option.long, String(item));
    } else if (typeof value === 'string' || typeof value === 'number') {
      words.push(option.long, String(value));
    }
  }
  words.push('--resolve', strategy);
  return words.map(shellWord).join(' ');
}

/** The lines printed after a run that left conflicts. */
export function settleHint(strategy: ResolveStrategy, conflicts: number, commandLine: string): string[] {
  const what = conflicts === 1 ? 'the conflict' : `the ${conflicts} conflicts`;
  const rules: Partial<Record<ResolveStrategy, string>> = {
    local: 'the local version wins; or --resolve ask on a terminal',
    remote: 'the remote version wins; or --resolve ask on a terminal',
    new: 'the newer file wins; or --resolve local, remote, keep-both, or ask on a terminal',
    'keep-both': 'the newer file keeps the name, the other is kept beside it as name.conflict-…; or --resolve local, remote, or ask',
    ask: 'asks about each one on a terminal; or --resolve local, remote',
  };
  const rule = rules[strategy] ?? '';
  return [`Settle ${what} with:`, `  ${commandLine}`, `  (${rule})`];
}
