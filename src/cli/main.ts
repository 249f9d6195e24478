/**
 * The `ferry` executable: parses the command line and is the error boundary. Every error becomes
 * one line on stderr and a documented exit code (docs/exit-codes.md), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describeForCommandLine } from './flag-names.js';
import { describeError, ExitCode, FerryError, SafetyError, speedTrickOn, type SyncMode } from '../index.js';
import { addDemoCommand } from './demo-command.js';
import { addRunCommand } from './run-command.js';
import { addSyncCommands, isJsonOutputRequested } from './sync-commands.js';
import { addScanTreeCommands, type ScanTreeCommand } from './scan-tree-commands.js';
import { addCompletionCommand } from './completion-command.js';
import { addDoctorCommand } from './doctor-command.js';
import { addWatchCommand } from './watch-command.js';
import { guardOutputStreams, writeLine } from './output-stream.js';
import { closeLogFile, isLogging, logLine } from './log-file.js';
import { quitOnEarlySignals } from './with-interrupt.js';
import { printable } from './render/printable.js';

// Command lines can carry passwords in URLs: keep them out of `ps` and /proc/PID/cmdline.
process.title = 'ferry';
guardOutputStreams();
// Ctrl-C before a command has started its work still ends with exit 3 (docs/exit-codes.md).
quitOnEarlySignals();

// The command line never shows a stack trace (errors are one line) unless FERRY_DEBUG is set, and
// capturing them is not free: basic-ftp records one per FTP command, streams one per finished
// pipeline (about 0.1 ms each, 4% of the CPU of uploading many small files over FTP). Speed trick
// `no-stack-traces` (docs/design.md): FERRY_NO_SPEED_TRICKS=no-stack-traces keeps Node's default.
if (!process.env.FERRY_DEBUG && speedTrickOn('no-stack-traces')) Error.stackTraceLimit = 0;

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** One command of the program: its name and what adds it (with its options) to a program. */
interface CommandEntry {
  readonly name: string;
  readonly add: (program: Command) => void;
}

/** Every command, in the order `ferry --help` lists them. */
function commandEntries(setExitCode: (code: number) => void, runArgs: (args: string[]) => Promise<void>): CommandEntry[] {
  const syncCommand = (mode: SyncMode): CommandEntry => ({ name: mode, add: (program) => addSyncCommands(program, setExitCode, [mode]) });
  const scanTreeCommand = (name: ScanTreeCommand): CommandEntry => ({ name, add: (program) => addScanTreeCommands(program, setExitCode, [name]) });
  return [
    syncCommand('upload'),
    syncCommand('download'),
    syncCommand('sync'),
    { name: 'watch', add: (program) => addWatchCommand(program, setExitCode) },
    { name: 'run', add: (program) => addRunCommand(program, runArgs) },
    scanTreeCommand('scan'),
    scanTreeCommand('tree'),
    { name: 'doctor', add: (program) => addDoctorCommand(program, setExitCode) },
    { name: 'completion', add: addCompletionCommand },
    { name: 'demo', add: (program) => addDemoCommand(program, runArgs) },
  ];
}

/**
 * The program for the command line `args` (without node and the script). A command line that
 * starts with a command's name gets only that command: building the options of all of them costs
 * about 10 ms of CPU at every start, more than a small run's own work. The rest (no command,
 * `--help`, `help`, a mistyped name: commander then lists them or suggests one) get every command,
 * and so does `completion`, which prints a script for all of them.
 */
function buildProgram(setExitCode: (code: number) => void, args: readonly string[]): Command {
  const program = new Command('ferry')
    .description('Keep a local folder and a remote folder in step over SFTP, FTP, FTPS or local paths.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ ferry demo                                          # try it: syncs two sample folders
  $ ferry upload ./site sftp://deploy@example.com/var/www --delete
  $ ferry download ./backup ftp://user@host/data
  $ ferry sync ~/notes sftp://me@example.com/~/notes --resolve new
  $ ferry watch ./site sftp://deploy@example.com/var/www --delete   # sync changes as they happen
  $ ferry run deploy                                    # a task from pyftpsync.yaml / ferry.yaml
  $ ferry tree sftp://me@example.com/var/www --files
  $ ferry doctor ftp://user@host/data                  # what the server supports

Exit codes: 0 ok, 1 error, 2 usage, 3 interrupted, 4 a side is missing or empty, 5 too many\ndeletions (--max-delete), 6 every file changed only in time, 10 problems (with --report-problems).`,
    );
  // `run` and `demo` end in an ordinary command line, parsed by a fresh program.
  const runArgs = async (commandLine: string[]): Promise<void> => {
    await buildProgram(setExitCode, commandLine).parseAsync(commandLine, { from: 'user' });
  };
  const commands = commandEntries(setExitCode, runArgs);
  const invoked = commands.find((command) => command.name === args[0] && command.name !== 'completion');
  for (const command of invoked ? [invoked] : commands) command.add(program);
  return program;
}

async function main(): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  }, process.argv.slice(2));
  try {
    await program.parseAsync(process.argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with exit code 0; every other parse error is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const message = describeForCommandLine(error);
    if (process.argv.includes('--json') || isJsonOutputRequested()) {
      const brake = error instanceof SafetyError ? { refusal: error.refusal } : {};
      writeLine(process.stdout, JSON.stringify({ type: 'error', message, exitCode: exitCodeOfError(error), ...brake }));
    }
    writeLine(process.stderr, `ferry: ${printable(message)}`);
    logLine(`ferry: ${printable(message)}`);
    if (!(error instanceof FerryError) && process.env.FERRY_DEBUG) writeLine(process.stderr, `${(error as Error).stack}`);
    return exitCodeOfError(error);
  }
}

function exitCodeOfError(error: unknown): number {
  return error instanceof FerryError ? error.exitCode : ExitCode.error;
}

main().then(
  (code) => {
    process.exitCode = code;
    if (isLogging()) {
      logLine(`ferry finished with exit code ${code}`);
      closeLogFile();
    }
  },
  (error: unknown) => {
    writeLine(process.stderr, `ferry: internal error: ${printable(describeError(error))}`);
    process.exitCode = ExitCode.error;
  },
);
