/**
 * Writing to stdout/stderr for the `ferry` command.
 *
 * - When the reader may go away (`ferry ... | head -1`): after EPIPE the rest of the output is
 *   dropped quietly instead of crashing, and the command finishes its work.
 * - When the output is a file or a pipe (CI logs, `--json` read by a program): the lines written
 *   in one turn of the event loop go out in one system call instead of one each. A first upload
 *   of 2,000 files prints about 6,000 JSON events, and Node writes to files and pipes
 *   synchronously, so each line cost a system call of its own on the path of the transfers.
 *   A terminal is written at once, so a progress line redrawn on stderr stays in place.
 */

const closedStreams = new WeakSet<NodeJS.WriteStream>();
const guardedStreams = new WeakSet<NodeJS.WriteStream>();

/**
 * Text waiting to be written, in the order it was written across both streams (a log that
 * captures stdout and stderr together keeps that order).
 */
const pending: { stream: NodeJS.WriteStream; text: string }[] = [];
let pendingChars = 0;
let flushScheduled = false;
let exitHookInstalled = false;

/** Pending text is written at once when it grows past this many characters. */
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Makes a gone reader harmless on stdout and stderr, for every writer (commander's `--help` too):
 * `ferry --help | head -1` must not end in an unhandled EPIPE stack trace. Called once, first
 * thing, by the `ferry` executable; {@link writeRaw} calls it too for library-free use.
 */
export function guardOutputStreams(): void {
  for (const stream of [process.stdout, process.stderr]) guard(stream);
}

function guard(stream: NodeJS.WriteStream): void {
  if (guardedStreams.has(stream)) return;
  guardedStreams.add(stream);
  // EPIPE, or any other failure of the reader's end: the rest of the output is dropped, because
  // finishing a sync (and saving its state) is safer than dying halfway.
  stream.on('error', () => closedStreams.add(stream));
}

/**
 * Writes text unless the stream's reader has gone. To a terminal it goes out at once; to a file
 * or pipe it goes out with the other lines of the same event-loop turn (and always before the
 * process exits, `process.exit` included).
 */
export function writeRaw(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream)) return;
  guard(stream);
  if (stream.isTTY) {
    flushOutput();
    stream.write(text);
    return;
  }
  pending.push({ stream, text });
  pendingChars += text.length;
  if (pendingChars >= FLUSH_AT_CHARS) flushOutput();
  else scheduleFlush();
}

/** Writes one line unless the stream's reader has gone. */
export function writeLine(stream: NodeJS.WriteStream, line: string): void {
  writeRaw(stream, `${line}\n`);
}

/** Writes all pending text now, merging neighbouring pieces for the same stream. */
export function flushOutput(): void {
  let index = 0;
  while (index < pending.length) {
    const stream = pending[index]!.stream;
    let text = '';
    while (index < pending.length && pending[index]!.stream === stream) text += pending[index++]!.text;
    if (!closedStreams.has(stream)) stream.write(text);
  }
  pending.length = 0;
  pendingChars = 0;
}

function scheduleFlush(): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Files and pipes are written synchronously, so this still reaches the reader.
    process.on('exit', flushOutput);
  }
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    flushOutput();
  }).unref();
}
