/**
 * The running watch of one pair: the start-up run, then a loop that takes one job at a time (a
 * batch of local hints, a poll of one side, a full rescan) while timers and the file watcher
 * queue more, and reconnection with back-off when a side stops answering.
 */
import { WRITER_ID } from '../../core/temp-name.js';
import { TempWriters } from '../../state/temp-writers.js';
import * as path from 'node:path';
import type { Backend } from '../../backends/backend.js';
import { LocalBackend } from '../../backends/local/local-backend.js';
import { sameEntry, type Entry } from '../../core/entry.js';
import type { DeleteLimit } from '../../core/check-plan-safety.js';
import type { PathFilter } from '../../core/path-filter.js';
import { isInside, ROOT, type RelPath } from '../../core/rel-path.js';
import type { Side } from '../../core/side.js';
import { DEFAULT_TIME_WINDOW_MS, type ReconcileOptions } from '../../core/sync-options.js';
import { describeError, FerryError, isBackendError } from '../../errors.js';
import { defaultStateDir, StateStore } from '../../state/state-store.js';
import { backupDirOf, maxDeleteOf, runSync } from '../run-sync.js';
import { scanTree } from '../scan-tree.js';
import { AdaptiveInterval } from './adaptive-interval.js';
import { changedPaths } from './diff-listing.js';
import { relPathUnder, WATCH_LIMIT_CODES, type LocalWatcher, type LocalWatcherFactory } from './local-watcher.js';
import { runPass, type PassContext, type PassResult } from './run-pass.js';
import type { LocalChangeSource, WatchActivity, WatchCounts, WatchEvent, WatchSummary } from './watch-events.js';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_POLL_SECONDS, DEFAULT_RESCAN_SECONDS, type WatchOptions } from './watch-options.js';

/** A pass starts at the latest this long after the first event of a batch, even if events keep coming. */
const MAX_BATCH_DELAY_MS = 1000;
/** Quiet polls double the interval up to this many times the base interval. */
const POLL_BACKOFF_FACTOR = 8;
/** Reconnection attempts wait 0.5 s, 1 s, 2 s, ... up to this. */
const MAX_RECONNECT_DELAY_MS = 15_000;
/** Attempts at a path whose actions keep failing while both sides answer. */
const MAX_RETRIES = 3;
/** The state snapshot is rewritten at most this often (every change is journalled at once anyway). */
const SAVE_INTERVAL_MS = 30_000;
/** How long a local write of ferry's own is remembered to ignore the watcher's echo of it. */
const OWN_WRITE_MEMORY_MS = 10_000;

type Job = { kind: 'full' } | { kind: 'poll'; side: Side } | { kind: 'changes'; paths: RelPath[] };

/** The running watch of one pair. */
export class WatchSession {
  private readonly started = Date.now();
  private readonly dryRun: boolean;
  private readonly filter: PathFilter;
  private readonly backupDir: RelPath | undefined;
  private readonly maxDelete: DeleteLimit | undefined;
  /** Names the `--backup-dir` folder of this watch's passes. */
  private readonly startedMs = Date.now();
  private readonly pollMs: number;
  private readonly rescanMs: number;
  private readonly debounceMs: number;
  private localSource: LocalChangeSource;
  private watcher: LocalWatcher | undefined;
  private store: StateStore | undefined;

  /** Paths hinted at since the last pass. */
  private pending = new Set<RelPath>();
  private firstHintAt: number | undefined;
  private batchDueAt = Infinity;
  private batchTimer: NodeJS.Timeout | undefined;
  private batchReady = false;
  private fullDue = false;
  private readonly pollDue: Record<Side, boolean> = { local: false, remote: false };
  private readonly pollTimers: Record<Side, NodeJS.Timeout | undefined> = { local: undefined, remote: undefined };
  private readonly pollIntervals: Record<Side, AdaptiveInterval>;
  private readonly lastListing: Record<Side, ReadonlyMap<RelPath, Entry> | undefined> = { local: undefined, remote: undefined };
  private rescanTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  private reconnectAttempt = 0;
  private reconnectReason: string | undefined;
  private lastSave = Date.now();
  /** Paths whose last passes failed although both sides answered, with the number of attempts. */
  private readonly failures = new Map<RelPath, number>();
  private readonly ownWrites = new Map<RelPath, { entry: Entry | null; until: number }>();
  private activity: WatchActivity | undefined;

