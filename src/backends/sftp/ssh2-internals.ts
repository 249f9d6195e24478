/**
 * Every read of ssh2's private fields, and the one replaced method, in one place.
 *
 * ssh2 keeps a few things ferry needs without a public way to reach them: the TCP socket (for the
 * stall rule's byte count, the coalesced writes, the tests' process lookup), the server's version
 * string, whether the SFTP server is OpenSSH's, and the SFTP version and extensions it announced.
 * ssh2's version is pinned exactly in package.json; test/backends/library-shapes.test.ts checks
 * each field below against a real sshd and fails naming the field when an ssh2 update moves it.
 * None of them decides what ferry does to files: whether the server renames atomically is asked
 * through the protocol (`ext_openssh_rename`, sftp-connection.ts), never read from a field here.
 */
import type { Socket } from 'node:net';
import type { Client, SFTPWrapper } from 'ssh2';

/** ssh2's Client, with the private fields read here. */
type ClientInternals = { readonly _sock?: unknown; readonly _remoteVer?: unknown };
/** ssh2's SFTP channel, with the private fields read here. */
type SftpInternals = { readonly _isOpenSSH?: unknown; readonly _version?: unknown; readonly _extensions?: unknown; readonly _maxWriteLen?: unknown };

/** The TCP socket an ssh2 Client talks over (`Client._sock`), once it connects. */
export function sshSocket(client: Client): Socket | undefined {
  const socket = (client as unknown as ClientInternals)._sock;
  return typeof socket === 'object' && socket !== null ? (socket as Socket) : undefined;
}

/** The server's SSH version string without its `SSH-2.0-` prefix (`Client._remoteVer`), once known. */
export function serverSoftware(client: Client): string | undefined {
  const version = (client as unknown as ClientInternals)._remoteVer;
  return typeof version === 'string' ? version : undefined;
}

/**
 * True when ssh2 recognised OpenSSH's sftp-server (`SFTP._isOpenSSH`), which answers requests one
 * at a time in arrival order. False when unknown: ferry then waits for each answer before
 * sending a request that depends on it, which is slower but right on every server.
 */
export function sftpProcessesInOrder(sftp: SFTPWrapper): boolean {
  return (sftp as unknown as SftpInternals)._isOpenSSH === true;
}

/** The SFTP version and extensions the server announced (`SFTP._version`, `SFTP._extensions`), for `ferry doctor` and traces. */
export function sftpAnnounced(sftp: SFTPWrapper): { readonly version: number; readonly extensions: Readonly<Record<string, string>> } {
  const raw = sftp as unknown as SftpInternals;
  const extensions = typeof raw._extensions === 'object' && raw._extensions !== null ? { ...(raw._extensions as Record<string, string>) } : {};
  return { version: typeof raw._version === 'number' ? raw._version : -1, extensions };
}

/** The most bytes ssh2 puts in one SFTP WRITE (`SFTP._maxWriteLen`), for traces; Infinity when unknown. */
export function sftpMaxWriteLength(sftp: SFTPWrapper): number {
  const max = (sftp as unknown as SftpInternals)._maxWriteLen;
  return typeof max === 'number' ? max : Infinity;
}

/**
 * Makes the SSH packets ssh2 writes in one tick of the event loop leave in one system call, by
 * replacing the `write` of its socket with one that corks the socket until the next tick. ssh2
 * writes every packet on its own; with many SFTP requests in flight (and Nagle off) that is one
 * `write` per packet, which costs more CPU than the encryption does for small files.
 */
export function coalesceWrites(socket: Socket | undefined): void {
  if (!socket) return;
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked && !socket.destroyed) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as typeof socket.write;
}
