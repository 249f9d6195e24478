/**
 * The state line of `ferry watch` on stderr: on a terminal one live line (watching / syncing N
 * paths / reconnecting in N s) kept below the output; otherwise a line only when the connection
 * is lost or back.
 */
import type { WatchEvent } from '../../index.js';
import { formatDuration } from './format-units.js';
import { CLEAR_LINE, type ProgressMode } from './progress-line.js';
import { printable } from './printable.js';

/** Text of the live line for a state event. */
export function describeWatchState(event: Extract<WatchEvent, { type: 'watch-state' }>): string {
  switch (event.state) {
    case 'watching':
      return 'watching for changes (Ctrl-C to stop)';
    case 'syncing':
      if (event.files !== undefined) return `syncing ${event.files} file${event.files === 1 ? '' : 's'}`;
      return event.paths === undefined ? 'syncing: full rescan' : `syncing: checking ${event.paths} path${event.paths === 1 ? '' : 's'}`;
    case 'reconnecting': {
      const queued = event.paths ? `, ${event.paths} change${event.paths === 1 ? '' : 's'} queued` : '';
      return `reconnecting in ${formatDuration(event.retryInMs ?? 0)}${queued}${event.reason ? ` (${printable(event.reason)})` : ''}`;
    }
    case 'stopping':
      return 'stopping: finishing in-flight transfers and saving the state';
  }
}

/** Shows the watch state; `above` prints other output without garbling the live line. */
export class WatchStatusLine {
  private text: string | undefined;
  private shown = false;
  private reconnecting = false;
  /** The start line, shown as the live line's idle state (instead of printed above it too). */
  private watchingText: string | undefined;

  constructor(
    private readonly mode: ProgressMode,
    private readonly write: (text: string) => void,
    private readonly columns: () => number,
  ) {}

  readonly onEvent = (event: WatchEvent): void => {
    if (event.type !== 'watch-state') {
      if (event.type === 'watch-summary') this.clear();
      return;
    }
    if (this.mode === 'live') {
      this.text = event.state === 'watching' && this.watchingText !== undefined ? this.watchingText : describeWatchState(event);
      this.draw();
    } else if (this.mode === 'plain') {
      if (event.state === 'reconnecting') {
        this.write(`${describeWatchState(event)}\n`);
        this.reconnecting = true;
      } else if (this.reconnecting && event.state !== 'stopping') {
        this.write('connection back: syncing the queued changes\n');
        this.reconnecting = false;
      }
    }
  };

  /** True when a live line is drawn (a terminal): it then says what the start line would. */
  get isLive(): boolean {
    return this.mode === 'live';
  }

  /**
   * The text of the idle state (`Now watching … Ctrl-C to stop.`): on a terminal it is the live
   * line whenever nothing happens, so it is not printed as well (it was said twice).
   */
  setWatching(text: string): void {
    this.watchingText = text;
    if (this.text !== undefined && this.text === describeWatchState({ type: 'watch-state', state: 'watching' })) {
      this.text = text;
      this.draw();
    }
  }

  /** Prints other output above the live line. */
  above(print: () => void): void {
    if (this.shown) {
      this.write(CLEAR_LINE);
      this.shown = false;
    }
    print();
    this.draw();
  }

  private draw(): void {
    if (this.mode !== 'live' || this.text === undefined) return;
    const width = Math.max(20, this.columns() - 1);
    const text = this.text.length > width ? `${this.text.slice(0, width - 1)}…` : this.text;
    this.write(`${CLEAR_LINE}${text}`);
    this.shown = true;
  }

  /** Removes the live line for good. */
  clear(): void {
    if (this.shown) this.write(CLEAR_LINE);
    this.shown = false;
    this.text = undefined;
  }
}
