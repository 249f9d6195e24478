/**
 * Stands in, during a dry run with --create-folder, for a root folder that does not exist yet: it
 * lists as empty and refuses every change (a dry run makes none).
 */
import type { Readable } from 'node:stream';
import type { Entry, FileEntry, ListedEntry } from '../core/entry.js';
import { ROOT, type RelPath } from '../core/rel-path.js';
import { BackendError } from '../errors.js';
import type { Backend, BackendCapabilities } from './backend.js';
import type { Target } from './target-url.js';

export class MissingRootBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities = { mtimePrecisionMs: 1, canSetMtime: true, caseInsensitive: false, maxConcurrency: 1 };

  constructor(target: Target) {
    this.id = target.id;
    this.displayName = `${target.display} (to be created)`;
  }

  async list(dir: RelPath): Promise<ListedEntry[]> {
    if (dir === ROOT) return [];
    throw new BackendError('not-found', `${dir} does not exist`);
  }

  async stat(): Promise<Entry | undefined> {
    return undefined;
  }

  private refuse(): never {
    throw new BackendError('unsupported', `${this.displayName} does not exist yet and a dry run creates nothing`);
  }

  async read(): Promise<Readable> {
    return this.refuse();
  }
  async write(): Promise<FileEntry> {
    return this.refuse();
  }
  async mkdir(): Promise<void> {
    this.refuse();
  }
  async remove(): Promise<void> {
    this.refuse();
  }
  async removeDir(): Promise<void> {
    this.refuse();
  }
  async rename(): Promise<void> {
    this.refuse();
  }
  async close(): Promise<void> {}
}
