/**
 * Several FTP commands sent in one write, their replies read in order (command pipelining).
 *
 * RFC 959 servers read the control connection line by line and answer each command in turn, so a
 * client may send the next command before the previous reply came. Sending commands whose
 * outcomes do not decide whether the next one may be sent (set a time, then RNFR; RNTO, then
 * MLST) in one packet saves a round trip and a write per command, which is most of the cost of
 * uploading many small files.
 */
import { FTPError, type Client, type FTPResponse } from 'basic-ftp';

/** One command's reply: the response, or the FTPError of a 4xx/5xx reply. */
export type PipelinedReply = FTPResponse | FTPError;

/**
 * Sends `commands` (none may contain CR, LF or NUL) in one write and resolves with one reply per
 * command, in order. Rejects (and basic-ftp closes the connection) when the connection fails or
 * times out; a refused command is not a rejection, its FTPError is in the result.
 */
export function sendPipelined(client: Client, commands: readonly string[]): Promise<PipelinedReply[]> {
  for (const command of commands) {
    if (/[\r\n\0]/.test(command)) return Promise.reject(new Error(`invalid FTP command ${JSON.stringify(command)}`));
  }
  const replies: PipelinedReply[] = [];
  const ftp = client.ftp;
  // basic-ftp records a stack trace per task, for messages about misuse; not needed here.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const done = ftp.handle(undefined, (response, task) => {
      if (response instanceof FTPError || !(response instanceof Error)) {
        // Preliminary 1xx replies announce a data transfer, which none of these commands has.
        if (!(response instanceof FTPError) && response.code < 200) return;
        replies.push(response);
        if (replies.length === commands.length) task.resolve(replies);
        return;
      }
      task.reject(response);
    }) as Promise<PipelinedReply[]>;
    // handle() installed the task synchronously: the replies cannot arrive before it.
    if (ftp.verbose) ftp.log(`> ${commands.join(' + ')}`);
    if (!ftp.closed) ftp.socket.write(commands.map((command) => `${command}\r\n`).join(''), ftp.encoding);
    return done;
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

/** Throws the reply when it is an error (for replies that must have succeeded). */
export function successOf(reply: PipelinedReply): FTPResponse {
  if (reply instanceof FTPError) throw reply;
  return reply;
}
