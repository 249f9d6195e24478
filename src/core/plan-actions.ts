/**
 * Plans whose record phase is kept compact, and how the engine reads any plan's actions without
 * making the array of all of them. Pure.
 *
 * A plan's `actions` is an ordinary array to everyone who reads it. `buildPlan` keeps the record
 * phase (record-actions.ts; a million actions in a first sync) in columns and makes that array
 * the first time `actions` is read, and not before: a run that never looks at the whole array
 * (the CLI, `--json`, a run without `beforeExecute` or one that does not read `actions`) never
 * holds a million action objects. The engine goes through {@link planActions} and
 * {@link phaseActions}, which make the record phase's actions one at a time.
 */
import type { Action, Plan, PlanPhase } from './plan-data.js';
import type { RecordActions } from './record-actions.js';
import { speedTrickOn } from './speed-tricks.js';

/** Actions to go through in order, with their number. */
export interface ActionSequence extends Iterable<Action> {
  readonly length: number;
}

/** A plan not yet made whole: the actions before the record phase, and the record phase. */
interface CompactActions {
  readonly before: readonly Action[];
  readonly record: RecordActions;
}

/** The compact form of each plan whose `actions` nobody has read yet. */
const compactPlans = new WeakMap<Plan, CompactActions>();

/**
 * A plan whose actions are `before` (every phase but `record`, in execution order) followed by
 * `record` (the record phase, in path order). Its `actions` property is made on first read and
 * then stays what was read (a data property like any other).
 */
export function compactPlan(fields: Omit<Plan, 'actions'>, before: readonly Action[], record: RecordActions): Plan {
  // The plain path (speed trick `lazy-plan-actions` off): the whole array at once, a plain plan.
  if (!speedTrickOn('lazy-plan-actions')) return { mode: fields.mode, actions: [...before, ...record], conflicts: fields.conflicts, skipped: fields.skipped };
  const plan: Plan = {
    mode: fields.mode,
    get actions(): readonly Action[] {
      const actions = [...before, ...record];
      Object.defineProperty(plan, 'actions', { value: actions, enumerable: true, writable: true, configurable: true });
      // From now on everyone (the executor too) goes through the array that was handed out, so an
      // action in a result is the very object the reader holds.
      compactPlans.delete(plan);
      return actions;
    },
    conflicts: fields.conflicts,
    skipped: fields.skipped,
  };
  compactPlans.set(plan, { before, record });
  return plan;
}

/** Every action of the plan in execution order, without making the whole array of a compact plan. */
export function planActions(plan: Plan): ActionSequence {
  const compact = compactPlans.get(plan);
  if (compact === undefined) return plan.actions;
  return {
    length: compact.before.length + compact.record.length,
    *[Symbol.iterator]() {
      yield* compact.before;
      yield* compact.record;
    },
  };
}

/** How many of the plan's actions satisfy `test`, without making the array of a compact plan. */
export function countActions(plan: Plan, test: (action: Action) => boolean): number {
  let count = 0;
  for (const action of planActions(plan)) if (test(action)) count++;
  return count;
}

/** The actions of one phase, in execution order (the record phase of a compact plan made one at a time). */
export function phaseActions(plan: Plan, phase: PlanPhase): ActionSequence {
  const compact = compactPlans.get(plan);
  if (compact !== undefined && phase === 'record') return compact.record;
  return (compact?.before ?? plan.actions).filter((action) => action.phase === phase);
}
