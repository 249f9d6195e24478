/**
 * What became of each planned action, and how it changes the state of the last sync. Pure.
 */
import { fingerprintOf, type FileEntry, type Fingerprint } from './entry.js';
import type { Action } from './plan.js';
import { plainConstructor, type Mutable } from './plain-constructor.js';
import { joinPaths, type RelPath } from './rel-path.js';
import type { SyncRecord, SyncState } from './sync-state.js';

/** The outcome of one action. */
export type ActionResult =
  /**
   * Done. `written` is the target entry a copy (or a file move) produced, as the target reports
   * it. `via: 'copy'`: a move whose rename failed was done as a copy and a deletion instead.
   * `bytes`: what the copy sent; `resumedFrom`: the byte at which a copy continued the part an
   * earlier attempt left (so `bytes` is the rest).
   */
  | {
      readonly action: Action;
      readonly status: 'done';
      readonly written?: FileEntry;
      readonly bytes?: number;
      readonly resumedFrom?: number;
      readonly via?: 'rename' | 'copy';
    }
  | { readonly action: Action; readonly status: 'failed'; readonly error: string }
  /** The target changed between scan and action: nothing was touched, it is a conflict now. */
  | { readonly action: Action; readonly status: 'conflict'; readonly reason: 'changed-during-sync'; readonly detail: string }
  /**
   * Not attempted: an earlier copy failed (no deletes then), the run was interrupted, or it
   * stopped because a server stopped answering (`server-lost`).
   */
  | { readonly action: Action; readonly status: 'not-run'; readonly why: 'copy-failed' | 'interrupted' | 'server-lost' };

const DoneResult = plainConstructor(function (this: { action: Action; status: 'done' }, action: Action) {
  this.action = action;
  this.status = 'done';
});

/**
 * `{ action, status: 'done' }`, for actions done without a transfer (a first sync records a
 * million paths): a plain object without an allocation site (plain-constructor.ts).
 */
export function doneResult(action: Action): ActionResult {
  return new DoneResult(action);
}

/** A change to the state: set or drop one path's record. */
export type StateChange = { readonly op: 'set'; readonly path: RelPath; readonly record: SyncRecord } | { readonly op: 'drop'; readonly path: RelPath };

// A first sync makes a million of these, dead at once: plain objects without an allocation site
// (plain-constructor.ts), equal to `{ op: 'set', path, record }`, `{ local, remote }` and
// `{ op: 'drop', path }`.
const SetChange = plainConstructor(function (this: Mutable<Extract<StateChange, { op: 'set' }>>, path: RelPath, record: SyncRecord) {
  this.op = 'set';
  this.path = path;
  this.record = record;
});
const RecordOf = plainConstructor(function (this: Mutable<SyncRecord>, local: Fingerprint, remote: Fingerprint) {
  this.local = local;
  this.remote = remote;
});
const DropChange = plainConstructor(function (this: Mutable<Extract<StateChange, { op: 'drop' }>>, path: RelPath) {
  this.op = 'drop';
  this.path = path;
});

/** The state changes a finished action implies (a move drops the old paths and sets the new ones). */
export function stateChangesOf(result: ActionResult): StateChange[] {
  if (result.status === 'done' && result.action.kind === 'move') return moveChanges(result.action, result.written);
  const change = stateChangeOf(result);
  return change ? [change] : [];
}

function moveChanges(action: Extract<Action, { kind: 'move' }>, written: FileEntry | undefined): StateChange[] {
  const recordOf = (source: Fingerprint, target: Fingerprint): SyncRecord =>
    action.side === 'remote' ? { local: source, remote: target } : { local: target, remote: source };
  const changes: StateChange[] = [{ op: 'drop', path: action.oldPath }];
  for (const entry of action.contents) changes.push({ op: 'drop', path: joinPaths(action.oldPath, entry.suffix) });
  changes.push({ op: 'set', path: action.path, record: recordOf(fingerprintOf(action.source), fingerprintOf(written ?? action.expect)) });
  for (const entry of action.contents) {
    changes.push({ op: 'set', path: joinPaths(action.path, entry.suffix), record: recordOf(fingerprintOf(entry.source), fingerprintOf(entry.expect)) });
  }
  return changes;
}

/** The state change a finished action implies, or undefined when the state stays as it was (moves: see {@link stateChangesOf}). */
export function stateChangeOf(result: ActionResult): StateChange | undefined {
  if (result.status !== 'done') return undefined;
  const action = result.action;
  switch (action.kind) {
    case 'move':
      return undefined;
    case 'copy': {
      if (!result.written) return undefined;
      const fromPrint = fingerprintOf(action.source);
      const toPrint = fingerprintOf(result.written);
      const record = action.from === 'local' ? { local: fromPrint, remote: toPrint } : { local: toPrint, remote: fromPrint };
      return { op: 'set', path: action.path, record };
    }
    case 'mkdir':
      return { op: 'set', path: action.path, record: { local: { kind: 'dir' }, remote: { kind: 'dir' } } };
    case 'record':
      return new SetChange(action.path, new RecordOf(action.local, action.remote));
    case 'delete':
    case 'rmdir':
    case 'forget':
      return new DropChange(action.path);
    case 'conflict-copy':
      // The copies that follow record both names; until then the old record stands (a failed copy
      // leaves a path the next run sees as deleted on one side against a change: a conflict).
      return undefined;
  }
}

/** Applies state changes to a state, returning a new state. */
export function applyStateChanges(state: SyncState, changes: Iterable<StateChange>): SyncState {
  const next = new Map(state);
  for (const change of changes) {
    if (change.op === 'set') next.set(change.path, change.record);
    else next.delete(change.path);
  }
  return next;
}

/** The state after a run: the old state with the changes of every finished action. */
export function applyResults(state: SyncState, results: Iterable<ActionResult>): SyncState {
  const changes: StateChange[] = [];
  for (const result of results) changes.push(...stateChangesOf(result));
  return applyStateChanges(state, changes);
}
