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
import { plainConstructor, type Mutable } from './plain-constructor.js';
import type { Action } from './plan-data.js';
import { comparePaths, type RelPath } from './rel-path.js';
import { speedTrickOn } from './speed-tricks.js';

/** An action of the record phase. */
export type RecordPhaseAction = Extract<Action, { kind: 'record' } | { kind: 'forget' }>;

/** `localSizes` value of a `forget` action (it has no fingerprints). */
const FORGET = Number.NaN;
/** Size column value of a folder's fingerprint. */
const FOLDER = -1;
/** `remoteSizes` value of a record whose remote fingerprint equals its local one. */
const SAME = Number.NaN;

/** Record-phase actions in the order they were added, or in path order once {@link sortByPath} ran. */
export class RecordActions implements Iterable<RecordPhaseAction> {
  private paths: RelPath[];
  private count = 0;
  private localSizes = new NumberColumn();
  private localTimes = new NumberColumn();
  // Set only where the remote fingerprint differs from the local one: in a first sync of equal
  // trees these columns stay empty (16 MiB less for a million records).
  private remoteSizes = new NumberColumn(SAME);
  private remoteTimes = new NumberColumn();
  /**
   * The plain path (speed trick `record-action-columns` off): the actions as objects, made when
   * added (equal to what `at` makes); the columns and `paths` stay empty.
   */
  private objects: RecordPhaseAction[] | undefined = speedTrickOn('record-action-columns') ? undefined : [];

  /**
   * `capacity`: how many actions at most will be added, when known (buildPlan: the number of
   * decisions): the list of paths is made at that size once instead of growing by copies, each
   * old copy of a million-slot list being garbage in the heap's space for big objects.
   */
  constructor(capacity = 0) {
    this.paths = new Array<RelPath>(this.objects === undefined ? capacity : 0);
  }

  /** Number of actions. */
  get length(): number {
    return this.count;
  }

  private addPath(path: RelPath): number {
    const slot = this.count++;
    if (slot < this.paths.length) this.paths[slot] = path;
    else this.paths.push(path);
    return slot;
  }

  /** Adds `{ kind: 'record', path, local, remote }`. */
  addRecord(path: RelPath, local: Fingerprint, remote: Fingerprint): void {
    const localSize = local.kind === 'dir' ? FOLDER : local.size;
    const localTime = local.kind === 'dir' ? 0 : local.mtimeMs;
    const remoteSize = remote.kind === 'dir' ? FOLDER : remote.size;
    const remoteTime = remote.kind === 'dir' ? 0 : remote.mtimeMs;
    if (this.objects !== undefined) {
      this.count++;
      const localPrint = fingerprint(localSize, localTime);
      const same = remoteSize === localSize && Object.is(remoteTime, localTime);
      this.objects.push(new RecordAction(path, localPrint, same ? localPrint : fingerprint(remoteSize, remoteTime)));
      return;
    }
    const slot = this.addPath(path);
    this.localSizes.set(slot, localSize);
    this.localTimes.set(slot, localTime);
    if (remoteSize !== localSize || !Object.is(remoteTime, localTime)) {
      this.remoteSizes.set(slot, remoteSize);
      this.remoteTimes.set(slot, remoteTime);
    }
  }

  /** Adds `{ kind: 'forget', path }`. */
  addForget(path: RelPath): void {
    if (this.objects !== undefined) {
      this.count++;
      this.objects.push(new ForgetAction(path));
      return;
    }
    this.localSizes.set(this.addPath(path), FORGET);
  }

  /** The action at `index` (0 ≤ index < length), made afresh. */
  at(index: number): RecordPhaseAction {
    if (this.objects !== undefined) return this.objects[index]!;
    const path = this.paths[index]!;
    const localSize = this.localSizes.get(index);
    if (Number.isNaN(localSize)) return new ForgetAction(path);
    const local = fingerprint(localSize, this.localTimes.get(index));
    const remoteSize = this.remoteSizes.get(index);
    // Equal fingerprints are one object, as buildPlan has always made them.
    const remote = Number.isNaN(remoteSize) ? local : fingerprint(remoteSize, this.remoteTimes.get(index));
    return new RecordAction(path, local, remote);
  }

  *[Symbol.iterator](): IterableIterator<RecordPhaseAction> {
    for (let index = 0; index < this.count; index++) yield this.at(index);
  }

  /**
   * Puts the actions in path order ({@link comparePaths}); actions of equal paths keep their
   * order. Free when they already are in order (decisions come sorted by path).
   */
  sortByPath(): void {
    if (this.objects !== undefined) {
      // Array.prototype.sort is stable: actions of equal paths keep their order.
      this.objects.sort((a, b) => comparePaths(a.path, b.path));
      return;
    }
    const paths = this.paths;
    let sorted = true;
    for (let index = 1; index < this.count && sorted; index++) sorted = comparePaths(paths[index - 1]!, paths[index]!) <= 0;
    if (sorted) return;
    const order = Array.from({ length: this.count }, (_, index) => index).sort((a, b) => comparePaths(paths[a]!, paths[b]!) || a - b);
    const old = { localSizes: this.localSizes, localTimes: this.localTimes, remoteSizes: this.remoteSizes, remoteTimes: this.remoteTimes };
    this.paths = order.map((index) => paths[index]!);
    this.localSizes = new NumberColumn();
    this.localTimes = new NumberColumn();
    this.remoteSizes = new NumberColumn(SAME);
    this.remoteTimes = new NumberColumn();
    order.forEach((from, to) => {
      this.localSizes.set(to, old.localSizes.get(from));
      this.localTimes.set(to, old.localTimes.get(from));
      const remoteSize = old.remoteSizes.get(from);
      if (Number.isNaN(remoteSize)) return;
      this.remoteSizes.set(to, remoteSize);
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
const RecordAction = plainConstructor(function (
  this: Mutable<Extract<RecordPhaseAction, { kind: 'record' }>>,
  path: RelPath,
  local: Fingerprint,
  remote: Fingerprint,
) {
  this.kind = 'record';
  this.phase = 'record';
  this.path = path;
  this.local = local;
  this.remote = remote;
});
const ForgetAction = plainConstructor(function (this: Mutable<Extract<RecordPhaseAction, { kind: 'forget' }>>, path: RelPath) {
  this.kind = 'forget';
  this.phase = 'record';
  this.path = path;
});
const FileFingerprint = plainConstructor(function (this: Mutable<FileEntry>, size: number, mtimeMs: number) {
  this.kind = 'file';
  this.size = size;
  this.mtimeMs = mtimeMs;
});
