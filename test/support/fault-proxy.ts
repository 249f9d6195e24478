/**
 * A fault-injecting TCP proxy on loopback, to play a bad network between ferry and a test server.
 *
 * It listens on 127.0.0.1 (a free port) and forwards every connection to one server port. Faults a
 * test can switch on and off at any time:
 * - {@link FaultProxy.dropAfterBytes}: reset connections once they have carried N bytes (a cable
 *   pulled mid-transfer), for a limited number of connections;
 * - {@link FaultProxy.stall}: stop forwarding in both directions while keeping every socket open
 *   (a frozen router: nothing arrives, nothing fails);
 * - {@link FaultProxy.setDelay}: hold every chunk back for some milliseconds (a slow link);
 * - {@link FaultProxy.setLatency}: deliver every chunk some milliseconds after it was sent, in order
 *   but not one after the other (a long link: a server far away, as in `npm run bench:small --
 *   --latency-ms N`);
 * - {@link FaultProxy.trickle}: let only a few bytes a second through each way of every connection
 *   (a server that never goes silent but never gets anywhere either);
 * - {@link FaultProxy.refuse}: reset new connections at once (a server that is gone), for a while
 *   or until {@link FaultProxy.accept};
 * - {@link FaultProxy.cutAll}: reset every open connection now;
 * - {@link FaultProxy.whenBytes}: run any of these once the proxy has carried N bytes, so a fault
 *   lands mid-transfer at a reproducible point.
 *
 * FTP (`ftp: true`): passive data connections go to other ports than the control connection, so the
 * proxy rewrites the server's `227` (PASV) and `229` (EPSV) replies to point at a data proxy of its
 * own, which forwards to the port the server announced. Data transfers then pass through the same
 * faults as the control connection. Plain FTP only: FTPS control connections are encrypted.
 */
import { createConnection, createServer, Socket, type Server } from 'node:net';

/** Options of {@link FaultProxy.start}. */
export interface FaultProxyOptions {
  /** Rewrite PASV/EPSV replies so that data connections pass through the proxy too. */
  readonly ftp?: boolean;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Bytes carried in both directions. */
  bytes: number;
  readonly data: boolean;
}

/** See the module comment. */
export class FaultProxy {
  /** Connections accepted (control and data). */
  accepted = 0;
  /** Connections reset by {@link dropAfterBytes}. */
  dropped = 0;
  /** Connections reset by {@link refuse}. */
  refused = 0;
  /** Bytes forwarded in both directions, all connections. */
  bytes = 0;
  /** FTP: `227` (PASV) and `229` (EPSV) replies pointed at a data proxy. */
  readonly passiveReplies = { pasv: 0, epsv: 0 };
  /** FTP: data connections accepted (each passed the same faults as the control connection). */
  dataAccepted = 0;

