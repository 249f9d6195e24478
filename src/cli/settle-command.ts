/**
 * The command line that settles a run's conflicts: the user's own command (sides and the options
 * they gave), without a password, with the `--resolve` strategy that settles them.
 */
import type { Command } from 'commander';
import type { ResolveStrategy, SyncMode } from '../index.js';

/** Options that only change what is printed, or that a settling run must not repeat. */
const LEFT_OUT = new Set(['resolve', 'dryRun', 'verbose', 'quiet', 'progress', 'color', 'json', 'reportProblems']);

/** The strategy suggested per mode: the source wins a one-way run; the newer file wins a sync. */
export const SETTLING_STRATEGY: Record<SyncMode, ResolveStrategy> = { upload: 'local', download: 'remote', sync: 'new' };

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
export function settleCommandLine(mode: SyncMode, local: string, remote: string, command: Command): string {
  const words = ['ferry', mode, withoutPassword(local), withoutPassword(remote)];
  for (const option of command.options) {
    const key = option.attributeName();
    if (LEFT_OUT.has(key) || command.getOptionValueSource(key) !== 'cli' || option.long === undefined) continue;
    const value: unknown = command.getOptionValue(key);
    if (typeof value === 'boolean') {
      // `--no-x` options are false when given; plain flags are true.
      if (value === !option.negate) words.push(option.long);
    } else if (value !== undefined) {
      words.push(option.long, String(value));
    }
  }
  words.push('--resolve', SETTLING_STRATEGY[mode]);
  return words.map(shellWord).join(' ');
}

/** The lines printed after a run that left conflicts. */
export function settleHint(mode: SyncMode, conflicts: number, commandLine: string): string[] {
  const what = conflicts === 1 ? 'the conflict' : `the ${conflicts} conflicts`;
  const rule =
    mode === 'sync'
      ? 'the newer file wins; or --resolve local, remote, keep-both, or ask on a terminal'
      : `the ${mode === 'upload' ? 'local' : 'remote'} version wins; or --resolve ask on a terminal`;
  return [`Settle ${what} with:`, `  ${commandLine}`, `  (${rule})`];
}
