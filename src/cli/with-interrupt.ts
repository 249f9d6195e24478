/**
 * Ctrl-C for commands that only read (scan, tree, doctor): the first one aborts the work, a
 * second one quits at once.
 */
import { ExitCode, FerryError } from '../index.js';

/**
 * Runs `fn` with a signal that Ctrl-C (or SIGTERM) aborts; a second Ctrl-C quits at once. An
 * error thrown because of the abort becomes an `interrupted` FerryError (exit code 3).
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) controller.abort();
    else process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(controller.signal);
  } catch (error) {
    if (controller.signal.aborted && !(error instanceof FerryError)) throw new FerryError('interrupted', 'interrupted', { cause: error });
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
