/**
 * `ferry watch LOCAL REMOTE`: one full run, then changes as they happen, until Ctrl-C.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  TRANSFER_GRACE_MS,
  DEFAULT_EXCLUDES,
  DEFAULT_POLL_SECONDS,
  DEFAULT_RESCAN_SECONDS,
  ExitCode,
  resolveStrategiesByMode,
  watch,
  type ResolveStrategy,
  type WatchEvent,
  type WatchOptions,
  type WatchSummary,
} from '../index.js';
import { addConnectionOptions, positiveInt } from './connection-options.js';
import { addFilterOptions } from './filter-options.js';
import { WATCH_BWLIMIT_HELP } from './run-flags.js';
import { startCommandOutput, type OutputFlags } from './command-output.js';
import { writeRaw } from './output-stream.js';
import { formatBytes, formatDuration } from './render/format-units.js';
import { TextRenderer, type Verbosity } from './render/text-renderer.js';
import { WatchStatusLine } from './render/watch-status-line.js';
import type { TerminalStyle } from './terminal-style.js';
import { addLogFileOption, VERBOSE_HELP } from './run-logging.js';
import { printable } from './render/printable.js';

interface WatchFlags extends OutputFlags {
  mode: 'upload' | 'sync';
  resolve: ResolveStrategy;
  poll: number;
  rescan: number;
  watcher: boolean;
}

const examples = `
Examples:
  $ ferry watch ./site sftp://deploy@example.com/var/www/site --delete
  $ ferry watch ~/notes sftp://me@example.com/~/notes --mode sync --resolve new
  $ ferry watch ./site ftp://user@host/htdocs -x ".git,node_modules" --json
  $ ferry watch ./site sftp://host/www --dry-run          # show what each change would do

Local changes reach REMOTE within a second; in --mode sync, remote changes are polled every
--poll seconds (slower while nothing changes). Ctrl-C finishes in-flight transfers, saves the
state and exits with code 3. See docs/watch.md.`;

function counter(_value: string, previous: number): number {
  return previous + 1;
}

function seconds(allowZero: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(allowZero ? 'must be a number of seconds (0 turns it off)' : 'must be a number of seconds above 0');
    }
    return n;
  };
}

/** Adds `watch` to the program. */
export function addWatchCommand(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('watch')
    .description('keep running: sync changes as they happen (upload, or both ways with --mode sync)')
    .argument('<LOCAL>', 'local folder (path or file:// URL)')
    .argument('<REMOTE>', 'remote folder: sftp://[user[:password]@]host[:port]/path, ftp://..., ftps://..., or a path')
    .addOption(
      new Option('--mode <mode>', 'upload: local changes go to REMOTE; sync: changes on either side reach the other')
        .choices(['upload', 'sync'])
        .default('upload'),
    )
    .option('-n, --dry-run', 'show what each change would do, change nothing')
    .addOption(
      new Option('--resolve <strategy>', 'how to settle conflicts (ask prompts on a terminal)')
        .choices(resolveStrategiesByMode.sync as string[])
        .default('skip'),
    )
    .option('--delete', 'upload mode: delete remote files that the local side does not have (local deletions reach REMOTE)')
    .option('--delete-unmatched', 'upload mode: also delete remote files that do not match --match (implies --delete)')
    .option(
      '--force',
      'upload mode: the local side is the truth for every file it has: overwrite remote changes; both modes: run even when every file on one side changed only its time (exit 6 otherwise)',
    )
    .option('-m, --match <patterns>', 'sync only files matching these comma-separated globs (a pattern with a / matches the path from the root)')
    .option(
      '-x, --exclude <patterns>',
      `skip files and folders matching these comma-separated globs: a name anywhere, or a path from the root when the pattern has a / (dir/ = folders only; default "${DEFAULT_EXCLUDES.join(',')}")`,
    )
    .option('--create-folder', 'create the REMOTE folder when it is missing')
    .option('--allow-empty', 'act even if a side is missing or empty although the last sync saw files there (deletes them on the other side; exit 4 otherwise)')
    .option(
      '--max-delete <limit>',
      "stop (exit 5) before a pass that deletes more files on one side than this: a count (20) or a percentage of that side's files (default 50%; 100% turns it off); deletions the file watcher saw you make locally are never held back",
    )
    .option(
      '--backup-dir [dir]',
      'move files that would be deleted or overwritten into DIR/<UTC start time>/ on their side instead (default .ferry-backup; never synced)',
    )
    .option('--bwlimit <rate>', WATCH_BWLIMIT_HELP)
    .addOption(
      new Option('--compare <how>', 'time: size and mtime decide; checksum: same-sized files whose times differ are compared by content')
        .choices(['time', 'checksum'])
        .default('time'),
    )
    .addOption(
      new Option('--case <side>', "names differing only in case: strict = leave them alone and report; local/remote = that side's spelling wins").choices([
        'strict',
        'local',
        'remote',
      ]),
    )
    .addOption(
      new Option('--links <how>', 'symbolic links in LOCAL: skip (with a warning), or follow those that stay inside the folder')
        .choices(['skip', 'follow'])
        .default('skip'),
    )
    .option(
      '--poll <seconds>',
      `sync mode: look for remote changes this often at the fastest (default ${DEFAULT_POLL_SECONDS}; up to 8 times slower while quiet)`,
      seconds(false),
      DEFAULT_POLL_SECONDS,
    )
    .option(
      '--rescan <seconds>',
      `full rescan of both sides this often, to catch anything missed (default ${DEFAULT_RESCAN_SECONDS}; 0: never)`,
      seconds(true),
      DEFAULT_RESCAN_SECONDS,
    )
    .option('--no-watcher', 'find local changes by rescanning the folder every --poll seconds instead of a file watcher (network file systems)')
    .option('-v, --verbose', VERBOSE_HELP, counter, 1)
    .option('-q, --quiet', 'print only errors and the final summary')
    .option('--progress', 'show the state line on stderr even with -q or --json')
    .option('--no-progress', 'never show the state line')
    .option('--no-color', 'no colours (also off when NO_COLOR is set or output is not a terminal, unless FORCE_COLOR is set)')
    .option('--json', 'print one JSON event per line on stdout (see docs/json-events.md)')
    .option('--state-dir <dir>', 'where the state of the last sync is kept (default $XDG_STATE_HOME/ferry; macOS, Windows: docs/state.md)')
    .option('--time-window <ms>', 'mtimes closer than this count as equal (default 2000)', positiveInt);
  addLogFileOption(command);
  addFilterOptions(command);
  addConnectionOptions(command)
    .addHelpText('after', examples)
    .action(async (local: string, remote: string, flags: WatchFlags) => {
      setExitCode(await runWatch(local, remote, flags));
    });
}

