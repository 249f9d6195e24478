/**
 * Every use of basic-ftp beyond its documented API, in one place.
 *
 * ferry's FTP speed-ups and active mode need a few things basic-ftp does not offer: commands written
 * to the control socket in one write with their replies read by a handler of ferry's own, the
 * response handler of basic-ftp's next command replaced for that one command, a placeholder data
 * socket (basic-ftp refuses to start a transfer without one), its EPSV reply parser (a deep import)
 * and its running task (a protected field, for the stall rule). basic-ftp's version is pinned
 * exactly in package.json; test/backends/library-shapes.test.ts checks each of these against a real
 * FTP server and fails naming the field or method when a basic-ftp update changes it.
 */
import { Socket } from 'node:net';
import type { FTPContext, ResponseHandler } from 'basic-ftp';
import { parseEpsvResponse } from 'basic-ftp/dist/transfer.js';
import { speedTrickOn } from '../../core/speed-tricks.js';

/** basic-ftp's running task: a protected field; only its identity is read. */
type ContextInternals = FTPContext & { readonly _task?: object };

/** The task basic-ftp is running on `ftp` (`FTPContext._task`), or undefined when it is idle. */
export function runningTask(ftp: FTPContext): object | undefined {
  return (ftp as ContextInternals)._task;
}

/**
 * The passive port in the reply to `EPSV` (basic-ftp's own parser, from `basic-ftp/dist/transfer.js`).
 * Throws when the reply names none.
 */
export function parseEpsvPort(message: string): number {
  return parseEpsvResponse(message);
}

/**
 * Writes `lines` (each without CR, LF or NUL) to the control connection in one write, as one
 * basic-ftp task whose replies go to `handler` (`FTPContext.handle` with no command of its own,
 * then a write to `FTPContext.socket`). basic-ftp itself sends one command per task; several
 * commands in one write save a round trip each (send-pipelined.ts). `describe` gives the line for
 * basic-ftp's log (and ferry's trace), asked for only when it logs.
 *
 * `start` is the task's `handle`: basic-ftp's own by default, or the original one a caller holds
 * while it has replaced `handle` for one command ({@link interceptNextCommand}).
 */
export function writeCommands<T>(
  ftp: FTPContext,
  lines: readonly string[],
  describe: () => string,
  handler: ResponseHandler,
  start: FTPContext['handle'] = ftp.handle,
): Promise<T> {
  // basic-ftp records a stack trace per task, for messages about misuse; ferry's own tasks need none.
  const quiet = speedTrickOn('ftp-no-stack-traces');
  const stackLimit = Error.stackTraceLimit;
  if (quiet) Error.stackTraceLimit = 0;
  try {
    const task = start.call(ftp, undefined, handler) as Promise<T>;
    // handle() installed the task synchronously: the replies cannot arrive before it.
    if (ftp.verbose) ftp.log(`> ${describe()}`);
    if (!ftp.closed) ftp.socket.write(lines.map((line) => `${line}\r\n`).join(''), ftp.encoding);
    return task;
  } finally {
    if (quiet) Error.stackTraceLimit = stackLimit;
  }
}

/**
 * Replaces `FTPContext.handle` for the next call only (the transfer command basic-ftp sends right
 * after `prepareTransfer`): `intercept` gets that call's command and response handler and
 * basic-ftp's own `handle`, to run the task its own way. Later calls go to basic-ftp's `handle`
 * again (ferry's replacement deletes itself before it runs).
 */
export function interceptNextCommand(
  ftp: FTPContext,
  intercept: (command: string | undefined, responseHandler: ResponseHandler, originalHandle: FTPContext['handle']) => Promise<unknown>,
): void {
  const ownHandle = Object.prototype.hasOwnProperty.call(ftp, 'handle') ? ftp.handle : undefined;
  const originalHandle = ftp.handle;
  ftp.handle = (command: string | undefined, responseHandler: ResponseHandler): Promise<unknown> => {
    if (ownHandle !== undefined) ftp.handle = ownHandle;
    else delete (ftp as { handle?: unknown }).handle;
    return intercept(command, responseHandler, originalHandle);
  };
}

/**
 * Sets a data socket that is never connected as `FTPContext.dataSocket`: basic-ftp's transfers
 * refuse to start without one, and ferry opens the real one only once the server answered.
 * Setting the real socket later closes the placeholder (basic-ftp's `dataSocket` setter).
 */
export function setPlaceholderDataSocket(ftp: FTPContext): Socket {
  const placeholder = new Socket();
  ftp.dataSocket = placeholder;
  return placeholder;
}
