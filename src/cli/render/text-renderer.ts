/**
 * Renders run events as lines a person reads: pyftpsync's layout (`COPY NEW  >  path`), conflicts
 * explained with both sides' size and time, and a summary line.
 */
import type { Action, ActionResult, Entry, PlannedConflict, SyncEvent } from '../../index.js';
import type { TerminalStyle } from '../terminal-style.js';
import { formatBytes, formatDuration, formatTime } from './format-units.js';
import { printable } from './printable.js';
import { withFlagNames } from '../flag-names.js';

/** How much to print: 0 quiet (summary and errors), 1 default (actions, conflicts, skips), 2 verbose (also what was scanned and ignored). */
export type Verbosity = 0 | 1 | 2;

const reasonWords: Record<string, string> = {
  new: 'NEW',
  modified: 'MODIFIED',
  'type-changed': 'TYPE CHANGED',
  restore: 'RESTORE',
  forced: 'FORCED',
  'source-newer': 'NEWER',
  'conflict-resolved': 'CONFLICT WON',
  'conflict-copy': 'KEPT BOTH',
  parent: 'PARENT',
  deleted: 'MISSING',
  extra: 'EXTRA',
  unmatched: 'UNMATCHED',
  replaced: 'REPLACED',
  moved: 'RENAMED',
  case: 'CASE',
};

function shownPath(action: { path: string }, isDir: boolean): string {
  return isDir ? `[${action.path}]` : action.path;
}

/**
 * `COPY NEW          >  path`: what, why, which way (`>` to remote, `<` to local, `X` delete).
 * Control characters in names are escaped ({@link printable}).
 */
export function describeAction(action: Action): string | undefined {
  const line = actionLine(action);
  return line === undefined ? undefined : printable(line);
}

function actionLine(action: Action): string | undefined {
  const pad = (verb: string, reason: string) => `${verb} ${reasonWords[reason] ?? reason.toUpperCase()}`.padEnd(17);
  switch (action.kind) {
    case 'copy':
      return `${pad('COPY', action.reason)} ${action.to === 'remote' ? ' > ' : ' < '} ${shownPath(action, false)}`;
    case 'mkdir':
      return `${pad('MKDIR', action.reason)} ${action.side === 'remote' ? ' > ' : ' < '} ${shownPath(action, true)}`;
    case 'delete':
      return `${pad('DELETE', action.reason)} ${action.side === 'remote' ? ' >X' : 'X< '} ${shownPath(action, false)}`;
    case 'rmdir':
      return `${pad('DELETE', action.reason)} ${action.side === 'remote' ? ' >X' : 'X< '} ${shownPath(action, true)}`;
    case 'conflict-copy':
      // The losing version is renamed on its own side, then copied across (two COPY lines follow).
      return `${'KEEP BOTH'.padEnd(17)} ${action.side}: ${action.path} -> ${action.copyPath}`;
    case 'move': {
      const isDir = action.source.kind === 'dir';
      return `${pad('MOVE', action.reason)} ${action.side === 'remote' ? ' > ' : ' < '} ${shownPath({ path: action.oldPath }, isDir)} → ${shownPath(action, isDir)}`;
    }
    case 'record':
    case 'forget':
      return undefined;
  }
}

function describeSide(entry: Entry | null | undefined): string {
  if (!entry) return 'absent';
  if (entry.kind === 'dir') return 'folder';
  return `${formatBytes(entry.size)}, ${formatTime(entry.mtimeMs)}`;
}

function describeRecorded(print: Entry | undefined): string {
  if (!print) return 'never synced';
  return print.kind === 'dir' ? 'folder' : `${formatBytes(print.size)}, ${formatTime(print.mtimeMs)}`;
}

const conflictWords: Record<string, string> = {
  'both-modified': 'modified on both sides',
  'both-created': 'created on both sides with different content',
  'deleted-vs-modified': 'deleted on one side, modified on the other',
  'type-changed': 'file replaced by a folder (or the reverse) while the other side changed',
  'folder-deleted-contents-changed': 'folder deleted on one side, but the other side changed files in it',
  'changed-during-sync': 'changed while the sync ran',
  'case-collision': 'another name differs only in case (one file on a case-insensitive side); left alone, see --case',
  'unicode-twins': 'two names in one folder are one after Unicode normalisation (NFC and NFD spellings); both left alone, rename one',
};

