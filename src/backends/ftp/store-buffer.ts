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
import { FTPError, type Client, type FTPResponse } from 'basic-ftp';
import type { DeferredBatch } from './deferred-batch.js';
import { writeCommands } from './basic-ftp-internals.js';
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
 * Sends `STOR remotePath` with `contents` as the data and resolves with the server's completion
 * reply. Rejects with the server's FTPError when it refuses, or with the connection's error (and
 * basic-ftp closes the control connection) when a socket fails or times out. Call only when
 * {@link canStoreBuffer} says so; `remotePath` must not contain CR, LF or NUL.
 *
 * `preamble`: the previous upload's last batch on this connection (deferred-batch.ts), sent in
 * the same write before `EPSV`; its replies come first and settle it, whatever happens to this
 * upload (a failure of the connection before they all came fails it too).
 */
export function storeBuffer(client: Client, remotePath: string, contents: Buffer, preamble?: DeferredBatch): Promise<FTPResponse> {
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

  let settled = false;
  let dataSocket: Socket | undefined;
  let dataFinished = false;
  let dataError: Error | undefined;
  let completion: FTPResponse | undefined;
  const epsv = new PipelinedEpsv(ftp, () => settled);

  const lines = [...(preamble?.commands ?? []), 'EPSV', `STOR ${remotePath}`];
  return writeCommands<FTPResponse>(
    ftp,
    lines,
    () => lines.join(' + '),
    (response, resolver) => {
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        // Replies of the preamble that never came: the connection failed before them.
        preamble?.fail(error ?? new Error('the connection ended before the previous upload was answered'));
        // The control connection watches for a stalled server again.
        ftp.socket.setTimeout(ftp.timeout);
        dataSocket?.destroy();
        if (error === undefined) resolver.resolve(completion);
        else resolver.reject(error);
      };
      /** Success needs both: the server's completion reply and every byte handed to the kernel. */
      const finishIfDone = (): void => {
        if (dataError !== undefined) return settle(dataError);
        if (completion !== undefined && dataFinished) settle();
      };

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
        if (port === undefined) return;
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
        return;
      }
      if (epsv.afterDataFailure(response) === 'closed') return;
      // After a refused EPSV, STOR went without a passive port: its reply means nothing.
      const refusal = epsv.afterRefusal(response);
      if (refusal === 'closed') return;
      if (refusal !== undefined) return settle(refusal);
      if (response instanceof FTPError) return settle(response);
      // 125/150: the server opened the file and reads the data already on its way.
      if (response.code < 200) return;
      completion = response;
      finishIfDone();
    },
  );
}
