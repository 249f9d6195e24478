/**
 * Active-mode FTP data connections for basic-ftp, which itself only does passive mode.
 *
 * basic-ftp calls `client.prepareTransfer(ftp)` right before each transfer command (LIST/MLSD,
 * RETR, STOR) and expects `ftp.dataSocket` to be set afterwards. In passive mode the client
 * connects, so the socket exists by then. In active mode the server connects to us, and only once
 * it has the transfer command. So the strategy here:
 *
 * 1. listens on an ephemeral port on the control connection's local address;
 * 2. sends `EPRT |1|addr|port|` (`|2|` for IPv6), falling back to `PORT h1,h2,h3,h4,p1,p2` when the
 *    server does not know EPRT (remembered per connection);
 * 3. sets a placeholder data socket (basic-ftp refuses to start a download without one) and wraps
 *    the response handler of the next command: from the server's first 1xx/2xx reply on, replies are
 *    held back until the server's data connection has been accepted, then the accepted socket
 *    (wrapped in TLS as a client, resuming the control connection's session, for FTPS) becomes
 *    `ftp.dataSocket` exactly as passive mode would set it, and the held replies are handed on in
 *    order;
 * 4. fails the transfer with a one-line timeout error when the server has not connected within
 *    `acceptTimeoutMs`.
 *
 * Only a connection from the control connection's peer address is accepted (anything else is
 * closed and waited past), so another host cannot inject or steal the data.
 */
import { createServer, isIPv6, Socket, type Server } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { FTPError, type FTPContext, type FTPResponse, type ResponseHandler, type TaskResolver } from 'basic-ftp';
import { interceptNextCommand, setPlaceholderDataSocket } from './basic-ftp-internals.js';

/** Options of {@link activeModeTransfer}. */
export interface ActiveModeOptions {
  /** How long to wait for the server's data connection after the transfer command (ms). */
  readonly acceptTimeoutMs: number;
}

/** The signature of basic-ftp's `Client.prepareTransfer`. */
export type PrepareTransfer = (ftp: FTPContext) => Promise<FTPResponse>;

/** `::ffff:127.0.0.1` → `127.0.0.1`, so IPv4 peers compare equal however the socket reports them. */
function plainAddress(address: string): string {
  return address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}

/** Reply codes meaning "EPRT is not known or not for this address family": try PORT instead. */
const eprtUnsupported = new Set([500, 501, 502, 504, 522]);

function listen(host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, backlog: 4, exclusive: true }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** A timeout error that ftp-errors.ts maps to BackendError `timeout`, in one line. */
function acceptTimeoutError(address: string, port: number, ms: number): Error {
  const error = new Error(
    `the server did not open the active-mode data connection to ${address}:${port} within ${Math.round(ms / 1000)} s; ` +
      `a firewall or NAT between the server and this machine may block it: drop --ftp-active to use passive mode`,
  ) as Error & { code: string };
  error.code = 'ETIMEDOUT';
  return error;
}

/**
 * Returns a `prepareTransfer` for basic-ftp's Client that uses active mode (see the module
 * comment). One per client: it remembers whether the server knows EPRT.
 */
export function activeModeTransfer(options: ActiveModeOptions): PrepareTransfer {
  let useEprt = true;
  return async (ftp: FTPContext): Promise<FTPResponse> => {
    const control = ftp.socket;
    const localAddress = control.localAddress;
    const peerAddress = control.remoteAddress;
    if (localAddress === undefined || peerAddress === undefined) {
      throw new Error('Control socket is disconnected, cannot open an active-mode data connection.');
    }
    const host = plainAddress(localAddress);
    const server = await listen(host);
    const port = (server.address() as { port: number }).port;
    // Listen for the server's connection before announcing the port: some servers (pyftpdlib)
    // connect as soon as they get EPRT/PORT, before the transfer command.
    const expected = expectConnection(ftp, server, plainAddress(peerAddress), host, port, options.acceptTimeoutMs);
    let reply: FTPResponse;
    try {
      reply = await announce(ftp, host, port);
    } catch (error) {
      expected.cancel();
      throw error;
    }
    expected.wrapNextCommand();
    return reply;
  };

  /** Tells the server where to connect: EPRT, or PORT where EPRT is unknown. */
  async function announce(ftp: FTPContext, host: string, port: number): Promise<FTPResponse> {
    const v6 = isIPv6(host);
    if (useEprt || v6) {
      try {
        return await ftp.request(`EPRT |${v6 ? 2 : 1}|${host}|${port}|`);
      } catch (error) {
        if (v6 || !(error instanceof FTPError) || !eprtUnsupported.has(error.code)) throw error;
        useEprt = false;
      }
    }
    const [a, b, c, d] = host.split('.');
    return ftp.request(`PORT ${a},${b},${c},${d},${port >> 8},${port & 255}`);
  }
}

