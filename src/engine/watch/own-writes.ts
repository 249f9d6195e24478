/**
 * ferry's own writes to the local folder, remembered for a while so that the file watcher's echo
 * of them does not start another pass.
 */
import { sameEntry, type Entry } from '../../core/entry.js';
import type { RelPath } from '../../core/rel-path.js';

/** How long a local write of ferry's own is remembered to ignore the watcher's echo of it. */
const OWN_WRITE_MEMORY_MS = 10_000;

/** The local writes of a watch's recent passes. */
export class OwnWrites {
  private readonly writes = new Map<RelPath, { entry: Entry | null; until: number }>();

  /** Remembers what a pass wrote locally (null: removed; a folder: `{ kind: 'dir' }`). */
  remember(writes: ReadonlyMap<RelPath, Entry | null>): void {
    const until = Date.now() + OWN_WRITE_MEMORY_MS;
    for (const [path, entry] of writes) this.writes.set(path, { entry, until });
  }

  /**
   * The hinted paths that are not just the echo of an own write: a path whose entry (`stat`, on
   * the local side) is still what ferry wrote is dropped; one changed since is kept (and forgotten).
   */
  async withoutEchoes(paths: RelPath[], stat: (path: RelPath) => Promise<Entry | undefined>): Promise<RelPath[]> {
    const now = Date.now();
    for (const [path, own] of this.writes) if (own.until < now) this.writes.delete(path);
    if (this.writes.size === 0) return paths;
    const kept: RelPath[] = [];
    for (const path of paths) {
      const own = this.writes.get(path);
      if (!own) {
        kept.push(path);
        continue;
      }
      let current: Entry | undefined;
      try {
        current = await stat(path);
      } catch {
        kept.push(path);
        continue;
      }
      const echo = own.entry === null ? current === undefined : own.entry.kind === 'dir' ? current?.kind === 'dir' : sameEntry(current, own.entry);
      if (!echo) {
        this.writes.delete(path);
        kept.push(path);
      }
    }
    return kept;
  }
}
