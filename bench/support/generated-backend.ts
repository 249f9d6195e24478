/**
 * A read-only backend whose tree is computed, not stored: FILES files, 100 per folder, 100
 * folders per top-level folder. Listing it costs almost no memory of its own, so a scan of a
 * million entries measures ferry's memory, not the fixture's. Writing is refused: the scale
 * benchmark syncs two equal generated trees, which never needs a transfer.
 */
import type { Readable } from 'node:stream';
import type { Backend, BackendCapabilities } from '../../src/backends/backend.js';
import type { Entry, FileEntry, ListedEntry } from '../../src/core/entry.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { BackendError } from '../../src/errors.js';

const filesPerFolder = 100;
const foldersPerTop = 100;
const baseMtimeMs = Date.UTC(2024, 0, 1);

export class GeneratedBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities = { mtimePrecisionMs: 1, canSetMtime: false, caseInsensitive: false, maxConcurrency: 8 };
  private readonly folders: number;
  private readonly tops: number;

  constructor(
    name: string,
    private readonly files: number,
  ) {
    this.id = `generated://${name}/${files}`;
    this.displayName = this.id;
    this.folders = Math.ceil(files / filesPerFolder);
    this.tops = Math.ceil(this.folders / foldersPerTop);
  }

  /** Files plus folders: what a scan finds. */
  get entryCount(): number {
    return this.files + this.folders + this.tops;
  }

  private file(folder: number, index: number): FileEntry {
    return { kind: 'file', size: (folder * 7 + index) % 5000, mtimeMs: baseMtimeMs + (folder * filesPerFolder + index) * 1000, mode: 0o644 };
  }

  async list(dir: RelPath): Promise<ListedEntry[]> {
    const parts = dir === '' ? [] : dir.split('/');
    if (parts.length === 0) return Array.from({ length: this.tops }, (_, t) => ({ name: `t${t}`, entry: { kind: 'dir' } as Entry }));
    const top = Number(parts[0]!.slice(1));
    if (parts.length === 1) {
      const first = top * foldersPerTop;
      const count = Math.min(foldersPerTop, this.folders - first);
      return Array.from({ length: count }, (_, d) => ({ name: `d${first + d}`, entry: { kind: 'dir' } as Entry }));
    }
    const folder = Number(parts[1]!.slice(1));
    const count = Math.min(filesPerFolder, this.files - folder * filesPerFolder);
    return Array.from({ length: count }, (_, f) => ({ name: `f${f}.txt`, entry: this.file(folder, f) }));
  }

  async stat(path: RelPath): Promise<Entry | undefined> {
    const parts = path.split('/');
    if (parts.length < 3) return { kind: 'dir' };
    return this.file(Number(parts[1]!.slice(1)), Number(parts[2]!.slice(1, -4)));
  }

  read(): Promise<Readable> {
    return Promise.reject(new BackendError('unsupported', 'a generated tree cannot be read'));
  }
  write(): Promise<FileEntry> {
    return Promise.reject(new BackendError('unsupported', 'a generated tree cannot be written'));
  }
  mkdir(): Promise<void> {
    return Promise.reject(new BackendError('unsupported', 'a generated tree cannot be changed'));
  }
  remove(): Promise<void> {
    return this.mkdir();
  }
  removeDir(): Promise<void> {
    return this.mkdir();
  }
  rename(): Promise<void> {
    return this.mkdir();
  }
  async close(): Promise<void> {}
}