/** Why a change is left alone, and what would propagate it. */
const skipWords: Record<string, string> = {
  'target-changed': 'changed on the target; --force overwrites it',
  'source-deleted': 'deleted on the source; --delete deletes it on the target',
  'target-extra': 'only on the target; --delete deletes it',
  unreadable: 'a folder could not be read',
  'parent-conflict': 'its folder is in conflict',
  'incomplete-listing': "its folder's listing had entries ferry refused, so deletions there wait",
};

/** Two lines explaining a conflict: what happened, and both sides' facts (names escaped). */
export function describeConflict(conflict: PlannedConflict): string[] {
  const c = conflict.conflict;
  return [
    `${'CONFLICT'.padEnd(17)} *?* ${printable(conflict.path)}: ${conflictWords[c.reason] ?? c.reason}`,
    `    local ${c.local}: ${describeSide(conflict.local)}; remote ${c.remote}: ${describeSide(conflict.remote)}; last sync: ${
      conflict.recorded ? `${describeRecorded(conflict.recorded.local)} / ${describeRecorded(conflict.recorded.remote)}` : 'never synced'
    }`,
  ];
}

/**
 * Writes human output for a stream of events. Every line is escaped ({@link printable}) before it
 * is coloured: names and messages from servers never reach the terminal raw.
 */
export class TextRenderer {
  private readonly prefix: string;
  /** Colours that escape their text first; lines written without colour escape their names. */
  private readonly style: TerminalStyle;
  private readonly out: (line: string) => void;
  /** Deletions not run because a copy failed: said once, before the summary. */
  private heldBack = 0;
  constructor(
    out: (line: string) => void,
    private readonly err: (line: string) => void,
    style: TerminalStyle,
    private readonly verbosity: Verbosity,
    dryRun: boolean,
  ) {
    this.prefix = dryRun ? '(DRY-RUN) ' : '';
    // The renderer's own words hold no control characters, so escaping a whole line before it is
    // coloured escapes exactly the names and messages in it (and escaping twice changes nothing).
    const escaped = (paint: (text: string) => string) => (text: string) => paint(printable(text));
    this.style = {
      ...style,
      red: escaped(style.red),
      green: escaped(style.green),
      yellow: escaped(style.yellow),
      cyan: escaped(style.cyan),
      dim: escaped(style.dim),
      bold: escaped(style.bold),
    };
    this.out = out;
  }

