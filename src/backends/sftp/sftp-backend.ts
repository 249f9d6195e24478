/**
 * A folder on an SFTP server (ssh2), with a pool of connections and many requests in flight.
 */
import { addAbortSignal, type Readable } from 'node:stream';
import type { FileEntryWithStats, Stats } from 'ssh2';
import type { Entry, FileEntry, ListedEntry } from '../../core/entry.js';
import { baseName, joinExactPath, parentOf, type RelPath } from '../../core/rel-path.js';
import { BackendError, isBackendError } from '../../errors.js';
import {
  safeFileMode,
  tempNameFor,
  wholeContentsOf,
  type Backend,
  type BackendCapabilities,
  type MkdirOutcome,
  type ProbeOptions,
  type ProbeReporter,
  type ReadOptions,
  type WriteOptions,
} from '../backend.js';
import type { SftpConnection } from './sftp-connection.js';
import type { SftpConnectionPool } from './sftp-connection-pool.js';
import type { ContentHash, HashAlgorithm } from '../content-hash.js';
import { SftpExecHasher } from './sftp-exec-hash.js';
import { SftpTreeLister, type TreeListing } from './sftp-exec-list.js';
import { speedTrickOn } from '../../core/speed-tricks.js';
import { hasSftpStatus, mapSftpError } from './sftp-errors.js';
import { probeSftp } from './sftp-probe.js';
import { createSftpReadStream } from './sftp-read-stream.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** Bytes per SFTP WRITE: every server must accept 32 KiB (draft-ietf-secsh-filexfer-02 §3). */
const writeChunkBytes = 32 * 1024;
/** WRITE requests kept in flight per upload (ssh2's fastPut uses 64). */
const writesInFlight = 32;
/** Output of a whole-tree listing over exec kept at most (about 3 million entries); past it, readdir. */
const treeListingMaxBytes = 256 * 1024 * 1024;
/**
 * A whole-tree listing serves the folders of the scan that asked for it; once nothing was taken
 * from it for this long, what is left is dropped (a later listing asks the server again).
 */
const treeListingIdleMs = 30_000;

type Attributes = Pick<Stats, 'mode' | 'size' | 'mtime'>;

/** The entry for SFTP attributes, or a description of what unsupported thing it is. */
function entryOfAttrs(attrs: Attributes): Entry | string {
  const type = (attrs.mode ?? 0) & S_IFMT;
  if (type === S_IFDIR) return { kind: 'dir' };
  if (type === S_IFREG) {
    // SFTP v3 carries whole seconds; ms here are always a multiple of 1000.
    return { kind: 'file', size: attrs.size ?? 0, mtimeMs: (attrs.mtime ?? 0) * 1000, mode: attrs.mode & 0o777 };
  }
  if (type === S_IFLNK) return 'symlink';
  return attrs.mode === undefined ? 'entry without a type' : 'special file';
}

/** Settings of {@link SftpBackend}. */
export interface SftpBackendSettings {
  /** Canonical id (no password). */
  readonly id: string;
  readonly displayName: string;
  /** Absolute server path of the root folder, without a trailing `/` (except `/` itself). */
  readonly root: string;
  readonly pool: SftpConnectionPool;
  readonly maxConcurrency: number;
}

/**
 * A backend on an SFTP server. Every method may be called concurrently; the pool spreads the calls
 * over its connections. Writes go to a temporary name and are renamed with
 * `posix-rename@openssh.com`, which replaces the target atomically.
 */