/** What {@link expectConnection} returns. */
interface ExpectedConnection {
  /** Hands the data connection to the next command sent on the context (the transfer command). */
  wrapNextCommand(): void;
  /** Stops listening (the server refused EPRT/PORT). */
  cancel(): void;
}

/**
 * Arranges for the server's connection to `server` to become the data socket of the next command
 * sent on `ftp` (see step 3 of the module comment).
 */
function expectConnection(ftp: FTPContext, server: Server, peer: string, host: string, port: number, timeoutMs: number): ExpectedConnection {
  // basic-ftp's downloadTo() refuses to send its command without a data socket. This one is never
  // connected; setting the real socket later closes it.
  const placeholder = setPlaceholderDataSocket(ftp);

  let dataSocket: Socket | TLSSocket | undefined;
  let settled = false;
  let timer: NodeJS.Timeout | undefined;
  let holding = false;
  const held: Array<{ response: FTPResponse; task: TaskResolver }> = [];
  let handler: ResponseHandler | undefined;

  const finish = (): void => {
    settled = true;
    if (timer !== undefined) clearTimeout(timer);
    server.close();
  };

  server.on('connection', (socket: Socket) => {
    if (settled || dataSocket !== undefined || plainAddress(socket.remoteAddress ?? '') !== peer) {
      socket.destroy();
      return;
    }
    finish();
    let data: Socket | TLSSocket = socket;
    if (ftp.socket instanceof TLSSocket) {
      // FTPS: the FTP client is the TLS client on every data connection, whoever connected
      // (RFC 4217), and resumes the control connection's session as basic-ftp does in passive mode.
      const tlsSocket = tlsConnect({
        ...ftp.tlsOptions,
        socket,
        session: ftp.tlsSessionStore ?? ftp.socket.getSession(),
      });
      tlsSocket.on('session', (session: Buffer) => {
        ftp.tlsSessionStore = session;
      });
      data = tlsSocket;
    }
    dataSocket = data;
    if (ftp.dataSocket === placeholder) ftp.dataSocket = data;
    else data.destroy();
    const replay = held.splice(0);
    for (const { response, task } of replay) handler?.(response, task);
  });

  return {
    cancel(): void {
      if (!settled) finish();
      if (ftp.dataSocket === placeholder) ftp.dataSocket = undefined;
    },
    wrapNextCommand(): void {
      // Wrap the response handler of the next command only (the transfer command basic-ftp sends
      // right after prepareTransfer).
      interceptNextCommand(ftp, (command, responseHandler, originalHandle) => {
        handler = responseHandler;
        if (!settled) {
          timer = setTimeout(() => {
            if (settled) return;
            finish();
            // Passes the error to the task's handler (which rejects the transfer) and closes the
            // connection: the server may still connect or answer later, so the session is not reusable.
            ftp.closeWithError(acceptTimeoutError(host, port, timeoutMs));
          }, timeoutMs);
        }
        return originalHandle.call(ftp, command, (response: Error | FTPResponse, task: TaskResolver) => {
          if (response instanceof Error) {
            if (!settled) finish();
            held.length = 0;
            responseHandler(response, task);
            return;
          }
          // 350 (a REST before RETR) goes straight on; the reply that starts the transfer (150/125)
          // and everything after it wait for the data connection.
          if (dataSocket === undefined && (holding || response.code < 300 || response.code >= 400)) {
            holding = true;
            held.push({ response, task });
            return;
          }
          responseHandler(response, task);
        });
      });
    },
  };
}
