/**
 * ferry's library API. Named exports only; the CLI uses nothing else.
 *
 * ```ts
 * import { upload } from 'ferry-sync';
 * const summary = await upload({ local: './site', remote: 'sftp://me@host/var/www', delete: true });
 * ```
 */
import { runSync, type OneWayOptions, type RunOptions } from './engine/run-sync.js';
import type { RunSummary } from './engine/events.js';
import { watchPair, type WatchOptions } from './engine/watch/watch-pair.js';
import type { WatchSummary } from './engine/watch/watch-events.js';

/** Two-way sync: changes on either side since the last sync reach the other side. */
export function sync(options: RunOptions): Promise<RunSummary> {
  return runSync('sync', options);
}

/** One-way: local changes reach the remote side; the local side is never changed. */
export function upload(options: OneWayOptions): Promise<RunSummary> {
  return runSync('upload', options);
}

/** One-way: remote changes reach the local side; the remote side is never changed. */
export function download(options: OneWayOptions): Promise<RunSummary> {
  return runSync('download', options);
}

/**
 * Keeps watching: one full run, then local changes (and in mode `sync` remote ones) as they
 * happen, until `signal` aborts. See docs/watch.md.
 */
export function watch(options: WatchOptions): Promise<WatchSummary> {
  return watchPair(options);
}

export { runSync } from './engine/run-sync.js';
export { TRANSFER_GRACE_MS } from './engine/execute-plan.js';
export type { RunOptions, OneWayOptions, AnyRunOptions } from './engine/run-sync.js';
export type { FilterOptions } from './engine/load-path-filter.js';
export type { RunSummary, SyncEvent, EventListener } from './engine/events.js';
export { EVENT_SCHEMA_VERSION } from './engine/events.js';
export type { WatchOptions } from './engine/watch/watch-pair.js';
export { DEFAULT_POLL_SECONDS, DEFAULT_RESCAN_SECONDS } from './engine/watch/watch-pair.js';
export type { WatchEvent, WatchEventListener, WatchSummary, WatchCounts, WatchActivity, LocalChangeSource } from './engine/watch/watch-events.js';
export type { Problem } from './engine/problem.js';
export type { Action, Plan, PlannedConflict, PlannedSkip, PlanPhase } from './core/plan.js';
export type { ActionResult } from './core/action-result.js';
export type { ConflictChoice, ConflictQuestion, ConflictResolver } from './core/resolve-conflicts.js';
export type { ConflictInfo, ConflictReason, CopyReason, DeleteReason, SkipReason } from './core/decision.js';
export type { ResolveStrategy, SyncMode } from './core/sync-options.js';
export type { CompareMethod } from './core/content-compare.js';
export type { CaseMode } from './core/case-collisions.js';
export type { MovedEntry } from './core/detect-moves.js';
export type { ContentHash, HashAlgorithm } from './backends/content-hash.js';
export { resolveStrategiesByMode, DEFAULT_TIME_WINDOW_MS } from './core/sync-options.js';
export type { Entry, FileEntry, DirEntry } from './core/entry.js';
export type { Side } from './core/side.js';
export { DEFAULT_BACKUP_DIR, DEFAULT_EXCLUDES, IGNORE_FILE_NAME, splitPatterns, type FilterCriteria, type RuleList } from './core/path-filter.js';
export { parseAge, parseSize } from './core/filter-limits.js';
export { conflictCopyPath, isConflictCopy } from './core/conflict-copy-name.js';
export { FerryError, BackendError, SafetyError, ExitCode, describeError, isBackendError } from './errors.js';
export type { OptionMention } from './errors.js';
/** Speed tricks and their switch (`FERRY_NO_SPEED_TRICKS`; docs/design.md, "Speed tricks in the core" and "… in the backends"): a debugging aid. */
export { SPEED_TRICKS, speedTrickOn, type SpeedTrick } from './core/speed-tricks.js';
export type { SafetyRefusal, DeleteLimit } from './core/check-plan-safety.js';
export { DEFAULT_MAX_DELETE, MIN_FILES_FOR_RATIO_BRAKES, parseDeleteLimit } from './core/check-plan-safety.js';
export type { FerryErrorKind, BackendErrorCode } from './errors.js';
export type { Backend, BackendCapabilities, MkdirOutcome, WriteOptions } from './backends/backend.js';
export type { OpenBackendOptions, SftpOpenOptions, FtpOpenOptions, LocalOpenOptions } from './backends/options/open-backend-options.js';
export type { CommonOptions } from './backends/options/common-options.js';
export type { CredentialOptions } from './backends/options/credential-options.js';
export type { SftpOptions } from './backends/options/sftp-options.js';
export type { FtpOptions } from './backends/options/ftp-options.js';
export type { LocalOptions } from './backends/options/local-options.js';
export type { OpenCallbacks } from './backends/options/open-callbacks.js';
export type { RootFolderPolicy } from './backends/options/root-folder-policy.js';
export { openBackend } from './backends/open-backend.js';
export { displayTarget, parseTarget, redact } from './backends/target-url.js';
export type { Target } from './backends/target-url.js';
export { LocalBackend } from './backends/local/local-backend.js';
export { makeFolderPath } from './backends/local/make-folder-path.js';
export { MemoryBackend } from './backends/memory/memory-backend.js';
export { defaultConfigDir, defaultStateDir } from './state/state-store.js';
export { scanTarget } from './engine/scan-target.js';
export type { ScanTargetOptions, ScanTargetResult, ScannedEntry } from './engine/scan-target.js';
export { runDoctor } from './engine/doctor/run-doctor.js';
export type { DoctorOptions } from './engine/doctor/run-doctor.js';
export { DOCTOR_SCHEMA_VERSION } from './engine/doctor/doctor-report.js';
export type { DoctorReport } from './engine/doctor/doctor-report.js';
export type { ProbeFinding, ProbeStatus, ProbeValue, ProbeReporter, ProbeOptions } from './backends/backend.js';