  private readonly totals = {
    passes: 0,
    filesCopied: 0,
    bytesCopied: 0,
    filesDeleted: 0,
    foldersCreated: 0,
    foldersDeleted: 0,
    moved: 0,
    conflicts: 0,
    errors: 0,
  };

  constructor(
    private readonly mode: 'upload' | 'sync',
    private readonly options: WatchOptions,
    private readonly local: Backend,
    private readonly remote: Backend,
    private readonly emit: (event: WatchEvent) => void,
    private readonly createWatcher: LocalWatcherFactory,
    /** The pair's filter, with `.ferryignore` read ({@link loadPathFilter}). */
    filter: PathFilter,
  ) {
    this.dryRun = options.dryRun ?? false;
    this.backupDir = backupDirOf(options);
    this.maxDelete = maxDeleteOf(options);
    this.filter = filter;
    this.pollMs = (options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000;
    this.rescanMs = (options.rescanSeconds ?? DEFAULT_RESCAN_SECONDS) * 1000;
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.localSource = options.localChanges ?? 'watcher';
    const interval = (): AdaptiveInterval => new AdaptiveInterval(this.pollMs, this.pollMs * POLL_BACKOFF_FACTOR);
    this.pollIntervals = { local: interval(), remote: interval() };
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  private get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  async run(): Promise<WatchSummary> {
    const onAbort = (): void => this.kick();
    this.signal?.addEventListener('abort', onAbort);
    try {
      // The watcher starts before the start-up run, so changes made during it are not missed.
      if (this.localSource === 'watcher') this.startWatcher();
      const startup = await runSync(this.mode, {
        ...this.options,
        local: this.local,
        remote: this.remote,
        removePyftpsyncMeta: false,
        onEvent: this.emit,
      });
      this.add(startup);
      if (startup.interrupted || this.aborted) return this.summary(true);
      await this.watcher?.ready;
      this.store = await StateStore.open(this.options.stateDir ?? defaultStateDir(), this.local.id, this.remote.id);
      // The startup run forgot this process once it left no temporary file; the passes write
      // more, so it is listed again for the run after a kill (temp-writers.ts).
      if (!this.dryRun) await (await TempWriters.open(this.store.writersFile, WRITER_ID)).register().catch(() => undefined);
      this.emit({
        type: 'watch-started',
        local: this.localSource,
        pollMs: this.mode === 'sync' ? this.pollMs : null,
        rescanMs: this.rescanMs > 0 ? this.rescanMs : null,
      });
      if (this.mode === 'sync') this.schedulePoll('remote', this.pollMs);
      if (this.localSource === 'rescan') this.schedulePoll('local', this.pollMs);
      if (this.rescanMs > 0) {
        this.rescanTimer = setInterval(() => {
          this.fullDue = true;
          this.kick();
        }, this.rescanMs);
      }
      await this.loop();
      this.setActivity('stopping');
      return this.summary(true);
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      clearTimeout(this.batchTimer);
      clearTimeout(this.pollTimers.local);
      clearTimeout(this.pollTimers.remote);
      clearInterval(this.rescanTimer);
      await this.watcher?.close().catch(() => undefined);
      if (this.store) {
        try {
          if (!this.dryRun) await this.store.save();
        } finally {
          await this.store.close();
        }
      }
    }
  }

  private startWatcher(): void {
    if (!(this.local instanceof LocalBackend)) {
      this.fallBackToRescans(`${this.local.displayName} is not a local folder`);
      return;
    }
    // A state folder inside LOCAL: its files change with every pass and must not cause one.
    const stateDir = relPathUnder(this.local.root, path.resolve(this.options.stateDir ?? defaultStateDir()));
    const isState = (rel: RelPath): boolean => stateDir !== undefined && stateDir !== ROOT && (rel === stateDir || isInside(rel, stateDir));
    this.watcher = this.createWatcher(this.local.root, this.filter, {
      onPath: (rel) => {
        if (!isState(rel)) this.hint(rel);
      },
      onError: (error) => {
        const limit = error.code !== undefined && WATCH_LIMIT_CODES.has(error.code);
        this.fallBackToRescans(
          limit
            ? `the file watcher reached the system's limit (${error.code}${error.code === 'ENOSPC' ? ': raise fs.inotify.max_user_watches' : ''})`
            : `the file watcher failed (${describeError(error)})`,
        );
      },
    });
  }

  private fallBackToRescans(why: string): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    void watcher?.close().catch(() => undefined);
    if (this.localSource === 'rescan') return;
    this.localSource = 'rescan';
    this.emit({ type: 'warning', message: `${why}: local changes are now found by rescanning the folder every ${this.pollMs / 1000} s or less` });
    // Once watching has begun, rescan at once: events may have been lost already.
    if (this.store) this.schedulePoll('local', 0);
  }

  /** A local path may have changed. */
  private hint(path: RelPath): void {
    this.pending.add(path);
    const now = Date.now();
    this.firstHintAt ??= now;
    this.scheduleBatch(Math.min(now + this.debounceMs, this.firstHintAt + MAX_BATCH_DELAY_MS));
  }

  private scheduleBatch(dueAt: number): void {
    this.batchDueAt = dueAt;
    clearTimeout(this.batchTimer);
    // The timer's clock and Date.now() can disagree by a millisecond: the flag, not the time,
    // says the batch is due.
    this.batchTimer = setTimeout(() => {
      this.batchReady = true;
      this.kick();
    }, Math.max(0, dueAt - Date.now()));
  }

  private schedulePoll(side: Side, ms: number): void {
    clearTimeout(this.pollTimers[side]);
    this.pollTimers[side] = setTimeout(() => {
      this.pollDue[side] = true;
      this.kick();
    }, ms);
  }

  /** Something changed: poll sides at their fastest again. */
  private noteChange(): void {
    for (const side of ['local', 'remote'] as const) {
      const interval = this.pollIntervals[side];
      const polled = side === 'remote' ? this.mode === 'sync' : this.localSource === 'rescan';
      if (polled && interval.nextMs > interval.baseMs) {
        interval.changed();
        if (!this.pollDue[side]) this.schedulePoll(side, interval.nextMs);
      }
    }
  }

  /** Wakes the loop; remembered when the loop is busy, so no wake-up is lost. */
  private kick(): void {
    this.kicked = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits for the next kick (returns at once when one came since the last wait). */
  private async idle(): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return;
    }
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    this.kicked = false;
  }

