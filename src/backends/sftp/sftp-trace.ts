/**
 * The SFTP half of the protocol trace (`-vv`): one line when a request goes out and one when its
 * answer comes back, with the request type, the path and the status. Data requests (READ, WRITE)
 * are counted per handle and shown with the handle's CLOSE, not one line each: a big file would
 * otherwise print thousands of lines.
 *
 * It wraps the methods of one ssh2 SFTPWrapper instance. ssh2's own calls inside `readdir(path)`,
 * `fastPut`, `writeFile` go through the same methods, so the trace shows the requests really sent.
 * Nothing secret travels in an SFTP request (authentication happened before the channel opened).
 */
import type { SFTPWrapper } from 'ssh2';
import { sftpMaxWriteLength } from './ssh2-internals.js';

/** Requests traced: the name shown, and whether the first argument is a path, a handle or two paths. */
const traced: Readonly<Record<string, readonly [label: string, kind: 'path' | 'handle' | 'two-paths']>> = {
  open: ['OPEN', 'path'],
  opendir: ['OPENDIR', 'path'],
  close: ['CLOSE', 'handle'],
  readdir: ['READDIR', 'handle'],
  stat: ['STAT', 'path'],
  lstat: ['LSTAT', 'path'],
  fstat: ['FSTAT', 'handle'],
  setstat: ['SETSTAT', 'path'],
  fsetstat: ['FSETSTAT', 'handle'],
  mkdir: ['MKDIR', 'path'],
  rmdir: ['RMDIR', 'path'],
  unlink: ['REMOVE', 'path'],
  rename: ['RENAME', 'two-paths'],
  ext_openssh_rename: ['POSIX-RENAME', 'two-paths'],
  ext_openssh_statvfs: ['STATVFS', 'path'],
  ext_openssh_fsync: ['FSYNC', 'handle'],
  realpath: ['REALPATH', 'path'],
  readlink: ['READLINK', 'path'],
};

let nextConnection = 1;

/** How an SFTP error shows: its status code and message, as the server sent them. */
function statusOf(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(error);
  return typeof e?.code === 'number' ? `status ${e.code} (${message})` : `failed (${message})`;
}

/** A short description of what came back, without file contents. */
function resultOf(method: string, value: unknown): string {
  if (method === 'readdir' && Array.isArray(value)) return `ok, ${value.length} entries`;
  if (method === 'realpath' && typeof value === 'string') return `ok, ${value}`;
  return 'ok';
}

/** Makes `sftp` report each request to `trace` (see the file comment). */
export function traceSftp(sftp: SFTPWrapper, trace: (line: string) => void): void {
  const prefix = `sftp#${nextConnection++}`;
  /** Path of each open handle (by its bytes), and the data requests made on it. */
  const handles = new Map<string, { path: string; reads: number; readBytes: number; writes: number; writtenBytes: number }>();
  const target = sftp as unknown as Record<string, (...args: unknown[]) => unknown>;
  const handleKey = (handle: unknown): string => (Buffer.isBuffer(handle) ? handle.toString('hex') : String(handle));
  const describe = (method: string, args: unknown[]): string => {
    const [label, kind] = traced[method]!;
    if (kind === 'path') return `${label} ${String(args[0])}`;
    if (kind === 'two-paths') return `${label} ${String(args[0])} -> ${String(args[1])}`;
    const handle = handles.get(handleKey(args[0]));
    return `${label} ${handle?.path ?? `handle ${handleKey(args[0])}`}`;
  };

  for (const method of Object.keys(traced)) {
    const original = target[method];
    if (typeof original !== 'function') continue;
    target[method] = function (this: unknown, ...args: unknown[]): unknown {
      let callbackAt = args.length - 1;
      while (callbackAt >= 0 && typeof args[callbackAt] !== 'function') callbackAt--;
      // readdir(path) is ssh2's own OPENDIR + READDIR... + CLOSE: those are traced as they happen.
      if (callbackAt < 0 || (method === 'readdir' && !Buffer.isBuffer(args[0]))) return original.apply(this, args);
      const what = describe(method, args);
      let extra = '';
      if (method === 'close') {
        const key = handleKey(args[0]);
        const counts = handles.get(key);
        if (counts && counts.reads + counts.writes > 0) {
          extra = ` (${counts.reads > 0 ? `${counts.reads} READ, ${counts.readBytes} bytes` : ''}${counts.reads > 0 && counts.writes > 0 ? '; ' : ''}${counts.writes > 0 ? `${counts.writes} WRITE, ${counts.writtenBytes} bytes` : ''})`;
        }
        handles.delete(key);
      }
      const callback = args[callbackAt] as (...results: unknown[]) => unknown;
      const started = performance.now();
      trace(`${prefix} > ${what}${extra}`);
      args[callbackAt] = function (this: unknown, error: unknown, ...results: unknown[]): unknown {
        const ms = (performance.now() - started).toFixed(1);
        if (error) {
          // READDIR ends a listing with an EOF status: the normal end, not a failure.
          const eof = (error as { code?: unknown }).code === 1;
          trace(`${prefix} < ${what}: ${eof ? 'end of list' : statusOf(error)} (${ms} ms)`);
        } else {
          if ((method === 'open' || method === 'opendir') && Buffer.isBuffer(results[0])) {
            handles.set(handleKey(results[0]), { path: String(args[0]), reads: 0, readBytes: 0, writes: 0, writtenBytes: 0 });
          }
          trace(`${prefix} < ${what}: ${resultOf(method, results[0])} (${ms} ms)`);
        }
        return callback.call(this, error, ...results);
      };
      return original.apply(this, args);
    };
  }

  // Data requests: counted, shown with CLOSE.
  const readOriginal = target.read;
  if (typeof readOriginal === 'function') {
    target.read = function (this: unknown, ...args: unknown[]): unknown {
      const counts = handles.get(handleKey(args[0]));
      const callback = args[5];
      if (counts && typeof callback === 'function') {
        counts.reads++;
        args[5] = function (this: unknown, error: unknown, bytes: unknown, ...rest: unknown[]): unknown {
          if (!error && typeof bytes === 'number') counts.readBytes += bytes;
          return (callback as (...a: unknown[]) => unknown).call(this, error, bytes, ...rest);
        };
      }
      return readOriginal.apply(this, args);
    };
  }
  const writeOriginal = target.write;
  if (typeof writeOriginal === 'function') {
    target.write = function (this: unknown, ...args: unknown[]): unknown {
      const counts = handles.get(handleKey(args[0]));
      if (counts && typeof args[3] === 'number') {
        // ssh2 sends at most _maxWriteLen bytes per WRITE and calls write() again for the rest.
        const max = sftpMaxWriteLength(sftp);
        counts.writes++;
        counts.writtenBytes += Math.min(args[3], max);
      }
      return writeOriginal.apply(this, args);
    };
  }
}
