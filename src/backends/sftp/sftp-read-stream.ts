/**
 * A pipelined reader of a remote file: keeps several SFTP READ requests in flight (like ssh2's
 * fastGet) instead of one at a time, which on any link with latency is several times faster.
 */
import { Readable } from 'node:stream';
import type { SftpConnection } from './sftp-connection.js';

const chunkBytes = 64 * 1024;
const requestsInFlight = 16;

interface PendingRead {
  readonly offset: number;
  readonly length: number;
  readonly promise: Promise<Buffer>;
}

async function* readChunks(
  connection: SftpConnection,
  handle: Buffer,
  size: number,
  what: string,
  start: number,
  done: () => Promise<void>,
): AsyncGenerator<Buffer> {
  const queue: PendingRead[] = [];
  const issue = (offset: number, length: number): PendingRead => {
    const promise = connection.call<Buffer>(what, (sftp, callback) => {
      const buffer = Buffer.allocUnsafe(length);
      sftp.read(handle, buffer, 0, length, offset, (error, bytesRead) => callback(error, buffer.subarray(0, bytesRead ?? 0)));
    });
    // Reads behind a failed one are abandoned; keep their rejections from going unhandled.
    promise.catch(() => undefined);
    return { offset, length, promise };
  };
  let next = start;
  try {
    for (;;) {
      // The size comes from fstat at open: a file that grows meanwhile is read as it was then.
      while (queue.length < requestsInFlight && next < size) {
        const length = Math.min(chunkBytes, size - next);
        queue.push(issue(next, length));
        next += length;
      }
      const head = queue.shift();
      if (head === undefined) return;
      const data = await head.promise;
      // The file shrank: end where the server says it ends.
      if (data.length === 0) return;
      // SFTP allows short reads: ask again for the rest, ahead of everything else.
      if (data.length < head.length) queue.unshift(issue(head.offset + data.length, head.length - data.length));
      yield data;
    }
  } finally {
    await done();
  }
}

/**
 * A Readable of the bytes `start` to `size` of the open remote file `handle`. `done` runs once the
 * stream ends or is destroyed (it closes the handle and gives the connection back).
 */
export function createSftpReadStream(
  connection: SftpConnection,
  handle: Buffer,
  size: number,
  what: string,
  start: number,
  done: () => Promise<void>,
): Readable {
  let finished: Promise<void> | undefined;
  const finishOnce = (): Promise<void> => (finished ??= done().catch(() => undefined));
  const stream = Readable.from(readChunks(connection, handle, size, what, start, finishOnce), { objectMode: false, highWaterMark: 256 * 1024 });
  // A stream destroyed before its first read never enters the generator, so its finally would not run.
  stream.once('close', () => void finishOnce());
  return stream;
}
