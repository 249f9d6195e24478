/**
 * Uploading bytes already in memory (a small file read whole) with `STOR`, on a data connection of
 * ferry's own.
 *
 * basic-ftp's upload runs a stream pipeline into its data socket with a progress tracker, a
 * transfer watchdog and a resolver per file: for a 4 KiB file that machinery cost more CPU than
 * the commands and the bytes. Here `EPSV` and `STOR` go in one write (as in
 * pipelined-passive-transfer.ts), the data connection is opened on the `229` reply and the bytes
 * are written with the end of the stream as soon as it is up: the server reads them once it
 * has opened the file, and its `226` after the end of the data is the one sign of success. A
 * refused `STOR` (its reply) or a failed data connection fails the upload; either way only the
 * temporary name the caller chose was touched.
 */
import type { Socket } from 'node:net';
import { FTPError, type Client, type FTPResponse, type TaskResolver } from 'basic-ftp';
import type { DeferredBatch } from './deferred-batch.js';
import { parseEpsvPort, writeCommands } from './basic-ftp-internals.js';
import { connectData, PipelinedEpsv, pipelinesEpsv } from './pipelined-passive-transfer.js';
import { sendPipelined, type PipelinedReply } from './send-pipelined.js';

/**
 * Whether {@link storeBuffer} can upload `contents` on `client` now: the connection must already
 * pipeline `EPSV` (its first transfer chose it), and an empty file over TLS keeps basic-ftp's path,
 * which waits for the server's session ticket before closing (upload-source.ts).
 */
export function canStoreBuffer(client: Client, contents: Buffer): boolean {
  return pipelinesEpsv(client) && (contents.length > 0 || !client.ftp.hasTLS);
}

/**
 * The passive port of the next upload on a connection, opened ahead (see {@link StoreBufferOptions}).
 */
export interface StoreBufferOptions {
  /**
   * A passive port the server already opened on this connection for this upload (an `EPSV` sent
   * ahead by the previous upload, answered, and nothing sent since but `preamble`): `STOR` goes
   * without `EPSV`, and the data connection is opened at once.
   */
  readonly port?: number;
  /**
   * A command sent after `STOR` in the same write, and what its reply told. `EPSV` asks for the
   * next upload's passive port: a server that reads commands one at a time answers it right after
   * this upload's `226`, so the next upload's data connection can start as soon as that reply
   * arrives instead of a round trip later. `NOOP` finds out whether the server does read commands
   * one at a time: pyftpdlib answers commands while a transfer waits for its data connection, and
   * an `EPSV` there would close the passive port of the transfer under way.
   */
  readonly ahead?: {
    readonly command: 'EPSV' | 'NOOP';
    /**
     * `inOrder`: the reply came after the transfer's final reply. `port`: the passive port the
     * `EPSV` opened, when it came in order and the server gave one.
     */
    readonly done: (inOrder: boolean, port: number | undefined) => void;
  };
}

/**
 * Sends `STOR remotePath` with `contents` as the data and resolves with the server's completion
 * reply. Rejects with the server's FTPError when it refuses, or with the connection's error (and
 * basic-ftp closes the control connection) when a socket fails or times out. Call only when
 * {@link canStoreBuffer} says so; `remotePath` must not contain CR, LF or NUL.
 *
 * `preamble`: the previous upload's last batch on this connection (deferred-batch.ts), sent in
 * the same write before `EPSV`; its replies come first and settle it, whatever happens to this
 * upload (a failure of the connection before they all came fails it too). `options`: a passive
 * port opened ahead, and asking for the next one ({@link StoreBufferOptions}).
 */
