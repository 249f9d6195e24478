/**
 * Continuing big transfers over FTP (engine/resumable-copy.ts): an upload continues its part with
 * `APPE` (append to the temporary file), a download starts at a byte with `REST` + `RETR`.
 *
 * Which servers allow it (loopback, default settings): `REST` + `RETR` everywhere (proftpd,
 * pure-ftpd, vsftpd, pyftpdlib). `APPE` on pure-ftpd, vsftpd and pyftpdlib; proftpd refuses it
 * unless `AllowStoreRestart on` is set, and then the upload starts afresh. `APPE` is used rather
 * than `REST` + `STOR` because more servers take it, and a part is always continued at its end.
 * The upload (ftp-upload.ts) and download (ftp-download.ts) call the three functions here and
 * nothing else of resume.
 */
import { FTPError, type Client } from 'basic-ftp';
import type { Readable, Writable } from 'node:stream';
import { baseName, joinExactPath, parentOf, type RelPath } from '../../core/rel-path.js';
import { BackendError } from '../../errors.js';
import { tempNameFor, type PartOptions } from '../backend.js';
import { uploadSource } from './upload-source.js';

/**
 * The temporary file (below the root) an upload of `path` writes: the part it continues, or a
 * fresh name. A part must lie beside `path` (it is renamed over it at the end).
 */
export function uploadTempFor(path: RelPath, part: PartOptions | undefined): RelPath {
  const continued = part?.continueAt;
  if (continued !== undefined) {
    if (parentOf(continued.temp) !== parentOf(path)) throw new BackendError('unsafe-name', `${continued.temp} is not beside ${path}`);
    return continued.temp;
  }
  return joinExactPath(parentOf(path), tempNameFor(baseName(path)));
}

/** Servers (by client) found refusing `APPE`: later continuations there start afresh at once. */
const appendRefused = new WeakSet<object>();

/** Passes `data` on, adding up its bytes in `counted.bytes`. */
async function* counting(data: AsyncIterable<Buffer>, counted: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of data) {
    counted.bytes += chunk.length;
    yield chunk;
  }
}

/**
 * Sends `data` to `tempPath` (absolute on the server): `STOR`, or `APPE` when `part` continues a
 * temporary file (which must then be `offset` bytes long: `APPE` writes at its end). A refused
 * `APPE` is an `unsupported` error, so the caller starts afresh; `server` is what remembers it.
 * After an `APPE` the part must hold `offset` plus the bytes sent, or the upload fails `changed`
 * (see {@link checkAppended}).
 */
export async function storeOrAppend(client: Client, data: Readable, tempPath: string, part: PartOptions | undefined, server: object): Promise<void> {
  if (part?.continueAt === undefined) {
    await client.uploadFrom(uploadSource(data, client), tempPath);
    return;
  }
  if (appendRefused.has(server)) throw new BackendError('unsupported', `the server does not continue uploads (APPE)`);
  const sent = { bytes: 0 };
  try {
    await client.appendFrom(uploadSource(counting(data, sent), client), tempPath);
  } catch (error) {
    // A refusal before any byte: proftpd answers "451 Append/Restart not permitted" without
    // AllowStoreRestart; others 502/504/550.
    if (error instanceof FTPError && (error.code >= 500 || error.code === 450 || error.code === 451)) {
      appendRefused.add(server);
      throw new BackendError('unsupported', `the server refused to continue ${tempPath} (${error.message.trim()})`, { cause: error });
    }
    throw error;
  }
  await checkAppended(client, tempPath, part.continueAt.offset + sent.bytes);
}

/**
 * Fails the upload (`changed`, before the rename) when the continued part is not `expected` bytes
 * long. The part can grow after the check of its tail read it and before `APPE` opened it: the
 * server session of a killed run may still be writing what the dead client's kernel had in
 * flight. The append then lands after those bytes, and the file would hold a stretch of the
 * source twice. A server without `SIZE` is not asked (the check of the tail stays).
 */
async function checkAppended(client: Client, tempPath: string, expected: number): Promise<void> {
  let size: number;
  try {
    size = await client.size(tempPath);
  } catch (error) {
    if (error instanceof FTPError && (error.code === 500 || error.code === 502)) return;
    throw error;
  }
  if (size !== expected) {
    throw new BackendError(
      'changed',
      `the part ${tempPath} holds ${size} bytes after it was continued, ${expected} expected (something else wrote to it meanwhile); left for the next run`,
    );
  }
}

/** Downloads `abs` into `sink`, from byte `start` on (`REST` + `RETR`) when it is not 0. */
export function retrieveFrom(client: Client, sink: Writable, abs: string, start: number | undefined): Promise<unknown> {
  return start ? client.downloadTo(sink, abs, start) : client.downloadTo(sink, abs);
}
