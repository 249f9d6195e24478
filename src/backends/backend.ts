/**
 * The contract every storage backend fulfils (local folder, memory, SFTP, FTP, FTPS).
 *
 * A backend is opened on a root folder; every path it takes is a {@link RelPath} below that root.
 * The engine only ever talks to this interface, so any backend can be either side of a sync.
 * `test/conformance/describe-backend.ts` is the executable form of this contract.
 */
import type { Readable } from 'node:stream';
import type { Entry, FileEntry, ListedEntry } from '../core/entry.js';
import type { RelPath } from '../core/rel-path.js';
import type { ProbeOptions, ProbeReporter } from './probe-finding.js';
import type { ContentHash, HashAlgorithm } from './content-hash.js';

/** What a backend can do; the engine adapts to it. */
export interface BackendCapabilities {
  /** Granularity of the mtimes it reports, in ms (1 for local disks, 1000 for SFTP and MLSD). */
  readonly mtimePrecisionMs: number;
  /** Whether `write` can set the mtime it is given. */
  readonly canSetMtime: boolean;
  /** Whether names differing only in case are the same file. */
  readonly caseInsensitive: boolean;
  /** How many operations the engine should keep in flight against this backend. */
  readonly maxConcurrency: number;
  /**
   * How many folders a scan lists at once (default {@link maxConcurrency}). Lower where a
   * listing costs this process CPU rather than a wait: many at once only make long bursts during
   * which the other side's network replies wait.
   */
  readonly listConcurrency?: number;
  /**
   * Set when `write` can continue a part ({@link WriteOptions.part}): how many bytes at the end
   * of a part a killed writer may have left unwritten or out of order (writes in flight complete
   * in any order on some servers), which a continuation writes again. 0 for sequential writers.
   */
  readonly resumeTailBytes?: number;
  /**
   * Set for a folder on this machine's file system: the absolute path of the root, where a file
   * watcher can see changes as they happen (`watch`). Unset for servers, which are polled.
   */
  readonly localFolder?: string;
}

/**
 * A write that may be continued later (big files, engine/resumable-copy.ts). The temporary file
 * stays where it is when the write fails, for the caller to continue or remove.
 */
export interface PartOptions {
  /** Hears the temporary file's path (below the root) before the first byte goes out. */
  readonly onTemp?: (temp: RelPath) => void | Promise<void>;
  /**
   * Continue this temporary file (ferry's own, in the same folder) at `offset` instead of
   * starting a new one: bytes from `offset` on are replaced by `data`. `offset` is at most the
   * part's size; a backend that can only append (FTP `APPE`) needs it equal. Throws `unsupported`
   * when the server refuses to continue a file (the caller starts afresh).
   */
  readonly continueAt?: { readonly temp: RelPath; readonly offset: number };
}

/** Options of {@link Backend.write}. */
export interface WriteOptions {
  /** Modification time to give the file (when the backend can set it). */
  readonly mtimeMs?: number;
  /** Unix permission bits to give the file; group/other write bits are dropped. Default 0o644. */
  readonly mode?: number;
  /** Aborts the transfer; the final name is left untouched. */
  readonly signal?: AbortSignal;
  /**
   * A resumable write (only where {@link BackendCapabilities.resumeTailBytes} is set): the
   * temporary file is kept on failure instead of removed (the final name is still untouched).
   */
  readonly part?: PartOptions;
}

/** Options of {@link Backend.read}. */
export interface ReadOptions {
  readonly signal?: AbortSignal;
  /** Start at this byte (default 0): the stream holds the bytes from here to the end. */
  readonly start?: number;
}

/** What {@link Backend.mkdir} did: made the folder, or found it there. */
export type MkdirOutcome = 'created' | 'existed';

/**
 * A storage backend rooted at one folder.
 *
 * Errors are {@link BackendError}s with a protocol-neutral code. No method ever reports a missing
 * or unreadable folder as empty.
 */
