/**
 * The step of a run that turns content comparison on by itself: every file on a side the run
 * copies from changed only its time (a fresh checkout, a clock shift), and comparing contents
 * costs no transfer. Then ferry compares rather than refusing (exit 6) or copying everything.
 */
import type { Backend } from '../backends/backend.js';
import { detectClockShift } from '../core/check-plan-safety.js';
import { contentCompareCandidates } from '../core/content-compare.js';
import type { Decision } from '../core/decision.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import type { SyncMode } from '../core/sync-options.js';
import type { SyncState } from '../core/sync-state.js';
import { cheapContentCheck } from './cheap-content-check.js';
import type { SyncEvent } from './events.js';
import { plural } from './plural.js';

/** Input of {@link compareOnClockShift}. */
export interface ClockShiftCompareInput {
  readonly mode: SyncMode;
  readonly decisions: readonly Decision[];
  readonly local: Snapshot;
  readonly remote: Snapshot;
  readonly state: SyncState;
  readonly timeWindowMs: number;
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly emit: (event: SyncEvent) => void;
  readonly signal?: AbortSignal;
}

/** True (after a warning saying so) when contents are to be compared although nobody asked. */
export async function compareOnClockShift(input: ClockShiftCompareInput): Promise<boolean> {
  const { local, remote } = input;
  const shift = detectClockShift({ mode: input.mode, local, remote, state: input.state, timeWindowMs: input.timeWindowMs });
  const probe = shift ? contentCompareCandidates(input.decisions, local, remote)[0] : undefined;
  const how = probe !== undefined ? await cheapContentCheck(input.backends, probe, input.signal) : undefined;
  if (!shift || !how) return false;
  input.emit({
    type: 'warning',
    message: `all ${plural(shift.files, 'file', 'files')} on the ${shift.side} side changed only their time (a fresh checkout, or a clock shift?): comparing contents (${how}) instead of copying them; \`compare: 'time'\` refuses instead`,
  });
  return true;
}
