/**
 * `--log-file FILE`: a plain-text record of a run (or of a whole `watch` session), appended to
 * FILE, one line per message with a UTC timestamp:
 *
 * ```
 * 2026-12-06T11:31:02.123Z ferry 0.1.0 upload started (pid 4242)
 * 2026-12-06T11:31:02.410Z COPY NEW           >  index.html
 * 2026-12-06T11:31:02.950Z ferry finished with exit code 0
 * ```
 *
 * It holds what `-v` prints (actions, conflicts, skips, the summary) whatever the terminal shows
 * (`-q`, `--json`), plus warnings and errors, and with `-vv` the protocol trace. Never a secret:
 * the lines are the ones printed, which name targets without passwords, and the trace masks them.
 * Lines are written in batches (one per event-loop turn) and at exit; the file is created 0600.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { FerryError } from '../errors.js';
import { printable } from './render/printable.js';

let fd: number | undefined;
let pending: string[] = [];
let flushScheduled = false;
let exitHooked = false;

// ANSI colour sequences never reach the file; other control characters are shown escaped (the
// same escaping as the terminal's, render/printable.ts), so a file name cannot forge a line of the log.
// eslint-disable-next-line no-control-regex
const ansi = /\u001b\[[0-9;]*m/g;

function flush(): void {
  flushScheduled = false;
  if (fd === undefined || pending.length === 0) return;
  const text = pending.join('');
  pending = [];
  try {
    writeSync(fd, text);
  } catch {
    // A full disk or a vanished file must not stop the sync: the log is a record, not the work.
  }
}

/**
 * Opens `file` for appending (creating it) and writes the header line. Throws a config FerryError
 * (exit 1) when it cannot be opened. Only one log is open at a time; opening again switches files.
 */
export function openLogFile(file: string, header: string): void {
  closeLogFile();
  try {
    fd = openSync(file, 'a', 0o600);
  } catch (error) {
    throw new FerryError('config', `cannot open log file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', flush);
  }
  logLine(header);
}

/** True while a log file is open. */
export function isLogging(): boolean {
  return fd !== undefined;
}

/** Appends one message (each of its lines gets the timestamp); does nothing without a log file. */
export function logLine(text: string): void {
  if (fd === undefined) return;
  const stamp = new Date().toISOString();
  for (const line of text.replace(ansi, '').split(/\r?\n/)) {
    pending.push(`${stamp} ${printable(line)}\n`);
  }
  if (pending.length >= 512) flush();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush).unref();
  }
}

/** Writes what is pending and closes the file. */
export function closeLogFile(): void {
  if (fd === undefined) return;
  flush();
  try {
    closeSync(fd);
  } catch {
    // Already gone: nothing more to write.
  }
  fd = undefined;
}
