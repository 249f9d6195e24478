/**
 * Explaining a failed FTP command. Where the reply text is generic (vsftpd: "Delete operation
 * failed."), or a refusal arrives as a closed data connection (proftpd), the path is looked at to
 * tell not-found, is-a-directory, not-a-directory, not-empty and permission apart.
 */
import type { Client } from 'basic-ftp';
import type { Entry } from '../../core/entry.js';
import { parentOf, type RelPath } from '../../core/rel-path.js';
import { BackendError, type BackendErrorCode } from '../../errors.js';
import { isAmbiguousFailure } from './ftp-errors.js';
import type { FtpFolder } from './ftp-folder.js';
import { rawList, statOn } from './ftp-lookup.js';
import { parseListListing, parseMlsdListing } from './list-parser.js';

/** The operation that failed, which decides what a look at the path can tell. */
export type FailedAction = 'list' | 'read' | 'remove' | 'removeDir' | 'mkdir' | 'rename';

/** Turns a failed file command on `client` into the right error (see the module comment). */
export async function explain(folder: FtpFolder, client: Client, error: unknown, path: RelPath, action: FailedAction, what: string): Promise<BackendError> {
  const mapped = folder.fail(error, what);
  if (!isAmbiguousFailure(error) || client.closed) return mapped;
  let entry: Entry | undefined;
  try {
    entry = await statOn(folder, client, path, what);
  } catch {
    return mapped;
  }
  const reply = (error as Error).message.split(/\r?\n/)[0]!.trim();
  const explained = (code: BackendErrorCode, why: string): BackendError => new BackendError(code, `${what}: ${why} (${reply})`, { cause: error });
  if (entry === undefined) {
    if (action === 'mkdir') {
      const parent = await statOn(folder, client, parentOf(path), what).catch(() => undefined);
      return parent === undefined ? explained('not-found', 'the parent folder does not exist') : explained('permission', 'refused');
    }
    return explained('not-found', action === 'list' || action === 'removeDir' ? 'no such folder' : 'no such file');
  }
  if (entry.kind === 'file' && (action === 'list' || action === 'removeDir')) return explained('not-a-directory', 'not a folder');
  if (entry.kind === 'dir' && (action === 'read' || action === 'remove')) return explained('is-a-directory', 'is a folder');
  if (entry.kind === 'dir' && action === 'removeDir') {
    try {
      await client.send(`CWD ${folder.abs(path)}`);
      const text = await rawList(folder, client, folder.features.mlst ? ['MLSD'] : folder.listCommands, what);
      const entries = folder.features.mlst ? parseMlsdListing(text) : parseListListing(text, Date.now());
      if (entries.length > 0) return explained('not-empty', 'not empty');
    } catch {
      return mapped;
    }
  }
  if (entry.kind === 'file' && action === 'mkdir') return explained('exists', 'a file is in the way');
  return explained('permission', 'refused by the server');
}

/** {@link explain} of a failed read on a connection of its own (for failures seen after a connection was given back). */
export async function explainReadOn(folder: FtpFolder, error: unknown, path: RelPath, what: string): Promise<BackendError> {
  if (!isAmbiguousFailure(error)) return folder.fail(error, what);
  return folder.pool.use((client) => explain(folder, client, error, path, 'read', what)).catch(() => folder.fail(error, what));
}

/**
 * A refused STOR says little: vsftpd answers "553 Could not create file." and proftpd closes the
 * prepared data connection first (ECONNRESET). A missing or mistyped parent folder is the usual
 * reason, so look at it on a working connection.
 */
export async function explainUploadFailure(folder: FtpFolder, error: unknown, path: RelPath, what: string): Promise<BackendError> {
  const mapped = folder.fail(error, what);
  if (mapped.code !== 'connection-lost' && mapped.code !== 'protocol' && !isAmbiguousFailure(error)) return mapped;
  const parent = parentOf(path);
  let entry: Entry | undefined;
  try {
    entry = await folder.pool.use((client) => statOn(folder, client, parent, what), { retry: true });
  } catch {
    return mapped;
  }
  if (entry === undefined) return new BackendError('not-found', `${what}: the folder ${folder.abs(parent)} does not exist`, { cause: error });
  if (entry.kind === 'file') return new BackendError('not-a-directory', `${what}: ${folder.abs(parent)} is a file, not a folder`, { cause: error });
  return mapped;
}
