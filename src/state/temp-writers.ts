/**
 * The writers of a pair: which ferry processes may have left temporary files in the pair's
 * folders. Kept beside the pair's state (`<key>.writers`, one JSON object per line) and changed
 * only while the pair's lock is held, so no other run of the pair is live: a writer listed here
 * whose process is gone (or ran on another host) is a dead run of this pair, and its
 * `.~ferry-*.<writer>-*.tmp` files are leftovers the next run removes. Temporary files of writers
 * not listed here (other pairs, other hosts' state, ferry versions before writer ids) may belong
 * to a live run: they are left alone.
 */
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import { isProcessAlive } from './process-alive.js';

/** One process that wrote (or may have written) temporary files for the pair. */
export interface WriterRecord {
  readonly writer: string;
  readonly pid: number;
  readonly host: string;
}

function parseLines(text: string): WriterRecord[] {
  const records: WriterRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as Partial<WriterRecord>;
      if (typeof value.writer === 'string' && /^[0-9a-z]{8}$/.test(value.writer) && Number.isInteger(value.pid) && typeof value.host === 'string') {
        records.push({ writer: value.writer, pid: value.pid!, host: value.host });
      }
    } catch {
      // A torn line (a killed write): the atomic rename below makes that unlikely; skip it.
    }
  }
  return records;
}

/** The writers of one pair; open it only while holding the pair's lock. */
export class TempWriters {
  private constructor(
    private readonly file: string,
    private readonly self: WriterRecord,
    private records: WriterRecord[],
  ) {}

  /** Reads the list at `file` (missing or unreadable: empty) for this process as `writer`. */
  static async open(file: string, writer: string): Promise<TempWriters> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      text = '';
    }
    return new TempWriters(file, { writer, pid: process.pid, host: hostname() }, parseLines(text));
  }

  /**
   * Writers whose runs are over: not this process, and a process that no longer runs on this
   * host, or one of another host (the pair's lock, held now, says its run of the pair ended).
   */
  get dead(): ReadonlySet<string> {
    const dead = new Set<string>();
    for (const record of this.records) {
      if (record.writer === this.self.writer) continue;
      if (record.host === this.self.host && isProcessAlive(record.pid)) continue;
      dead.add(record.writer);
    }
    return dead;
  }

  /** Lists this process as a writer of the pair, before it writes anything. */
  async register(): Promise<void> {
    if (!this.records.some((record) => record.writer === this.self.writer)) this.records.push(this.self);
    await this.save();
  }

  /**
   * Forgets writers: dead ones whose leftovers are gone, and this process after a run that left
   * none (it finished without errors and without being interrupted).
   */
  async forget(writers: Iterable<string>): Promise<void> {
    const gone = new Set(writers);
    if (gone.size === 0) return;
    const before = this.records.length;
    this.records = this.records.filter((record) => !gone.has(record.writer));
    if (this.records.length !== before) await this.save();
  }

  private async save(): Promise<void> {
    if (this.records.length === 0) {
      await fs.rm(this.file, { force: true });
      return;
    }
    const temp = `${this.file}.${process.pid}.tmp`;
    await fs.writeFile(temp, this.records.map((record) => `${JSON.stringify(record)}\n`).join(''), { mode: 0o600 });
    await fs.rename(temp, this.file);
  }
}
