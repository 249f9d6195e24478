/**
 * A loopback TCP proxy whose connections a test can cut, to play a dropped network.
 * Only FTP control connections go through it: passive data connections go straight to the server.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** See the module comment. */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on a free loopback port and forwards to `host:port`. */
  static async start(host: string, port: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      proxy!.accepted++;
      const upstream = createConnection({ host, port });
      for (const socket of [client, upstream]) {
        proxy!.sockets.add(socket);
        socket.on('close', () => proxy!.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** Resets every open connection at once (both directions), as a dropped network would. */
  cutAll(): number {
    const count = this.sockets.size / 2;
    for (const socket of this.sockets) socket.resetAndDestroy();
    this.sockets.clear();
    return count;
  }

  /** Stops listening and cuts what is left. */
  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