/**
 * Lines a person reads for watch events; other events go to the sync renderer. `status` is the
 * live state line of a terminal (none for the log file).
 */
function watchTextRenderer(
  out: (line: string) => void,
  err: (line: string) => void,
  style: TerminalStyle,
  verbosity: Verbosity,
  dryRun: boolean,
  local: string,
  status?: WatchStatusLine,
): (event: WatchEvent) => void {
  const text = new TextRenderer(out, err, style, verbosity, dryRun);
  return (event: WatchEvent): void => {
    switch (event.type) {
      case 'watch-started':
        if (verbosity >= 1) {
          const how = event.local === 'watcher' ? 'watching' : 'rescanning';
          const poll = event.pollMs !== null ? `; remote changes polled every ${event.pollMs / 1000} s or less` : '';
          const line = `Now ${how} ${printable(local)} for changes${poll}. Ctrl-C to stop.`;
          // On a terminal the live state line says it while idle; printed too, it was there twice.
          if (status?.isLive) status.setWatching(line);
          else out(style.dim(line));
        }
        break;
      case 'watch-pass':
        if (verbosity >= 2) {
          out(
            style.dim(
              `pass (${event.trigger}${event.full ? ', full' : `, ${event.paths} path${event.paths === 1 ? '' : 's'}`}): ${event.filesCopied} copied, ${event.filesDeleted} deleted, ${event.moved} moved, ${event.errors} errors in ${formatDuration(event.elapsedMs)}`,
            ),
          );
        }
        break;
      case 'watch-polled':
        if (verbosity >= 2 && event.changed > 0) out(style.dim(`${event.side} changes found by polling: ${event.changed}`));
        break;
      case 'watch-state':
        break;
      case 'skipped':
        // Every pass would name the same skipped files again: watch shows them with -v only.
        if (verbosity >= 2) text.onEvent(event);
        break;
      case 'watch-summary': {
        const s = event.summary;
        const line = `Stopped: ${s.filesCopied} file${s.filesCopied === 1 ? '' : 's'} ${s.dryRun ? 'to copy' : 'copied'} (${formatBytes(s.bytesCopied)}), ${s.filesDeleted} deleted, ${s.moved > 0 ? `${s.moved} moved, ` : ''}${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}, ${s.errors} error${s.errors === 1 ? '' : 's'}. Watched ${formatDuration(s.elapsedMs)}.`;
        out(s.errors > 0 ? style.red(line) : s.conflicts > 0 ? style.yellow(line) : style.green(line));
        break;
      }
      default:
        text.onEvent(event);
    }
  };
}

async function runWatch(local: string, remote: string, flags: WatchFlags): Promise<number> {
  const dryRun = flags.dryRun ?? false;
  const output = startCommandOutput<WatchEvent, WatchStatusLine>(
    flags,
    'watch',
    (mode) =>
      new WatchStatusLine(
        mode,
        (text) => writeRaw(process.stderr, text),
        () => process.stderr.columns || 80,
      ),
    // Only the terminal has the live state line.
    (out, err, style, verbosity, status) => watchTextRenderer(out, err, style, verbosity, dryRun, local, status),
  );
  const status = output.display;
  const onEvent = (event: WatchEvent): void => {
    status.onEvent(event);
    output.render(event);
  };
  const run = (signal: AbortSignal): Promise<WatchSummary> =>
    watch({
      ...output.runOptions,
      local,
      remote,
      mode: flags.mode,
      pollSeconds: flags.poll,
      rescanSeconds: flags.rescan,
      localChanges: flags.watcher ? 'watcher' : 'rescan',
      onEvent,
      signal,
    } satisfies WatchOptions);
  try {
    const summary = await output.interruptible(
      run,
      `Stopping: no new work; transfers in flight get ${TRANSFER_GRACE_MS / 1000} s to finish, then are stopped and undone; saving the state (Ctrl-C again to quit at once)`,
    );
    return summary.interrupted ? ExitCode.interrupted : ExitCode.ok;
  } finally {
    status.clear();
  }
}
