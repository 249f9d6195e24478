/**
 * Passive-mode data connections with `EPSV` and the transfer command sent in one write.
 *
 * basic-ftp's passive mode sends `EPSV`, waits for its reply, connects to the port it names, and
 * only then sends the transfer command (`STOR`, `RETR`, `MLSD`): two writes and two round trips
 * before the first byte of data, for every file and every folder listing. Once `EPSV` has worked
 * on a connection, the strategy here sends `EPSV` and the transfer command together. A server
 * reads commands one line at a time: it opens its passive port for the first and then waits on
 * that port for the client's connection to carry out the second.
 *
 * In basic-ftp's terms: `prepareTransfer(ftp)` sets a placeholder data socket (basic-ftp refuses
 * to start a download without one) and wraps the response handler of the next command, the
 * transfer command basic-ftp sends right after. The wrapper writes `EPSV` and that command at
 * once, takes the `229` reply itself, connects (in TLS, resuming the session, for FTPS), and holds
 * the server's other replies until the connection is up. Then the socket becomes `ftp.dataSocket`
 * exactly as basic-ftp's own passive mode would set it, and the held replies go on in order, so
 * basic-ftp's transfer code (timeouts, TLS waits, completion) runs unchanged.
 *
 * When `EPSV` is refused after all, the transfer command's reply is swallowed and the transfer
 * fails with the `EPSV` error; should the server start a transfer anyway (a `1xx` reply), the
 * connection is closed, since its state is unknown. So is it when that reply does not come within
 * {@link epsvRefusalGraceMs}: proftpd, out of passive ports ("425 EPSV: Address already in
 * use" while thousands of small files cycle through its port range), never answered the `STOR`
 * that followed, and the upload hung until the control connection's 30 s timeout.
 *
 * A download can ask for its data socket to read straight into buffers of its own
 * ({@link receiveNextRetrDirectly}): the socket is then opened with `onread`, and its bytes go to
 * that receiver instead of the socket's stream, which only reports the end (basic-ftp still pipes
 * it and settles the transfer when it ends, as before).
 */
import { isIP, Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, TLSSocket, type ConnectionOptions } from 'node:tls';
import { enterPassiveModeIPv6, FTPError, type Client, type FTPContext, type FTPResponse, type ResponseHandler, type TaskResolver } from 'basic-ftp';
import { interceptNextCommand, parseEpsvPort, setPlaceholderDataSocket, writeCommands } from './basic-ftp-internals.js';

/** Where the bytes of a download's data connection go when read directly (see the module comment). */
export interface DirectReceiver {
  /** The `onread` options the data socket is opened with. */
  readonly onread: OnReadOpts;
  /** Called with the data socket as soon as it exists, before any byte is read. */
  attach(socket: Socket): void;
}

/** Receivers waiting for the next `RETR` of a connection. */
const receivers = new WeakMap<FTPContext, DirectReceiver>();

/**
 * Asks for the data of the next `RETR` on `ftp` to go to `receiver`. Only a data connection
 * opened here (`EPSV` pipelined with the command) can do that; otherwise the receiver is never
 * attached and the data arrives as stream chunks as usual. Call {@link forgetDirectReceiver}
 * once the transfer is over, so a receiver that was not used never reaches a later `RETR`.
 */
export function receiveNextRetrDirectly(ftp: FTPContext, receiver: DirectReceiver): void {
  receivers.set(ftp, receiver);
}

/** Withdraws a receiver given to {@link receiveNextRetrDirectly}, if it is still waiting. */
export function forgetDirectReceiver(ftp: FTPContext, receiver: DirectReceiver): void {
  if (receivers.get(ftp) === receiver) receivers.delete(ftp);
}

/** The waiting receiver for `command`, taken (used once), when it is a `RETR`. */
function takeReceiver(ftp: FTPContext, command: string): DirectReceiver | undefined {
  const receiver = receivers.get(ftp);
  if (receiver === undefined || !/^RETR /i.test(command)) return undefined;
  receivers.delete(ftp);
  return receiver;
}

/**
 * How long a transfer command sent with a refused `EPSV` may take to be answered before the
 * connection is closed (see the module comment), given how long the refusal itself took to come
 * (a round trip): 8 round trips, at least 500 ms and at most 3 s. Its answer normally comes right
 * after the refusal; the transfer fails with the `EPSV` error either way (425 is retried by the
 * executor), so waiting longer only keeps the connection. On loopback a fixed 3 s stalled about
 * one upload of 2,000 small files in six.
 */
