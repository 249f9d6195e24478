/**
 * Reading a text file a line at a time, without holding it whole (state files of huge trees).
 */
import type { FileHandle } from 'node:fs/promises';

/** The lines of an open file (split at "\n"; a last line without "\n" included). Closes it. */
export async function* fileLines(handle: FileHandle): AsyncGenerator<string> {
  const stream = handle.createReadStream({ encoding: 'utf8', highWaterMark: 1024 * 1024 });
  let rest = '';
  for await (const chunk of stream as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest !== '') yield rest;
}
