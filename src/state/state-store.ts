/**
 * Where the state of a pair lives and how it is written crash-safely.
 *
 * Each finished action appends its state change to a journal right away, so a run killed at any
 * moment loses no finished work; the journal is folded into an atomically replaced snapshot
 * (temp file, fsync, rename) when the run ends and when the next run starts.
 */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { stateChangeOf, stateChangesOf, type ActionResult, type StateChange } from '../core/action-result.js';
import type { PathIndex } from '../core/path-index.js';
import { RecordTable } from '../core/record-table.js';
import type { SyncState } from '../core/sync-state.js';
import { FerryError } from '../errors.js';
import { makeFolderPath } from '../backends/local/make-folder-path.js';
import { configDirOf, stateDirOf } from './app-dirs.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { readStateSnapshot } from './read-state-snapshot.js';
import { sha256Hex } from './sha256-hex.js';
import { formatStateSnapshotLines, parseJournalLine, StateFormatError } from './state-file-format.js';

/**
 * Size of a batch of journal lines. Below 64 KiB: neither the batch nor anything made of it lands
 * in the heap's space for big objects, which only a full collection empties.
 */
const JOURNAL_BATCH_BYTES = 60 * 1024;

/**
 * Where the state is kept when no folder is given: `$XDG_STATE_HOME/ferry`, else
 * `~/.local/state/ferry` on Linux; `~/Library/Application Support/ferry/state` on macOS;
 * `%LOCALAPPDATA%\ferry\state` on Windows (see app-dirs.ts).
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return stateDirOf({ platform: process.platform, env, home: homedir(), exists: existsSync });
}

/**
 * The folder of the user's ferry configuration: `$XDG_CONFIG_HOME/ferry`, else `~/.config/ferry`
 * on Linux; `~/Library/Application Support/ferry` on macOS; `%APPDATA%\ferry` on Windows.
 */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return configDirOf({ platform: process.platform, env, home: homedir(), exists: existsSync });
}

/** The file name stem of a pair's state: a hash of both sides' ids (which hold no password). */
export function stateKeyOf(localId: string, remoteId: string): string {
  return sha256Hex(`${localId}\n${remoteId}`).slice(0, 20);
}

/** The state of one pair, open for a run (locked). */
export class StateStore {
  /** The journal's file descriptor (append mode); opened on the first change. */
  private journal: number | undefined;
  private journalError: Error | undefined;
  /**
   * Journal lines not yet written, as UTF-8 in one reused buffer: written together once per turn
   * of the event loop or when the buffer is full. Encoding each line into it at once, rather than
   * joining lines into a string and encoding that per batch, leaves no joined string and no
   * buffer per batch behind for the collector (a million recorded paths made about 150 MiB of
   * each, the buffers outside the heap).
   */
  private readonly pending = Buffer.allocUnsafe(JOURNAL_BATCH_BYTES);
  private pendingBytes = 0;
  private flushScheduled = false;
  private readonly current: RecordTable;
  private constructor(
    readonly snapshotFile: string,
    private readonly journalFile: string,
    private readonly lock: RunLock,
    private readonly ids: { local: string; remote: string },
    loaded: LoadedState,
  ) {
    // Changed in place as actions finish: copying the map per change would make a run O(n²).
    // The loaded map is this store's own, so it is not copied either (a million entries).
    this.current = loaded.state;
    this.unchanged = loaded.clean;
  }

  /** True while the snapshot on disk already says everything (no journal, no change this run). */
  private unchanged: boolean;

