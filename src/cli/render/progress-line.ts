/**
 * Progress of a run for people: counts files and bytes from `planned` / `action-*` events and
 * formats them as a live status line (a terminal) or as plain `progress:` lines (logs, CI, pipes).
 *
 * {@link ProgressState} and the `format*` functions are pure (the clock is passed in).
 * {@link ProgressDisplay} decides when to draw; it writes through an injected function and never
 * starts timers itself: its owner calls `tick()` periodically.
 *
 * "Files" are file copies and file deletions; folder creations and removals are not counted.
 */
import type { Action, SyncEvent } from '../../index.js';
import { printable } from './printable.js';

const ESC = '\u001b';
/** Back to column 0 and clear the line. */
export const CLEAR_LINE = `\r${ESC}[K`;
/** Redraws of the live line are at least this far apart. */
export const LIVE_INTERVAL_MS = 100;
/** Plain progress lines: the first after this long, then at most this often. */
export const PLAIN_INTERVAL_MS = 10_000;

const isFileAction = (action: Action): boolean => action.kind === 'copy' || action.kind === 'delete';

/** Counts of a run in progress. */
export class ProgressState {
  totalFiles = 0;
  doneFiles = 0;
  totalBytes = 0;
  /** Bytes of copies that finished. */
  private finishedBytes = 0;
  /** Bytes of copies in flight, by path, as their last `progress` event said. */
  private readonly partialBytes = new Map<string, number>();
  /** When the first action started (ms), undefined before. */
  startedAt: number | undefined;
  private readonly inFlight = new Map<Action, string>();

  /** Bytes copied so far: finished copies and what the ones in flight have passed on. */
  get doneBytes(): number {
    let bytes = this.finishedBytes;
    for (const partial of this.partialBytes.values()) bytes += partial;
    return bytes;
  }

  /** Updates the counts from one event; `now` is the current time in ms. */
  update(event: SyncEvent, now: number): void {
    switch (event.type) {
      case 'planned':
        if (isFileAction(event.action)) this.totalFiles++;
        if (event.action.kind === 'copy') this.totalBytes += event.action.source.size;
        break;
      case 'action-started':
        this.startedAt ??= now;
        if (event.action.kind !== 'record' && event.action.kind !== 'forget') this.inFlight.set(event.action, event.action.path);
        break;
      case 'progress':
        this.partialBytes.set(event.path, event.bytes);
        break;
      case 'action-finished': {
        const { action } = event.result;
        this.inFlight.delete(action);
        if (isFileAction(action)) this.doneFiles++;
        if (action.kind === 'copy') {
          this.partialBytes.delete(action.path);
          if (event.result.status === 'done') {
            const bytes = event.result.bytes ?? action.source.size;
            this.finishedBytes += bytes;
            this.totalBytes += bytes - action.source.size;
          } else {
            this.totalBytes -= action.source.size; // not copied: no longer part of the work
          }
        }
        break;
      }
    }
  }

  /** The path most recently started that is still in flight. */
  get current(): string | undefined {
    let last: string | undefined;
    for (const path of this.inFlight.values()) last = path;
    return last;
  }

  /** Bytes per second since the first action started (undefined until some time has passed). */
  rate(now: number): number | undefined {
    if (this.startedAt === undefined) return undefined;
    const seconds = (now - this.startedAt) / 1000;
    if (seconds < 0.5) return undefined;
    return this.doneBytes / seconds;
  }

  /** Seconds left, from the byte rate (or the file rate when there are no bytes to copy). */
  etaSeconds(now: number): number | undefined {
    if (this.startedAt === undefined) return undefined;
    const elapsed = (now - this.startedAt) / 1000;
    if (elapsed < 0.5) return undefined;
    const leftBytes = this.totalBytes - this.doneBytes;
    if (leftBytes > 0 && this.doneBytes > 0) return leftBytes / (this.doneBytes / elapsed);
    const leftFiles = this.totalFiles - this.doneFiles;
    if (leftFiles <= 0) return 0;
    if (this.doneFiles === 0) return undefined;
    return leftFiles * (elapsed / this.doneFiles);
  }
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

function scaled(bytes: number, unit: number): string {
  if (unit === 0) return String(Math.round(bytes));
  const value = bytes / 1024 ** unit;
  return value.toFixed(value < 10 ? 1 : 0);
}

function unitOf(bytes: number): number {
  let unit = 0;
  while (bytes >= 1024 ** (unit + 1) && unit < units.length - 1) unit++;
  return unit;
}

/** `3.1/40 MiB`: done and total in the unit of the total. */
export function formatBytePair(done: number, total: number): string {
  const unit = unitOf(Math.max(total, done));
  return `${scaled(done, unit)}/${scaled(total, unit)} ${units[unit]}`;
}

/** `1.2 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  const unit = unitOf(bytesPerSecond);
  return `${scaled(bytesPerSecond, unit)} ${units[unit]}/s`;
}

/** `0:07`, `12:34`, `1:02:03`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Shortens text to `width` characters, keeping its end (a path's file name): `…/deep/name.txt`. */
export function shortenStart(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 0) return '';
  if (width === 1) return '…';
  return `…${chars.slice(chars.length - (width - 1)).join('')}`;
}

