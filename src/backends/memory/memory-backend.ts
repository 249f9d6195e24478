/**
 * An in-memory tree, for tests of the pure core and the engine. Never a stand-in for a protocol.
 */
import { Readable } from 'node:stream';
import type { Entry, FileEntry, ListedEntry } from '../../core/entry.js';
import { ancestorsOf, baseName, isInside, joinPaths, parentOf, pathBelow, ROOT, type RelPath } from '../../core/rel-path.js';
import { BackendError } from '../../errors.js';
import { safeFileMode, type Backend, type BackendCapabilities, type MkdirOutcome, type ReadOptions, type WriteOptions } from '../backend.js';
import { hashStream, type ContentHash, type HashAlgorithm } from '../content-hash.js';

type Node = { kind: 'dir' } | { kind: 'file'; data: Buffer; mtimeMs: number; mode: number };

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  readonly name?: string;
  /** Reported mtimes are truncated to this precision (simulates servers); default 1. */
  readonly mtimePrecisionMs?: number;
  /** When false, writes stamp the clock's time instead of the given mtime (like some FTP servers). */
  readonly canSetMtime?: boolean;
  /** Clock for writes that cannot set mtime. */
  readonly now?: () => number;
  /** Algorithms `hash` offers (simulates a server that hashes); default none (no `hash`). */
  readonly hashes?: readonly HashAlgorithm[];
  /** Names differing only in case are the same file (reported in capabilities only). */
  readonly caseInsensitive?: boolean;
}

/** A backend keeping a whole tree in a Map. */
export class MemoryBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities;
  private readonly nodes = new Map<RelPath, Node>([[ROOT, { kind: 'dir' }]]);
  private readonly now: () => number;

  constructor(options: MemoryBackendOptions = {}) {
    const name = options.name ?? 'memory';
    this.id = `memory://${name}`;
    this.displayName = this.id;
    this.capabilities = {
      mtimePrecisionMs: options.mtimePrecisionMs ?? 1,
      canSetMtime: options.canSetMtime ?? true,
      caseInsensitive: options.caseInsensitive ?? false,
      maxConcurrency: 8,
    };
    this.now = options.now ?? Date.now;
    const offered = options.hashes ?? [];
    if (offered.length > 0) {
      this.hash = async (path: RelPath, algorithms: readonly HashAlgorithm[]): Promise<ContentHash | undefined> => {
        const algorithm = algorithms.find((candidate) => offered.includes(candidate));
        if (algorithm === undefined) return undefined;
        return { algorithm, digest: await hashStream(await this.read(path), algorithm) };
      };
    }
  }

  /** Present only when constructed with `hashes`. */
  readonly hash?: (path: RelPath, algorithms: readonly HashAlgorithm[]) => Promise<ContentHash | undefined>;

  private entryOf(node: Node): Entry {
    if (node.kind === 'dir') return { kind: 'dir' };
    const precision = this.capabilities.mtimePrecisionMs;
    return {
      kind: 'file',
      size: node.data.length,
      mtimeMs: Math.floor(node.mtimeMs / precision) * precision,
      mode: node.mode,
    };
  }

  private requireDir(path: RelPath, what: string): void {
    const node = this.nodes.get(path);
    if (!node) throw new BackendError('not-found', `${what}: ${path || '/'} does not exist`);
    if (node.kind !== 'dir') throw new BackendError('not-a-directory', `${what}: ${path} is not a folder`);
  }

  async list(dir: RelPath): Promise<ListedEntry[]> {
    this.requireDir(dir, 'cannot list');
    const result: ListedEntry[] = [];
    for (const [path, node] of this.nodes) {
      if (path !== ROOT && parentOf(path) === dir) {
        result.push({ name: baseName(path), entry: this.entryOf(node) });
      }
    }
    return result;
  }

  async stat(path: RelPath): Promise<Entry | undefined> {
    const node = this.nodes.get(path);
    return node ? this.entryOf(node) : undefined;
  }

  async read(path: RelPath, options: ReadOptions = {}): Promise<Readable> {
    const node = this.nodes.get(path);
    if (!node) throw new BackendError('not-found', `cannot read ${path}: does not exist`);
    if (node.kind !== 'file') throw new BackendError('is-a-directory', `cannot read ${path}: is a folder`);
    return Readable.from([options.start ? node.data.subarray(options.start) : node.data]);
  }

  async write(path: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
    this.requireDir(parentOf(path), `cannot write ${path}`);
    const chunks: Buffer[] = [];
    for await (const chunk of data) {
      options.signal?.throwIfAborted();
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    }
    options.signal?.throwIfAborted();
    const existing = this.nodes.get(path);
    if (existing?.kind === 'dir') throw new BackendError('is-a-directory', `cannot write ${path}: is a folder`);
    const mtimeMs = this.capabilities.canSetMtime && options.mtimeMs !== undefined ? options.mtimeMs : this.now();
    const node: Node = { kind: 'file', data: Buffer.concat(chunks), mtimeMs, mode: safeFileMode(options.mode) };
    this.nodes.set(path, node);
    return this.entryOf(node) as FileEntry;
  }

  async mkdir(path: RelPath): Promise<MkdirOutcome> {
    this.requireDir(parentOf(path), `cannot create folder ${path}`);
    const existing = this.nodes.get(path);
    if (existing?.kind === 'file') throw new BackendError('exists', `cannot create folder ${path}: a file is in the way`);
    if (existing?.kind === 'dir') return 'existed';
    this.nodes.set(path, { kind: 'dir' });
    return 'created';
  }

  async remove(path: RelPath): Promise<void> {
    const node = this.nodes.get(path);
    if (!node) throw new BackendError('not-found', `cannot delete ${path}: does not exist`);
    if (node.kind === 'dir') throw new BackendError('is-a-directory', `cannot delete ${path}: is a folder`);
    this.nodes.delete(path);
  }

  async removeDir(path: RelPath): Promise<void> {
    this.requireDir(path, 'cannot delete folder');
    for (const key of this.nodes.keys()) {
      if (isInside(key, path)) throw new BackendError('not-empty', `cannot delete folder ${path}: not empty`);
    }
    this.nodes.delete(path);
  }

  async rename(from: RelPath, to: RelPath): Promise<void> {
    const node = this.nodes.get(from);
    if (!node) throw new BackendError('not-found', `cannot rename ${from}: does not exist`);
    this.requireDir(parentOf(to), `cannot rename to ${to}`);
    const moved = [...this.nodes].filter(([key]) => key === from || isInside(key, from));
    for (const [key] of moved) this.nodes.delete(key);
    for (const [key, value] of moved) this.nodes.set(joinPaths(to, pathBelow(key, from)), value);
  }

  async close(): Promise<void> {}

  // Test helpers: direct manipulation without going through write().

  /** Puts a file (creating its folders) with the given content and mtime. */
  putFile(path: RelPath, content: string | Buffer, mtimeMs: number): void {
    for (const dir of ancestorsOf(path)) if (!this.nodes.has(dir)) this.nodes.set(dir, { kind: 'dir' });
    this.nodes.set(path, { kind: 'file', data: Buffer.from(content), mtimeMs, mode: 0o644 });
  }

  /** The content of a file, or undefined. */
  content(path: RelPath): string | undefined {
    const node = this.nodes.get(path);
    return node?.kind === 'file' ? node.data.toString() : undefined;
  }

  /** Every path with its entry, sorted. */
  dump(): Map<string, Entry> {
    return new Map(
      [...this.nodes]
        .filter(([k]) => k !== ROOT)
        .sort()
        .map(([k, v]) => [k, this.entryOf(v)]),
    );
  }
}
