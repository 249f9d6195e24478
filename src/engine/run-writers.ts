/**
 * The clean-up of a run's temporary files: this process is listed among the pair's writers before
 * it writes any; dead runs' leftovers are removed after the scan; a run that left none is
 * forgotten at the end (temp-writers.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { Side } from '../core/side.js';
import { WRITER_ID } from '../core/temp-name.js';
import type { StateStore } from '../state/state-store.js';
import { TempWriters } from '../state/temp-writers.js';
import type { SyncEvent } from './events.js';
import { plural } from './plural.js';
import { removeLeftoverTemps } from './remove-leftover-temps.js';
import { adoptParts, openParts, removeUnusedParts } from './adopt-parts.js';
import type { ResumableParts } from '../state/resumable-parts.js';
import type { ResumeContext } from './resumable-copy.js';
import type { TempFile } from './scan-tree.js';

/** The writers of a pair's temporary files, as one run sees them. */
export class RunWriters {
  /** Dead writers whose leftovers are all gone: forgotten at the end. */
  private readonly settled: string[] = [];
  /** `side:path` of the copies whose parts (of big files a dead run left) are kept for them. */
  private readonly adopted = new Set<string>();

  private constructor(
    private readonly writers: TempWriters,
    private readonly emit: (event: SyncEvent) => void,
    /** The pair's record of parts of big copies (resumable-parts.ts); undefined when unreadable. */
    private readonly parts: ResumableParts | undefined,
  ) {}

  /** The pair's writer list, with this process registered; undefined (and a warning) when it cannot be written. */
  static async open(store: StateStore, emit: (event: SyncEvent) => void): Promise<RunWriters | undefined> {
    try {
      const writers = await TempWriters.open(store.writersFile, WRITER_ID);
      await writers.register();
      return new RunWriters(writers, emit, await openParts(store.partsFile));
    } catch (error) {
      emit({
        type: 'warning',
        message: `cannot list this run in ${store.writersFile} (${(error as Error).message}): temporary files it leaves if killed will not be removed by the next run`,
      });
      return undefined;
    }
  }

  /** Removes dead runs' temporary files the scans found; `scansComplete`: every folder was listed. */
  async removeLeftovers(
    backends: Readonly<Record<Side, Backend>>,
    temps: Readonly<Record<Side, readonly TempFile[]>>,
    scansComplete: boolean,
    signal?: AbortSignal,
  ): Promise<void> {
    const dead = this.writers.dead;
    // Parts of big copies a dead run left are kept for those copies (resumable-copy.ts).
    const kept = this.parts ? await adoptParts(this.parts, { local: temps.local, remote: temps.remote }, dead, WRITER_ID) : undefined;
    for (const key of kept?.adopted ?? []) this.adopted.add(key);
    // A writer whose part is kept stays listed: the part is its leftover until continued.
    let complete = scansComplete && this.adopted.size === 0;
    for (const side of ['local', 'remote'] as const) {
      const cleanup = await removeLeftoverTemps(backends[side], side, kept?.rest[side] ?? temps[side], dead, signal);
      if (cleanup.removed > 0) this.emit({ type: 'temps-removed', side, files: cleanup.removed });
      for (const message of cleanup.failures) this.emit({ type: 'warning', message });
      if (cleanup.foreign.length > 0) this.emit({ type: 'warning', message: describeForeignTemps(side, cleanup.foreign) });
      complete &&= cleanup.complete;
    }
    // A dead writer is forgotten once every folder was scanned and its leftovers are gone.
    if (complete) this.settled.push(...dead);
  }

  /** What the copies need to continue parts and record their own (undefined: parts are not kept). */
  resumeContext(): ResumeContext | undefined {
    return this.parts && { parts: this.parts, writer: WRITER_ID, adopted: this.adopted, warn: (message) => this.emit({ type: 'warning', message }) };
  }

  /**
   * Forgets the settled dead writers, and this process too when its run left no temporary file.
   * `ranToEnd`: the run reached every copy, so kept parts no copy continued are removed.
   */
  async finish(leftNone: boolean, backends: Readonly<Record<Side, Backend>>, ranToEnd: boolean): Promise<void> {
    if (this.parts) {
      if (ranToEnd) await removeUnusedParts(this.parts, this.adopted, backends);
      await this.parts.flush().catch(() => undefined);
    }
    try {
      await this.writers.forget(leftNone ? [...this.settled, WRITER_ID] : this.settled);
    } catch (error) {
      this.emit({ type: 'warning', message: `cannot update the list of this pair's runs: ${(error as Error).message}` });
    }
  }
}

/** One line for the temporary files on a side that no dead run of this pair left. */
function describeForeignTemps(side: Side, foreign: readonly TempFile[]): string {
  const shown =
    foreign
      .slice(0, 2)
      .map((temp) => temp.path)
      .join(', ') + (foreign.length > 2 ? ', …' : '');
  return `${plural(foreign.length, 'temporary file', 'temporary files')} of other ferry runs left alone on the ${side} side (${shown}): another pair, another host or an older ferry may still be writing; delete them by hand once no other ferry run uses this folder`;
}
