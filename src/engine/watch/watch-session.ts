/**
 * The running watch of one pair: the start-up run, then a loop that takes one job at a time (a
 * batch of local hints, a poll of one side, a full rescan) from its scheduler while timers and the
 * file watcher queue more, and reconnection with back-off when a side stops answering. The
 * scheduler (watch-scheduler.ts), the own-write filter (own-writes.ts) and the reconnection
 * (reconnection.ts) are rooms of their own; the session runs the jobs.
 */
import * as path from 'node:path';
import type { Backend } from '../../backends/backend.js';
import type { DeleteLimit } from '../../core/check-plan-safety.js';
import type { Entry } from '../../core/entry.js';
import type { PathFilter } from '../../core/path-filter.js';
import { isInside, ROOT, type RelPath } from '../../core/rel-path.js';
import type { Side } from '../../core/side.js';
import { WRITER_ID } from '../../core/temp-name.js';
import { describeError, FerryError, isBackendError } from '../../errors.js';
import { defaultStateDir, StateStore } from '../../state/state-store.js';
import { TempWriters } from '../../state/temp-writers.js';
import { openParts } from '../adopt-parts.js';
import { BandwidthLimit } from '../bandwidth-limit.js';
import type { ResumeContext } from '../resumable-copy.js';
import { addWatchCounts, watchCountsOf } from '../result-counts.js';
import { backupDirOf, bwlimitOf, caseModeOf, maxDeleteOf, reconcileOptionsOf } from '../run-options.js';
import { runSync } from '../run-sync.js';
import { scanTree } from '../scan-tree.js';
import { changedPaths } from './diff-listing.js';
import { relPathUnder, WATCH_LIMIT_CODES, type LocalWatcher, type LocalWatcherFactory } from './local-watcher.js';
import { OwnWrites } from './own-writes.js';
import { Reconnection } from './reconnection.js';
import { runPass, type PassContext, type PassResult } from './run-pass.js';
import type { LocalChangeSource, WatchActivity, WatchCounts, WatchEvent, WatchSummary } from './watch-events.js';
import { DEFAULT_DEBOUNCE_MS, DEFAULT_POLL_SECONDS, DEFAULT_RESCAN_SECONDS, type WatchOptions } from './watch-options.js';
import { WatchScheduler, type WatchJob } from './watch-scheduler.js';

