/**
 * How a command that runs a sync (`upload`, `download`, `sync`, `watch`) sets up its output: the
 * live display on stderr, lines or JSON on stdout, the log file, the `-vv` protocol trace, and
 * Ctrl-C. One set-up, so the commands cannot drift apart.
 */
import type { AnyRunOptions } from '../index.js';
import { isLogging, logLine } from './log-file.js';
import { writeLine } from './output-stream.js';
import { progressModeFor, type ProgressMode } from './render/progress-line.js';
import type { Verbosity } from './render/text-renderer.js';
import { runOptionsOf, type RunFlags } from './run-flags.js';
import { startRunLogging, type LoggingFlags } from './run-logging.js';
import { styleFor, type TerminalStyle } from './terminal-style.js';
import { withInterrupt } from './with-interrupt.js';

/** The output flags of such a command. */
export interface OutputFlags extends RunFlags, LoggingFlags {
  quiet?: boolean;
  progress?: boolean;
  color: boolean;
}

/** A live line on stderr (progress, watch state) that other output is printed above. */
export interface LiveDisplay {
  above(print: () => void): void;
}

/**
 * Makes the line renderer of a command's events. `display`: the terminal's live display; undefined
 * for the log file, which gets what `-v` prints, without colours.
 */
export type LineRendererFactory<E, D> = (
  out: (line: string) => void,
  err: (line: string) => void,
  style: TerminalStyle,
  verbosity: Verbosity,
  display: D | undefined,
) => (event: E) => void;

/** A command's output, set up. */
export interface CommandOutput<E, D extends LiveDisplay> {
  readonly display: D;
  readonly verbosity: Verbosity;
  /** A line on stdout, above the live display. */
  readonly out: (line: string) => void;
  /** A line on stderr, above the live display. */
  readonly err: (line: string) => void;
  /** Shows an event on stdout (lines, or JSON with `--json`) and in the log file. */
  readonly render: (event: E) => void;
  /** The run options the flags ask for, with the `-vv` trace. */
  readonly runOptions: Omit<AnyRunOptions, 'local' | 'remote'>;
  /** Runs `fn` with Ctrl-C handling (with-interrupt.ts); `notice` says what the first signal does. */
  interruptible<T>(fn: (signal: AbortSignal) => Promise<T>, notice: string): Promise<T>;
}

/**
 * Sets up the output of a command named `what` (for the log file's header): `makeDisplay` makes
 * its live display for the progress mode the flags and the terminal ask for.
 */
export function startCommandOutput<E, D extends LiveDisplay>(
  flags: OutputFlags,
  what: string,
  makeDisplay: (mode: ProgressMode) => D,
  lines: LineRendererFactory<E, D>,
): CommandOutput<E, D> {
  const verbosity: Verbosity = flags.quiet ? 0 : flags.verbose >= 2 ? 2 : 1;
  const style = styleFor(process.stdout, { noColor: !flags.color });
  const errStyle = styleFor(process.stderr, { noColor: !flags.color });
  const display = makeDisplay(
    progressModeFor({ flag: flags.progress, quiet: flags.quiet, json: flags.json, isTTY: Boolean(process.stderr.isTTY), term: process.env.TERM }),
  );
  const out = (line: string): void => display.above(() => writeLine(process.stdout, line));
  const err = (line: string): void => display.above(() => writeLine(process.stderr, line));
  const terminal = flags.json
    ? (event: E): void => out(JSON.stringify(event))
    : lines(out, err, { ...style, red: errStyle.red, yellow: style.yellow }, verbosity, display);
  const trace = startRunLogging(flags, what, err, errStyle);
  // The log file gets what -v prints, whatever the terminal shows (-q, --json).
  const log = isLogging() ? lines(logLine, logLine, styleFor(process.stdout, { noColor: true }), 2, undefined) : undefined;
  const runOptions = runOptionsOf(flags);
  return {
    display,
    verbosity,
    out,
    err,
    render: (event) => {
      terminal(event);
      log?.(event);
    },
    runOptions: trace ? { ...runOptions, connection: { ...runOptions.connection, trace } } : runOptions,
    interruptible: (fn, notice) => withInterrupt(fn, { notice, err, timeoutSeconds: flags.timeout }),
  };
}