  private readonly pairs = new Set<Pair>();
  /** Every socket on either side, so that close() leaves none behind. */
  private readonly sockets = new Set<Socket>();
  private readonly extraServers = new Set<Server>();
  private triggers: { bytes: number; fn: () => void }[] = [];
  private commandTriggers: { pattern: RegExp; fn: () => void }[] = [];
  private dropLimit: { bytes: number; remaining: number; dataOnly: boolean } | undefined;
  private stalled = false;
  private delayMs = 0;
  private latencyMs = 0;
  private trickleBps = 0;
  private refusingUntil = 0;
  private closing = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly host: string,
    private readonly targetPort: number,
    private readonly ftp: boolean,
  ) {}

  /** Listens on a free loopback port and forwards to `127.0.0.1:targetPort`. */
  static async start(targetPort: number, options: FaultProxyOptions = {}): Promise<FaultProxy> {
    const host = '127.0.0.1';
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy!.handle(client, targetPort, false));
    const port = await listen(server);
    // A test that forgets close() must not keep the process alive.
    server.unref();
    proxy = new FaultProxy(server, port, host, targetPort, options.ftp === true);
    return proxy;
  }

  /**
   * Resets each connection (both sides, as a dropped network would) once it has carried `bytes`
   * bytes, until `count` connections were dropped. `dataOnly`: only FTP data connections.
   */
  dropAfterBytes(bytes: number, count = Infinity, dataOnly = false): void {
    this.dropLimit = { bytes, remaining: count, dataOnly };
    for (const pair of this.pairs) this.checkDrop(pair);
  }

  /** Calls `fn` once, as soon as all connections together have carried `bytes` bytes. */
  whenBytes(bytes: number, fn: () => void): void {
    this.triggers.push({ bytes, fn });
  }

  /**
   * Plain FTP: calls `fn` once, just before the first client command matching `pattern` (for
   * example `/^RNFR /m`) reaches the server, so a fault can land on that command.
   */
  whenClientSends(pattern: RegExp, fn: () => void): void {
    this.commandTriggers.push({ pattern, fn });
  }

  /** Stops dropping connections. */
  stopDropping(): void {
    this.dropLimit = undefined;
  }

  /** Stops forwarding in both directions; sockets stay open, new connections are accepted and stay silent. */
  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream.pause();
    }
  }

  /** Forwards again after {@link stall}. */
  unstall(): void {
    this.stalled = false;
    for (const pair of this.pairs) {
      pair.client.resume();
      pair.upstream.resume();
    }
  }

  /**
   * From now on forwards at most `bytesPerSecond` bytes a second in each direction of every
   * connection, in pieces every 100 ms (or one byte a second below 10 B/s); 0 ends it.
   */
  trickle(bytesPerSecond: number): void {
    this.trickleBps = bytesPerSecond;
  }

  /** Holds every chunk back for `ms` before forwarding it (0: no delay). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /**
   * One-way latency of `ms` (0: none): every chunk, and the end of a stream, arrives `ms` after it
   * was sent, however many are on their way. A new connection (control or data, PASV or EPSV)
   * pays TCP's handshake as on a real network: the server accepts it 3 × `ms` after the client
   * connected (its first bytes reach the client a round trip later), and the client's first bytes
   * reach the server no sooner than 3 × `ms` either. Applies to connections opened afterwards.
   */
  setLatency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Resets new connections as they arrive, for `ms` (default: until {@link accept}). */
  refuse(ms = Infinity): void {
    this.refusingUntil = Date.now() + ms;
  }

  /** Accepts connections again after {@link refuse}. */
  accept(): void {
    this.refusingUntil = 0;
  }

  /** Resets every open connection now; returns how many there were. */
  cutAll(): number {
    const count = this.pairs.size;
    for (const pair of this.pairs) this.reset(pair);
    return count;
  }

  /** Stops listening and resets what is left. */
  async close(): Promise<void> {
    this.closing = true;
    this.cutAll();
    for (const socket of this.sockets) socket.destroy();
    for (const server of this.extraServers) server.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(client: Socket, targetPort: number, data: boolean): void {
    this.accepted++;
    if (data) this.dataAccepted++;
    this.track(client);
    if (this.closing || Date.now() < this.refusingUntil) {
      this.refused++;
      client.resetAndDestroy();
      return;
    }
    const latency = this.latencyMs;
    // With latency, the server sees the connection one and a half round trips after the client
    // asked for it (SYN there, SYN-ACK back, ACK there: only then does its accept() return), as on
    // a real network. The client's connect() here completes at once, so what it sends is held
    // until its side of the handshake would be over (see forward()).
    const upstream = latency > 0 ? new Socket() : createConnection({ host: this.host, port: targetPort });
    const upstreamOpen =
      latency > 0
        ? new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              if (!upstream.destroyed) upstream.connect({ host: this.host, port: targetPort });
              resolve();
            }, 3 * latency);
            timer.unref();
          })
        : Promise.resolve();
    this.track(upstream);
    const pair: Pair = { client, upstream, bytes: 0, data };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', () => this.reset(pair));
    }
    const rewrite = this.ftp && !data ? new LineRewriter((line) => this.rewriteFtpReply(line)) : undefined;
    this.forward(pair, client, upstream, undefined, latency, upstreamOpen);
    this.forward(pair, upstream, client, rewrite, latency, undefined);
    if (this.stalled) {
      client.pause();
      upstream.pause();
    }
  }

  /** Pipes `from` into `to` by hand, so that every chunk passes the faults (in order). */
  private forward(pair: Pair, from: Socket, to: Socket, rewrite: LineRewriter | undefined, latency: number, upstreamOpen: Promise<void> | undefined): void {
    let queue = Promise.resolve();
    // Client to server (`upstreamOpen` given): a real client could send nothing before its
    // connect() returned, one round trip after it began; what it sent earlier here leaves then.
    // Server to client: the server only sees the connection once the handshake is over (see
    // handle()), so whatever it sends simply takes `latency`.
    const sendableAt = upstreamOpen ? performance.now() + 2 * latency : 0;
    /** Waits until the chunk sent at `sentAt` would arrive (and the server has accepted). */
    const arrival = async (sentAt: number): Promise<void> => {
      const left = Math.max(sentAt, sendableAt) + latency - performance.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
      if (upstreamOpen) await upstreamOpen;
    };
    const send = (chunk: Buffer, out: Buffer): void => {
      if (to.destroyed) return;
      pair.bytes += chunk.length;
      this.bytes += chunk.length;
      if (out.length > 0 && !to.write(out)) {
        from.pause();
        to.once('drain', () => {
          if (!this.stalled) from.resume();
        });
      }
      this.checkDrop(pair);
      this.fireTriggers();
    };
    /** Chunks held back by a delay: past a few, the sender is paused, as a slow link's full buffers would. */
    let held = 0;
    from.on('data', (chunk: Buffer) => {
      if (this.commandTriggers.length > 0 && from === pair.client && !pair.data) {
        const text = chunk.toString('latin1');
        const due = this.commandTriggers.filter((t) => t.pattern.test(text));
        this.commandTriggers = this.commandTriggers.filter((t) => !due.includes(t));
        for (const t of due) t.fn();
      }
      if (this.delayMs === 0 && latency === 0 && this.trickleBps === 0 && !rewrite) {
        send(chunk, chunk);
        return;
      }
      const ms = this.delayMs;
      const sentAt = performance.now();
      if (ms > 0 && ++held > 16) from.pause();
      queue = queue
        .then(async () => {
          if (latency > 0) await arrival(sentAt);
          if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
          const out = rewrite ? await rewrite.push(chunk) : chunk;
          if (this.trickleBps === 0) send(chunk, out);
          for (let at = 0; this.trickleBps > 0 && at < out.length && !to.destroyed;) {
            const step = this.trickleBps >= 10 ? Math.floor(this.trickleBps / 10) : 1;
            await new Promise((resolve) => setTimeout(resolve, this.trickleBps >= 10 ? 100 : 1000 / this.trickleBps));
            const piece = out.subarray(at, at + step);
            at += step;
            send(piece, piece);
            if (this.trickleBps === 0) {
              send(out.subarray(at), out.subarray(at));
              break;
            }
          }
          if (ms > 0 && --held <= 16 && !this.stalled) from.resume();
        })
        .catch(() => this.reset(pair));
    });
    from.on('end', () => {
      // A clean close of one side is passed on as a clean close (after queued chunks).
      const sentAt = performance.now();
      void queue.then(async () => {
        if (latency > 0) await arrival(sentAt);
        to.end();
      });
    });
  }

  private track(socket: Socket): void {
    // The proxy passes chunks on as they come: Nagle's algorithm here would hold a small chunk
    // until the previous one is acknowledged (up to 40 ms with delayed ACKs), a stall of the
    // proxy's own that neither end would see on a real network.
    socket.setNoDelay(true);
    // Like the servers: a connection a test left behind must not keep the process alive.
    socket.unref();
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private fireTriggers(): void {
    if (this.triggers.length === 0) return;
    const due = this.triggers.filter((t) => this.bytes >= t.bytes);
    this.triggers = this.triggers.filter((t) => this.bytes < t.bytes);
    for (const t of due) t.fn();
  }

  private checkDrop(pair: Pair): void {
    const limit = this.dropLimit;
    if (!limit || limit.remaining <= 0 || pair.bytes < limit.bytes) return;
    if (limit.dataOnly && !pair.data) return;
    limit.remaining--;
    this.dropped++;
    this.reset(pair);
  }

  private reset(pair: Pair): void {
    this.pairs.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.resetAndDestroy();
  }

  /** Points a PASV or EPSV reply at a new data proxy for the port the server announced. */
  private rewriteFtpReply(line: string): string | Promise<string> {
    const pasv = /^227 (.*?)\(?(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)?(.*)$/.exec(line.trimEnd());
    const epsv = /^229 (.*)\(\|\|\|(\d+)\|\)(.*)$/.exec(line.trimEnd());
    if (!pasv && !epsv) return line;
    const serverPort = pasv ? Number(pasv[6]) * 256 + Number(pasv[7]) : Number(epsv![2]);
    this.passiveReplies[pasv ? 'pasv' : 'epsv']++;
    return this.dataProxy(serverPort).then((port) => {
      if (epsv) return `229 ${epsv[1]}(|||${port}|)${epsv[3]}\r\n`;
      return `227 Entering Passive Mode (127,0,0,1,${Math.floor(port / 256)},${port % 256})\r\n`;
    });
  }

  /** A one-connection listener forwarding to the server's data port; returns its port. */
  private async dataProxy(serverPort: number): Promise<number> {
    // A reply rewritten while closing gets a port nobody listens on.
    if (this.closing) return 1;
    const server = createServer((client) => {
      server.close();
      this.extraServers.delete(server);
      this.handle(client, serverPort, true);
    });
    this.extraServers.add(server);
    const port = await listen(server);
    server.unref();
    if (this.closing) server.close();
    return port;
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return address.port;
}

/** Splits a control stream into lines and lets a function replace each whole line. */
class LineRewriter {
  private pending = '';
  constructor(private readonly rewrite: (line: string) => string | Promise<string>) {}

  /** What to send for `chunk`: the complete lines in it, rewritten; a partial line waits. */
  async push(chunk: Buffer): Promise<Buffer> {
    this.pending += chunk.toString('latin1');
    let out = '';
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl + 1);
      this.pending = this.pending.slice(nl + 1);
      out += await this.rewrite(line);
    }
    return Buffer.from(out, 'latin1');
  }
}