  private async loop(): Promise<void> {
    this.setActivity('watching');
    while (!this.aborted) {
      if (this.reconnectReason !== undefined) {
        await this.reconnect();
        continue;
      }
      const job = await this.takeJob();
      if (!job) {
        if (this.aborted) break;
        this.setActivity('watching');
        await this.idle();
        continue;
      }
      await this.runJob(job);
    }
  }

  private async takeJob(): Promise<Job | undefined> {
    if (this.fullDue) {
      this.fullDue = false;
      return { kind: 'full' };
    }
    for (const side of ['remote', 'local'] as const) {
      if (this.pollDue[side]) {
        this.pollDue[side] = false;
        return { kind: 'poll', side };
      }
    }
    if (this.pending.size === 0 || !(this.batchReady || Date.now() >= this.batchDueAt)) return undefined;
    const paths = this.takePending();
    const kept = await this.withoutOwnWrites(paths);
    return kept.length > 0 ? { kind: 'changes', paths: kept } : this.takeJob();
  }

  /** Drops hints that are only the echo of ferry's own writes to the local folder. */
  private async withoutOwnWrites(paths: RelPath[]): Promise<RelPath[]> {
    const now = Date.now();
    for (const [path, own] of this.ownWrites) if (own.until < now) this.ownWrites.delete(path);
    if (this.ownWrites.size === 0) return paths;
    const kept: RelPath[] = [];
    for (const path of paths) {
      const own = this.ownWrites.get(path);
      if (!own) {
        kept.push(path);
        continue;
      }
      let current: Entry | undefined;
      try {
        current = await this.local.stat(path);
      } catch {
        kept.push(path);
        continue;
      }
      const echo = own.entry === null ? current === undefined : own.entry.kind === 'dir' ? current?.kind === 'dir' : sameEntry(current, own.entry);
      if (!echo) {
        this.ownWrites.delete(path);
        kept.push(path);
      }
    }
    return kept;
  }

  private async runJob(job: Job): Promise<void> {
    if (job.kind === 'poll') return this.poll(job.side);
    if (job.kind === 'full') {
      // A full pass covers every hint so far; hints arriving during it stay queued.
      this.takePending();
      return this.pass([ROOT], 'rescan');
    }
    return this.pass(job.paths, 'changes');
  }

