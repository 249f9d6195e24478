/**
 * The `upload`, `download` and `sync` commands: pyftpsync's words and options.
 */
import { Command, Option } from 'commander';
import { SettlingStrategy, settleCommandLine, settleHint } from './settle-command.js';
import {
  DEFAULT_EXCLUDES,
  DEFAULT_TIME_WINDOW_MS,
  ExitCode,
  resolveStrategiesByMode,
  runSync,
  TRANSFER_GRACE_MS,
  type AnyRunOptions,
  type RunSummary,
  type SyncEvent,
  type SyncMode,
} from '../index.js';
import { addFilterOptions } from './filter-options.js';
import { addConnectionOptions, positiveInt } from './connection-options.js';
import { startCommandOutput, type OutputFlags } from './command-output.js';
import { writeRaw } from './output-stream.js';
import { canPrompt } from './prompts.js';
import { BWLIMIT_HELP } from './run-flags.js';
import { ProgressDisplay, LIVE_INTERVAL_MS } from './render/progress-line.js';
import { TextRenderer } from './render/text-renderer.js';
import { addLogFileOption, VERBOSE_HELP } from './run-logging.js';

/** What the first Ctrl-C does to a run (docs/reliability.md, "Interrupting a run"). */
const INTERRUPT_NOTICE = `Interrupted: no new work; transfers in flight get ${TRANSFER_GRACE_MS / 1000} s to finish, then are stopped and undone; saving the state (Ctrl-C again to quit at once)`;

/** Options commander parses for the sync commands. */
interface SyncCommandFlags extends OutputFlags {
  reportProblems?: boolean;
  removePyftpsyncMeta?: boolean;
}

const examples: Record<SyncMode, string> = {
  upload: `
Examples:
  $ ferry upload ./site sftp://deploy@example.com/var/www/site
  $ ferry upload ./site ftp://user@host/htdocs --delete -x ".git,node_modules"
  $ ferry upload ./site sftp://example.com/www --force --delete --resolve local   # mirror
  $ ferry upload -n ./site ftps://user@host/www                                   # show the plan only`,
  download: `
Examples:
  $ ferry download ./backup sftp://me@example.com/home/me/data
  $ ferry download ./backup ftp://user@host/data --delete --dry-run`,
  sync: `
Examples:
  $ ferry sync ~/notes sftp://me@example.com/~/notes
  $ ferry sync ./a ./b --resolve new          # on conflicts the newer file wins
  $ ferry sync ./a ./b --resolve keep-both    # keep both versions (the older as name.conflict-...)
  $ ferry sync ./a ./b --backup-dir --max-delete 20   # keep what is deleted or overwritten; at most 20 deletions
  $ ferry sync ~/notes sftp://host/notes --json | jq .type`,
};

const descriptions: Record<SyncMode, string> = {
  upload: 'copy local changes to REMOTE (never changes LOCAL)',
  download: 'copy remote changes to LOCAL (never changes REMOTE)',
  sync: 'two-way sync: changes on either side since the last sync reach the other',
};

function counter(_value: string, previous: number): number {
  return previous + 1;
}

/** Exit code for a finished run (docs/exit-codes.md). */
export function exitCodeOf(summary: RunSummary, reportProblems: boolean): number {
  if (summary.interrupted) return ExitCode.interrupted;
  if (reportProblems && (summary.conflicts > 0 || summary.errors > 0)) return ExitCode.problems;
  if (summary.errors > 0) return ExitCode.error;
  return ExitCode.ok;
}

/**
 * Adds the three sync commands (or only those in `modes`) to the program. `setExitCode` receives
 * the exit code of a finished run.
 */
