/**
 * The parts of big copies a pair may continue: for each temporary file a resumable copy started,
 * the copy's target side and path, the temporary file, the source's size and mtime when the part
 * was started, and the bytes handed to the target so far. Kept beside the pair's state
 * (`<key>.parts`, one JSON document, replaced atomically) and changed only while the pair's lock
 * is held. A part is continued only when this file names it, for the same path, and its source
 * is unchanged (engine/resumable-copy.ts); a temporary file's name alone never makes it resumable.
 */
import * as fs from 'node:fs/promises';
import type { Side } from '../core/side.js';

/** One part a copy may continue. */
export interface PartRecord {
  /** The side written to. */
  readonly side: Side;
  /** The final path of the copy. */
  readonly path: string;
  /** The temporary file (below the root, beside `path`). */
  readonly temp: string;
  /** The ferry process that wrote it (temp-name.ts). */
  readonly writer: string;
  /** The source as it was when the part was started. */
  readonly sourceSize: number;
  readonly sourceMtimeMs: number;
  /** Bytes handed to the target so far, as last recorded (the part may hold a little more or less). */
  readonly bytes: number;
}

const FORMAT = 'ferry-parts';
const VERSION = 1;

function isPartRecord(value: unknown): value is PartRecord {
  const v = value as Partial<PartRecord> | null;
  return (
    v !== null &&
    typeof v === 'object' &&
    (v.side === 'local' || v.side === 'remote') &&
    typeof v.path === 'string' &&
    typeof v.temp === 'string' &&
    typeof v.writer === 'string' &&
    Number.isSafeInteger(v.sourceSize) &&
    Number.isFinite(v.sourceMtimeMs) &&
    Number.isSafeInteger(v.bytes)
  );
}

const keyOf = (side: Side, path: string): string => `${side}:${path}`;

/** How often progress is written at most (ms): a kill loses at most this much of the record. */
const SAVE_EVERY_MS = 1000;

/** The resumable parts of one pair; open it only while holding the pair's lock. */
export class ResumableParts {
  private dirty = false;
  private lastSaveMs = 0;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    private readonly records: Map<string, PartRecord>,
  ) {}

  /** Reads `file`; a missing, unreadable or unknown file holds no parts (their temporary files are then removed as leftovers). */
  static async open(file: string): Promise<ResumableParts> {
    const records = new Map<string, PartRecord>();
    try {
      const doc = JSON.parse(await fs.readFile(file, 'utf8')) as { format?: unknown; version?: unknown; parts?: unknown };
      if (doc.format === FORMAT && doc.version === VERSION && Array.isArray(doc.parts)) {
        for (const part of doc.parts) if (isPartRecord(part)) records.set(keyOf(part.side, part.path), part);
      }
    } catch {
      // Nothing to continue: every leftover is removed as before.
    }
    return new ResumableParts(file, records);
  }

  /** The part recorded for a copy to `path` on `side`. */
  find(side: Side, path: string): PartRecord | undefined {
    return this.records.get(keyOf(side, path));
  }

  /** Every part recorded. */
  all(): PartRecord[] {
    return [...this.records.values()];
  }

  /** Records a part (replacing any other of the same path), written at once. */
  async begin(record: PartRecord): Promise<void> {
    this.records.set(keyOf(record.side, record.path), record);
    await this.save();
  }

  /** Notes progress; written at most every second (and by {@link flush}). */
  progress(side: Side, path: string, bytes: number): void {
    const record = this.records.get(keyOf(side, path));
    if (record === undefined || record.bytes === bytes) return;
    this.records.set(keyOf(side, path), { ...record, bytes });
    this.dirty = true;
    if (Date.now() - this.lastSaveMs >= SAVE_EVERY_MS) void this.save().catch(() => undefined);
  }

  /** Forgets parts (finished, removed or not resumable). */
  async drop(entries: Iterable<{ readonly side: Side; readonly path: string }>): Promise<void> {
    let changed = false;
    for (const { side, path } of entries) changed = this.records.delete(keyOf(side, path)) || changed;
    if (changed) await this.save();
  }

  /** Writes what progress is not written yet. */
  async flush(): Promise<void> {
    if (this.dirty) await this.save();
    await this.saving;
  }

  /** Writes the file (serialised: the last write holds the latest records). */
  private save(): Promise<void> {
    this.dirty = false;
    this.lastSaveMs = Date.now();
    const next = this.saving
      .catch(() => undefined)
      .then(async () => {
        if (this.records.size === 0) {
          await fs.rm(this.file, { force: true });
          return;
        }
        const temp = `${this.file}.${process.pid}.tmp`;
        await fs.writeFile(temp, JSON.stringify({ format: FORMAT, version: VERSION, parts: [...this.records.values()] }), { mode: 0o600 });
        await fs.rename(temp, this.file);
      });
    this.saving = next;
    return next;
  }
}
