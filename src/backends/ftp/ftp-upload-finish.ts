/**
 * The end of an FTP upload, once the bytes are stored under the temporary name: set the time and
 * the mode, rename into place (replacing what is there), and read back the entry the server now
 * lists. The time is always set before the rename, so the final name never shows the upload time,
 * and the final name is only ever replaced by a complete file.
 */
import { FTPError, type Client } from 'basic-ftp';
import type { Entry } from '../../core/entry.js';
import type { RelPath } from '../../core/rel-path.js';
import { safeFileMode } from '../backend.js';
import { explain } from './ftp-explain.js';
import type { FtpFolder } from './ftp-folder.js';
import { absentUnlessDenied, entryOfMlst, statOn } from './ftp-lookup.js';
import { replaceByRename } from './ftp-rename.js';
import { parseFtpTime } from './ftp-time.js';
import { speedTrickOn } from '../../core/speed-tricks.js';
import type { PipelinedReply } from './send-pipelined.js';

/** What finishing one upload needs to know. */
export interface FinishingUpload {
  readonly folder: FtpFolder;
  /** The temporary name the bytes went to. */
  readonly tempRel: RelPath;
  /** The final name. */
  readonly path: RelPath;
  /** The time command for the temporary file, or undefined when no time is set. */
  readonly setTime: string | undefined;
  /** `SITE CHMOD` for the temporary file, or undefined when the mode is left as the server made it. */
  readonly chmod: string | undefined;
  readonly what: string;
  /**
   * What the server stored, when the bytes went in one piece (their count, confirmed by the
   * server's `226`) and a time is set (whole seconds): with a server whose time reply is known to
   * tell the time it set ({@link FtpFolder.timeReplyTells}), the entry is made from these and that
   * reply instead of an `MLST` after the rename.
   */
  readonly stored?: { readonly size: number; readonly mtimeMs: number };
}

/**
 * Whether the `MLST` after the rename can be left out (`ftp-time-reply-entry`): the upload knows
 * what it stored, and this server's `MFMT` reply has told the time it set, as its `MLST` then
 * listed it, before.
 */
function leavesOutMlst(upload: FinishingUpload): boolean {
  return upload.stored !== undefined && upload.folder.timeReplyTells === true && upload.folder.mtimeMethod === 'mfmt' && speedTrickOn('ftp-time-reply-entry');
}

/** The time an `MFMT` reply says the file now has ("213 Modify=YYYYMMDDHHMMSS; path"), if it says. */
function timeOfReply(reply: PipelinedReply | undefined): number | undefined {
  if (reply === undefined || reply instanceof FTPError || reply.code !== 213) return undefined;
  const match = /^213 Modify=(\d{14}(?:\.\d+)?);/i.exec(reply.message);
  return match ? parseFtpTime(match[1]!) : undefined;
}

/**
 * Learns from an upload that sent both whether this server's `MFMT` reply tells the time it set,
 * as its `MLST` then lists it (and the size the `MLST` lists is the size stored). Once a reply did
 * not, it is never trusted again for this backend.
 */
function learnTimeReply(upload: FinishingUpload, timeReply: PipelinedReply | undefined, entry: Entry): void {
  const { folder, stored } = upload;
  if (stored === undefined || folder.mtimeMethod !== 'mfmt' || folder.timeReplyTells === false) return;
  const tells = entry.kind === 'file' && entry.size === stored.size && entry.mtimeMs === stored.mtimeMs && timeOfReply(timeReply) === stored.mtimeMs;
  folder.timeReplyTells = tells;
}

/**
 * `SITE CHMOD` for a file given `mode`, or undefined. 0644 is what servers give new files under
 * their usual umask: a SITE CHMOD per file is spent only on files that need other bits, such as
 * private 0600 ones, and not at all once the server refused one.
 */
export function chmodCommand(folder: FtpFolder, mode: number | undefined, absPath: string): string | undefined {
  if (mode === undefined || !folder.chmodWorks || safeFileMode(mode) === 0o644) return undefined;
  return `SITE CHMOD ${safeFileMode(mode).toString(8).padStart(4, '0')} ${absPath}`;
}

/** A refused SITE CHMOD (5xx) means the server has none: later uploads do not send it. */
function noteChmodReply(folder: FtpFolder, reply: PipelinedReply | undefined): void {
  if ((reply?.code ?? 0) >= 500) folder.chmodWorks = false;
}

/**
 * Finishes an upload in two pipelined batches (see send-pipelined.ts) instead of a round trip
 * per command: [set time, chmod, RNFR] then [RNTO, MLST]. A failed time or RNFR stops before the
 * rename. Returns the entry as the server now lists it. `mtimeUnverified`: the time command is a
 * guess (a refusal then turns setting times off instead of failing the upload).
 */