export interface Backend {
  /** Canonical identity of the root, without any password (`sftp://user@host:22/path`). */
  readonly id: string;
  /** A short human form of the root for output. */
  readonly displayName: string;
  readonly capabilities: BackendCapabilities;

  /**
   * The entries of one folder (one level, no `.`/`..`), in no particular order. Names are raw as
   * the server sent them: the caller validates them. Throws `not-found` when the folder is missing,
   * `not-a-directory` when it is a file.
   */
  list(dir: RelPath): Promise<ListedEntry[]>;

  /** The entry at `path`, or undefined when nothing is there. */
  stat(path: RelPath): Promise<Entry | undefined>;

  /**
   * A stream of the file's bytes (from `options.start` on). Throws `not-found` or
   * `is-a-directory`.
   */
  read(path: RelPath, options?: ReadOptions): Promise<Readable>;

  /**
   * Writes `data` to `path` atomically: the bytes go to a temporary name in the same folder which
   * is renamed over `path` only once complete, so `path` holds either the old or the new file,
   * never a part. When `data` errors or the signal aborts, the temporary file is removed and the
   * error is rethrown. The parent folder must exist. Returns the entry exactly as a later
   * `list()` will report it.
   */
  write(path: RelPath, data: Readable, options?: WriteOptions): Promise<FileEntry>;

  /**
   * Creates one folder; succeeds when it already exists as a folder. The parent must exist.
   * Resolves `created` when this call made the folder (so it was empty a moment ago: the engine
   * then skips listing it before writing into it, which costs round trips per folder), `existed`
   * when it was there already. A backend that cannot tell resolves nothing, and the engine looks.
   */
  mkdir(path: RelPath): Promise<MkdirOutcome | void>;

  /** Removes a file. Throws `not-found`, or `is-a-directory` for a folder. */
  remove(path: RelPath): Promise<void>;

  /** Removes an empty folder. Throws `not-empty` when it has contents (never recursive). */
  removeDir(path: RelPath): Promise<void>;

  /** Renames a file or folder, replacing a file at `to`. */
  rename(from: RelPath, to: RelPath): Promise<void>;

  /**
   * Optional: the digest of a file computed where the file is (an FTP `HASH`/`XSHA256`/... command,
   * `sha256sum` over SSH), without transferring it. Uses the first of `algorithms` (best first) the
   * server offers; resolves to undefined when it offers none of them (the caller then reads the
   * file). Throws `not-found` or `is-a-directory` like `read`. Backends whose files are as cheap to
   * read as to hash (a local disk) do not implement it.
   */
  hash?(path: RelPath, algorithms: readonly HashAlgorithm[], options?: { signal?: AbortSignal }): Promise<ContentHash | undefined>;

  /** Releases connections. Idempotent. */
  close(): Promise<void>;

  /**
   * Optional, for `ferry doctor`: reports what the server supports beyond the contract (listing
   * and mtime commands, TLS, extensions, rename semantics...) through `report`. Any file it
   * creates has a temporary name ({@link tempNameFor}) and is removed before it returns, also
   * when it throws.
   */
  probe?(report: ProbeReporter, options?: ProbeOptions): Promise<void>;
}

export type { ProbeFinding, ProbeOptions, ProbeReporter, ProbeStatus, ProbeValue } from './probe-finding.js';

export { TEMP_PREFIX, TEMP_SUFFIX, isTempName, tempNameFor } from '../core/temp-name.js';
export { WholeFileSource, wholeContentsOf } from './whole-file-source.js';
export { HASH_ALGORITHMS, hashStream, type ContentHash, type HashAlgorithm } from './content-hash.js';

/** Permission bits for a written file: the source's bits without group/other write, or 0o644. */
export function safeFileMode(mode: number | undefined): number {
  return mode === undefined ? 0o644 : (mode & 0o777 & ~0o022) | 0o600;
}