  /** Handles one event. */
  readonly onEvent = (event: SyncEvent): void => {
    const p = this.prefix;
    switch (event.type) {
      case 'start':
        if (this.verbosity >= 1) {
          this.out(`${p}${event.mode === 'sync' ? 'Synchronize' : event.mode === 'upload' ? 'Upload' : 'Download'} ${printable(event.local)}`);
          this.out(`${p}${event.mode === 'sync' ? '       with' : event.mode === 'upload' ? '         to' : '       from'} ${printable(event.remote)}`);
        }
        break;
      case 'scanned':
        if (this.verbosity >= 2) this.out(this.style.dim(`${p}scanned ${event.side}: ${event.entries} entries`));
        break;
      case 'ignored':
        if (this.verbosity >= 2) this.out(this.style.dim(`${p}IGNORED ${event.why.padEnd(9)}    ${event.side}: ${event.path}`));
        break;
      case 'compared':
        if (this.verbosity >= 2) {
          const how = `${event.algorithm}: local ${event.by.local}, remote ${event.by.remote}`;
          this.out(this.style.dim(`${p}${(event.equal ? 'SAME CONTENT' : 'DIFFERENT').padEnd(17)}     ${event.path} (${how})`));
        }
        break;
      case 'planned':
        if (this.prefix && this.verbosity >= 1) this.printAction(event.action);
        break;
      case 'conflict':
        if (this.verbosity >= 1) for (const line of describeConflict(event.conflict)) this.out(this.style.yellow(`${p}${line}`));
        break;
      case 'skipped':
        // Named at normal verbosity (as pyftpsync does): a change left alone is no secret.
        if (this.verbosity >= 1)
          this.out(this.style.dim(`${p}${'SKIP'.padEnd(17)}     ${event.skip.path} (${skipWords[event.skip.reason] ?? event.skip.reason})`));
        break;
      case 'action-started':
        break;
      case 'action-finished':
        this.printResult(event.result);
        break;
      case 'problem':
        this.err(this.style.red(`${p}ERROR: ${event.problem.side ? `${event.problem.side}: ` : ''}${withFlagNames(event.problem.message)}`));
        break;
      case 'warning':
        this.err(this.style.yellow(`${p}warning: ${withFlagNames(event.message)}`));
        break;
      case 'migrated':
        if (this.verbosity >= 1) this.out(`${p}Seeded ${event.records} record${event.records === 1 ? '' : 's'} from pyftpsync metadata`);
        break;
      case 'temps-removed':
        if (this.verbosity >= 1)
          this.out(`${p}Removed ${event.files} leftover temporary file${event.files === 1 ? '' : 's'} of interrupted runs (${event.side})`);
        break;
      case 'pyftpsync-meta-removed':
        if (this.verbosity >= 1) this.out(`${p}Removed ${event.files} pyftpsync metadata file${event.files === 1 ? '' : 's'}`);
        break;
      case 'summary': {
        const s = event.summary;
        if (this.heldBack > 0) {
          this.err(
            this.style.yellow(
              `${p}warning: ${this.heldBack} deletion${this.heldBack === 1 ? ' was' : 's were'} held back because a copy failed; the next run will do them`,
            ),
          );
        }
        // A dry run speaks of what would be done, a run of what was: never both in one line.
        const [copied, deleted, created, removed, moved] = s.dryRun
          ? ['to copy', 'to delete', 'to create', 'to remove', 'to move']
          : ['copied', 'deleted', 'created', 'removed', 'moved'];
        // The average rate over the whole run (connecting and scanning included), as rsync gives it.
        const rate = !s.dryRun && s.bytesCopied > 0 && s.elapsedMs > 0 ? `, ${formatBytes(Math.round(s.bytesCopied / (s.elapsedMs / 1000)))}/s` : '';
        const parts = [
          `${s.filesCopied} file${s.filesCopied === 1 ? '' : 's'} ${copied} (${formatBytes(s.bytesCopied)}${rate})`,
          `${s.filesDeleted} ${deleted}`,
          `${s.foldersCreated} folder${s.foldersCreated === 1 ? '' : 's'} ${created}`,
          `${s.foldersDeleted} ${removed}`,
          ...(s.conflictCopies > 0 ? [`${s.conflictCopies} ${s.dryRun ? 'to keep both (conflict copies)' : 'kept both (conflict copies)'}`] : []),
          ...(s.moved > 0 ? [`${s.moved} ${moved}`] : []),
          `${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}${s.conflicts ? ' left unresolved' : ''}`,
          `${s.skipped} skipped`,
          `${s.errors} error${s.errors === 1 ? '' : 's'}`,
        ];
        const head = s.interrupted ? 'Interrupted' : 'Done';
        const line = `${p}${head}: ${parts.join(', ')}. Elapsed ${formatDuration(s.elapsedMs)}.`;
        this.out(s.errors > 0 || s.interrupted ? this.style.red(line) : s.conflicts > 0 ? this.style.yellow(line) : this.style.green(line));
        break;
      }
    }
  };

  private printAction(action: Action): void {
    const line = describeAction(action);
    if (line) this.out(`${this.prefix}${line}`);
  }

  private printResult(result: ActionResult): void {
    switch (result.status) {
      case 'done':
        if (this.verbosity >= 1) this.printAction(result.action);
        if (result.via === 'copy' && result.action.kind === 'move') {
          this.err(
            this.style.yellow(
              `warning: the ${result.action.side} side could not rename ${result.action.oldPath}; copied ${result.action.path} and deleted the old path instead`,
            ),
          );
        }
        break;
      case 'failed':
        this.err(this.style.red(`ERROR ${describeAction(result.action)?.trim() ?? result.action.path}: ${result.error}`));
        break;
      case 'conflict':
        this.out(this.style.yellow(`${'CONFLICT'.padEnd(17)} *?* ${result.detail}`));
        break;
      case 'not-run':
        if (result.why === 'copy-failed') this.heldBack++;
        if (this.verbosity >= 2) this.out(this.style.dim(`NOT RUN (${result.why}) ${result.action.path}`));
        break;
    }
  }
}