export function addSyncCommands(program: Command, setExitCode: (code: number) => void, modes: readonly SyncMode[] = ['upload', 'download', 'sync']): void {
  for (const mode of modes) {
    const command = program
      .command(mode)
      .description(descriptions[mode])
      .argument('<LOCAL>', 'local folder (path or file:// URL)')
      .argument('<REMOTE>', 'remote folder: sftp://[user[:password]@]host[:port]/path, ftp://..., ftps://..., or a path')
      .option('-n, --dry-run', 'show what would be done, change nothing')
      .addOption(
        new Option('--resolve <strategy>', 'how to settle conflicts (ask prompts on a terminal; without one it skips)')
          .choices(resolveStrategiesByMode[mode] as string[])
          .default(canPrompt() ? 'ask' : 'skip', canPrompt() ? 'ask' : 'skip (no terminal)'),
      );
    if (mode !== 'sync') {
      command
        .option('--delete', `delete ${mode === 'upload' ? 'remote' : 'local'} files that the ${mode === 'upload' ? 'local' : 'remote'} side does not have`)
        .option('--delete-unmatched', 'also delete target files that do not match --match (implies --delete)')
        .option(
          '--force',
          `the ${mode === 'upload' ? 'local' : 'remote'} side is the truth for every file it has: overwrite changes on the other side (also runs when every file looks changed)`,
        );
    } else {
      command.option('--force', 'run even when every file on one side changed only its time (a clock or time-zone shift; exit 6 otherwise)');
    }
    command
      .option('-m, --match <patterns>', 'sync only files matching these comma-separated globs (a pattern with a / matches the path from the root)')
      .option(
        '-x, --exclude <patterns>',
        `skip files and folders matching these comma-separated globs: a name anywhere, or a path from the root when the pattern has a / (dir/ = folders only; default "${DEFAULT_EXCLUDES.join(',')}")`,
      )
      .option('--create-folder', mode === 'download' ? 'create the LOCAL folder when it is missing' : 'create the REMOTE folder when it is missing')
      .option(
        '--allow-empty',
        'run even if a side is missing or empty although the last sync saw files there (deletes them on the other side; exit 4 otherwise)',
      )
      .option(
        '--max-delete <limit>',
        "refuse (exit 5) a run that deletes more files on one side than this: a count (20) or a percentage of that side's files (default 50%; 100% turns it off; percentages need at least 10 deletions)",
      )
      .option(
        '--backup-dir [dir]',
        'move files the run would delete or overwrite into DIR/<UTC time>/ on their side instead (relative to each root; default .ferry-backup; never synced)',
      )
      .option('--bwlimit <rate>', BWLIMIT_HELP)
      .option('--report-problems', 'exit with code 10 when conflicts were left or errors happened')
      .option('-v, --verbose', VERBOSE_HELP, counter, 1)
      .option('-q, --quiet', 'print only the summary and errors')
      .option('--progress', 'show progress on stderr even with -q or --json (a live line on a terminal, else a line every 10 s)')
      .option('--no-progress', 'never show progress')
      .option('--no-color', 'no colours (also off when NO_COLOR is set or output is not a terminal, unless FORCE_COLOR is set)')
      .option('--json', 'print one JSON event per line on stdout (see docs/json-events.md)')
      .option('--state-dir <dir>', 'where the state of the last sync is kept (default $XDG_STATE_HOME/ferry; macOS, Windows: docs/state.md)')
      .option('--remove-pyftpsync-meta', 'after a run without errors, delete .pyftpsync-meta.json and .pyftpsync-lock.json files on both sides')
      .option('--time-window <ms>', 'mtimes closer than this count as equal (default 2000)', positiveInt)
      .addOption(
        new Option(
          '--compare <how>',
          'time: size and mtime decide; checksum: same-sized files whose times differ are compared by content (server hash or read). Default: time, but checksum when every file changed only its time and both sides can hash without a transfer',
        ).choices(['time', 'checksum']),
      )
      .addOption(
        new Option(
          '--case <side>',
          "names differing only in case: strict = leave them alone and report; local/remote = that side's spelling wins (default: strict on a case-insensitive side)",
        ).choices(['strict', 'local', 'remote']),
      )
      .addOption(
        new Option('--links <how>', 'symbolic links in a local folder: skip (with a warning), or follow those that stay inside the folder')
          .choices(['skip', 'follow'])
          .default('skip'),
      );
    addLogFileOption(command);
    addFilterOptions(command);
    addConnectionOptions(command)
      .addHelpText('after', examples[mode])
      .action(async (local: string, remote: string, flags: SyncCommandFlags, parsed: Command) => {
        setExitCode(await runCommand(mode, local, remote, flags, parsed));
      });
  }
}

/** Set once a sync command runs with `--json` (also from a task file), so errors go out as JSON too. */
let jsonRequested = false;

/** True when the running command asked for JSON output. */
export function isJsonOutputRequested(): boolean {
  return jsonRequested;
}

async function runCommand(mode: SyncMode, local: string, remote: string, flags: SyncCommandFlags, parsed: Command): Promise<number> {
  if (flags.json) jsonRequested = true;
  const dryRun = flags.dryRun ?? false;
  const output = startCommandOutput<SyncEvent, ProgressDisplay>(
    flags,
    mode,
    (progressMode) =>
      new ProgressDisplay(
        progressMode,
        (text) => writeRaw(process.stderr, text),
        // Not performance.now(): the global `performance` loads node:perf_hooks (~1 ms of start-up).
        () => {
          const [seconds, nanoseconds] = process.hrtime();
          return seconds * 1e3 + nanoseconds / 1e6;
        },
        () => process.stderr.columns || 80,
      ),
    (out, err, style, verbosity) => new TextRenderer(out, err, style, verbosity, dryRun).onEvent,
  );
  const progress = output.display;
  const settling = new SettlingStrategy(mode, flags.timeWindow ?? DEFAULT_TIME_WINDOW_MS);
  const onEvent = (event: SyncEvent): void => {
    progress.onEvent(event);
    if (event.type === 'conflict') settling.add(event.conflict);
    // Conflicts left: the one command that settles them, just above the summary line.
    if (event.type === 'summary' && event.summary.conflicts > 0 && !event.summary.interrupted && !flags.json && output.verbosity >= 1) {
      const prefix = dryRun ? '(DRY-RUN) ' : '';
      const strategy = settling.strategy;
      for (const line of settleHint(strategy, event.summary.conflicts, settleCommandLine(mode, local, remote, parsed, strategy)))
        output.out(`${prefix}${line}`);
    }
    output.render(event);
  };
  const ticker = setInterval(() => progress.tick(), LIVE_INTERVAL_MS);
  ticker.unref();

  const run = (signal: AbortSignal): Promise<RunSummary> =>
    runSync(mode, {
      ...output.runOptions,
      local,
      remote,
      removePyftpsyncMeta: flags.removePyftpsyncMeta,
      onEvent,
      signal,
    } satisfies AnyRunOptions);
  try {
    const summary = await output.interruptible(run, INTERRUPT_NOTICE);
    return exitCodeOf(summary, flags.reportProblems ?? false);
  } finally {
    clearInterval(ticker);
    progress.finish();
  }
}
