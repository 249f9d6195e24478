/**
 * Safety brakes: plans that are legal by the tables but far more likely a mistake than a wish.
 * Each brake has its own refusal (and exit code, docs/exit-codes.md) and its own override. Pure.
 */
import type { Plan } from './plan.js';
import { countActions } from './plan-actions.js';
import type { RelPath } from './rel-path.js';
import { assertNever, otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';
import type { SyncMode } from './sync-options.js';
import type { SyncState } from './sync-state.js';

/** `--max-delete`: a number of files, or a percentage of the files on the side deleted from. */
export type DeleteLimit = { readonly kind: 'count'; readonly count: number } | { readonly kind: 'percent'; readonly percent: number };

/** The default `--max-delete`: half of a side's files (rclone bisync's default). */
export const DEFAULT_MAX_DELETE: DeleteLimit = { kind: 'percent', percent: 50 };

/**
 * The brakes that look at proportions (a percentage `--max-delete`, "every file changed") stay off
 * when fewer files are involved than this: deleting 3 of 4 files, or touching the one file of a
 * tiny folder, is ordinary work, not a sign of a wrong path or a clock shift.
 */
export const MIN_FILES_FOR_RATIO_BRAKES = 10;

/** Parses `20` or `50%`; undefined when the text is neither. */
export function parseDeleteLimit(text: string): DeleteLimit | undefined {
  const match = /^\s*(\d+)\s*(%?)\s*$/.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]);
  if (!Number.isSafeInteger(value)) return undefined;
  if (match[2] === '%') return value <= 100 ? { kind: 'percent', percent: value } : undefined;
  return { kind: 'count', count: value };
}

/** `20` or `50%`, as a user writes it. */
export function formatDeleteLimit(limit: DeleteLimit): string {
  return limit.kind === 'count' ? String(limit.count) : `${limit.percent}%`;
}

/** Why a run is refused. */
export type SafetyRefusal =
  /** A side's root lists as empty although the last sync recorded entries there. */
  | { readonly reason: 'empty-side'; readonly side: Side; readonly recorded: number; readonly deletions: number }
  /** A side's root folder does not exist although the last sync recorded entries there. */
  | { readonly reason: 'missing-root'; readonly side: Side; readonly recorded: number }
  /** The plan deletes more files on one side than `--max-delete` allows. */
  | { readonly reason: 'max-delete'; readonly side: Side; readonly deletions: number; readonly files: number; readonly limit: DeleteLimit }
  /**
   * Every recorded file on one side changed its time but not its size: a clock or time-zone shift
   * (or a mass `touch`) rather than edits. `offsetMs` is set when all moved by the same amount.
   */
  | { readonly reason: 'clock-shift'; readonly side: Side; readonly files: number; readonly offsetMs?: number };

/** Input of {@link checkPlanSafety}. */
export interface SafetyInput {
  readonly plan: Plan;
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  /** The user confirmed that an empty side is meant (`--allow-empty`). */
  readonly allowEmptySide: boolean;
  /** `--max-delete`; default {@link DEFAULT_MAX_DELETE}. */
  readonly maxDelete?: DeleteLimit;
  /** `--force`: the user knows every file looks changed (clock-shift brake off). */
  readonly force?: boolean;
  /** Two times closer than this are the same offset (the run's comparison window). */
  readonly timeWindowMs?: number;
  /**
   * Paths whose contents were compared (`--compare checksum`, or ferry on its own): whether their
   * time change is an edit is known, so they are no sign of a clock shift.
   */
  readonly contentCompared?: ReadonlySet<RelPath>;
}

/**
 * Checks the brakes in order of how sure they are: an empty side (exit 4), too many deletions
 * (exit 5), every file changed only in time (exit 6). Returns the first refusal, or undefined.
 */
export function checkPlanSafety(input: SafetyInput): SafetyRefusal | undefined {
  return emptySide(input) ?? tooManyDeletions(input) ?? clockShift(input);
}

function deletionsOn(plan: Plan, side: Side): number {
  return countActions(plan, (action) => action.kind === 'delete' && action.side === side);
}

/**
 * An empty root whose last sync saw files: an unmounted disk, a wrong path or a server that lists
 * an unreadable folder as empty looks exactly like that.
 */
function emptySide(input: SafetyInput): SafetyRefusal | undefined {
  if (input.allowEmptySide || input.state.size === 0) return undefined;
  for (const side of ['local', 'remote'] as const) {
    const snapshot = input[side];
    if (snapshot.entries.size > 0 || snapshot.unreadable.size > 0) continue;
    const other = otherSide(side);
    const deletions = countActions(input.plan, (action) => (action.kind === 'delete' || action.kind === 'rmdir') && action.side === other);
    if (deletions > 0) return { reason: 'empty-side', side, recorded: input.state.size, deletions };
  }
  return undefined;
}

/** The percentage is of the files the side held at scan time (what the deletions take from). */
function tooManyDeletions(input: SafetyInput): SafetyRefusal | undefined {
  const limit = input.maxDelete ?? DEFAULT_MAX_DELETE;
  for (const side of ['local', 'remote'] as const) {
    const deletions = deletionsOn(input.plan, side);
    if (deletions === 0) continue;
    // --allow-empty already confirmed that the other side is empty on purpose: all of this side goes.
    const other = input[otherSide(side)];
    if (input.allowEmptySide && other.entries.size === 0 && other.unreadable.size === 0) continue;
    // Counted, not collected: a side can hold a million entries.
    let files = 0;
    for (const entry of input[side].entries.values()) if (entry.kind === 'file') files++;
    if (exceedsDeleteLimit(deletions, files, limit)) return { reason: 'max-delete', side, deletions, files, limit };
  }
  return undefined;
}

