/**
 * Errors that ferry reports to users and library callers.
 *
 * Every failure that can reach a user is a {@link FerryError} with a `kind`, which decides the
 * process exit code, and a one-line `message` written for a person. Backends throw
 * {@link BackendError} (a FerryError of kind `backend`) with a protocol-neutral `code`.
 */
import type { SafetyRefusal } from './core/check-plan-safety.js';

/** What went wrong, in the terms of who must act on it. */
export type FerryErrorKind =
  /** The command line or options are wrong (exit 2). */
  | 'usage'
  /** Configuration or environment is wrong: missing folder, same folder twice (exit 1). */
  | 'config'
  /** A storage backend failed (exit 1). */
  | 'backend'
  /** The state of the last sync is unreadable, newer, or locked by another run (exit 1). */
  | 'state'
  /** A safety brake refused to run the plan (exit 4, 5 or 6: see {@link SafetyError}). */
  | 'safety'
  /** The run was interrupted by the caller (Ctrl-C, AbortSignal) (exit 3). */
  | 'interrupted'
  /** A bug in ferry (exit 1). */
  | 'internal';

/** Process exit codes, documented in docs/exit-codes.md. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  interrupted: 3,
  /** A side's root is missing or empty although the last sync recorded files there. */
  emptySide: 4,
  /** The run would delete more files than `--max-delete` allows. */
  maxDelete: 5,
  /** Every file on one side looks changed only in time (a clock or time-zone shift). */
  clockShift: 6,
  problems: 10,
} as const;

/**
 * An option a message names, in the library's words: `` `createFolder` `` alone, or with the
 * value it needs, `` `compare: 'checksum'` ``, `` `verifyCerts: false` ``.
 */
const OPTION_MENTION = /`([A-Za-z][A-Za-z0-9]*)(?:: ([^`]*))?`/g;

/** One option named in an error message (see {@link FerryError.optionMentions}). */
export interface OptionMention {
  /** The text in the message, backticks included: `` `maxDelete` ``, `` `force: true` ``. */
  readonly text: string;
  /** The option's name in the library's options: `maxDelete`, `force`. */
  readonly option: string;
  /** The value written after the name, as written (`true`, `'checksum'`), if any. */
  readonly value?: string;
}

export class FerryError extends Error {
  override readonly name = 'FerryError';
  constructor(
    readonly kind: FerryErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /**
   * The options this message names, as a library caller writes them (`createFolder`,
   * `maxDelete`). Messages speak of options by their library names, in backticks; the command
   * line prints its flag names in their place (`--create-folder`, `--max-delete`).
   */
  get optionMentions(): readonly OptionMention[] {
    return [...this.message.matchAll(OPTION_MENTION)].map(([text, option, value]) =>
      value === undefined ? { text, option: option! } : { text, option: option!, value },
    );
  }

  /** The names of the options this message names, without repeats: `['createFolder']`. */
  get optionNames(): readonly string[] {
    return [...new Set(this.optionMentions.map((mention) => mention.option))];
  }

  /** The exit code a CLI should use for this error. */
  get exitCode(): number {
    switch (this.kind) {
      case 'usage':
        return ExitCode.usage;
      case 'interrupted':
        return ExitCode.interrupted;
      default:
        return ExitCode.error;
    }
  }
}

/**
 * A safety brake refused the run before anything was changed. `refusal` says which brake and the
 * numbers behind it; the exit code tells the brakes apart (4 empty or missing side, 5 too many
 * deletions, 6 clock shift).
 */
export class SafetyError extends FerryError {
  constructor(
    readonly refusal: SafetyRefusal,
    message: string,
  ) {
    super('safety', message);
  }

  override get exitCode(): number {
    switch (this.refusal.reason) {
      case 'empty-side':
      case 'missing-root':
        return ExitCode.emptySide;
      case 'max-delete':
        return ExitCode.maxDelete;
      case 'clock-shift':
        return ExitCode.clockShift;
    }
  }
}

/**
 * Protocol-neutral failure codes of a backend operation. Each backend maps its protocol's errors
 * to these in one place.
 */
export type BackendErrorCode =
  | 'not-found'
  | 'exists'
  | 'not-empty'
  | 'not-a-directory'
  | 'is-a-directory'
  | 'permission'
  | 'no-space'
  | 'auth'
  | 'host-key'
  | 'connection-lost'
  | 'timeout'
  | 'unsupported'
  | 'unsafe-name'
  | 'changed'
  | 'protocol';

const retryableCodes: ReadonlySet<BackendErrorCode> = new Set(['connection-lost', 'timeout']);

/** A backend operation failed. `retryable` tells whether trying again may succeed. */
export class BackendError extends FerryError {
  readonly retryable: boolean;
  constructor(
    readonly code: BackendErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super('backend', message, options);
    this.retryable = options?.retryable ?? retryableCodes.has(code);
  }
}

/** True when `error` is a BackendError with the given code. */
export function isBackendError(error: unknown, code?: BackendErrorCode): error is BackendError {
  return error instanceof BackendError && (code === undefined || error.code === code);
}

/** A one-line description of any thrown value, for output (never a stack trace). */
export function describeError(error: unknown): string {
  // Some libraries put newlines in messages (JSON.parse quotes its input): keep one line, all of it.
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