  /**
   * Locks the pair and loads its state (snapshot plus any journal a killed run left).
   * Throws a `state` FerryError when the pair is locked or the state is unreadable.
   */
  static async open(stateDir: string, localId: string, remoteId: string): Promise<StateStore> {
    try {
      await makeFolderPath(stateDir, 0o700);
    } catch (error) {
      throw new FerryError('state', `cannot create state folder ${stateDir}: ${(error as Error).message}`);
    }
    const key = stateKeyOf(localId, remoteId);
    const snapshotFile = path.join(stateDir, `${key}.json`);
    const journalFile = path.join(stateDir, `${key}.journal`);
    const lock = await acquireRunLock(path.join(stateDir, `${key}.lock`));
    try {
      const state = await loadState(snapshotFile, journalFile);
      return new StateStore(snapshotFile, journalFile, lock, { local: localId, remote: remoteId }, state);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Where the writers of the pair's temporary files are listed (temp-writers.ts). */
  get writersFile(): string {
    return this.snapshotFile.replace(/\.json$/, '.writers');
  }

  /** Where the pair's resumable parts of big copies are recorded (resumable-parts.ts). */
  get partsFile(): string {
    return this.snapshotFile.replace(/\.json$/, '.parts');
  }

  /** The state as of now (loaded, plus changes recorded in this run). */
  get state(): SyncState {
    return this.current;
  }

  /**
   * The slots of the state's paths. A run scans into tables that share it, so a path the state
   * and both sides hold exists once, not three times (a million paths).
   */
  get paths(): PathIndex {
    return this.current.index;
  }

  /**
   * Records one change in memory and appends it to the journal. Lines reach the operating system
   * in order within moments, so a killed process loses at most the last few; the next run then
   * finds those paths equal on both sides and records them again without a transfer.
   */
  record(change: StateChange): void {
    this.unchanged = false;
    if (change.op === 'set') this.current.set(change.path, change.record);
    else this.current.delete(change.path);
    // One write per batch, not per line: a run recording a million paths would otherwise make a
    // million system calls.
    if (this.journalError) return;
    const line = `${JSON.stringify(change)}\n`;
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.pendingBytes + line.length * 3 > this.pending.length) this.flushJournal();
    if (line.length * 3 > this.pending.length) this.writeJournal(Buffer.from(line));
    else this.pendingBytes += this.pending.write(line, this.pendingBytes);
    // One pending flush at a time: a flush made because the batch was full leaves it pending.
    // (It used to be rescheduled after each such flush, and the record phase of a first sync
    // runs without a turn of the event loop: a million recorded paths left 2,500 callbacks
    // queued, chained to one another until the end of the phase.)
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flushJournal();
      });
    }
  }

  /**
   * Records the state changes a finished action implies ({@link stateChangesOf}), as
   * {@link record} does. Makes no list for the one change of most actions (a first sync records
   * a million).
   */
  recordResult(result: ActionResult): void {
    if (result.status === 'done' && result.action.kind === 'move') {
      for (const change of stateChangesOf(result)) this.record(change);
      return;
    }
    const change = stateChangeOf(result);
    if (change !== undefined) this.record(change);
  }

  /**
   * Appends the pending lines with a synchronous write: a few kilobytes into the page cache cost
   * microseconds, while handing each batch to the thread pool (a write stream) cost about a tenth
   * of a millisecond of this thread per batch, a tenth of the CPU of uploading small files.
   */
  private flushJournal(): void {
    if (this.pendingBytes === 0) return;
    const bytes = this.pending.subarray(0, this.pendingBytes);
    this.pendingBytes = 0;
    this.writeJournal(bytes);
  }

  /** Appends `bytes` to the journal (opened on first use); a failure is kept for {@link save}. */
  private writeJournal(bytes: Uint8Array): void {
    if (this.journalError) return;
    try {
      this.journal ??= openSync(this.journalFile, 'a', 0o600);
      let written = 0;
      while (written < bytes.length) written += writeSync(this.journal, bytes, written);
    } catch (error) {
      this.journalError = error as Error;
    }
  }

  /** Flushes and closes the journal. */
  private async closeJournal(): Promise<void> {
    this.flushJournal();
    const journal = this.journal;
    this.journal = undefined;
    if (journal === undefined) return;
    try {
      closeSync(journal);
    } catch (error) {
      this.journalError ??= error as Error;
    }
  }

  /** Writes the snapshot atomically and empties the journal. */
  async save(): Promise<void> {
    await this.closeJournal();
    if (this.journalError) {
      throw new FerryError('state', `cannot write the journal ${this.journalFile}: ${this.journalError.message}`);
    }
    // A run that changed nothing (a no-op sync) leaves the snapshot as it is: rewriting the state
    // of a huge tree costs seconds.
    if (this.unchanged) return;
    this.current.compact();
    const temp = `${this.snapshotFile}.${process.pid}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      // Lines are encoded into one reused buffer of 1 MiB, written whenever it is full: the state
      // of a huge tree never becomes one string, nor a string per piece (each a big object in the
      // heap until a full collection).
      const buffer = Buffer.allocUnsafe(1024 * 1024);
      let used = 0;
      for (const line of formatStateSnapshotLines(this.ids.local, this.ids.remote, this.current, new Date())) {
        // A UTF-16 unit takes at most 3 bytes in UTF-8.
        if (used + line.length * 3 > buffer.length) {
          await handle.write(buffer, 0, used);
          used = 0;
        }
        if (line.length * 3 > buffer.length) await handle.write(line);
        else used += buffer.write(line, used);
      }
      await handle.write(buffer, 0, used);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, this.snapshotFile);
    await fs.rm(this.journalFile, { force: true });
  }

  /** Releases the lock (and the journal). Does not save. */
  async close(): Promise<void> {
    await this.closeJournal();
    await this.lock.release();
  }
}

function corrupt(file: string, why: string, what: 'snapshot' | 'journal'): FerryError {
  const consequence =
    what === 'snapshot'
      ? 'the next run then compares both sides as if never synced and turns every difference into a conflict, deleting nothing'
      : 'the next run then starts from the state of the last completed run; what the interrupted run did may show up as conflicts, nothing is deleted because of it';
  return new FerryError('state', `the state file ${file} is unusable: ${why}. To start over, move it away (mv '${file}' '${file}.bad'); ${consequence}`);
}

async function openIfExists(file: string): Promise<fs.FileHandle | undefined> {
  try {
    return await fs.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FerryError('state', `cannot read ${file}: ${(error as Error).message}`);
  }
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FerryError('state', `cannot read ${file}: ${(error as Error).message}`);
  }
}

/** A loaded state; `clean` when it came from a snapshot alone (no journal of a killed run). */
interface LoadedState {
  readonly state: RecordTable;
  readonly clean: boolean;
}

async function loadState(snapshotFile: string, journalFile: string): Promise<LoadedState> {
  // In columns, not a Map of objects: the state of a million paths would otherwise take the
  // better part of a gigabyte while it is loaded and used.
  const state = new RecordTable();
  let clean = false;
  const handle = await openIfExists(snapshotFile);
  if (handle !== undefined) {
    try {
      await readStateSnapshot(handle, state);
      clean = true;
    } catch (error) {
      if (error instanceof StateFormatError) throw corrupt(snapshotFile, error.message, 'snapshot');
      throw new FerryError('state', `cannot read ${snapshotFile}: ${(error as Error).message}`);
    } finally {
      // The parser may stop before the end (a bad record): the file is closed either way.
      await handle.close().catch(() => undefined);
    }
  }
  const journal = await readIfExists(journalFile);
  if (journal) {
    const lines = journal.split('\n');
    const changes: StateChange[] = [];
    lines.forEach((line, index) => {
      if (line === '') return;
      try {
        changes.push(parseJournalLine(line, index + 1));
      } catch (error) {
        // A kill can cut the last line short; that change never finished, so it is dropped.
        const isLast = index === lines.length - 1;
        if (!(error instanceof StateFormatError)) throw error;
        if (!isLast) throw corrupt(journalFile, error.message, 'journal');
      }
    });
    for (const change of changes) {
      if (change.op === 'set') state.set(change.path, change.record);
      else state.delete(change.path);
    }
    // Folded into the snapshot (and the journal removed) when this run saves.
    clean = false;
  }
  return { state, clean };
}
