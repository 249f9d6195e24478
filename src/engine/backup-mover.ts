/**
 * `--backup-dir`: instead of deleting or overwriting a file, move it (a server rename) into the
 * run's backup folder on the same side, at the same relative path:
 * `<backup dir>/<run time>/<path>`. The backup folder is never synced (see PathFilter).
 */
import type { Backend } from '../backends/backend.js';
import { ancestorsOf, baseName, joinRelPath, parentOf, toRelPath, type RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';

/** Moves files aside into one run's backup folder, creating its folders as needed. */
export class BackupMover {
  /** Folders known to exist below the backup folder, per side (`side:path`). */
  private readonly made = new Set<string>();

  /** `runDir` is the run's backup folder, relative to each side's root (`.ferry-backup/20261122T053000Z`). */
  constructor(
    private readonly backends: Readonly<Record<Side, Backend>>,
    readonly runDir: RelPath,
  ) {}

  /** Moves the file at `path` on `side` into the backup folder; returns where it went. */
  async moveAside(side: Side, path: RelPath): Promise<RelPath> {
    const backend = this.backends[side];
    let target = toRelPath(`${this.runDir}/${path}`);
    for (const dir of ancestorsOf(target)) {
      const key = `${side}:${dir}`;
      if (this.made.has(key)) continue;
      await backend.mkdir(dir);
      this.made.add(key);
    }
    // rename replaces a file at its target: never replace an earlier backup.
    for (let n = 2; (await backend.stat(target)) !== undefined; n++) target = joinRelPath(parentOf(target), `${baseName(path)}.${n}`);
    await backend.rename(path, target);
    return target;
  }

  /** Puts a file moved aside back where it was (after the write that should replace it failed). */
  async restore(side: Side, movedTo: RelPath, path: RelPath): Promise<void> {
    const backend = this.backends[side];
    if ((await backend.stat(path)) === undefined) await backend.rename(movedTo, path);
  }
}
