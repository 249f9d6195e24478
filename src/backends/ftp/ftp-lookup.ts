/**
 * Looking at one path or one folder's raw listing on a given FTP connection: MLST where the server
 * has it, else CWD, SIZE and MDTM (or the parent's LIST). The listing, upload and error explanation
 * parts of the FTP backend all build on these.
 */
import type { Client } from 'basic-ftp';
import type { Entry, FileEntry, ListedEntry } from '../../core/entry.js';
import { baseName, parentOf, ROOT, type RelPath } from '../../core/rel-path.js';
import { BackendError } from '../../errors.js';
import { closeUnlessReplied, ftpReplyCode } from './ftp-errors.js';
import type { FtpFolder } from './ftp-folder.js';
import { parseFtpTime } from './ftp-time.js';
import { entryOfMlsxLine, parseListListing, parseMlsxLine } from './list-parser.js';

/** An entry that no scan can match: stat's answer for a symlink or special file. */
const unmatchable: FileEntry = { kind: 'file', size: -1, mtimeMs: -1 };

/**
 * Runs a listing command on a data connection and returns its text, trying `commands` in order.
 * When more than one is given, the ones that work are remembered in `folder.listCommands`.
 */
export async function rawList(folder: FtpFolder, client: Client, commands: string[], what: string, path = ''): Promise<string> {
  let text = '';
  client.parseList = (raw: string) => {
    text = raw;
    return [];
  };
  // basic-ftp tries each candidate and keeps the first that works.
  client.availableListCommands = [...commands];
  try {
    await client.list(path);
  } catch (error) {
    closeUnlessReplied(client, error);
    throw folder.fail(error, what);
  }
  if (commands.length > 1) folder.listCommands = [...client.availableListCommands];
  return text;
}

/** stat on a given connection: MLST where offered, else CWD (folder?) then SIZE and MDTM. */
export async function statOn(folder: FtpFolder, client: Client, path: RelPath, what: string): Promise<Entry | undefined> {
  if (path === ROOT) return { kind: 'dir' };
  const abs = folder.abs(path);
  if (folder.features.mlst) {
    let reply: string;
    try {
      reply = (await client.send(`MLST ${abs}`)).message;
    } catch (error) {
      return absentUnlessDenied(folder, error, what);
    }
    return entryOfMlst(reply, path, what);
  }
  try {
    await client.send(`CWD ${abs}`);
    return { kind: 'dir' };
  } catch (error) {
    if (ftpReplyCode(error) === undefined) throw folder.fail(error, what);
  }
  if (!folder.features.mdtm || !folder.features.size) return statByParentListing(folder, client, path, what);
  let size: number;
  let mtimeMs: number | undefined;
  try {
    size = Number.parseInt((await client.send(`SIZE ${abs}`)).message.slice(4), 10);
    mtimeMs = parseFtpTime((await client.send(`MDTM ${abs}`)).message.slice(4));
  } catch (error) {
    return absentUnlessDenied(folder, error, what);
  }
  if (!Number.isSafeInteger(size) || mtimeMs === undefined) {
    throw new BackendError('protocol', `${what}: unexpected SIZE or MDTM reply`);
  }
  return { kind: 'file', size, mtimeMs };
}

/** Without SIZE and MDTM only a listing of the parent tells, with LIST's precision. */
async function statByParentListing(folder: FtpFolder, client: Client, path: RelPath, what: string): Promise<Entry | undefined> {
  let entries: ListedEntry[];
  try {
    await client.send(`CWD ${folder.abs(parentOf(path))}`);
    entries = parseListListing(await rawList(folder, client, folder.listCommands, what), Date.now());
  } catch (error) {
    return absentUnlessDenied(folder, error, what);
  }
  const found = entries.find((item) => item.name === baseName(path));
  if (found === undefined) return undefined;
  return 'entry' in found ? found.entry : unmatchable;
}

/** The entry an MLST reply describes. */
export function entryOfMlst(reply: string, path: RelPath, what: string): Entry {
  // "250-Listing path\r\n facts; /path\r\n250 End": the fact line starts with one space.
  const line = reply.split(/\r?\n/).find((l, i) => i > 0 && l.startsWith(' '));
  if (line === undefined) throw new BackendError('protocol', `${what}: unexpected MLST reply ${JSON.stringify(reply)}`);
  const parsed = parseMlsxLine(line.slice(1));
  const listed = entryOfMlsxLine({ facts: parsed.facts, name: baseName(path) });
  if (listed === undefined) return { kind: 'dir' };
  return 'entry' in listed ? listed.entry : unmatchable;
}

/** A failed lookup means "nothing there", unless the server says access is denied. */
export function absentUnlessDenied(folder: FtpFolder, error: unknown, what: string): undefined {
  const code = ftpReplyCode(error);
  if (code === undefined || code < 450 || code === 530) throw folder.fail(error, what);
  const mapped = folder.fail(error, what);
  if (mapped.code === 'permission') throw mapped;
  return undefined;
}