export function epsvRefusalGraceMs(roundTripMs: number): number {
  return Math.min(EPSV_REFUSAL_GRACE_MAX_MS, Math.max(EPSV_REFUSAL_GRACE_MIN_MS, 8 * roundTripMs));
}

/** Shortest wait of {@link epsvRefusalGraceMs}. */
export const EPSV_REFUSAL_GRACE_MIN_MS = 500;
/** Longest wait of {@link epsvRefusalGraceMs}. */
export const EPSV_REFUSAL_GRACE_MAX_MS = 3000;

/**
 * What the first reply to a pipelined `EPSV` + transfer command decides, for both handlers of
 * such pairs (here and store-buffer.ts): `EPSV`'s own reply gives the passive port or a refusal;
 * after a refusal, the transfer command's reply means nothing, and the connection is closed when
 * that reply announces a transfer anyway (`1xx`) or does not come within
 * {@link epsvRefusalGraceMs}.
 */
export class PipelinedEpsv {
  private replied = false;
  private refusal: Error | undefined;
  private dataFailure: Error | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When `EPSV` and the transfer command were sent (made just before sending them). */
  private readonly sentAtMs = performance.now();

  /** @param settled tells whether the transfer has ended (then no closing is needed). */
  constructor(
    private readonly ftp: FTPContext,
    private readonly settled: () => boolean,
  ) {}

  /** True while the next reply is `EPSV`'s own. */
  get awaitingEpsv(): boolean {
    return !this.replied;
  }

  /** `EPSV` was sent and answered before (ahead, with the previous transfer): no reply of its own is due. */
  portOpenedAhead(): void {
    this.replied = true;
  }

  /** Reads `EPSV`'s reply: the passive port, or undefined when it was refused (or unreadable). */
  portOf(response: FTPResponse): number | undefined {
    this.replied = true;
    try {
      if (response instanceof FTPError) throw response;
      return parseEpsvPort(response.message);
    } catch (error) {
      this.refusal = error as Error;
      this.awaitReply(this.refusal);
      return undefined;
    }
  }

  /**
   * The data connection to the passive port failed. A server that refused the transfer command
   * (`550` for a missing folder) closes that port, so the failure and the refusal arrive at about
   * the same time: the command's reply is waited for as long as after a refused `EPSV`, so that
   * the transfer fails with what the server said and the connection is kept. Without a reply the
   * connection is closed with `error`.
   */
  dataConnectionFailed(error: Error): void {
    if (this.settled() || this.ftp.closed) return;
    this.dataFailure = error;
    this.awaitReply(error);
  }

  /**
   * The transfer command's reply after {@link dataConnectionFailed}: `'closed'` when it announces
   * a transfer (the server waits for a connection that failed: the connection is being closed with
   * that failure). Undefined otherwise; a refusal then fails the transfer as usual.
   */
  afterDataFailure(response: FTPResponse): 'closed' | undefined {
    const failure = this.dataFailure;
    if (failure === undefined) return undefined;
    this.dataFailure = undefined;
    return this.closedOnTransfer(response, failure) ? 'closed' : undefined;
  }

  /**
   * The transfer command's reply after a refused `EPSV`: the error to fail the transfer with, or
   * `'closed'` when a transfer was announced without a data port (the connection is being closed
   * with the refusal, which reaches the handler once more as that error). Undefined when `EPSV`
   * had worked: the reply is the transfer's own.
   */
  afterRefusal(response: FTPResponse): Error | 'closed' | undefined {
    const refusal = this.refusal;
    if (refusal === undefined) return undefined;
    if (!this.closedOnTransfer(response, refusal)) return refusal;
    this.refusal = undefined;
    return 'closed';
  }

  /** Closes the connection with `error` unless the transfer command is answered in time. */
  private awaitReply(error: Error): void {
    this.timer = setTimeout(
      () => {
        if (!this.settled() && !this.ftp.closed) this.ftp.closeWithError(error);
      },
      epsvRefusalGraceMs(performance.now() - this.sentAtMs),
    );
    this.timer.unref();
  }

