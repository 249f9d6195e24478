/**
 * The stream handed to basic-ftp for an upload.
 */
import { Readable } from 'node:stream';

/**
 * Yields `source` and ends one macrotask after its last chunk. basic-ftp starts writing as soon as
 * a TLS data connection reports `secureConnect`; ending that connection in the same tick (a 0-byte
 * file) makes proftpd and pure-ftpd fail the handshake ("unexpected eof", TLS alert 50).
 */
async function* endingOneTickLate(source: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) yield chunk;
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * A stream of `source`'s bytes that is safe to upload over FTPS even when empty. Errors of
 * `source` become errors of the returned stream (which basic-ftp turns into a failed upload).
 */
export function uploadSource(source: AsyncIterable<Buffer> | Iterable<Buffer>): Readable {
  const stream = Readable.from(endingOneTickLate(source), { objectMode: false });
  // basic-ftp listens only while it uploads; an error outside that window must not crash.
  stream.on('error', () => undefined);
  return stream;
}