  /** Lists a whole side and queues what changed since the last look. */
  private async poll(side: Side): Promise<void> {
    const backend = side === 'local' ? this.local : this.remote;
    const interval = this.pollIntervals[side];
    try {
      const scan = await scanTree(backend, { side, filter: this.filter, signal: this.signal });
      const changed = changedPaths(side, scan.snapshot, this.lastListing[side], this.store!.state);
      this.lastListing[side] = scan.snapshot.entries;
      if (changed.length > 0) {
        interval.changed();
        this.noteChange();
        for (const path of changed) this.pending.add(path);
        this.scheduleBatch(Date.now());
      } else {
        interval.quiet();
      }
      this.emit({ type: 'watch-polled', side, changed: changed.length, nextInMs: interval.nextMs });
      if (changed.length > 0) await this.pass(this.takePending(), 'poll');
    } catch (error) {
      if (this.aborted) return;
      this.startReconnecting(error);
    } finally {
      const polled = side === 'remote' ? this.mode === 'sync' : this.localSource === 'rescan';
      if (polled && !this.aborted) this.schedulePoll(side, interval.nextMs);
    }
  }

  private takePending(): RelPath[] {
    const paths = [...this.pending];
    this.pending = new Set();
    this.firstHintAt = undefined;
    this.batchDueAt = Infinity;
    this.batchReady = false;
    clearTimeout(this.batchTimer);
    return paths;
  }

  private async pass(paths: RelPath[], trigger: 'changes' | 'rescan' | 'poll'): Promise<void> {
    const started = Date.now();
    const full = paths.length === 1 && paths[0] === ROOT;
    this.setActivity('syncing', full ? undefined : paths.length);
    let result: PassResult;
    try {
      result = await runPass(this.context(), paths, trigger);
    } catch (error) {
      if (this.aborted) return;
      if (error instanceof FerryError && error.kind === 'safety') {
        this.totals.errors++;
        this.emit({ type: 'problem', problem: { message: error.message } });
        return;
      }
      // A dropped connection may already be re-established by the time of the probe: the error
      // itself says it may pass, so the paths are kept either way.
      const passing = isBackendError(error) && error.retryable;
      if (!passing && (await this.reachable())) {
        this.totals.errors++;
        this.emit({ type: 'problem', problem: { message: describeError(error) } });
        return;
      }
      this.requeue(paths);
      this.startReconnecting(error);
      return;
    }
    this.totals.passes++;
    this.totals.filesCopied += result.filesCopied;
    this.totals.bytesCopied += result.bytesCopied;
    this.totals.filesDeleted += result.filesDeleted;
    this.totals.foldersCreated += result.foldersCreated;
    this.totals.foldersDeleted += result.foldersDeleted;
    this.totals.moved += result.moved;
    this.totals.conflicts += result.conflicts;
    this.totals.errors += result.errors;
    const until = Date.now() + OWN_WRITE_MEMORY_MS;
    for (const [path, entry] of result.localWrites) this.ownWrites.set(path, { entry, until });
    if (result.full) {
      this.lastListing.local = result.full.local.entries;
      this.lastListing.remote = result.full.remote.entries;
    }
    if (result.filesCopied + result.filesDeleted + result.foldersCreated + result.foldersDeleted + result.moved > 0) this.noteChange();
    this.emit({
      type: 'watch-pass',
      trigger,
      paths: full ? 0 : result.roots.length,
      full,
      filesCopied: result.filesCopied,
      filesDeleted: result.filesDeleted,
      foldersCreated: result.foldersCreated,
      foldersDeleted: result.foldersDeleted,
      moved: result.moved,
      conflicts: result.conflicts,
      errors: result.errors,
      elapsedMs: Date.now() - started,
    });
    for (const path of paths) if (!result.unfinished.includes(path)) this.failures.delete(path);
    if (result.unfinished.length > 0 && !this.aborted) {
      if (!(await this.reachable())) {
        // The other side went away: everything unfinished is retried once it is back.
        this.requeue(result.unfinished);
        this.startReconnecting(new Error('connection lost during the pass'));
      } else {
        this.retryLater(result.unfinished);
      }
    }
    if (!this.dryRun && Date.now() - this.lastSave > SAVE_INTERVAL_MS) {
      this.lastSave = Date.now();
      await this.store!.save().catch((error: unknown) => this.emit({ type: 'warning', message: describeError(error) }));
    }
  }

