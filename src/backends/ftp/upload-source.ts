/**
 * The stream handed to basic-ftp for an upload.
 */
import type { Client } from 'basic-ftp';
import { Readable } from 'node:stream';
import { TLSSocket } from 'node:tls';

const macrotask = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Resolves once the TLS data connection of `client` has received the server's TLS 1.3 session
 * ticket, or after `timeoutMs` (proftpd and pure-ftpd send none on resumed data connections; a
 * server that sends one does so right after the handshake). `ticketBefore` is the ticket basic-ftp had stored before the
 * transfer: a different one means the ticket already came.
 *
 * Why: an OpenSSL server writes its session ticket just after the handshake. When the client
 * closes an empty upload before that write, vsftpd fails the write, aborts the session and sends
 * "500 OOPS" in clear text over the TLS control connection; proftpd and pure-ftpd fail the
 * handshake ("unexpected eof", TLS alert 50).
 */
async function ticketArrived(client: Client, ticketBefore: Buffer | undefined, timeoutMs: number): Promise<void> {
  const socket = client.ftp.dataSocket;
  if (!(socket instanceof TLSSocket) || socket.getProtocol() !== 'TLSv1.3') return macrotask();
  if (client.ftp.tlsSessionStore !== ticketBefore) return macrotask();
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      socket.off('session', done);
      socket.off('close', done);
      // basic-ftp's own 'session' listener stores the ticket: let it run first.
      setTimeout(resolve, 0);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('session', done);
    socket.on('close', done);
  });
}

async function* withSafeEnd(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
  client: Client | undefined,
  ticketBefore: Buffer | undefined,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const chunk of source) {
    bytes += chunk.length;
    yield chunk;
  }
  // basic-ftp starts writing as soon as the TLS data connection reports `secureConnect`: an empty
  // file would end it in that same tick, before the server finished its side of the handshake.
  if (bytes === 0 && client !== undefined) await ticketArrived(client, ticketBefore, 25);
  else await macrotask();
}

/**
 * A stream of `source`'s bytes that is safe to upload over FTPS even when empty (see
 * `ticketArrived`). Pass the client that will upload it. Errors of `source` become errors of the
 * returned stream, which basic-ftp turns into a failed upload.
 */
export function uploadSource(source: AsyncIterable<Buffer> | Iterable<Buffer>, client?: Client): Readable {
  // Taken now, before the data connection exists (a generator's body runs only when read).
  const ticketBefore = client?.ftp.tlsSessionStore;
  const stream = Readable.from(withSafeEnd(source, client, ticketBefore), { objectMode: false });
  // basic-ftp listens only while it uploads; an error outside that window must not crash.
  stream.on('error', () => undefined);
  return stream;
}
