/**
 * The stall rule (stall-watch.ts) applied to one basic-ftp client: its control connection and each
 * data connection in turn.
 */
import type { Client } from 'basic-ftp';
import type { Socket } from 'node:net';
import { watchForStall } from '../stall-watch.js';
import { runningTask } from './basic-ftp-internals.js';

function bytesOf(socket: Socket | undefined): number {
  return socket === undefined ? 0 : (socket.bytesRead ?? 0) + (socket.bytesWritten ?? 0);
}

/**
 * Fails the running command of `client` with `Timeout (reason)` (a retryable `timeout`, see
 * ftp-errors.ts) when the connection stalls or trickles, and stops watching once the client is
 * closed. Returns a function that stops watching.
 */
export function watchFtpClient(client: Client, timeoutMs: number, minRate: number): () => void {
  const ftp = client.ftp;
  let dataSocket: Socket | undefined;
  /** Bytes of data connections that are over. */
  let doneDataBytes = 0;
  let lastTask: object | undefined;
  let tasksSeen = 0;
  const currentData = (): Socket | undefined => {
    const socket = ftp.dataSocket;
    if (socket !== dataSocket) {
      doneDataBytes += bytesOf(dataSocket);
      dataSocket = socket;
    }
    return socket;
  };
  let stop = (): void => undefined;
  stop = watchForStall(
    {
      bytes: () => bytesOf(ftp.socket) + doneDataBytes + bytesOf(currentData()),
      completed: () => {
        if (runningTask(ftp) !== lastTask) {
          lastTask = runningTask(ftp);
          tasksSeen++;
        }
        return tasksSeen;
      },
      waitingOnServer: () => {
        if (ftp.closed) {
          stop();
          return false;
        }
        if (runningTask(ftp) === undefined) return false;
        const data = currentData();
        if (data === undefined || data.destroyed) return true;
        // A download whose reader is full, or an upload whose own source has nothing to send yet
        // (not yet ended: after the end, the server's 226 is what is awaited).
        if (data.isPaused()) return false;
        if (data.bytesWritten > 0 && !data.writableEnded && data.writableLength === 0) return false;
        return true;
      },
    },
    { timeoutMs, minRate, onStall: (reason) => ftp.closeWithError(new Error(`Timeout (${reason})`)) },
  );
  return stop;
}