export class SftpBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities;
  /** Absolute server path of the root folder. */
  readonly root: string;
  /** The connection pool (exposed for tests that cut connections). */
  readonly pool: SftpConnectionPool;
  private readonly cleanups = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;

  constructor(settings: SftpBackendSettings) {
    this.id = settings.id;
    this.displayName = settings.displayName;
    this.root = settings.root;
    this.pool = settings.pool;
    this.capabilities = {
      mtimePrecisionMs: 1000,
      canSetMtime: true,
      caseInsensitive: false,
      maxConcurrency: settings.maxConcurrency,
      // A killed upload's WRITEs in flight may have landed in any order (OpenSSH takes them in
      // order; the protocol does not promise it): a continuation rewrites that much.
      resumeTailBytes: writeChunkBytes * writesInFlight,
    };
  }

  private readonly execHasher = new SftpExecHasher();
  /** Lists whole trees over exec (sftp-exec-list.ts); `ferry doctor` asks it how it went. */
  readonly treeLister = new SftpTreeLister();
  /** The first listing of the root fetches the whole tree over exec, once per backend. */
  private treeListingTried = false;
  private treeListingUnderWay: Promise<void> | undefined;
  /** Folders of that listing not yet asked for; each is served once. */
  private treeListing: { readonly folders: TreeListing; lastUsed: number } | undefined;
  /** Raised by every change made through this backend: a listing older than a change is stale. */
  private changes = 0;

  /**
   * Fetches the whole tree over exec when the server allows it (one round trip, instead of a few
   * per folder); folders then listed come from it. Not for later listings of the root: a watch
   * pass or a check lists one folder and should not pay for the tree.
   */
  private async fetchTreeListing(): Promise<void> {
    const changesBefore = this.changes;
    const folders = await this.pool.use(async (c) => {
      const listing = await this.treeLister.list((command) => c.execRaw(command, treeListingMaxBytes), this.root, { connected: () => !c.closed });
      if (c.closed) {
        // As any listing on a lost connection: fails (retryable), and the next one tries again.
        this.treeListingTried = false;
        throw new BackendError('connection-lost', `cannot list ${this.root}: connection to the server was lost`);
      }
      return listing;
    });
    if (folders !== undefined && this.changes === changesBefore) this.treeListing = { folders, lastUsed: performance.now() };
  }

  /** The entries of `dir` from the whole-tree listing, taken out of it; undefined when it has none. */
  private takeFromTreeListing(dir: RelPath): ListedEntry[] | undefined {
    const listing = this.treeListing;
    if (listing === undefined) return undefined;
    if (performance.now() - listing.lastUsed > treeListingIdleMs) {
      this.treeListing = undefined;
      return undefined;
    }
    const entries = listing.folders.get(dir);
    if (entries === undefined) return undefined;
    listing.folders.delete(dir);
    listing.lastUsed = performance.now();
    if (listing.folders.size === 0) this.treeListing = undefined;
    return entries;
  }

  /** Before any change: what the whole-tree listing says may no longer be so. */
  private changing(): void {
    this.changes++;
    this.treeListing = undefined;
  }

  async hash(path: RelPath, algorithms: readonly HashAlgorithm[]): Promise<ContentHash | undefined> {
    const abs = this.abs(path);
    return this.pool.use((c) => this.execHasher.hash((command) => c.exec(command), abs, algorithms, `cannot hash ${abs}`));
  }

  /** Server path of `rel`. RelPaths contain no `..` or empty segments, so this cannot escape the root. */
  private abs(rel: RelPath): string {
    if (rel === '') return this.root;
    return this.root === '/' ? `/${rel}` : `${this.root}/${rel}`;
  }

  async list(dir: RelPath): Promise<ListedEntry[]> {
    if (dir === '' && !this.treeListingTried && speedTrickOn('sftp-tree-listing')) {
      this.treeListingTried = true;
      this.treeListingUnderWay = this.fetchTreeListing().finally(() => (this.treeListingUnderWay = undefined));
    }
    if (this.treeListingUnderWay !== undefined) await this.treeListingUnderWay;
    const listed = this.takeFromTreeListing(dir);
    if (listed !== undefined) return listed;
    const abs = this.abs(dir);
    return this.pool.use(async (c) => {
      let items;
      try {
        items = await readFolder(c, abs, `cannot list ${abs}`);
      } catch (error) {
        // OpenSSH answers "no such file" for a file too (ENOTDIR): say which it is.
        if (isBackendError(error, 'not-found') && (await this.lstatOn(c, abs))?.kind === 'file') {
          throw new BackendError('not-a-directory', `cannot list ${abs}: is a file, not a folder`);
        }
        throw error;
      }
      return items.map((item): ListedEntry => {
        // ssh2 decodes names as UTF-8, turning invalid bytes into U+FFFD: such a name cannot be
        // sent back to the server as it is, so it is reported instead of synced under a wrong name.
        if (item.filename.includes('\uFFFD')) return { name: item.filename, unsupported: 'name that is not valid UTF-8' };
        const entry = entryOfAttrs(item.attrs);
        return typeof entry === 'string' ? { name: item.filename, unsupported: entry } : { name: item.filename, entry };
      });
    });
  }

  /** lstat on a connection; undefined when missing; non-file, non-folder things as an unmatchable file. */
  private async lstatOn(c: SftpConnection, abs: string): Promise<Entry | undefined> {
    try {
      const attrs = await c.call<Stats>(`cannot stat ${abs}`, (sftp, done) => sftp.lstat(abs, done));
      const entry = entryOfAttrs(attrs);
      // A symlink or device where a file was expected: report a file no scan can match, so a
      // precondition check sees "changed" and nothing is written through it (as the local backend).
      return typeof entry === 'string' ? { kind: 'file', size: -1, mtimeMs: -1 } : entry;
    } catch (error) {
      if (isBackendError(error, 'not-found')) return undefined;
      throw error;
    }
  }

  async stat(path: RelPath): Promise<Entry | undefined> {
    if (path === '') {
      // The root itself may be a symlink to the real folder (opening it followed the link too).
      return this.pool.use(async (c) => {
        const attrs = await c
          .call<Stats>(`cannot stat ${this.root}`, (sftp, done) => sftp.stat(this.root, done))
          .catch((error: unknown) => {
            if (isBackendError(error, 'not-found')) return undefined;
            throw error;
          });
        if (attrs === undefined) return undefined;
        const entry = entryOfAttrs(attrs);
        return typeof entry === 'string' ? { kind: 'file', size: -1, mtimeMs: -1 } : entry;
      });
    }
    return this.pool.use((c) => this.lstatOn(c, this.abs(path)));
  }

  async read(path: RelPath, options: ReadOptions = {}): Promise<Readable> {
    const abs = this.abs(path);
    const what = `cannot read ${abs}`;
    const c = await this.pool.acquire();
    let handle: Buffer | undefined;
    try {
      // Both at once: one round trip. lstat, not fstat: a symlink put in place of the file is
      // refused rather than read through (as the local backend's O_NOFOLLOW).
      const [opened, stated] = await Promise.allSettled([
        c.call<Buffer>(what, (sftp, done) => sftp.open(abs, 'r', done)),
        c.call<Stats>(what, (sftp, done) => sftp.lstat(abs, done)),
      ]);
      if (opened.status === 'fulfilled') handle = opened.value;
      if (opened.status === 'rejected') throw opened.reason;
      if (stated.status === 'rejected') throw stated.reason;
      const entry = entryOfAttrs(stated.value);
      if (typeof entry === 'string' || entry.kind !== 'file') {
        throw new BackendError(
          typeof entry !== 'string' && entry.kind === 'dir' ? 'is-a-directory' : 'unsupported',
          `${what}: is ${typeof entry === 'string' ? `a ${entry}` : 'a folder'}`,
        );
      }
      const fileHandle = opened.value;
      const stream = createSftpReadStream(c, fileHandle, entry.size, what, options.start ?? 0, async () => {
        this.pool.release(c);
        // Not awaited: the reader has all its bytes; the answer to CLOSE would only delay the end.
        if (!c.closed) c.call(what, (sftp, done) => sftp.close(fileHandle, done)).catch(() => undefined);
      });
      return options.signal ? addAbortSignal(options.signal, stream) : stream;
    } catch (error) {
      if (handle && !c.closed) await c.call(what, (sftp, done) => sftp.close(handle!, done)).catch(() => undefined);
      this.pool.release(c);
      throw error;
    }
  }

  /** When a failed write last found the server's disk full (ms since the epoch). */
  private diskFullSeenAt = 0;

  async write(path: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
    this.changing();
    const abs = this.abs(path);
    const parentAbs = this.abs(parentOf(path));
    const part = options.part;
    const continued = part?.continueAt;
    if (continued && parentOf(continued.temp) !== parentOf(path)) throw new BackendError('unsafe-name', `${continued.temp} is not beside ${path}`);
    const tempName = continued ? baseName(continued.temp) : tempNameFor(baseName(path));
    const temp = `${parentAbs === '/' ? '' : parentAbs}/${tempName}`;
    const what = `cannot write ${abs}`;
    const signal = options.signal;
    if (signal) addAbortSignal(signal, data);
    const c = await this.pool.acquire();
    let handle: Buffer | undefined;
    let created = false;
    try {
      signal?.throwIfAborted();
      if (continued) {
        // A part is continued in place ('r+': it must exist); lstat first, so a symbolic link put
        // in its place is never written through.
        if ((await this.lstatOn(c, temp))?.kind !== 'file') throw new BackendError('unsupported', `${what}: its part ${temp} is gone or not a plain file`);
        handle = await c.call<Buffer>(what, (sftp, done) => sftp.open(temp, 'r+', done));
      } else {
        // 'wx' = create exclusively: a leftover with the same random name is never overwritten.
        handle = await c.call<Buffer>(what, (sftp, done) => sftp.open(temp, 'wx', { mode: safeFileMode(options.mode) }, done));
      }
      created = true;
      await part?.onTemp?.(joinExactPath(parentOf(path), tempName));
      const opened = handle;
      const whole = wholeContentsOf(data);
      // Set the time after the last byte and close (a server may stamp the time on close), and
      // before the rename, so the final name never shows the file with a wrong time.
      const closeFile = (): Promise<void> => c.call(what, (sftp, done) => sftp.close(opened, done));
      const setTime = async (): Promise<void> => {
        if (options.mtimeMs === undefined) return;
        const seconds = Math.floor(options.mtimeMs / 1000);
        await c.call(what, (sftp, done) => sftp.setstat(temp, { atime: seconds, mtime: seconds }, done));
      };
      const statTemp = (): Promise<Stats> => c.call<Stats>(what, (sftp, done) => sftp.lstat(temp, done));
      let attrs: Stats;
      if (whole !== undefined && c.processesInOrder && !continued) {
        // A small file read whole: its writes, the close, the time and the stat all go in one
        // round trip (this server answers in order). The rename below waits for every answer, so
        // a failed write still never reaches the final name.
        handle = undefined;
        attrs = await writeWholeAndClose(c, opened, whole, [closeFile, setTime, statTemp], what);
      } else {
        await writeAll(c, opened, data, what, continued?.offset ?? 0);
        signal?.throwIfAborted();
        handle = undefined;
        if (c.processesInOrder) {
          // One round trip instead of three: this server answers requests one by one in order.
          [, , attrs] = await Promise.all([closeFile(), setTime(), statTemp()]);
        } else {
          await closeFile();
          await setTime();
          attrs = await statTemp();
        }
      }
      signal?.throwIfAborted();
      await this.renameOn(c, temp, abs, what);
      created = false;
      const entry = entryOfAttrs(attrs);
      if (typeof entry === 'string' || entry.kind !== 'file') throw new BackendError('changed', `${abs} changed while it was being written`);
      return entry;
    } catch (error) {
      data.destroy();
      if (handle && !c.closed) await c.call(what, (sftp, done) => sftp.close(handle!, done)).catch(() => undefined);
      // An open whose answer was lost with the connection may still have created the file.
      // OpenSSH answers a full disk with the catch-all "Failure": ask the server's disk (before
      // the temporary file is removed, which frees its space again).
      const status = error instanceof BackendError ? error.cause : error;
      // Writes running side by side fail together, and the first one's removal frees space before
      // the others look: a disk seen full a moment ago counts for them too.
      let full = created && hasSftpStatus(status, 4) && !c.closed && (await diskLooksFull(c, parentAbs));
      if (full) this.diskFullSeenAt = Date.now();
      else if (created && hasSftpStatus(status, 4) && Date.now() - this.diskFullSeenAt < 5000) full = true;
      // A resumable write keeps its part for the caller (engine/resumable-copy.ts).
      if ((created || (handle === undefined && c.closed)) && part === undefined) await this.removeLeftover(c, temp);
      if (full) throw new BackendError('no-space', `${what}: no space left on the server's disk`, { cause: error });
      throw mapSftpError(error, what, c.closed);
    } finally {
      this.pool.release(c);
    }
  }

  /**
   * Removes a temporary file after a failed write. On a lost connection it is removed through a
   * new connection in the background (so the error is reported at once); if that fails too, the
   * next scan skips the temporary name anyway.
   */
  private async removeLeftover(c: SftpConnection, temp: string): Promise<void> {
    const unlink = (conn: SftpConnection): Promise<void> => conn.call(`cannot delete ${temp}`, (sftp, done) => sftp.unlink(temp, done));
    if (!c.closed) {
      await unlink(c).catch(() => undefined);
      return;
    }
    // Two tries: the first new connection may be lost too on a bad network.
    const cleanup: Promise<void> = this.pool
      .use(unlink)
      .catch((error: unknown) => (isBackendError(error, 'not-found') ? undefined : this.pool.use(unlink)))
      .catch(() => undefined)
      .finally(() => this.cleanups.delete(cleanup));
    this.cleanups.add(cleanup);
  }

  /** Renames, replacing a file at `to`: atomically with posix-rename, else remove-then-rename. */
  private async renameOn(c: SftpConnection, from: string, to: string, what: string): Promise<void> {
    let renamed: boolean;
    try {
      renamed = await c.posixRename(from, to, what);
    } catch (error) {
      // A folder in the way arrives as a bare "failure" (EISDIR): name it.
      if (!c.closed && (await this.lstatOn(c, to).catch(() => undefined))?.kind === 'dir') {
        throw new BackendError('is-a-directory', `${what}: a folder is in the way`);
      }
      throw error;
    }
    if (renamed) return;
    // SFTP v3's RENAME fails when the target exists; without the OpenSSH extension the best
    // available is to remove the target first (briefly leaving no file under that name).
    try {
      await c.call(what, (sftp, done) => sftp.rename(from, to, done));
    } catch (error) {
      if ((await this.lstatOn(c, to))?.kind !== 'file') throw error;
      await c.call(what, (sftp, done) => sftp.unlink(to, done));
      await c.call(what, (sftp, done) => sftp.rename(from, to, done));
    }
  }

  async mkdir(path: RelPath): Promise<MkdirOutcome> {
    this.changing();
    const abs = this.abs(path);
    const what = `cannot create folder ${abs}`;
    return this.pool.use(async (c): Promise<MkdirOutcome> => {
      try {
        await c.call(what, (sftp, done) => sftp.mkdir(abs, done));
        return 'created';
      } catch (error) {
        // OpenSSH reports EEXIST as a bare "failure": look at what is there.
        const existing = await this.lstatOn(c, abs).catch(() => undefined);
        if (existing?.kind === 'dir') return 'existed';
        if (existing) throw new BackendError('exists', `${what}: a file is in the way`);
        throw error;
      }
    });
  }

  async remove(path: RelPath): Promise<void> {
    this.changing();
    const abs = this.abs(path);
    const what = `cannot delete ${abs}`;
    await this.pool.use(async (c) => {
      try {
        await c.call(what, (sftp, done) => sftp.unlink(abs, done));
      } catch (error) {
        if (!isBackendError(error, 'not-found') && (await this.lstatOn(c, abs).catch(() => undefined))?.kind === 'dir') {
          throw new BackendError('is-a-directory', `${what}: is a folder`);
        }
        throw error;
      }
    });
  }

  async removeDir(path: RelPath): Promise<void> {
    this.changing();
    const abs = this.abs(path);
    const what = `cannot delete folder ${abs}`;
    await this.pool.use(async (c) => {
      try {
        await c.call(what, (sftp, done) => sftp.rmdir(abs, done));
      } catch (error) {
        // ENOTEMPTY arrives as a bare "failure" (status 4): check whether that is the reason.
        if (isBackendError(error) && !hasSftpStatus(error.cause, 2) && !c.closed) {
          const items = await c.call<unknown[]>(what, (sftp, done) => sftp.readdir(abs, done)).catch(() => undefined);
          if (items && items.length > 0) throw new BackendError('not-empty', `${what}: not empty`);
        }
        throw error;
      }
    });
  }

  async rename(from: RelPath, to: RelPath): Promise<void> {
    this.changing();
    const fromAbs = this.abs(from);
    const toAbs = this.abs(to);
    await this.pool.use((c) => this.renameOn(c, fromAbs, toAbs, `cannot rename ${fromAbs} to ${toAbs}`));
  }

  /** `ferry doctor`'s SFTP checks (sftp-probe.ts). */
  probe(report: ProbeReporter, options?: ProbeOptions): Promise<void> {
    return probeSftp({ pool: this.pool, root: this.root }, report, options);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.cleanups]);
      await this.pool.close();
    })();
    return this.closing;
  }
}

