/**
 * The brakes of a batch run (check-plan-safety.ts): an emptied side, too many deletions, every
 * file changed only its time.
 */
import { checkPlanSafety, type SafetyRefusal } from '../core/check-plan-safety.js';
import type { PlannedPair } from './plan-pair.js';
import { maxDeleteOf, type AnyRunOptions } from './run-options.js';

/** The brakes a run's options ask for, checked against a plan. */
export function runBrakes(options: AnyRunOptions, timeWindowMs: number): (planned: PlannedPair) => SafetyRefusal | undefined {
  return (planned) =>
    checkPlanSafety({
      plan: planned.plan,
      local: planned.local,
      remote: planned.remote,
      state: planned.state,
      allowEmptySide: options.allowEmptySide ?? false,
      maxDelete: maxDeleteOf(options),
      force: options.force ?? false,
      timeWindowMs,
      contentCompared: planned.contentCompared,
    });
}