function statsOf(state: ProgressState, now: number): string[] {
  const parts = [`${state.doneFiles}/${state.totalFiles} files`, formatBytePair(state.doneBytes, state.totalBytes)];
  const rate = state.rate(now);
  if (rate !== undefined) parts.push(formatRate(rate));
  const eta = state.etaSeconds(now);
  if (eta !== undefined) parts.push(`ETA ${formatEta(eta)}`);
  return parts;
}

/** The plain line for logs: `progress: 120/2000 files, 3.1/40 MiB, 1.2 MiB/s, ETA 0:31`. */
export function formatPlainLine(state: ProgressState, now: number): string {
  return `progress: ${statsOf(state, now).join(', ')}`;
}

/**
 * The live line, at most `width - 1` characters (the last column would make some terminals wrap):
 * the counts, then the current file shortened to what is left.
 */
export function formatLiveLine(state: ProgressState, now: number, width: number): string {
  const max = Math.max(1, width - 1);
  const stats = statsOf(state, now).join(', ');
  const current = state.current;
  if ([...stats].length >= max) return shortenEnd(stats, max);
  if (current === undefined) return stats;
  const room = max - [...stats].length - 2;
  if (room < 8) return stats;
  return `${stats}  ${shortenStart(printable(current), room)}`;
}

function shortenEnd(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** How progress is shown: a redrawn line on a terminal, plain lines in logs, or not at all. */
export type ProgressMode = 'live' | 'plain' | 'off';

/** Chooses the mode: `--no-progress` never; `-q`/`--json` hide it unless `--progress`; TTY stderr means live. */
export function progressModeFor(options: { flag?: boolean; quiet?: boolean; json?: boolean; isTTY: boolean; term?: string }): ProgressMode {
  if (options.flag === false) return 'off';
  if (options.flag !== true && (options.quiet || options.json)) return 'off';
  return options.isTTY && options.term !== 'dumb' ? 'live' : 'plain';
}

/** Draws progress through `write` (raw text, no newline added). */
export class ProgressDisplay {
  readonly state = new ProgressState();
  private shown = false;
  private lastDraw = -Infinity;
  private lastPlain: number | undefined;
  private finished = false;

  constructor(
    private readonly mode: ProgressMode,
    private readonly write: (text: string) => void,
    private readonly now: () => number,
    private readonly columns: () => number,
  ) {}

  /** Feeds an event; call before the renderer sees it (the summary clears the line first). */
  readonly onEvent = (event: SyncEvent): void => {
    if (this.mode === 'off' || this.finished) return;
    this.state.update(event, this.now());
    if (event.type === 'summary') this.finish();
    else if (event.type === 'action-started' || event.type === 'action-finished') this.tick();
  };

  /** Redraws when due; the owner calls this on a timer too (for rate and ETA while a big file copies). */
  tick(): void {
    if (this.finished || this.state.startedAt === undefined) return;
    const now = this.now();
    if (this.mode === 'live') {
      if (now - this.lastDraw < LIVE_INTERVAL_MS) return;
      this.lastDraw = now;
      this.write(`${CLEAR_LINE}${formatLiveLine(this.state, now, this.columns())}`);
      this.shown = true;
    } else if (this.mode === 'plain') {
      const since = this.lastPlain ?? this.state.startedAt;
      if (now - since < PLAIN_INTERVAL_MS) return;
      this.lastPlain = now;
      this.write(`${formatPlainLine(this.state, now)}\n`);
    }
  }

  /** Prints other output: clears the live line first and redraws it when due (at most every 100 ms). */
  above(print: () => void): void {
    if (this.shown) {
      this.write(CLEAR_LINE);
      this.shown = false;
    }
    print();
    if (this.mode === 'live' && !this.finished && this.state.startedAt !== undefined) this.tick();
  }

  /** Clears the live line for good (before the summary, or when the run ends some other way). */
  finish(): void {
    if (this.shown) this.write(CLEAR_LINE);
    this.shown = false;
    this.finished = true;
  }
}
