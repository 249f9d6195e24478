/**
 * The `ferry` executable: parses the command line and is the error boundary. Every error becomes
 * one line on stderr and a documented exit code (docs/exit-codes.md), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { describeForCommandLine } from './flag-names.js';
import { describeError, ExitCode, FerryError, SafetyError, speedTrickOn } from '../index.js';
import { addDemoCommand } from './demo-command.js';
import { addRunCommand } from './run-command.js';
import { addSyncCommands, isJsonOutputRequested } from './sync-commands.js';
import { addScanTreeCommands } from './scan-tree-commands.js';
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

function buildProgram(setExitCode: (code: number) => void): Command {
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
  const runArgs = async (args: string[]): Promise<void> => {
    await buildProgram(setExitCode).parseAsync(args, { from: 'user' });
  };
  addSyncCommands(program, setExitCode);
  addWatchCommand(program, setExitCode);
  addRunCommand(program, runArgs);
  addScanTreeCommands(program, setExitCode);
  addDoctorCommand(program, setExitCode);
  addCompletionCommand(program);
  addDemoCommand(program, runArgs);
  return program;
}

async function main(): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
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