  private context(): PassContext {
    const local = this.local;
    const remote = this.remote;
    const reconcile: ReconcileOptions = {
      mode: this.mode,
      delete: (this.options.delete ?? false) || (this.options.deleteUnmatched ?? false),
      // In sync, --force only releases the clock-shift brake (as in a batch run).
      force: this.mode !== 'sync' && (this.options.force ?? false),
      deleteUnmatched: this.options.deleteUnmatched ?? false,
      timeWindowMs: Math.max(this.options.timeWindowMs ?? DEFAULT_TIME_WINDOW_MS, local.capabilities.mtimePrecisionMs, remote.capabilities.mtimePrecisionMs),
    };
    return {
      local,
      remote,
      store: this.store!,
      filter: this.filter,
      reconcile,
      resolve: this.options.resolve ?? 'skip',
      ask: this.options.ask,
      dryRun: this.dryRun,
      allowEmptySide: this.options.allowEmptySide ?? false,
      maxDelete: this.maxDelete,
      forceClockShift: this.options.force ?? false,
      compare: this.options.compare,
      caseMode: this.options.case ?? (local.capabilities.caseInsensitive || remote.capabilities.caseInsensitive ? 'strict' : undefined),
      backupDir: this.backupDir,
      startedMs: this.startedMs,
      signal: this.signal,
      emit: this.emit,
    };
  }

  /**
   * Failed actions while both sides answer: tried again a few times with growing pauses (a file
   * busy or briefly locked), then left to the next change or rescan.
   */
  private retryLater(paths: readonly RelPath[]): void {
    let delay = 0;
    for (const path of new Set(paths)) {
      const attempts = (this.failures.get(path) ?? 0) + 1;
      if (attempts > MAX_RETRIES) {
        this.failures.delete(path);
        this.emit({ type: 'warning', message: `${path} failed ${MAX_RETRIES} times; it is tried again on its next change or the next rescan` });
        continue;
      }
      this.failures.set(path, attempts);
      this.pending.add(path);
      delay = Math.max(delay, 1000 * 2 ** (attempts - 1));
    }
    if (delay > 0) this.scheduleBatch(Date.now() + delay);
  }

  private requeue(paths: readonly RelPath[]): void {
    if (paths.includes(ROOT)) this.fullDue = true;
    for (const path of paths) if (path !== ROOT) this.pending.add(path);
    this.batchReady = true;
  }

  /** True when both sides answer a listing of their root. */
  private async reachable(): Promise<boolean> {
    try {
      await Promise.all([this.remote.list(ROOT), this.local.list(ROOT)]);
      return true;
    } catch {
      return false;
    }
  }

  private startReconnecting(error: unknown): void {
    this.reconnectReason = describeError(error);
  }

  /** Waits with back-off, then checks whether both sides answer again. */
  private async reconnect(): Promise<void> {
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, 500 * 2 ** this.reconnectAttempt);
    this.setActivity('reconnecting', this.pending.size, delay, this.reconnectReason);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      const onWake = (): void => {
        // Only an abort ends the wait early; other wake-ups (new events) just queue.
        if (this.aborted) {
          clearTimeout(timer);
          resolve();
        } else {
          this.wake = onWake;
        }
      };
      this.wake = onWake;
    });
    this.wake = undefined;
    if (this.aborted) return;
    if (await this.reachable()) {
      this.reconnectAttempt = 0;
      this.reconnectReason = undefined;
      // Anything may have happened while away: look at the whole remote side again soon.
      if (this.mode === 'sync') {
        this.pollIntervals.remote.changed();
        this.pollDue.remote = true;
      }
      this.batchReady = true;
    } else {
      this.reconnectAttempt++;
    }
  }

  private setActivity(state: WatchActivity, paths?: number, retryInMs?: number, reason?: string): void {
    if (state === this.activity && state !== 'syncing' && state !== 'reconnecting') return;
    this.activity = state;
    this.emit({
      type: 'watch-state',
      state,
      ...(paths !== undefined ? { paths } : {}),
      ...(retryInMs !== undefined ? { retryInMs } : {}),
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  private add(summary: WatchCounts): void {
    this.totals.filesCopied += summary.filesCopied;
    this.totals.bytesCopied += summary.bytesCopied;
    this.totals.filesDeleted += summary.filesDeleted;
    this.totals.foldersCreated += summary.foldersCreated;
    this.totals.foldersDeleted += summary.foldersDeleted;
    this.totals.moved += summary.moved;
    this.totals.conflicts += summary.conflicts;
    this.totals.errors += summary.errors;
  }

  private summary(interrupted: boolean): WatchSummary {
    const summary: WatchSummary = {
      mode: this.mode,
      dryRun: this.dryRun,
      ...this.totals,
      interrupted,
      elapsedMs: Date.now() - this.started,
    };
    this.emit({ type: 'watch-summary', summary });
    return summary;
  }
}
