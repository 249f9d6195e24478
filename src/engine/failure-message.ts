/**
 * The one-line message of a failed action: the backend's own words, led by what a person must
 * act on when that is clear (a full disk, and on which side).
 */
import type { Action } from '../core/plan.js';
import type { Side } from '../core/side.js';
import { describeError, isBackendError } from '../errors.js';

/** The side an action writes to. */
function writtenSide(action: Action): Side | undefined {
  if (action.kind === 'copy') return action.to;
  if (action.kind === 'mkdir') return action.side;
  return undefined;
}

/** The message for `error`, which made `action` fail. */
export function failureMessage(action: Action, error: unknown): string {
  const text = describeError(error);
  const side = writtenSide(action);
  if (side !== undefined && isBackendError(error, 'no-space')) return `disk full on the ${side} side: ${text}`;
  return text;
}
