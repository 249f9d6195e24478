/**
 * A scripted SFTP server on loopback (ssh2's Server) that lists and serves whatever a test gives
 * it, however hostile: names with `..`, `/`, NUL, duplicates, enormous sizes, far-future times, a
 * file that grows while it is read, folders that cannot be read. Any login is accepted; every
 * writing request is refused, so nothing the test did not script happens on the "server".
 */
import ssh2 from 'ssh2';
import type { Attributes } from 'ssh2';

const { Server, utils } = ssh2;
const { STATUS_CODE } = utils.sftp;

/** One listed name with the attributes sent for it. */
export interface ScriptedEntry {
  readonly name: string;
  readonly kind: 'file' | 'dir';
  readonly size?: number;
  /** Seconds since the epoch (SFTP v3 sends 32 bits). */
  readonly mtime?: number;
}

/** What the server serves, by absolute path. */
export interface HostileSftpScript {
  /** Folder path → its listing, or 'denied' (READDIR fails with permission denied). */
  readonly folders: Record<string, readonly ScriptedEntry[] | 'denied'>;
  /** File path → its bytes (a function is called at each open) and the attributes stat reports. */
  readonly files: Record<string, { content: Buffer | (() => Buffer); size?: () => number; mtime?: number }>;
}

/** A running scripted server. */
export interface HostileSftpServer {
  readonly port: number;
  /** A known_hosts line for this server's key on its port. */
  readonly knownHostsLine: string;
  /** Writing requests received (OPEN for writing, REMOVE, RENAME, MKDIR, ...). */
  readonly writes: string[];
  close(): Promise<void>;
}

function attrsOf(kind: 'file' | 'dir', size = 0, mtime = 1_700_000_000): Attributes {
  return { mode: kind === 'dir' ? 0o040755 : 0o100644, uid: 0, gid: 0, size, atime: mtime, mtime };
}

function normalise(p: string): string {
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function startHostileSftpServer(script: HostileSftpScript): Promise<HostileSftpServer> {
  const keys = utils.generateKeyPairSync('ed25519');
  const writes: string[] = [];
  const clients = new Set<{ end(): void }>();
  const server = new Server({ hostKeys: [keys.private] }, (client) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          let nextHandle = 0;
          const handles = new Map<string, { kind: 'dir'; path: string; sent: boolean } | { kind: 'file'; path: string; data: Buffer }>();
          const newHandle = (value: Parameters<typeof handles.set>[1]): Buffer => {
            const handle = Buffer.from(String(nextHandle++));
            handles.set(handle.toString(), value);
            return handle;
          };
          const statOf = (p: string): Attributes | undefined => {
            const path = normalise(p);
            if (script.folders[path] !== undefined) return attrsOf('dir');
            const file = script.files[path];
            if (!file) return undefined;
            const content = typeof file.content === 'function' ? undefined : file.content;
            return attrsOf('file', file.size?.() ?? content?.length ?? 0, file.mtime);
          };
          sftp.on('REALPATH', (reqid, p) => sftp.name(reqid, [{ filename: normalise(p), longname: '', attrs: attrsOf('dir') }]));
          for (const op of ['STAT', 'LSTAT'] as const) {
            sftp.on(op as 'STAT', (reqid: number, p: string) => {
              const attrs = statOf(p);
              if (attrs) sftp.attrs(reqid, attrs);
              else sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
            });
          }
          sftp.on('OPENDIR', (reqid, p) => {
            const path = normalise(p);
            if (script.folders[path] === undefined) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
            sftp.handle(reqid, newHandle({ kind: 'dir', path, sent: false }));
          });
          sftp.on('READDIR', (reqid, handle) => {
            const h = handles.get(handle.toString());
            if (!h || h.kind !== 'dir') return sftp.status(reqid, STATUS_CODE.FAILURE);
            const listing = script.folders[h.path];
            if (listing === 'denied') return sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED);
            if (h.sent || !listing) return sftp.status(reqid, STATUS_CODE.EOF);
            h.sent = true;
            sftp.name(
              reqid,
              listing.map((e) => ({ filename: e.name, longname: e.name, attrs: attrsOf(e.kind, e.size, e.mtime) })),
            );
          });
          sftp.on('OPEN', (reqid, p, flags) => {
            const path = normalise(p);
            if (flags !== utils.sftp.OPEN_MODE.READ) {
              writes.push(`OPEN ${p}`);
              return sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED);
            }
            const file = script.files[path];
            if (!file) return sftp.status(reqid, STATUS_CODE.NO_SUCH_FILE);
            sftp.handle(reqid, newHandle({ kind: 'file', path, data: typeof file.content === 'function' ? file.content() : file.content }));
          });
          sftp.on('READ', (reqid, handle, offset, length) => {
            const h = handles.get(handle.toString());
            if (!h || h.kind !== 'file') return sftp.status(reqid, STATUS_CODE.FAILURE);
            if (offset >= h.data.length) return sftp.status(reqid, STATUS_CODE.EOF);
            sftp.data(reqid, h.data.subarray(offset, Math.min(h.data.length, offset + length)));
          });
          sftp.on('FSTAT', (reqid, handle) => {
            const h = handles.get(handle.toString());
            if (!h) return sftp.status(reqid, STATUS_CODE.FAILURE);
            sftp.attrs(reqid, h.kind === 'file' ? attrsOf('file', h.data.length) : attrsOf('dir'));
          });
          sftp.on('CLOSE', (reqid, handle) => {
            handles.delete(handle.toString());
            sftp.status(reqid, STATUS_CODE.OK);
          });
          for (const op of ['WRITE', 'REMOVE', 'RMDIR', 'MKDIR', 'RENAME', 'SETSTAT', 'FSETSTAT', 'SYMLINK'] as const) {
            sftp.on(op, (reqid: number, ...args: unknown[]) => {
              writes.push(`${op} ${String(args[0])}`);
              sftp.status(reqid, STATUS_CODE.PERMISSION_DENIED);
            });
          }
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const publicKey = keys.public.trim().split(/\s+/).slice(0, 2).join(' ');
  return {
    port,
    knownHostsLine: `[127.0.0.1]:${port} ${publicKey}`,
    writes,
    close: async () => {
      for (const client of clients) client.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
