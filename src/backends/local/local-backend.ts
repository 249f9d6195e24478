/**
 * A folder on a local disk.
 */
import { closeSync, constants as fsConstants, createReadStream, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Entry, FileEntry, ListedEntry } from '../../core/entry.js';
import { joinExactPath, parentOf, type RelPath } from '../../core/rel-path.js';
import { LinkResolver } from './link-resolver.js';
import { BatchingFileWriter, type InlineWrites } from './batching-file-writer.js';
import { BackendError } from '../../errors.js';
import { safeFileMode, tempNameFor, type Backend, type BackendCapabilities, type MkdirOutcome, type ReadOptions, type WriteOptions } from '../backend.js';
import { mapLocalError } from './local-errors.js';
import { readSmallFile, SMALL_FILE_BYTES } from './read-small-file.js';
import { localCaseInsensitive, localPathForChange, localPathOf } from './local-path.js';

/**
 * Milliseconds on a monotonic clock: what `performance.now()` computes, without the global
 * `performance`, whose first use loads node:perf_hooks (about 1 ms of every run's start-up).
 */
function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}

/** The path below the root of `name` in the folder of `rel`. */
function localRelOf(rel: RelPath, name: string): RelPath {
  return joinExactPath(parentOf(rel), name);
}

/** Entry for a stat result, or undefined for symlinks and special files. */
function entryOfStats(stats: Stats): Entry | undefined {
  if (stats.isDirectory()) return { kind: 'dir' };
  if (stats.isFile()) {
    return { kind: 'file', size: stats.size, mtimeMs: Math.floor(stats.mtimeMs), mode: stats.mode & 0o777 };
  }
  return undefined;
}

function kindOfStats(stats: Stats): string {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  return 'special file';
}

/** Options of {@link LocalBackend}. */
export interface LocalBackendOptions {
  /** Call fsync before renaming a written file into place (default true: survives power loss). */
  readonly fsync?: boolean;
  /**
   * List a symbolic link as the file or folder it points to when the target lies inside the root
   * and following it makes no loop (default false: links are listed as unsupported). Links are
   * still never written through: a write replaces the link itself, a delete removes the link.
   */
  readonly followLinks?: boolean;
  /**
   * Listings stat names synchronously, which on a local disk costs microseconds each; once most
   * names of a batch take more than this many ms each (a network mount), they are stat'ed in
   * parallel on the thread pool instead (default 0.1).
   */
  readonly slowStatMs?: number;
  /**
   * The operating system whose path rules apply (default this one's): how paths are joined, which
   * names may be written (local-path.ts), whether case is ignored. Tests pass `win32` on Linux.
   */
  readonly platform?: NodeJS.Platform;
}

/** Names stat'ed synchronously between two turns of the event loop. */
const STAT_BATCH = 256;

function plainEntryOf(name: string, stats: Stats): ListedEntry {
  const entry = entryOfStats(stats);
  return entry ? { name, entry } : { name, unsupported: kindOfStats(stats) };
}

/**
 * A backend on a local folder. Symlinks are listed as unsupported and never followed, so a sync
 * never writes through a link to somewhere outside the tree.
 */