/**
 * Whether `deletions` of a side's `files` go past `limit`: a count is a hard limit; a percentage
 * applies from {@link MIN_FILES_FOR_RATIO_BRAKES} deletions on (deleting 3 of 4 files is ordinary).
 */
export function exceedsDeleteLimit(deletions: number, files: number, limit: DeleteLimit): boolean {
  return limit.kind === 'count' ? deletions > limit.count : deletions >= MIN_FILES_FOR_RATIO_BRAKES && deletions * 100 > limit.percent * files;
}

/** The sides whose changes this mode propagates (a one-way target's changes are not copied). */
function sidesActedOn(mode: SyncMode): readonly Side[] {
  return mode === 'sync' ? ['local', 'remote'] : mode === 'upload' ? ['local'] : ['remote'];
}

function clockShift(input: SafetyInput): SafetyRefusal | undefined {
  if (input.force) return undefined;
  return detectClockShift({ ...input, mode: input.plan.mode });
}

/** What {@link detectClockShift} looks at. */
export interface ClockShiftInput {
  readonly mode: SyncMode;
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  readonly timeWindowMs?: number;
  /** Paths compared by content: left out (see {@link SafetyInput.contentCompared}). */
  readonly contentCompared?: ReadonlySet<RelPath>;
}

/**
 * The clock-shift brake's test, before any plan: every recorded file (at least
 * {@link MIN_FILES_FOR_RATIO_BRAKES}) on a side this mode copies from changed its time but not its
 * size. A clock or time-zone shift, a mass `touch` and a fresh checkout all look like this.
 */
export function detectClockShift(input: ClockShiftInput): Extract<SafetyRefusal, { reason: 'clock-shift' }> | undefined {
  const windowMs = input.timeWindowMs ?? 2000;
  for (const side of sidesActedOn(input.mode)) {
    let files = 0;
    let offsets: number[] = [];
    let allTimeOnly = true;
    for (const [path, record] of input.state) {
      const recorded = record[side];
      const entry = input[side].entries.get(path);
      if (recorded.kind !== 'file' || entry?.kind !== 'file') continue;
      if (input.contentCompared?.has(path)) continue;
      files++;
      if (entry.size !== recorded.size || entry.mtimeMs === recorded.mtimeMs) {
        allTimeOnly = false;
        break;
      }
      offsets.push(entry.mtimeMs - recorded.mtimeMs);
    }
    if (!allTimeOnly || files < MIN_FILES_FOR_RATIO_BRAKES) continue;
    offsets = offsets.sort((a, b) => a - b);
    const sameOffset = offsets[offsets.length - 1]! - offsets[0]! <= windowMs;
    return sameOffset ? { reason: 'clock-shift', side, files, offsetMs: offsets[Math.floor(offsets.length / 2)]! } : { reason: 'clock-shift', side, files };
  }
  return undefined;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  let seconds = Math.round(Math.abs(ms) / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts = [hours ? `${hours} h` : '', minutes ? `${minutes} min` : '', seconds || (!hours && !minutes) ? `${seconds} s` : ''].filter(Boolean);
  return `${sign}${parts.join(' ')}`;
}

/**
 * One line for a person, naming the override by its library option (`` `force: true` ``; the command
 * line prints its flags there). `folders` names each side's root for output.
 */
export function describeRefusal(refusal: SafetyRefusal, folders: Readonly<Record<Side, string>>): string {
  switch (refusal.reason) {
    case 'empty-side':
      return `the ${refusal.side} folder ${folders[refusal.side]} is empty, but the last sync recorded ${plural(refusal.recorded, 'entry', 'entries')}; refusing to delete ${refusal.deletions} on the ${otherSide(refusal.side)} side (pass \`allowEmptySide: true\` if you really emptied it)`;
    case 'missing-root':
      return `the ${refusal.side} folder ${folders[refusal.side]} does not exist, but the last sync recorded ${plural(refusal.recorded, 'entry', 'entries')} there (an unmounted disk or a wrong path?); refusing to run (pass \`allowEmptySide: true\` if it is really gone)`;
    case 'max-delete':
      return `this run would delete ${refusal.deletions} of ${plural(refusal.files, 'file', 'files')} on the ${refusal.side} side, more than \`maxDelete\` ${formatDeleteLimit(refusal.limit)} allows; refusing (check the plan with \`dryRun: true\`, then pass \`maxDelete: ${refusal.limit.kind === 'count' ? refusal.deletions : `'100%'`}\` to go ahead)`;
    case 'clock-shift':
      return `all ${plural(refusal.files, 'file', 'files')} on the ${refusal.side} side changed their time but not their size${
        refusal.offsetMs !== undefined ? ` (all by ${formatOffset(refusal.offsetMs)})` : ''
      }: a fresh checkout, or a clock or time-zone shift?; refusing (pass \`compare: 'checksum'\` to record the files whose content did not change without copying them, or \`force: true\` to copy them all)`;
    default:
      return assertNever(refusal);
  }
}
