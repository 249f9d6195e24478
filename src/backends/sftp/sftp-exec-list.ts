/**
 * A whole remote tree in one round trip: GNU `find -printf` run through an SSH exec channel of the
 * SFTP connection, its records separated by NUL bytes (the one byte no name can hold), with the
 * same facts an SFTP readdir gives (type, size, mtime in whole seconds, permission bits). Listing
 * folder by folder over SFTP costs a round trip per level of the tree at least (open, read, read
 * to the end); a server far away makes that the bulk of a no-op sync.
 *
 * Accounts restricted to SFTP (internal-sftp, `ForceCommand`), servers without GNU find (BusyBox,
 * BSD) and any folder find cannot read make the command fail: the listing is then not used and
 * the caller lists over SFTP as before, so a failed or partial exec listing is never taken as the
 * tree.
 */
import type { ListedEntry } from '../../core/entry.js';
import { shellQuote } from './sftp-exec-hash.js';

/** Runs a command on the server with its standard input closed; stdout as raw bytes. */
export type RawExecRunner = (command: string) => Promise<{ readonly code: number | null; readonly stdout: Buffer; readonly stderr: string }>;

/** The listing of a tree: every folder's entries, by path relative to the root (`''` is the root). */
export type TreeListing = Map<string, ListedEntry[]>;

/**
 * Characters a root path may hold for the command to be sent: single quotes keep every other
 * character literal in a POSIX shell, but not in every login shell (fish reads backslashes in
 * them, csh `!`), so a root with anything unusual is listed over SFTP instead.
 */
const plainPath = /^\/[A-Za-z0-9._@%+=:,/ ~-]*$/;

/** One record: type, size, mtime (seconds, with a fraction), permission bits (octal), path below the root. */
const recordFormat = '%y %s %T@ %m %P\\0';

/**
 * The command listing everything below `absRoot` (`maxDepth`: only so many levels), or undefined
 * when the path is not plain enough.
 */
export function treeListCommand(absRoot: string, maxDepth?: number): string | undefined {
  if (!plainPath.test(absRoot)) return undefined;
  // `env` sets the C locale in any login shell (the decimal point of %T@); -H follows the root
  // itself when it is a symlink (as opening it over SFTP does), nothing below it.
  // The root's own record comes first (an empty path): the proof that find ran and listed it,
  // since an account that runs something else may well answer nothing and exit 0.
  const depth = maxDepth === undefined ? '' : ` -maxdepth ${Math.floor(maxDepth)}`;
  return `env LC_ALL=C find -H ${shellQuote(absRoot)}${depth} -printf '${recordFormat}'`;
}

/**
 * SFTP v3 carries times as unsigned 32-bit seconds (OpenSSH's sftp-server casts them), so times
 * before 1970 or after 2106 arrive wrapped; the exec listing wraps them the same way, so that both
 * listings report the same mtime.
 */
function sftpSeconds(seconds: number): number {
  return ((seconds % 2 ** 32) + 2 ** 32) % 2 ** 32;
}

/**
 * Parses `find -printf` output into a listing per folder; undefined when a record is malformed
 * (then the output is not what was asked for, and nothing of it is used).
 */