export class LocalBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities;
  private readonly platform: NodeJS.Platform;
  private readonly fsync: boolean;
  /** Set once lstat proved slow here (a network mount): listings then stat in parallel. */
  private slowStats = false;
  /** Downloads write synchronously until a write proves this disk slow (batching-file-writer.ts). */
  private readonly inlineWrites: InlineWrites = { enabled: true, slowMs: 100 };
  private readonly slowStatMs: number;
  private readonly links: LinkResolver | undefined;

  /** @param root absolute path of the folder (it need not exist yet). */
  constructor(
    readonly root: string,
    options: LocalBackendOptions = {},
  ) {
    this.platform = options.platform ?? process.platform;
    this.capabilities = {
      mtimePrecisionMs: 1,
      canSetMtime: true,
      caseInsensitive: localCaseInsensitive(this.platform),
      // High so that the other side sets the pace: the engine uses the smaller of the two.
      maxConcurrency: 64,
      // Local listings stat synchronously (see list()): 64 folders listed at once ran as one burst
      // of 70 ms on 2,000 files, while the remote side's replies waited. The thread pool has 4
      // threads for readdir anyway.
      listConcurrency: 8,
      // Batches are written in order: a killed run's part holds exactly its first bytes.
      resumeTailBytes: 0,
      localFolder: root,
    };
    this.id = `file://${root}`;
    this.displayName = root;
    this.fsync = options.fsync ?? true;
    this.slowStatMs = options.slowStatMs ?? 0.1;
    this.links = options.followLinks ? new LinkResolver(root) : undefined;
  }

  private realRoot: Promise<string> | undefined;

  /**
   * The absolute path of `rel` for a change (write, mkdir, remove, rename), after checking that
   * its folder, all links resolved, is inside the root: a folder replaced by a symlink after the
   * scan must not let a change land outside the synced folder.
   */
  private async absForChange(rel: RelPath): Promise<string> {
    // A name this system would not keep as written is refused before anything is touched.
    const abs = localPathForChange(this.root, rel, this.platform);
    if (rel === '' || !rel.includes('/')) return abs;
    this.realRoot ??= fs.realpath(this.root).catch(() => this.root);
    const root = await this.realRoot;
    let parent: string;
    try {
      parent = await fs.realpath(path.dirname(abs));
    } catch {
      // A missing folder: the operation itself reports it.
      return abs;
    }
    if (parent !== root && !parent.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
      throw new BackendError('unsafe-name', `${abs} is reached through a symbolic link that leads out of ${this.root}; left alone`);
    }
    return abs;
  }

  private abs(rel: RelPath): string {
    return localPathOf(this.root, rel, this.platform);
  }

  async list(dir: RelPath): Promise<ListedEntry[]> {
    const absDir = this.abs(dir);
    let names: string[];
    try {
      names = await fs.readdir(absDir);
    } catch (error) {
      throw mapLocalError(error, `cannot list ${absDir}`);
    }
    const listed: Array<ListedEntry | undefined> = [];
    const entryOf = async (name: string, stats: Stats): Promise<ListedEntry> => {
      if (stats.isSymbolicLink() && this.links) {
        const followed = await this.links.follow(dir, path.join(absDir, name));
        if ('why' in followed) return { name, unsupported: followed.why };
        stats = followed.stats;
      }
      return plainEntryOf(name, stats);
    };
    const missingOrFail = (name: string, error: unknown): undefined => {
      // Deleted between readdir and lstat: it is simply not there any more.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw mapLocalError(error, `cannot read ${path.join(absDir, name)}`);
    };
    // On a local disk an lstat takes microseconds, far less than a trip through the thread pool:
    // names are stat'ed synchronously, a batch at a time (other work runs in between). A disk
    // where they turn out slow (a network mount) gets them in parallel on the thread pool instead.
    let next = 0;
    while (next < names.length && !this.slowStats) {
      const batch = names.slice(next, next + STAT_BATCH);
      // Counted per call, not summed: on a busy machine one call now and then loses the CPU for a
      // few milliseconds, which made a whole batch look slow and sent every later listing of the
      // run through the thread pool (several times the CPU). A slow disk makes most calls slow.
      let slowCalls = 0;
      for (const name of batch) {
        let stats: Stats;
        const started = monotonicMs();
        try {
          stats = lstatSync(path.join(absDir, name));
        } catch (error) {
          listed.push(missingOrFail(name, error));
          continue;
        } finally {
          if (monotonicMs() - started > this.slowStatMs) slowCalls++;
        }
        listed.push(stats.isSymbolicLink() && this.links ? await entryOf(name, stats) : plainEntryOf(name, stats));
      }
      next += batch.length;
      if (slowCalls * 2 > batch.length) this.slowStats = true;
      if (next < names.length) await new Promise((resolve) => setImmediate(resolve));
    }
    const rest = await Promise.all(
      names.slice(next).map(async (name): Promise<ListedEntry | undefined> => {
        let stats: Stats;
        try {
          stats = await fs.lstat(path.join(absDir, name));
        } catch (error) {
          return missingOrFail(name, error);
        }
        return entryOf(name, stats);
      }),
    );
    return [...listed, ...rest].filter((item): item is ListedEntry => item !== undefined);
  }

  async stat(rel: RelPath): Promise<Entry | undefined> {
    try {
      // Synchronous: one cheap system call, cheaper than a trip through the thread pool (see
      // read-small-file.ts); every copy from a local folder re-checks its source with it.
      let stats = lstatSync(this.abs(rel));
      if (stats.isSymbolicLink() && this.links) {
        const followed = await this.links.follow(parentOf(rel), this.abs(rel));
        if (!('why' in followed)) stats = followed.stats;
      }
      // A symlink or device where a file was expected: report it as a file no scan can match,
      // so a precondition check treats it as "changed" and nothing is written through it.
      return entryOfStats(stats) ?? { kind: 'file', size: -1, mtimeMs: -1 };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw mapLocalError(error, `cannot stat ${this.abs(rel)}`);
    }
  }

  async read(rel: RelPath, options: ReadOptions = {}): Promise<Readable> {
    const start = options.start ?? 0;
    const abs = this.abs(rel);
    let fd: number;
    try {
      // O_NOFOLLOW: never read through a symlink that replaced the file after the scan (with
      // followLinks, only through one that resolves inside the root).
      const followed = this.links ? await this.links.followIfLink(parentOf(rel), abs) : undefined;
      // Synchronous open and fstat: cheaper than two trips through the thread pool (read-small-file.ts).
      fd = openSync(followed ?? abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
      const stats = fstatSync(fd);
      if (stats.isDirectory()) {
        closeSync(fd);
        throw new BackendError('is-a-directory', `cannot read ${abs}: is a folder`);
      }
      if (stats.isFile() && stats.size <= SMALL_FILE_BYTES && start === 0) {
        return readSmallFile(fd, stats.size);
      }
    } catch (error) {
      throw mapLocalError(error, `cannot read ${abs}`);
    }
    return createReadStream('', { fd, signal: options.signal, highWaterMark: 256 * 1024, start });
  }

  async write(rel: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
    // The source may fail while the folder is checked; its error must wait for the pipeline below
    // (which sees the stream as errored), not crash the process as an unhandled 'error' event.
    const holdError = (): void => undefined;
    data.on('error', holdError);
    let abs: string;
    try {
      abs = await this.absForChange(rel);
    } catch (error) {
      data.off('error', holdError);
      data.destroy();
      throw error;
    }
    const part = options.part;
    const continued = part?.continueAt;
    const temp = continued ? this.abs(continued.temp) : path.join(path.dirname(abs), tempNameFor(path.basename(abs)));
    try {
      if (continued) {
        if (path.dirname(temp) !== path.dirname(abs)) throw new BackendError('unsafe-name', `${temp} is not beside ${abs}`);
        // Cut what follows the checked bytes; the writer below appends from there. truncate on a
        // path follows links: the part must be a plain file (the writer opens it O_NOFOLLOW too).
        if (!lstatSync(temp).isFile()) throw new BackendError('unsupported', `${temp} is not a plain file`);
        await fs.truncate(temp, continued.offset);
      }
      await part?.onTemp?.(localRelOf(rel, path.basename(temp)));
      // fsync before close, so the rename below never exposes data still in the cache; writes go
      // out 1 MiB at a time (with a file stream's 16 KiB buffer every TLS record of a download
      // waited for its own disk write).
      const out = new BatchingFileWriter(temp, {
        mode: safeFileMode(options.mode),
        fsync: this.fsync,
        inline: this.inlineWrites,
        append: continued !== undefined,
      });
      // The pipeline sees an error the source had meanwhile (its `errored` state): from here on it
      // listens itself. Until here (the folder check, a part's record being written) the source may
      // fail (a short read's end check), which must not crash the process.
      data.off('error', holdError);
      await pipeline(data, out, { signal: options.signal });
      if (options.mtimeMs !== undefined) {
        // A Date, not seconds: Node turns a negative number of seconds (a time before 1970) into "now".
        const when = new Date(options.mtimeMs);
        await fs.utimes(temp, when, when);
      }
      await fs.rename(temp, abs);
    } catch (error) {
      data.off('error', holdError);
      // A resumable write keeps its part for the caller (engine/resumable-copy.ts).
      if (part === undefined) await fs.rm(temp, { force: true }).catch(() => undefined);
      if ((error as Error).name === 'AbortError') throw error;
      throw mapLocalError(error, `cannot write ${abs}`);
    }
    const entry = await this.stat(rel);
    if (entry?.kind !== 'file') throw new BackendError('changed', `${abs} changed while it was being written`);
    return entry;
  }

  async mkdir(rel: RelPath): Promise<MkdirOutcome> {
    const abs = await this.absForChange(rel);
    try {
      await fs.mkdir(abs);
      return 'created';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        const stats = await fs.lstat(abs);
        if (stats.isDirectory()) return 'existed';
        throw new BackendError('exists', `cannot create folder ${abs}: a file is in the way`);
      }
      throw mapLocalError(error, `cannot create folder ${abs}`);
    }
  }

  async remove(rel: RelPath): Promise<void> {
    const abs = await this.absForChange(rel);
    try {
      const stats = await fs.lstat(abs);
      if (stats.isDirectory()) throw new BackendError('is-a-directory', `cannot delete ${abs}: is a folder`);
      await fs.unlink(abs);
    } catch (error) {
      throw mapLocalError(error, `cannot delete ${abs}`);
    }
  }

  async removeDir(rel: RelPath): Promise<void> {
    const abs = await this.absForChange(rel);
    try {
      await fs.rmdir(abs);
    } catch (error) {
      // Linux says EEXIST or ENOTEMPTY for a non-empty folder.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new BackendError('not-empty', `cannot delete folder ${abs}: not empty`);
      }
      throw mapLocalError(error, `cannot delete folder ${abs}`);
    }
  }

  async rename(from: RelPath, to: RelPath): Promise<void> {
    await this.absForChange(from);
    await this.absForChange(to);
    try {
      await fs.rename(this.abs(from), this.abs(to));
    } catch (error) {
      throw mapLocalError(error, `cannot rename ${this.abs(from)} to ${this.abs(to)}`);
    }
  }

  async close(): Promise<void> {}
}
