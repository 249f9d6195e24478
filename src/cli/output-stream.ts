/**
 * Writing to stdout/stderr when the reader may go away (`ferry ... | head -1`): after EPIPE the
 * rest of the output is dropped quietly instead of crashing, and the command finishes its work.
 */

const closedStreams = new WeakSet<NodeJS.WriteStream>();

/** Writes text unless the stream's reader has gone. */
export function writeRaw(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream)) return;
  if (stream.listenerCount('error') === 0) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Finishing a sync (and saving its state) is safer than dying halfway.
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') closedStreams.add(stream);
    });
  }
  stream.write(text);
}

/** Writes one line unless the stream's reader has gone. */
export function writeLine(stream: NodeJS.WriteStream, line: string): void {
  writeRaw(stream, `${line}\n`);
}