export function parseTreeListing(stdout: Buffer): TreeListing | undefined {
  const folders: TreeListing = new Map([['', []]]);
  const records: Array<{ path: string; entry: ListedEntry }> = [];
  let start = 0;
  let sawRoot = false;
  while (start < stdout.length) {
    const end = stdout.indexOf(0, start);
    if (end < 0) return undefined; // cut short: the last record has no NUL
    const record = stdout.subarray(start, end);
    start = end + 1;
    // Four fields without spaces, then the path, which may hold anything but NUL.
    let at = 0;
    const fields: string[] = [];
    for (let i = 0; i < 4; i++) {
      const space = record.indexOf(0x20, at);
      if (space < 0) return undefined;
      fields.push(record.subarray(at, space).toString('latin1'));
      at = space + 1;
    }
    const [type, size, mtime, mode] = fields as [string, string, string, string];
    // Decoded as ssh2 decodes SFTP names (UTF-8, invalid bytes as U+FFFD); `/` is ASCII, so
    // decoding the whole path splits it the same way as decoding each name.
    const path = record.subarray(at).toString('utf8');
    if (!sawRoot) {
      if (path !== '' || type !== 'd') return undefined;
      sawRoot = true;
      continue;
    }
    if (path === '' || path.startsWith('/') || path.endsWith('/') || !/^\d+$/.test(size) || !/^-?\d+(\.\d+)?$/.test(mtime) || !/^[0-7]+$/.test(mode))
      return undefined;
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    let entry: ListedEntry;
    if (name.includes('\uFFFD')) entry = { name, unsupported: 'name that is not valid UTF-8' };
    else if (type === 'd') entry = { name, entry: { kind: 'dir' } };
    else if (type === 'f') {
      const seconds = sftpSeconds(Math.floor(Number(mtime)));
      entry = { name, entry: { kind: 'file', size: Number(size), mtimeMs: seconds * 1000, mode: Number.parseInt(mode, 8) & 0o777 } };
    } else if (type === 'l') entry = { name, unsupported: 'symlink' };
    else if (type.length === 1) entry = { name, unsupported: 'special file' };
    else return undefined;
    if (type === 'd') folders.set(path, folders.get(path) ?? []);
    records.push({ path: slash < 0 ? '' : path.slice(0, slash), entry });
  }
  if (!sawRoot) return undefined;
  for (const { path, entry } of records) {
    const folder = folders.get(path);
    // find prints a folder before its contents; a record in a folder it never printed is not find's.
    if (folder === undefined) return undefined;
    folder.push(entry);
  }
  return folders;
}

/** How the last tree listing was made, for `ferry doctor`. */
export type TreeListingMethod = 'exec' | 'readdir';

/**
 * Lists whole trees over exec, remembering whether the server lets us: after one refusal or
 * failure on a tree it is not asked again, and every folder is listed over SFTP.
 */
export class SftpTreeLister {
  private usable: boolean | undefined;
  /** Why exec listing is not used (for `ferry doctor`), once known. */
  reason: string | undefined;

  /**
   * The tree below `absRoot`, or undefined when it has to be listed over SFTP. `connected`: false
   * once the connection is gone, when a failure says nothing about the server; `maxDepth`: list
   * only so many levels (`ferry doctor` tries one).
   */
  async list(
    run: RawExecRunner,
    absRoot: string,
    options: { readonly connected?: () => boolean; readonly maxDepth?: number } = {},
  ): Promise<TreeListing | undefined> {
    const connected = options.connected ?? (() => true);
    if (this.usable === false) return undefined;
    const command = treeListCommand(absRoot, options.maxDepth);
    if (command === undefined) {
      this.reason = 'the root path has characters a login shell may not keep literal';
      return undefined;
    }
    let result;
    try {
      result = await run(command);
    } catch (error) {
      if (connected()) this.refuse(`the server refused an exec channel (${(error as Error).message})`);
      return undefined;
    }
    if (!connected()) return undefined;
    if (result.code !== 0) {
      // Unreadable folders, a missing root or no GNU find: SFTP says precisely what is wrong.
      this.refuse(`find failed (exit ${result.code ?? 'none'}${result.stderr ? `: ${result.stderr.trim().split('\n')[0]}` : ''})`);
      return undefined;
    }
    const listing = parseTreeListing(result.stdout);
    if (listing === undefined) {
      this.refuse('the output of find was not a listing (no GNU find, or the account runs something else)');
      return undefined;
    }
    this.usable = true;
    this.reason = undefined;
    return listing;
  }

  /** True once a tree was listed over exec; false once it failed; undefined before. */
  get works(): boolean | undefined {
    return this.usable;
  }

  private refuse(reason: string): void {
    // After a success, a failure is about this tree (a folder find cannot read): stay willing.
    if (this.usable !== true) this.usable = false;
    this.reason = reason;
  }
}
