/**
 * A worked example of a backend (CONTRIBUTING.md, "Adding a backend"): a whole tree kept in one
 * JSON file. Small on purpose; it passes the same conformance suite as SFTP and FTP
 * (json-file-backend.test.ts). Not part of ferry: nothing under src/ imports it.
 *
 * How it keeps the contract:
 * - every change rewrites the JSON file under a temporary name and renames it over the old one,
 *   so the file (and each path in it) holds the old or the new state, never a part;
 * - operations run one at a time (a queue, and `maxConcurrency: 1`), since each one reads and
 *   rewrites the whole file;
 * - every failure is a BackendError with the contract's code (`not-found`, `not-a-directory`,
 *   `is-a-directory`, `exists`, `not-empty`); a missing folder is never listed as empty.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { safeFileMode, type Backend, type BackendCapabilities, type MkdirOutcome, type WriteOptions } from '../../../src/backends/backend.js';
import type { Entry, FileEntry, ListedEntry } from '../../../src/core/entry.js';
import { baseName, isInside, parentOf, ROOT, toRelPath, type RelPath } from '../../../src/core/rel-path.js';
import { BackendError } from '../../../src/errors.js';

type StoredNode = { kind: 'dir' } | { kind: 'file'; data: string; mtimeMs: number; mode: number };

/** The file's shape: every path below the root ('' is the root) with its node; file data in base64. */
interface Store {
  version: 1;
  nodes: Record<string, StoredNode>;
}

/** A backend whose whole tree lives in one JSON file (created on first open). */
export class JsonFileBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities = {
    mtimePrecisionMs: 1, // mtimes are stored as given
    canSetMtime: true,
    caseInsensitive: false, // JSON keys are case-sensitive
    maxConcurrency: 1, // each operation rewrites the whole file
  };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {
    this.id = `json-file://${file}`;
    this.displayName = file;
  }

  list(dir: RelPath): Promise<ListedEntry[]> {
    return this.serial(async () => {
      const store = await this.load();
      requireDir(store, dir, 'cannot list');
      return Object.entries(store.nodes)
        .filter(([path]) => path !== ROOT && parentOf(toRelPath(path)) === dir)
        .map(([path, node]) => ({ name: baseName(toRelPath(path)), entry: entryOf(node) }));
    });
  }

  stat(path: RelPath): Promise<Entry | undefined> {
    return this.serial(async () => {
      const node = (await this.load()).nodes[path];
      return node && entryOf(node);
    });
  }

  read(path: RelPath): Promise<Readable> {
    return this.serial(async () => {
      const node = (await this.load()).nodes[path];
      if (!node) throw new BackendError('not-found', `cannot read ${path}: does not exist`);
      if (node.kind === 'dir') throw new BackendError('is-a-directory', `cannot read ${path}: is a folder`);
      return Readable.from([Buffer.from(node.data, 'base64')]);
    });
  }

  async write(path: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
    // Take in the whole source first: a source that fails or an abort leaves the store untouched.
    const chunks: Buffer[] = [];
    for await (const chunk of data) {
      options.signal?.throwIfAborted();
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    }
    options.signal?.throwIfAborted();
    return this.serial(async () => {
      const store = await this.load();
      requireDir(store, parentOf(path), `cannot write ${path}`);
      if (store.nodes[path]?.kind === 'dir') throw new BackendError('is-a-directory', `cannot write ${path}: is a folder`);
      const node: StoredNode = {
        kind: 'file',
        data: Buffer.concat(chunks).toString('base64'),
        mtimeMs: options.mtimeMs ?? Date.now(),
        mode: safeFileMode(options.mode),
      };
      store.nodes[path] = node;
      await this.save(store);
      return entryOf(node) as FileEntry;
    });
  }

  mkdir(path: RelPath): Promise<MkdirOutcome> {
    return this.serial(async () => {
      const store = await this.load();
      requireDir(store, parentOf(path), `cannot create folder ${path}`);
      const existing = store.nodes[path];
      if (existing?.kind === 'file') throw new BackendError('exists', `cannot create folder ${path}: a file is in the way`);
      if (existing) return 'existed';
      store.nodes[path] = { kind: 'dir' };
      await this.save(store);
      return 'created';
    });
  }

  remove(path: RelPath): Promise<void> {
    return this.serial(async () => {
      const store = await this.load();
      const node = store.nodes[path];
      if (!node) throw new BackendError('not-found', `cannot delete ${path}: does not exist`);
      if (node.kind === 'dir') throw new BackendError('is-a-directory', `cannot delete ${path}: is a folder`);
      delete store.nodes[path];
      await this.save(store);
    });
  }

  removeDir(path: RelPath): Promise<void> {
    return this.serial(async () => {
      const store = await this.load();
      requireDir(store, path, 'cannot delete folder');
      if (Object.keys(store.nodes).some((key) => isInside(toRelPath(key), path))) {
        throw new BackendError('not-empty', `cannot delete folder ${path}: not empty`);
      }
      delete store.nodes[path];
      await this.save(store);
    });
  }

  rename(from: RelPath, to: RelPath): Promise<void> {
    return this.serial(async () => {
      const store = await this.load();
      if (!store.nodes[from]) throw new BackendError('not-found', `cannot rename ${from}: does not exist`);
      requireDir(store, parentOf(to), `cannot rename to ${to}`);
      if (store.nodes[to]?.kind === 'dir') throw new BackendError('exists', `cannot rename ${from} to ${to}: a folder is in the way`);
      // A folder moves with everything below it.
      const moved = Object.entries(store.nodes).filter(([key]) => key === from || isInside(toRelPath(key), from));
      for (const [key] of moved) delete store.nodes[key];
      for (const [key, node] of moved) store.nodes[to + key.slice(from.length)] = node;
      await this.save(store);
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  /** Runs `job` after every earlier operation: each reads and rewrites the whole file. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job, job);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async load(): Promise<Store> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as Store;
    } catch (error) {
      // Only a missing file is a new, empty store; anything else (unreadable, bad JSON) is an error.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, nodes: { [ROOT]: { kind: 'dir' } } };
      throw new BackendError('protocol', `cannot read ${this.file}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Writes the store under a temporary name next to the file, then renames it over the file. */
  private async save(store: Store): Promise<void> {
    const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(store));
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw new BackendError('protocol', `cannot save ${this.file}: ${(error as Error).message}`, { cause: error });
    }
  }
}

function requireDir(store: Store, path: RelPath, what: string): void {
  const node = store.nodes[path];
  if (!node) throw new BackendError('not-found', `${what}: ${path || '/'} does not exist`);
  if (node.kind !== 'dir') throw new BackendError('not-a-directory', `${what}: ${path} is not a folder`);
}

function entryOf(node: StoredNode): Entry {
  if (node.kind === 'dir') return { kind: 'dir' };
  return { kind: 'file', size: Buffer.byteLength(node.data, 'base64'), mtimeMs: node.mtimeMs, mode: node.mode };
}
