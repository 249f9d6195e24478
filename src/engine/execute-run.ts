/**
 * The execution step of a batch run: the plan's actions run, each result recorded in the state,
 * counted and reported as it finishes.
 */
import type { Backend } from '../backends/backend.js';
import { conflictStamp } from '../core/conflict-copy-name.js';
import type { PathFilter } from '../core/path-filter.js';
import type { Plan } from '../core/plan.js';
import { toRelPath, type RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import { BackendError, describeError, isBackendError } from '../errors.js';
import type { StateStore } from '../state/state-store.js';
import { ByteProgress } from './byte-progress.js';
import { actionFinishedEvent, actionStartedEvent, type SyncEvent } from './events.js';
import { executePlanOutcome, type ExecuteOutcome } from './execute-plan.js';
import type { ResumeContext } from './resumable-copy.js';
import type { BandwidthLimit } from './bandwidth-limit.js';
import { countResult, type ResultCounts } from './result-counts.js';

/** Input of {@link executeRun}. */
export interface RunToExecute {
  readonly plan: Plan;
  /** Bytes the plan's copies carry (for the progress of the run). */
  readonly copyBytes: number;
  readonly backends: Readonly<Record<Side, Backend>>;
  readonly store: StateStore;
  readonly counts: ResultCounts;
  readonly filter: PathFilter;
  /** `--backup-dir`: replaced and deleted files go into a folder named after the run's start. */
  readonly backupDir?: RelPath;
  /** When the run started (names the backup folder). */
  readonly startedMs: number;
  readonly emit: (event: SyncEvent) => void;
  readonly signal?: AbortSignal;
  /** `bwlimit`: the run's one budget of bytes per second. */
  readonly bandwidth?: BandwidthLimit;
  /** Parts of big copies: continued where kept, recorded as copies go (resumable-copy.ts). */
  readonly resume?: ResumeContext;
}

/** Runs the plan; resolves once every action finished or was not run. */
export async function executeRun(input: RunToExecute): Promise<ExecuteOutcome> {
  const { store, counts, emit } = input;
  const bytes = new ByteProgress(input.copyBytes, emit);
  return executePlanOutcome(input.plan, {
    ...input.backends,
    signal: input.signal,
    backupDir: input.backupDir ? toRelPath(`${input.backupDir}/${conflictStamp(input.startedMs)}`) : undefined,
    isExcludedName: (name) => input.filter.isExcludedName(name),
    collectResults: false,
    bandwidth: input.bandwidth,
    resume: input.resume,
    onStart: (action) => emit(actionStartedEvent(action)),
    onBytes: bytes.onBytes,
    onResult: async (result) => {
      bytes.onResult(result);
      store.recordResult(result);
      countResult(counts, result);
      emit(actionFinishedEvent(result));
    },
  });
}

/** The error of a run that stopped because its server stopped answering. */
export function serverLostError(lost: unknown, filesCopied: number): BackendError {
  const code = isBackendError(lost) ? lost.code : 'connection-lost';
  return new BackendError(
    code,
    `${describeError(lost)}; the run stopped (the server stopped answering): ${filesCopied} ${filesCopied === 1 ? 'file' : 'files'} copied before, the rest is left for the next run`,
    {
      cause: lost,
      retryable: false,
    },
  );
}
