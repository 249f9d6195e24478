/**
 * One file's copy as the executor asks for it: what to copy, from where to where, and what the
 * copy reports and waits on. Plain or resumable copies take the same request.
 */
import type { Backend } from '../backends/backend.js';
import type { FileEntry } from '../core/entry.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';

/** What one file's copy needs (execute-plan.ts, resumable-copy.ts). */
export interface CopyRequest {
  /** The backend the file is read from. */
  readonly from: Backend;
  /** The backend the file is written to (to a temporary name, renamed into place). */
  readonly to: Backend;
  /** The side `to` is: the part of a resumable copy is recorded under it. */
  readonly toSide: Side;
  /** The file's path, the same on both sides (each backend reaches its own spelling of it). */
  readonly path: RelPath;
  /** The source as the scan saw it: the copy fails when the bytes read do not match it. */
  readonly source: FileEntry;
  /** Stops the copy; its temporary file is removed, or kept as a part when the copy is resumable. */
  readonly signal?: AbortSignal;
  /**
   * Hears the bytes handed to the target so far in this attempt (from where a continued part
   * starts), many times a second; must be cheap and must not throw.
   */
  readonly onBytes?: (bytes: number) => void;
  /** Waits until `bytes` more may pass (`--bwlimit`, bandwidth-limit.ts). */
  readonly throttle?: (bytes: number) => Promise<void>;
}
