/**
 * Renaming over FTP (RNFR/RNTO), replacing a file at the target. RFC 959 leaves renaming over an
 * existing file to the server; where it refuses, the target is deleted and the rename retried,
 * which leaves a short window in which the target is missing (documented in docs/ftp.md).
 */
import type { Client } from 'basic-ftp';
import type { RelPath } from '../../core/rel-path.js';
import { explain } from './ftp-explain.js';
import type { FtpFolder } from './ftp-folder.js';
import { statOn } from './ftp-lookup.js';

/** RNFR `from`, RNTO `to` on `client`; a file at `to` is replaced (see the module comment). */
export async function renameOn(folder: FtpFolder, client: Client, from: RelPath, to: RelPath, what: string): Promise<void> {
  try {
    await client.send(`RNFR ${folder.abs(from)}`);
  } catch (error) {
    throw await explain(folder, client, error, from, 'rename', what);
  }
  try {
    await client.send(`RNTO ${folder.abs(to)}`);
  } catch (error) {
    await replaceByRename(folder, client, from, to, error, what);
  }
}

/** After a refused RNTO (`error`): where a file is in the way, delete it and rename again. */
export async function replaceByRename(folder: FtpFolder, client: Client, from: RelPath, to: RelPath, error: unknown, what: string): Promise<void> {
  if (client.closed) throw folder.fail(error, what);
  const target = await statOn(folder, client, to, what).catch(() => undefined);
  if (target?.kind !== 'file') throw folder.fail(error, what);
  const toAbs = folder.abs(to);
  await folder.send(client, `DELE ${toAbs}`, what);
  await folder.send(client, `RNFR ${folder.abs(from)}`, what);
  await folder.send(client, `RNTO ${toAbs}`, what);
}
