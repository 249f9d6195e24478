/**
 * Writing to stdout/stderr when the reader may go away (`ferry ... | head -1`): after EPIPE the
 * rest of the output is dropped quietly instead of crashing, and the command finishes its work.
 */

const closedStreams = new WeakSet<NodeJS.WriteStream>();

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

const guardedStreams = new WeakSet<NodeJS.WriteStream>();

/** Writes text unless the stream's reader has gone. */
export function writeRaw(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream)) return;
  guard(stream);
  stream.write(text);
}

/** Writes one line unless the stream's reader has gone. */
export function writeLine(stream: NodeJS.WriteStream, line: string): void {
  writeRaw(stream, `${line}\n`);
}
