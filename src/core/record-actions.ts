/**
 * The actions of a plan's last phase (`record` and `forget`), kept in columns. Pure.
 *
 * A first sync of two equal trees plans one `record` action per path: a million of them as
 * objects cost about 136 bytes each (the action, its fingerprint object and the fingerprint's
 * boxed mtime), the largest single part of such a run's memory. Here each costs the slot of its
 * path (the string is the one the run's path index already holds) and four numbers outside the
 * JavaScript heap, about 40 bytes. Actions are made afresh, as plain objects equal to the ones
 * `buildPlan` used to keep, whenever they are read: callers must not rely on getting the same
 * object twice (actions are compared by value, never by identity).
 */
import { DIR_ENTRY, type FileEntry, type Fingerprint } from './entry.js';
import { NumberColumn } from './number-column.js';
import { plainConstructor } from './plain-constructor.js';
import type { Action } from './plan.js';
import { comparePaths, type RelPath } from './rel-path.js';

/** An action of the record phase. */
export type RecordPhaseAction = Extract<Action, { kind: 'record' } | { kind: 'forget' }>;

/** `localSizes` value of a `forget` action (it has no fingerprints). */
const FORGET = Number.NaN;
/** Size column value of a folder's fingerprint. */
const FOLDER = -1;

/** Record-phase actions in the order they were added, or in path order once {@link sortByPath} ran. */
export class RecordActions implements Iterable<RecordPhaseAction> {
  private paths: RelPath[] = [];
  private localSizes = new NumberColumn();
  private localTimes = new NumberColumn();
  private remoteSizes = new NumberColumn();
  private remoteTimes = new NumberColumn();

  /** Number of actions. */
  get length(): number {
    return this.paths.length;
  }

  /** Adds `{ kind: 'record', path, local, remote }`. */
  addRecord(path: RelPath, local: Fingerprint, remote: Fingerprint): void {
    const slot = this.paths.length;
    this.paths.push(path);
    this.localSizes.set(slot, local.kind === 'dir' ? FOLDER : local.size);
    this.localTimes.set(slot, local.kind === 'dir' ? 0 : local.mtimeMs);
    this.remoteSizes.set(slot, remote.kind === 'dir' ? FOLDER : remote.size);
    this.remoteTimes.set(slot, remote.kind === 'dir' ? 0 : remote.mtimeMs);
  }

  /** Adds `{ kind: 'forget', path }`. */
  addForget(path: RelPath): void {
    const slot = this.paths.length;
    this.paths.push(path);
    this.localSizes.set(slot, FORGET);
  }

  /** The action at `index` (0 ≤ index < length), made afresh. */
  at(index: number): RecordPhaseAction {
    const path = this.paths[index]!;
    const localSize = this.localSizes.get(index);
    if (Number.isNaN(localSize)) return new ForgetAction(path);
    const localTime = this.localTimes.get(index);
    const remoteSize = this.remoteSizes.get(index);
    const remoteTime = this.remoteTimes.get(index);
    const local = fingerprint(localSize, localTime);
    // Equal fingerprints are one object, as buildPlan has always made them.
    const remote = remoteSize === localSize && Object.is(remoteTime, localTime) ? local : fingerprint(remoteSize, remoteTime);
    return new RecordAction(path, local, remote);
  }

  *[Symbol.iterator](): IterableIterator<RecordPhaseAction> {
    for (let index = 0; index < this.paths.length; index++) yield this.at(index);
  }

  /**
   * Puts the actions in path order ({@link comparePaths}); actions of equal paths keep their
   * order. Free when they already are in order (decisions come sorted by path).
   */
  sortByPath(): void {
    const paths = this.paths;
    let sorted = true;
    for (let index = 1; index < paths.length && sorted; index++) sorted = comparePaths(paths[index - 1]!, paths[index]!) <= 0;
    if (sorted) return;
    const order = paths.map((_, index) => index).sort((a, b) => comparePaths(paths[a]!, paths[b]!) || a - b);
    const old = { localSizes: this.localSizes, localTimes: this.localTimes, remoteSizes: this.remoteSizes, remoteTimes: this.remoteTimes };
    this.paths = order.map((index) => paths[index]!);
    this.localSizes = new NumberColumn();
    this.localTimes = new NumberColumn();
    this.remoteSizes = new NumberColumn();
    this.remoteTimes = new NumberColumn();
    order.forEach((from, to) => {
      this.localSizes.set(to, old.localSizes.get(from));
      this.localTimes.set(to, old.localTimes.get(from));
      this.remoteSizes.set(to, old.remoteSizes.get(from));
      this.remoteTimes.set(to, old.remoteTimes.get(from));
    });
  }
}

function fingerprint(size: number, mtimeMs: number): Fingerprint {
  return size === FOLDER ? DIR_ENTRY : new FileFingerprint(size, mtimeMs);
}

// Made by the million in a first sync, and dead at once: plain objects without an allocation
// site (plain-constructor.ts), equal to `{ kind: 'record', phase: 'record', path, local, remote }`,
// `{ kind: 'forget', phase: 'record', path }` and `{ kind: 'file', size, mtimeMs }`.
type Writable<T> = { -readonly [K in keyof T]: T[K] };
const RecordAction = plainConstructor(function (this: Writable<Extract<RecordPhaseAction, { kind: 'record' }>>, path: RelPath, local: Fingerprint, remote: Fingerprint) {
  this.kind = 'record';
  this.phase = 'record';
  this.path = path;
  this.local = local;
  this.remote = remote;
});
const ForgetAction = plainConstructor(function (this: Writable<Extract<RecordPhaseAction, { kind: 'forget' }>>, path: RelPath) {
  this.kind = 'forget';
  this.phase = 'record';
  this.path = path;
});
const FileFingerprint = plainConstructor(function (this: Writable<FileEntry>, size: number, mtimeMs: number) {
  this.kind = 'file';
  this.size = size;
  this.mtimeMs = mtimeMs;
});