/**
 * All names of a folder with their attributes. Like ssh2's `readdir(path)`, but the folder handle
 * is closed without waiting for the answer: one round trip less per listed folder.
 */
async function readFolder(c: SftpConnection, abs: string, what: string): Promise<FileEntryWithStats[]> {
  const handle = await c.call<Buffer>(what, (sftp, done) => sftp.opendir(abs, done));
  const items: FileEntryWithStats[] = [];
  try {
    for (;;) {
      const batch = await c.call<FileEntryWithStats[] | undefined>(what, (sftp, done) =>
        // Status 1 (EOF) ends the listing; it is not an error.
        sftp.readdir(handle, (error, list) => (hasSftpStatus(error, 1) ? done(undefined, undefined) : done(error, list))),
      );
      if (batch === undefined) return items;
      // ssh2 already drops "." and "..".
      items.push(...batch);
    }
  } finally {
    if (!c.closed) c.call(what, (sftp, done) => sftp.close(handle, done)).catch(() => undefined);
  }
}

/**
 * Sends the WRITE requests of all of `contents` and then `after` (close, set time, stat) without
 * waiting in between, and waits for every answer; throws the first failure in request order.
 * Resolves with the last request's result (the stat).
 */
async function writeWholeAndClose(
  c: SftpConnection,
  handle: Buffer,
  contents: Buffer,
  after: readonly [() => Promise<void>, () => Promise<void>, () => Promise<Stats>],
  what: string,
): Promise<Stats> {
  const requests: Array<Promise<unknown>> = [];
  for (let offset = 0; offset < contents.length; offset += writeChunkBytes) {
    const piece = contents.subarray(offset, offset + writeChunkBytes);
    const at = offset;
    requests.push(c.call<void>(what, (sftp, done) => sftp.write(handle, piece, 0, piece.length, at, (error) => done(error))));
  }
  const [closeFile, setTime, statTemp] = after;
  requests.push(closeFile(), setTime());
  const stat = statTemp();
  requests.push(stat);
  const results = await Promise.allSettled(requests);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return stat;
}

