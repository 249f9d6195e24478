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
import { speedTrickOn } from '../../core/speed-tricks.js';
import { writeCommands } from './basic-ftp-internals.js';

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
  if (!speedTrickOn('ftp-send-pipelined')) return sendOneByOne(client, commands);
  const replies: PipelinedReply[] = [];
  return writeCommands<PipelinedReply[]>(
    client.ftp,
    commands,
    () => commands.join(' + '),
    (response, task) => {
      if (response instanceof FTPError || !(response instanceof Error)) {
        // Preliminary 1xx replies announce a data transfer, which none of these commands has.
        if (!(response instanceof FTPError) && response.code < 200) return;
        replies.push(response);
        if (replies.length === commands.length) task.resolve(replies);
        return;
      }
      task.reject(response);
    },
  );
}

/** The plain path of {@link sendPipelined}: one command, one round trip, with the same replies. */
async function sendOneByOne(client: Client, commands: readonly string[]): Promise<PipelinedReply[]> {
  const replies: PipelinedReply[] = [];
  for (const command of commands) {
    try {
      replies.push(await client.send(command));
    } catch (error) {
      if (!(error instanceof FTPError)) throw error;
      replies.push(error);
    }
  }
  return replies;
}

/** Throws the reply when it is an error (for replies that must have succeeded). */
export function successOf(reply: PipelinedReply): FTPResponse {
  if (reply instanceof FTPError) throw reply;
  return reply;
}
