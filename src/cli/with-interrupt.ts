/**
 * Ctrl-C and SIGTERM for every command, in one place (docs/reliability.md, "Interrupting a run").
 *
 * The first signal aborts the command's AbortSignal: no new work starts; scans, waits and retries
 * stop; transfers in flight get a short grace to finish (execute-plan.ts), then are stopped and
 * undone; the state of finished work is saved and the pair's lock released; the command exits 3.
 * Should that take longer than {@link interruptDeadlineMs} (a server that does not answer the
 * clean-up), the process quits with exit 3 anyway. A second signal quits at once, with exit 3.
 * Either way the lock is removed at exit (run-lock.ts) and the journal keeps every finished
 * action, so the next run starts and goes on where this one stopped.
 */
import { ExitCode, FerryError, TRANSFER_GRACE_MS } from '../index.js';
import { writeLine } from './output-stream.js';

/** Longest clean-up after the grace: stopping transfers, removing their temporary files, saving. */
const CLEANUP_CAP_MS = 5000;

/**
 * How long after the first signal the process quits even if the clean-up has not finished: the
 * transfers' grace, then the clean-up (one `--timeout`, at most 5 s), plus a second.
 */
export function interruptDeadlineMs(timeoutSeconds: number | undefined): number {
  return TRANSFER_GRACE_MS + Math.min((timeoutSeconds ?? 30) * 1000, CLEANUP_CAP_MS) + 1000;
}

/** Commands running under {@link withInterrupt} (their handlers decide then). */
let active = 0;

/**
 * A signal that arrives before any command started its work (while the command line is parsed,
 * the password asked for) quits at once with exit 3: nothing was started, nothing is held.
 * Installed first thing by the executable.
 */
export function quitOnEarlySignals(): void {
  const early = (): void => {
    if (active > 0) return;
    writeLine(process.stderr, 'ferry: interrupted before anything was started');
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
}

/** Options of {@link withInterrupt}. */
export interface InterruptOptions {
  /** Printed on stderr at the first signal: what happens now, in the command's words. */
  readonly notice?: string;
  /** Where the notice goes (default stderr; a progress line may need to be cleared first). */
  readonly err?: (line: string) => void;
  /** `--timeout` in seconds, for {@link interruptDeadlineMs}. */
  readonly timeoutSeconds?: number;
}

/**
 * Runs `fn` with a signal that the first SIGINT or SIGTERM aborts (see the module comment). An
 * error thrown because of the abort becomes an `interrupted` FerryError (exit code 3).
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>, options: InterruptOptions = {}): Promise<T> {
  const controller = new AbortController();
  const err = options.err ?? ((line: string) => writeLine(process.stderr, line));
  let interrupts = 0;
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      err(options.notice ?? 'Interrupted: stopping (Ctrl-C again to quit at once)');
      controller.abort();
      const ms = interruptDeadlineMs(options.timeoutSeconds);
      deadline = setTimeout(() => {
        writeLine(process.stderr, `ferry: interrupted; still stopping after ${ms / 1000} s, quitting now (finished work is kept in the state)`);
        process.exit(ExitCode.interrupted);
      }, ms);
      // Only a command still running needs it: one that ended lets the process end.
      deadline.unref();
    } else {
      writeLine(process.stderr, 'ferry: interrupted again; quitting at once (finished work is kept in the state)');
      process.exit(ExitCode.interrupted);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  active++;
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (controller.signal.aborted && !(error instanceof FerryError && error.kind === 'interrupted')) {
      throw new FerryError('interrupted', 'interrupted', { cause: error });
    }
    throw error;
  } finally {
    // Once interrupted, the handlers and the deadline stay: what runs after the command (closing,
    // flushing) is bounded too, and a second signal still quits with exit 3.
    if (interrupts === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      active--;
    }
  }
}