/** Attempts at a path whose actions keep failing while both sides answer. */
const MAX_RETRIES = 3;
/** The state snapshot is rewritten at most this often (every change is journalled at once anyway). */
const SAVE_INTERVAL_MS = 30_000;

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
  /** `bwlimit`: one budget for every pass of the watch (passes run one at a time). */
  private readonly bandwidth: BandwidthLimit | undefined;
  /** The parts of big copies the passes keep and continue; undefined in a dry run or when unreadable. */
  private resume: ResumeContext | undefined;
  private localSource: LocalChangeSource;
  private watcher: LocalWatcher | undefined;
  private store: StateStore | undefined;
  private readonly scheduler: WatchScheduler;
  private readonly ownWrites = new OwnWrites();
  private readonly reconnection: Reconnection;
  /** Each side's entries at its last full listing, for the next poll to compare with. */
  private readonly lastListing: Record<Side, ReadonlyMap<RelPath, Entry> | undefined> = { local: undefined, remote: undefined };
  private lastSave = Date.now();
  /** Paths whose last passes failed although both sides answered, with the number of attempts. */
  private readonly failures = new Map<RelPath, number>();
  private activity: WatchActivity | undefined;
  private readonly totals: { passes: number } & { -readonly [K in keyof WatchCounts]: number } = {
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
    const rate = bwlimitOf(options);
    this.bandwidth = rate !== undefined ? new BandwidthLimit(rate) : undefined;
    this.localSource = options.localChanges ?? 'watcher';
    this.scheduler = new WatchScheduler({
      pollMs: this.pollMs,
      debounceMs: this.debounceMs,
      isPolled: (side) => (side === 'remote' ? this.mode === 'sync' : this.localSource === 'rescan'),
    });
    this.reconnection = new Reconnection({ local, remote });
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  private get aborted(): boolean {
    return this.signal?.aborted === true;
  }

  async run(): Promise<WatchSummary> {
    const onAbort = (): void => this.scheduler.kick();
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
      addWatchCounts(this.totals, startup);
      if (startup.interrupted || this.aborted) return this.summary(true);
      await this.watcher?.ready;
      this.store = await StateStore.open(this.options.stateDir ?? defaultStateDir(), this.local.id, this.remote.id);
      // The startup run forgot this process once it left no temporary file; the passes write
      // more, so it is listed again for the run after a kill (temp-writers.ts).
      if (!this.dryRun) {
        await (await TempWriters.open(this.store.writersFile, WRITER_ID)).register().catch(() => undefined);
        // Read after the start-up run, which may have left a part of its own to continue.
        const parts = await openParts(this.store.partsFile);
        this.resume = parts && { parts, writer: WRITER_ID, adopted: new Set(), warn: (message) => this.emit({ type: 'warning', message }) };
      }
      this.emit({
        type: 'watch-started',
        local: this.localSource,
        pollMs: this.mode === 'sync' ? this.pollMs : null,
        rescanMs: this.rescanMs > 0 ? this.rescanMs : null,
      });
      if (this.mode === 'sync') this.scheduler.schedulePoll('remote', this.pollMs);
      if (this.localSource === 'rescan') this.scheduler.schedulePoll('local', this.pollMs);
      if (this.rescanMs > 0) this.scheduler.startRescans(this.rescanMs);
      await this.loop();
      this.setActivity('stopping');
      return this.summary(true);
    } finally {
      this.signal?.removeEventListener('abort', onAbort);
      this.scheduler.close();
      await this.watcher?.close().catch(() => undefined);
      await this.resume?.parts.flush().catch(() => undefined);
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
    const root = this.local.capabilities.localFolder;
    if (root === undefined) {
      this.fallBackToRescans(`${this.local.displayName} is not a local folder`);
      return;
    }
    // A state folder inside LOCAL: its files change with every pass and must not cause one.
    const stateDir = relPathUnder(root, path.resolve(this.options.stateDir ?? defaultStateDir()));
    const isState = (rel: RelPath): boolean => stateDir !== undefined && stateDir !== ROOT && (rel === stateDir || isInside(rel, stateDir));
    this.watcher = this.createWatcher(root, this.filter, {
      onPath: (rel) => {
        if (!isState(rel)) this.scheduler.hint(rel);
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
    if (this.store) this.scheduler.schedulePoll('local', 0);
  }

  private async loop(): Promise<void> {
    this.setActivity('watching');
    while (!this.aborted) {
      if (this.reconnection.reason !== undefined) {
        await this.reconnect();
        continue;
      }
      const job = await this.takeJob();
      if (!job) {
        if (this.aborted) break;
        this.setActivity('watching');
        await this.scheduler.idle();
        continue;
      }
      await this.runJob(job);
    }
  }

  /** The next due job; a batch of hints that are only echoes of ferry's own writes is dropped. */
  private async takeJob(): Promise<WatchJob | undefined> {
    for (;;) {
      const job = this.scheduler.takeJob();
      if (job?.kind !== 'changes') return job;
      const kept = await this.ownWrites.withoutEchoes(job.paths, (path) => this.local.stat(path));
      if (kept.length > 0) return { kind: 'changes', paths: kept };
    }
  }

  private async runJob(job: WatchJob): Promise<void> {
    if (job.kind === 'poll') return this.poll(job.side);
    if (job.kind === 'full') {
      // A full pass covers every hint so far; hints arriving during it stay queued.
      this.scheduler.takePending();
      return this.pass([ROOT], 'rescan');
    }
    return this.pass(job.paths, 'changes');
  }

  /** Lists a whole side and queues what changed since the last look. */
  private async poll(side: Side): Promise<void> {
    const backend = side === 'local' ? this.local : this.remote;
    const interval = this.scheduler.interval(side);
    try {
      const scan = await scanTree(backend, { side, filter: this.filter, signal: this.signal });
      const changed = changedPaths(side, scan.snapshot, this.lastListing[side], this.store!.state);
      this.lastListing[side] = scan.snapshot.entries;
      if (changed.length > 0) {
        interval.changed();
        this.scheduler.noteChange();
        this.scheduler.addChanged(changed);
      } else {
        interval.quiet();
      }
      this.emit({ type: 'watch-polled', side, changed: changed.length, nextInMs: interval.nextMs });
      if (changed.length > 0) await this.pass(this.scheduler.takePending(), 'poll');
    } catch (error) {
      if (this.aborted) return;
      this.reconnection.start(error);
    } finally {
      if (!this.aborted) this.scheduler.schedulePollAgain(side);
    }
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
      if (!passing && (await this.reconnection.reachable())) {
        this.totals.errors++;
        this.emit({ type: 'problem', problem: { message: describeError(error) } });
        return;
      }
      this.scheduler.requeue(paths);
      this.reconnection.start(error);
      return;
    }
    this.totals.passes++;
    const { bytesCopied: _bytes, ...counts } = watchCountsOf(result);
    addWatchCounts(this.totals, result);
    this.ownWrites.remember(result.localWrites);
    if (result.full) {
      this.lastListing.local = result.full.local.entries;
      this.lastListing.remote = result.full.remote.entries;
    }
    if (result.filesCopied + result.filesDeleted + result.foldersCreated + result.foldersDeleted + result.moved > 0) this.scheduler.noteChange();
    this.emit({ type: 'watch-pass', trigger, paths: full ? 0 : result.roots.length, full, ...counts, elapsedMs: Date.now() - started });
    for (const path of paths) if (!result.unfinished.includes(path)) this.failures.delete(path);
    if (result.unfinished.length > 0 && !this.aborted) {
      if (!(await this.reconnection.reachable())) {
        // The other side went away: everything unfinished is retried once it is back.
        this.scheduler.requeue(result.unfinished);
        this.reconnection.start(new Error('connection lost during the pass'));
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
    const { local, remote } = this;
    return {
      local,
      remote,
      store: this.store!,
      filter: this.filter,
      reconcile: reconcileOptionsOf(this.mode, this.options, { local, remote }),
      resolve: this.options.resolve ?? 'skip',
      ask: this.options.ask,
      dryRun: this.dryRun,
      allowEmptySide: this.options.allowEmptySide ?? false,
      maxDelete: this.maxDelete,
      forceClockShift: this.options.force ?? false,
      compare: this.options.compare,
      caseMode: caseModeOf(this.options, { local, remote }),
      backupDir: this.backupDir,
      startedMs: this.startedMs,
      bandwidth: this.bandwidth,
      resume: this.resume,
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
    const again: RelPath[] = [];
    for (const path of new Set(paths)) {
      const attempts = (this.failures.get(path) ?? 0) + 1;
      if (attempts > MAX_RETRIES) {
        this.failures.delete(path);
        this.emit({ type: 'warning', message: `${path} failed ${MAX_RETRIES} times; it is tried again on its next change or the next rescan` });
        continue;
      }
      this.failures.set(path, attempts);
      again.push(path);
      delay = Math.max(delay, 1000 * 2 ** (attempts - 1));
    }
    this.scheduler.retry(again, delay);
  }

  /** Waits with back-off, then checks whether both sides answer again. */
  private async reconnect(): Promise<void> {
    const delay = this.reconnection.delayMs;
    this.setActivity('reconnecting', this.scheduler.pendingCount, delay, this.reconnection.reason);
    await this.scheduler.pause(delay, () => this.aborted);
    if (this.aborted) return;
    // Anything may have happened while away: look at the whole remote side again soon.
    if (await this.reconnection.check()) this.scheduler.resume(this.mode === 'sync' ? 'remote' : undefined);
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
