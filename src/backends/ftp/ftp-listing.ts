/**
 * Listing one folder over FTP. MLSD where the server has it (exact UTC times to the second),
 * otherwise `LIST -a` (or `LIST`, for servers that refuse `-a`) plus one MDTM per file, because
 * LIST shows only minutes, or only the day for older files.
 */
import type { Client } from 'basic-ftp';
import type { ListedEntry } from '../../core/entry.js';
import { segmentProblem, type RelPath } from '../../core/rel-path.js';
import { BackendError } from '../../errors.js';
import { ftpReplyCode } from './ftp-errors.js';
import { explain } from './ftp-explain.js';
import type { FtpFolder } from './ftp-folder.js';
import { rawList } from './ftp-lookup.js';
import { parseFtpTime } from './ftp-time.js';
import { parseListListing, parseMlsdListing } from './list-parser.js';
import { speedTrickOn } from '../../core/speed-tricks.js';

/** The entries of `dir`, on a connection of its own (retried once on a stale connection). */
export function listFolder(folder: FtpFolder, dir: RelPath): Promise<ListedEntry[]> {
  const what = `cannot list ${folder.where(dir)}`;
  // A scan lists one folder, then many at once: the other connections log in meanwhile.
  if (speedTrickOn('ftp-warm-pool')) folder.pool.warmUp();
  return folder.pool.use(
    async (client) => {
      const entries = folder.features.mlst ? await listByMlsd(folder, client, dir, what) : await listByList(folder, client, dir, what);
      // An empty answer is trusted only once CWD shows the folder is there (it may also have
      // gone between a LIST's CWD and the listing).
      if (entries.length === 0) await changeDir(folder, client, dir, what);
      return entries;
    },
    { retry: true },
  );
}

/**
 * MLSD names the folder itself (RFC 3659), which saves the CWD round trip per folder that LIST
 * needs. A missing folder must still be an error, not an empty folder: pure-ftpd lists it as
 * empty and proftpd answers the "transient" 450, so a failure or an empty answer is settled by
 * CWD, which fails clearly on all of them.
 */
async function listByMlsd(folder: FtpFolder, client: Client, dir: RelPath, what: string): Promise<ListedEntry[]> {
  let text: string;
  try {
    text = await rawList(folder, client, ['MLSD'], what, folder.abs(dir));
  } catch (error) {
    if (client.closed) throw error;
    await changeDir(folder, client, dir, what);
    throw error;
  }
  return parseMlsdListing(text);
}

/**
 * CWD first: LIST of a missing folder is empty on vsftpd and pure-ftpd, and a path argument to
 * LIST is read as options by some servers. Then MDTM per file where the server has it.
 */
async function listByList(folder: FtpFolder, client: Client, dir: RelPath, what: string): Promise<ListedEntry[]> {
  await changeDir(folder, client, dir, what);
  const entries = parseListListing(await rawList(folder, client, folder.listCommands, what), Date.now());
  return folder.features.mdtm ? exactTimes(folder, client, folder.abs(dir), entries, what) : entries;
}

/** CWD into `dir`, mapping a failure to not-found / not-a-directory / permission. */
async function changeDir(folder: FtpFolder, client: Client, dir: RelPath, what: string): Promise<void> {
  try {
    await client.send(`CWD ${folder.abs(dir)}`);
  } catch (error) {
    throw await explain(folder, client, error, dir, 'list', what);
  }
}

/** Replaces LIST's minute/day times of files by MDTM's exact ones (vsftpd and other LIST-only servers). */
async function exactTimes(folder: FtpFolder, client: Client, absDir: string, entries: ListedEntry[], what: string): Promise<ListedEntry[]> {
  const result: ListedEntry[] = [];
  for (const item of entries) {
    // A name the scan will refuse ("../x", "a/b") must reach it to be reported: MDTM on it
    // would ask about another path, and a 550 would drop it without a word.
    if (!('entry' in item) || item.entry.kind !== 'file' || segmentProblem(item.name) !== undefined) {
      result.push(item);
      continue;
    }
    const path = absDir === '/' ? `/${item.name}` : `${absDir}/${item.name}`;
    let reply: string;
    try {
      reply = (await client.send(`MDTM ${path}`)).message;
    } catch (error) {
      // Deleted since the LIST: it is simply not there any more.
      if (ftpReplyCode(error) === 550) continue;
      throw folder.fail(error, what);
    }
    const mtimeMs = parseFtpTime(reply.slice(4));
    if (mtimeMs === undefined) throw new BackendError('protocol', `${what}: cannot read the time in the MDTM reply ${JSON.stringify(reply)}`);
    result.push({ name: item.name, entry: { ...item.entry, mtimeMs } });
  }
  return result;
}