/**
 * Writes all of `data` to the open `handle`, keeping up to {@link writesInFlight} WRITE requests
 * outstanding (a stream with one request at a time is ~5× slower). Returns the byte count. On any
 * failure, waits for the requests still in flight before throwing, so the handle can be closed.
 */
async function writeAll(c: SftpConnection, handle: Buffer, data: Readable, what: string, start = 0): Promise<number> {
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  let position = start;
  try {
    for await (const chunk of data) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      for (let offset = 0; offset < buffer.length; offset += writeChunkBytes) {
        while (pending.size >= writesInFlight) await Promise.race(pending);
        if (failure !== undefined) throw failure;
        const piece = buffer.subarray(offset, offset + writeChunkBytes);
        const at = position;
        position += piece.length;
        const request: Promise<void> = c
          .call<void>(what, (sftp, done) => sftp.write(handle, piece, 0, piece.length, at, (error) => done(error)))
          .then(
            () => undefined,
            (error: unknown) => {
              failure ??= error;
            },
          )
          .finally(() => pending.delete(request));
        pending.add(request);
      }
    }
    await Promise.all(pending);
    if (failure !== undefined) throw failure;
    return position;
  } catch (error) {
    await Promise.allSettled(pending);
    throw error;
  }
}

/**
 * True when the server's disk holding `dir` has (almost) no space left for this user, by the
 * `statvfs@openssh.com` extension; false when the server cannot tell.
 */
async function diskLooksFull(c: SftpConnection, dir: string): Promise<boolean> {
  try {
    const info = await c.call<{ f_bavail: number | bigint; f_frsize: number | bigint }>('statvfs', (sftp, done) => sftp.ext_openssh_statvfs(dir, done));
    return Number(info.f_bavail) * Number(info.f_frsize) < 256 * 1024;
  } catch {
    return false;
  }
}