  /**
   * The transfer command's reply came: the wait ends. A reply announcing a transfer (`1xx`) has no
   * data connection to go with it, so the connection is closed with `error` (true).
   */
  private closedOnTransfer(response: FTPResponse, error: Error): boolean {
    clearTimeout(this.timer);
    if (response instanceof FTPError || response.code >= 200) return false;
    this.ftp.closeWithError(error);
    return true;
  }
}

/**
 * Makes `client` pipeline `EPSV` with each transfer command once its first transfer has chosen
 * `EPSV` (basic-ftp tries `EPSV`, then `PASV`, on the first transfer and keeps what worked).
 * Connections that fell back to `PASV` keep basic-ftp's own passive mode.
 */
export function pipelineEpsvOnceChosen(client: Client, onChosen?: () => void): void {
  const choose = client.prepareTransfer;
  client.prepareTransfer = async (ftp: FTPContext): Promise<FTPResponse> => {
    // basic-ftp's chooser replaces client.prepareTransfer by the strategy that worked.
    const reply = await choose(ftp);
    if (client.prepareTransfer === enterPassiveModeIPv6) {
      client.prepareTransfer = sendEpsvWithNextCommand;
      onChosen?.();
    }
    return reply;
  };
}

/**
 * Makes `client` pipeline `EPSV` from its first transfer on, for a server where another
 * connection already chose `EPSV` (the choice is the server's, not the connection's): the first
 * transfer saves the round trip of a lone `EPSV`.
 */
export function pipelineEpsvFromStart(client: Client): void {
  client.prepareTransfer = sendEpsvWithNextCommand;
}

/** A `prepareTransfer` that sends `EPSV` together with the next command (see the module comment). */
export function sendEpsvWithNextCommand(ftp: FTPContext): Promise<FTPResponse> {
  const host = ftp.socket.remoteAddress;
  if (host === undefined) return Promise.reject(new Error("Control socket is disconnected, can't get remote address."));
  const placeholder = setPlaceholderDataSocket(ftp);
  interceptNextCommand(ftp, (command, responseHandler, originalHandle) => {
    if (command === undefined || /[\r\n\0]/.test(command)) {
      // Not a transfer command basic-ftp sends: let basic-ftp handle (or refuse) it.
      if (ftp.dataSocket === placeholder) ftp.dataSocket = undefined;
      return originalHandle.call(ftp, command, responseHandler);
    }
    return handleWithEpsv(ftp, host, placeholder, command, originalHandle, responseHandler);
  });
  return Promise.resolve({ code: 229, message: '229 EPSV is sent with the transfer command' });
}

function handleWithEpsv(
  ftp: FTPContext,
  host: string,
  placeholder: Socket,
  command: string,
  originalHandle: FTPContext['handle'],
  responseHandler: ResponseHandler,
): Promise<unknown> {
  let connected = false;
  let settled = false;
  const held: Array<{ response: FTPResponse; task: TaskResolver }> = [];
  const receiver = takeReceiver(ftp, command);
  const epsv = new PipelinedEpsv(ftp, () => settled);
  const pass = (response: Error | FTPResponse, task: TaskResolver): void => {
    if (response instanceof Error) {
      settled = true;
      held.length = 0;
    }
    responseHandler(response, task);
  };

  const onReply = (response: Error | FTPResponse, resolver: TaskResolver): void => {
    // Socket errors, timeouts, a closed connection, and refusals of the transfer command go
    // straight on (basic-ftp fails the transfer); a data connection still on its way is dropped.
    if (response instanceof Error && !(response instanceof FTPError)) return pass(response, resolver);
    if (epsv.awaitingEpsv) {
      const port = epsv.portOf(response);
      if (port === undefined) return;
      connectData(ftp, host, port, receiver).then(
        (socket) => {
          if (settled || ftp.dataSocket !== placeholder) {
            socket.destroy();
            return;
          }
          connected = true;
          ftp.dataSocket = socket;
          for (const { response: heldResponse, task: heldTask } of held.splice(0)) responseHandler(heldResponse, heldTask);
        },
        (error: Error) => {
          // Either the server refused the command (its reply is on the way) or it waits on its
          // port for a connection that will not come (then the session is closed).
          if (!settled) epsv.dataConnectionFailed(error);
        },
      );
      return;
    }
    if (epsv.afterDataFailure(response) === 'closed') return;
    // After a refused EPSV the transfer command went without a passive port: its reply means nothing.
    const refusal = epsv.afterRefusal(response);
    if (refusal === 'closed') return;
    if (refusal !== undefined) return pass(refusal, resolver);
    if (response instanceof FTPError) return pass(response, resolver);
    if (!connected) {
      held.push({ response, task: resolver });
      return;
    }
    responseHandler(response, resolver);
  };
  const task = writeCommands(ftp, ['EPSV', command], () => `EPSV + ${command}`, onReply, originalHandle);
  task.then(
    () => (settled = true),
    () => (settled = true),
  );
  return task;
}