export function storeBuffer(
  client: Client,
  remotePath: string,
  contents: Buffer,
  preamble?: DeferredBatch,
  options: StoreBufferOptions = {},
): Promise<FTPResponse> {
  const ftp = client.ftp;
  const host = ftp.socket.remoteAddress;
  const refuse = (error: Error): Promise<FTPResponse> => {
    preamble?.fail(error);
    return Promise.reject(error);
  };
  if (host === undefined) return refuse(new Error("Control socket is disconnected, can't get remote address."));
  if (/[\r\n\0]/.test(remotePath)) {
    // This upload cannot go, but the previous one's batch still must.
    if (preamble)
      return sendPipelined(client, preamble.commands).then(
        (replies) => {
          preamble.settle(replies);
          return Promise.reject(new Error(`invalid FTP path ${JSON.stringify(remotePath)}`));
        },
        (error: Error) => refuse(error),
      );
    return Promise.reject(new Error(`invalid FTP path ${JSON.stringify(remotePath)}`));
  }
  const preambleReplies: PipelinedReply[] = [];
  const { port: knownPort, ahead } = options;

  let task: TaskResolver | undefined;
  let settled = false;
  let dataSocket: Socket | undefined;
  let dataFinished = false;
  let dataError: Error | undefined;
  let completion: FTPResponse | undefined;
  /** The transfer's outcome once `STOR` had its final reply, held until the `EPSV` sent ahead is answered too. */
  let outcome: { readonly error?: Error } | undefined;
  /** True while the reply to the command sent ahead is still to come. */
  let aheadPending = ahead !== undefined;
  const epsv = new PipelinedEpsv(ftp, () => settled);

  const settle = (error?: Error): void => {
    if (settled) return;
    settled = true;
    // Replies of the preamble that never came: the connection failed before them.
    preamble?.fail(error ?? new Error('the connection ended before the previous upload was answered'));
    // The control connection watches for a stalled server again.
    ftp.socket.setTimeout(ftp.timeout);
    dataSocket?.destroy();
    if (error === undefined) task!.resolve(completion);
    else task!.reject(error);
  };
  /**
   * `STOR` had its final reply (or failed) with `error`: the task ends once the reply to the
   * command sent ahead is in too, so that that reply cannot reach the next task on the connection.
   */
  const conclude = (error?: Error): void => {
    outcome ??= { error };
    if (!aheadPending) settle(outcome.error);
  };
  /** Success needs both: the server's completion reply and every byte handed to the kernel. */
  const finishIfDone = (): void => {
    if (dataError !== undefined) return conclude(dataError);
    if (completion !== undefined && dataFinished) conclude();
  };
  const openData = (port: number): void => {
    connectData(ftp, host, port).then(
      (socket) => {
        if (settled) {
          socket.destroy();
          return;
        }
        dataSocket = socket;
        // The data connection now carries the transfer: it times out when stalled, the idle
        // control connection does not (as basic-ftp hands over during its own transfers).
        ftp.socket.setTimeout(0);
        socket.setTimeout(ftp.timeout, () => ftp.closeWithError(new Error('Timeout (data socket)')));
        const dataFailed = (error: Error): void => {
          // Once every byte and the end were handed over, the server's reply decides: a reset
          // of a connection the server is closing anyway says nothing about the file.
          if (dataFinished) return;
          dataError ??= error;
          // Wait for the server's reply, which says more than a reset does, with the control
          // connection watched for a stall again.
          ftp.socket.setTimeout(ftp.timeout);
          if (completion !== undefined) finishIfDone();
        };
        socket.on('error', dataFailed);
        socket.once('close', () => {
          if (!dataFinished) dataFailed(new Error('the data connection closed before all bytes were sent'));
        });
        socket.end(contents, (error?: Error | null) => {
          if (error) return dataFailed(error);
          dataFinished = true;
          finishIfDone();
        });
      },
      (error: Error) => {
        // Either the server refused the STOR (its reply is on the way) or it waits on its
        // port for a connection that will not come (then the session is closed, which fails
        // the upload with this error).
        if (!settled) epsv.dataConnectionFailed(error);
      },
    );
  };

  const lines = [...(preamble?.commands ?? []), ...(knownPort === undefined ? ['EPSV'] : []), `STOR ${remotePath}`, ...(ahead ? [ahead.command] : [])];
  const transfer = writeCommands<FTPResponse>(
    ftp,
    lines,
    () => lines.join(' + '),
    (response, resolver) => {
      task = resolver;
      // Socket errors, timeouts and a closed control connection end the upload at once.
      if (response instanceof Error && !(response instanceof FTPError)) return settle(response);
      if (preamble && preambleReplies.length < preamble.commands.length) {
        // Preliminary 1xx replies announce a data transfer, which none of these commands has.
        if (!(response instanceof FTPError) && response.code < 200) return;
        preambleReplies.push(response);
        if (preambleReplies.length === preamble.commands.length) preamble.settle(preambleReplies);
        return;
      }
      if (epsv.awaitingEpsv) {
        const port = epsv.portOf(response);
        if (port !== undefined) openData(port);
        return;
      }
      if (outcome !== undefined || completion !== undefined) {
        // STOR had its final reply: this one answers the command sent ahead.
        if (!aheadPending) return;
        aheadPending = false;
        ahead!.done(true, ahead!.command === 'EPSV' ? nextPortOf(response) : undefined);
        if (outcome !== undefined) settle(outcome.error);
        return;
      }
      if (aheadPending && answersAhead(ahead!.command, response)) {
        // Answered before the transfer ended: this server reads commands during a transfer.
        // STOR never answers 229 or 200, so the reply cannot be the transfer's.
        aheadPending = false;
        ahead!.done(false, undefined);
        return;
      }
      if (epsv.afterDataFailure(response) === 'closed') return;
      // After a refused EPSV, STOR went without a passive port: its reply means nothing.
      const refusal = epsv.afterRefusal(response);
      if (refusal === 'closed') return;
      if (refusal !== undefined) return conclude(refusal);
      if (response instanceof FTPError) return conclude(response);
      // 125/150: the server opened the file and reads the data already on its way.
      if (response.code < 200) return;
      completion = response;
      finishIfDone();
    },
  );
  // The port is open already: the data connection starts with the commands.
  if (knownPort !== undefined) {
    epsv.portOpenedAhead();
    openData(knownPort);
  }
  return transfer;
}

/** Whether `response` can only be the reply to the `command` sent ahead (never one of STOR's). */
function answersAhead(command: 'EPSV' | 'NOOP', response: FTPResponse): boolean {
  return !(response instanceof FTPError) && response.code === (command === 'EPSV' ? 229 : 200);
}

/** The port of a reply to `EPSV`, or undefined when it was refused or names none. */
function nextPortOf(response: FTPResponse): number | undefined {
  if (response instanceof FTPError) return undefined;
  try {
    return parseEpsvPort(response.message);
  } catch {
    return undefined;
  }
}
