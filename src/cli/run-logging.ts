/**
 * What `--log-file` and `-vv` add to a sync or watch command: the log file's header, and the
 * protocol trace sink that goes to stderr (only with `-vv`) and to the log file.
 */
import { type Command } from 'commander';
import { logLine, openLogFile } from './log-file.js';
import { printable } from './render/printable.js';
import type { TerminalStyle } from './terminal-style.js';

/** `-v` counts from 1 (the default), so `-vv` is 3: the protocol trace. */
export const TRACE_VERBOSITY = 3;

/** Flags that decide logging. */
export interface LoggingFlags {
  logFile?: string;
  verbose: number;
}

/** Declares `--log-file` (the `-v` option says "-vv: protocol trace" in its own help). */
export function addLogFileOption(command: Command): Command {
  return command.option('--log-file <file>', 'append what -v prints, warnings and errors (and with -vv the protocol trace) to FILE, one timestamped line each');
}

/** The help text of `-v, --verbose` for commands that talk to servers. */
export const VERBOSE_HELP =
  'more output: -v also lists skipped and ignored files; -vv adds a protocol trace (FTP commands and replies, SFTP requests; passwords masked) on stderr';

/**
 * Opens the log file when asked (writing `ferry VERSION COMMAND started`) and returns the trace
 * sink for `-vv`, or undefined. `err` writes a line to stderr above any progress display.
 */
export function startRunLogging(flags: LoggingFlags, what: string, err: (line: string) => void, style: TerminalStyle): ((line: string) => void) | undefined {
  if (flags.logFile !== undefined) openLogFile(flags.logFile, `ferry ${what} started (pid ${process.pid})`);
  if (flags.verbose < TRACE_VERBOSITY) return undefined;
  return (line: string): void => {
    const shown = `trace: ${printable(line)}`;
    err(style.dim(shown));
    logLine(shown);
  };
}