/** True once `client` sends `EPSV` together with its transfer commands (see the module comment). */
export function pipelinesEpsv(client: Client): boolean {
  return client.prepareTransfer === sendEpsvWithNextCommand;
}

/**
 * Connects to the server's passive port, in TLS resuming the control session on FTPS; with a
 * receiver, the socket reads into the receiver's buffers.
 */
export function connectData(ftp: FTPContext, host: string, port: number, receiver?: DirectReceiver): Promise<Socket | TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = ftp.socket instanceof TLSSocket;
    // `onread` works on a TLS socket only when tls.connect opens the TCP connection itself.
    const socket =
      tls && receiver !== undefined
        ? directTlsSocket(ftp, host, port, receiver)
        : new Socket(receiver === undefined ? undefined : ({ onread: receiver.onread } as SocketConstructorOpts));
    if (socket instanceof TLSSocket) keepSessionTicket(ftp, socket);
    receiver?.attach(socket);
    const onError = (error: Error): void => {
      error.message = `Can't open data connection in passive mode: ${error.message}`;
      reject(error);
    };
    const onTimeout = (): void => {
      socket.destroy();
      reject(new Error(`Timeout when trying to open data connection to ${host}:${port}`));
    };
    const onConnect = (): void => {
      socket.setTimeout(0);
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      if (!tls || socket instanceof TLSSocket) return resolve(socket);
      // As basic-ftp does: resume the latest session, and keep the ticket the server sends after
      // this handshake (TLS 1.3 tickets are single-use) for the next data connection.
      const secure = tlsConnect({ ...ftp.tlsOptions, socket, session: sessionFor(ftp) });
      keepSessionTicket(ftp, secure);
      resolve(secure);
    };
    socket.setTimeout(ftp.timeout);
    socket.once('error', onError);
    socket.once('timeout', onTimeout);
    // A TLS socket emits 'connect' once its TCP connection is up, before the handshake.
    if (socket instanceof TLSSocket) socket.once('connect', onConnect);
    else socket.connect({ port, host, family: ftp.ipFamily }, onConnect);
  });
}

/**
 * A TLS data socket that opens its own TCP connection to `host` (the control connection's peer
 * address) and reads with the receiver's `onread`. The certificate is checked against the name
 * the control connection was opened with, as when TLS is started on a connected socket.
 */
function directTlsSocket(ftp: FTPContext, host: string, port: number, receiver: DirectReceiver): TLSSocket {
  const identity = ftp.tlsOptions.host ?? host;
  const check = ftp.tlsOptions.checkServerIdentity ?? checkServerIdentity;
  // `family` and `onread` go on to the TCP socket (the TLS types leave them out).
  const options: ConnectionOptions & { family: number | undefined; onread: OnReadOpts } = {
    ...ftp.tlsOptions,
    host,
    port,
    family: ftp.ipFamily,
    // The name goes in SNI too, as it does when TLS starts on a connected socket (`host` is now
    // the peer's address, which SNI cannot carry): a server choosing its certificate by name
    // presents the same one as on the control connection.
    servername: ftp.tlsOptions.servername ?? (isIP(identity) === 0 ? identity : undefined),
    session: sessionFor(ftp),
    checkServerIdentity: (_name, cert) => check(identity, cert),
    onread: receiver.onread,
  };
  return tlsConnect(options);
}

/** The TLS session a data connection resumes: the latest ticket, else the control connection's. */
function sessionFor(ftp: FTPContext): Buffer | undefined {
  return ftp.tlsSessionStore ?? (ftp.socket as TLSSocket).getSession();
}

/** Keeps each session ticket the server sends, for the next data connection. */
function keepSessionTicket(ftp: FTPContext, socket: TLSSocket): void {
  socket.on('session', (session: Buffer) => {
    ftp.tlsSessionStore = session;
  });
}
