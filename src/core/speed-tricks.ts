/**
 * Speed tricks: optimisations that do not change what ferry does, only how fast it does it.
 *
 * Each one has a name here and a switch: `FERRY_NO_SPEED_TRICKS=name,name` turns those off,
 * `FERRY_NO_SPEED_TRICKS=all` turns every one off. With all of them off the conformance suite must
 * still pass, so a bug can be narrowed to one trick by turning them off one at a time. docs/design.md
 * ("Speed tricks in the core", "Speed tricks in the backends") lists each with what it does and its measured gain.
 *
 * The switch is read from the environment once, on first use. It is a debugging aid, not a user
 * option, so it lives in the environment rather than in the options of every call.
 */

/** Every speed trick, by name. Add a name here, a row in docs/design.md, and an `if` at the trick. */
export const SPEED_TRICKS = [
  // FTP and FTPS (src/backends/ftp/).
  'ftp-pipelined-epsv',
  'ftp-send-pipelined',
  'ftp-pipelined-login',
  'ftp-store-buffer',
  'ftp-one-batch',
  'ftp-hand-over',
  /** FTP: a small upload's STOR goes with the next upload's EPSV, whose port the next upload uses (store-buffer.ts). */
  'ftp-epsv-ahead',
  /** FTP: once one connection chose EPSV, the others pipeline it from their first transfer (connect-ftp-client.ts). */
  'ftp-shared-epsv',
  /** FTP: no MLST after a small upload's rename where the MFMT reply tells the time (ftp-upload-finish.ts). */
  'ftp-time-reply-entry',
  'ftp-download-chunks',
  'ftp-direct-receive',
  'ftp-chunk-pool',
  'ftp-no-stack-traces',
  /** FTP: the first folder listing starts the pool's other logins (ftp-client-pool.ts warmUp). */
  'ftp-warm-pool',
  /** SFTP: the first listing of the root fetches the whole tree with `find` over exec (sftp-exec-list.ts). */
  'sftp-tree-listing',
  // Pure core (docs/design.md, "Speed tricks in the core"):
  /** core/plain-constructor.ts: objects made by the million come from constructors, not literals. */
  'plain-constructors',
  /** core/number-column.ts: number columns in fixed typed-array chunks, not a growing array. */
  'number-columns',
  /** core/entry-table.ts: a snapshot's entries as numbers in columns, not entry objects. */
  'entry-columns',
  /** core/record-table.ts: the state's records as numbers in columns, not record objects. */
  'record-columns',
  /** core/record-actions.ts: the record phase of a plan in columns, not action objects. */
  'record-action-columns',
  /** core/plan-actions.ts: a plan's `actions` array made only when first read. */
  'lazy-plan-actions',
  /** cli/main.ts: errors capture no stack trace (the command never prints one). */
  'no-stack-traces',
] as const;

/** The name of one speed trick. */
export type SpeedTrick = (typeof SPEED_TRICKS)[number];

let turnedOff: ReadonlySet<string> | undefined;

function readSwitch(): ReadonlySet<string> {
  // A global read, not an import: the core imports no Node module (docs/design.md, "Layout").
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.FERRY_NO_SPEED_TRICKS ?? '';
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return new Set(names.includes('all') ? SPEED_TRICKS : names);
}

/** Whether `trick` is on (it is, unless `FERRY_NO_SPEED_TRICKS` names it or says `all`). */
export function speedTrickOn(trick: SpeedTrick): boolean {
  turnedOff ??= readSwitch();
  return !turnedOff.has(trick);
}

/** For tests: forget the switch's value so the next call reads the environment again. */
export function rereadSpeedTrickSwitch(): void {
  turnedOff = undefined;
}