export async function finishInTwoBatches(
  upload: FinishingUpload,
  client: Client,
  signal: AbortSignal | undefined,
  mtimeUnverified: boolean,
): Promise<Entry | undefined> {
  const { folder, tempRel, path, setTime, chmod, what } = upload;
  const prepare = [...(setTime ? [setTime] : []), ...(chmod ? [chmod] : []), `RNFR ${folder.abs(tempRel)}`];
  const prepared = await folder.pipelined(client, prepare, what);
  if (setTime && prepared[0] instanceof FTPError) {
    // A guessed MDTM-with-time refused: this server cannot set times; the upload goes on.
    if (mtimeUnverified) folder.settleMtimeMethod(false);
    else throw folder.fail(prepared[0], `${what}: cannot set its modification time`);
  }
  if (chmod) noteChmodReply(folder, prepared[setTime ? 1 : 0]);
  const rnfr = prepared[prepared.length - 1];
  if (rnfr instanceof FTPError) throw await explain(folder, client, rnfr, tempRel, 'rename', what);
  signal?.throwIfAborted();
  const abs = folder.abs(path);
  const [rnto, mlst] = await folder.pipelined(client, folder.features.mlst ? [`RNTO ${abs}`, `MLST ${abs}`] : [`RNTO ${abs}`], what);
  if (rnto instanceof FTPError) {
    await replaceByRename(folder, client, tempRel, path, rnto, what);
    return statOn(folder, client, path, what);
  }
  if (mlst === undefined) return statOn(folder, client, path, what);
  if (mlst instanceof FTPError) return absentUnlessDenied(folder, mlst, what);
  return entryOfMlst(mlst.message, path, what);
}

/**
 * The commands that finish an upload in one pipelined batch, for a server whose way of setting
 * times is known to work: [set time, chmod, RNFR, RNTO, MLST]. One round trip and one write per
 * file less than {@link finishInTwoBatches}, the largest remaining cost of small files (and a
 * network round trip each on a real link). A refused RNFR stops the RNTO (the server answers it
 * 503), so the final name is only ever replaced by the complete file. When another upload waits
 * for a connection, the batch goes out with that upload's `EPSV` + `STOR` (deferred-batch.ts),
 * saving one more round trip per file.
 */
export function oneBatchCommands(upload: FinishingUpload & { readonly setTime: string }): string[] {
  const { folder, tempRel, path, setTime, chmod } = upload;
  const abs = folder.abs(path);
  const mlst = folder.features.mlst && !leavesOutMlst(upload);
  return [setTime, ...(chmod ? [chmod] : []), `RNFR ${folder.abs(tempRel)}`, `RNTO ${abs}`, ...(mlst ? [`MLST ${abs}`] : [])];
}

/**
 * Reads the replies to {@link oneBatchCommands}. What a refusal calls for (a look at the target,
 * the time set once more) runs through `onConnection`, which need not use the connection the
 * batch went on: the batch is complete once answered. The usual case needs no connection. Should
 * the server refuse the time after all (it accepted it before: the method is verified), the
 * complete file is already in place: the time is set once more on the final name
 * (`setTimeOnFinal`), and only if that fails too does the upload fail, with the new content under
 * the final name.
 */
export async function readOneBatchReplies(
  upload: FinishingUpload,
  onConnection: <T>(fn: (client: Client) => Promise<T>) => Promise<T>,
  replies: PipelinedReply[],
  setTimeOnFinal: () => string,
): Promise<Entry | undefined> {
  const { folder, tempRel, path, chmod, what } = upload;
  const [timeReply] = replies;
  if (chmod) noteChmodReply(folder, replies[1]);
  const at = chmod ? 2 : 1;
  const [rnfr, rnto, mlst] = [replies[at], replies[at + 1], replies[at + 2]];
  if (rnfr instanceof FTPError) throw await onConnection((client) => explain(folder, client, rnfr, tempRel, 'rename', what));
  if (rnto instanceof FTPError) await onConnection((client) => replaceByRename(folder, client, tempRel, path, rnto, what));
  if (timeReply instanceof FTPError) {
    return onConnection(async (client) => {
      const retried = await folder.pipelined(client, [setTimeOnFinal()], what);
      if (retried[0] instanceof FTPError) throw folder.fail(retried[0], `${what}: cannot set its modification time (the new content is in place)`);
      return statOn(folder, client, path, what);
    });
  }
  if (!(rnto instanceof FTPError) && mlst === undefined && upload.stored !== undefined && leavesOutMlst(upload)) {
    // The RNTO's 250 says the file is in place, the 226 that every byte arrived, the MFMT reply
    // which time it has: that is the entry an MLST would list. A reply that does not say the
    // time asked for is looked up after all, and the MLST comes back for later uploads.
    if (timeOfReply(timeReply) === upload.stored.mtimeMs) return { kind: 'file', size: upload.stored.size, mtimeMs: upload.stored.mtimeMs };
    folder.timeReplyTells = false;
  }
  if (rnto instanceof FTPError || mlst === undefined) return onConnection((client) => statOn(folder, client, path, what));
  if (mlst instanceof FTPError) return absentUnlessDenied(folder, mlst, what);
  const entry = entryOfMlst(mlst.message, path, what);
  learnTimeReply(upload, timeReply, entry);
  return entry;
}
