/**
 * Parsing of the targets users type: a local path, `file://`, `sftp://`, `ftp://`, `ftps://`.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from '../errors.js';

/** URL schemes ferry understands. */
export type TargetScheme = 'file' | 'sftp' | 'ftp' | 'ftps';

/** A parsed target. `password` is never part of `id` or `display`. */
export interface Target {
  readonly scheme: TargetScheme;
  /** Absolute local path (file) or the server-side path as given, percent-decoded (remote). */
  readonly path: string;
  readonly host?: string;
  readonly port?: number;
  /** True when the URL names the port itself (so it wins over `Port` in ~/.ssh/config). */
  readonly portGiven?: boolean;
  readonly user?: string;
  readonly password?: string;
  /** Extra `?key=value` parameters of the URL (for example `?tls=implicit`). */
  readonly params: ReadonlyMap<string, string>;
  /** Canonical identity: scheme, user, host, port, path (never the password). */
  readonly id: string;
  /** Short form for output (never the password). */
  readonly display: string;
}

const defaultPorts: Record<Exclude<TargetScheme, 'file'>, number> = { sftp: 22, ftp: 21, ftps: 21 };

/**
 * A local path as ferry keeps it: on Windows with an upper-case drive letter, so that `c:\site`
 * and `C:\site` are one folder with one state.
 */
function localPathAsKept(abs: string, platform: NodeJS.Platform): string {
  return platform === 'win32' ? abs.replace(/^[a-z](?=:)/, (drive) => drive.toUpperCase()) : abs;
}

/**
 * Parses a target string. Anything without `scheme://` is a local path, resolved against `cwd`
 * by the path rules of `platform` (default this system's; on Windows drive letters, backslashes
 * and `\\server\share` paths). Throws a usage FerryError for an unknown scheme or a malformed URL.
 */
export function parseTarget(input: string, cwd: string = process.cwd(), platform: NodeJS.Platform = process.platform): Target {
  const schemeMatch = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(input);
  if (!schemeMatch) {
    if (input === '') throw new FerryError('usage', 'empty target: give a folder path or a URL');
    if (input.includes('\0')) throw new FerryError('usage', `folder path contains NUL: ${JSON.stringify(input)}`);
    const abs = localPathAsKept((platform === 'win32' ? path.win32 : path.posix).resolve(cwd, input), platform);
    return { scheme: 'file', path: abs, params: new Map(), id: `file://${abs}`, display: abs };
  }
  // A line break or other control character in a URL is a paste gone wrong; it must also never
  // split the one-line error that names the URL.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(input)) throw new FerryError('usage', `URL contains a control character: ${JSON.stringify(redact(input))}`);
  const typed = schemeMatch[1]!.toLowerCase();
  // `ftpes://` (FileZilla's name for explicit FTPS) is `ftps://` with AUTH TLS on the normal port.
  const scheme = typed === 'ftpes' ? 'ftps' : typed;
  if (scheme === 'file') {
    let abs: string;
    try {
      abs = localPathAsKept(fileURLToPath(input, { windows: platform === 'win32' }), platform);
    } catch (error) {
      throw new FerryError('usage', `invalid file URL ${JSON.stringify(input)}: ${(error as Error).message}`);
    }
    if (abs.includes('\0')) throw new FerryError('usage', `file URL path contains NUL: ${redact(input)}`);
    return { scheme: 'file', path: abs, params: new Map(), id: `file://${abs}`, display: abs };
  }
  if (scheme !== 'sftp' && scheme !== 'ftp' && scheme !== 'ftps') {
    throw new FerryError('usage', `unknown URL scheme "${scheme}://" in ${redact(input)} (use a folder path, file://, sftp://, ftp://, ftps:// or ftpes://)`);
  }
  checkAuthority(input, schemeMatch[0].length);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new FerryError('usage', `invalid URL: ${redact(input)}`);
  }
  if (!url.hostname) throw new FerryError('usage', `URL has no host: ${redact(input)}`);
  const decode = (value: string, what: string): string => {
    try {
      return decodeURIComponent(value);
    } catch {
      throw new FerryError('usage', `invalid percent-encoding in the ${what} of ${redact(input)}`);
    }
  };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : defaultPorts[scheme];
  const user = url.username ? decode(url.username, 'user name') : undefined;
  const password = url.password ? decode(url.password, 'password') : undefined;
  const remotePath = decode(url.pathname || '/', 'path');
  if (remotePath.includes('\0')) throw new FerryError('usage', `URL path contains NUL: ${redact(input)}`);
  const params = new Map(url.searchParams);
  if (typed === 'ftpes') {
    if (params.has('tls') && params.get('tls')!.toLowerCase() !== 'explicit') {
      throw new FerryError('usage', `ftpes:// is explicit FTPS: drop ?tls=${params.get('tls')} from ${redact(input)} (or use ftps://)`);
    }
    params.set('tls', 'explicit');
  }
  const userPart = user ? `${encodeURIComponent(user)}@` : '';
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const id = `${scheme}://${userPart}${hostPart}:${port}${remotePath}`;
  const display = `${scheme}://${userPart}${hostPart}${port === defaultPorts[scheme] ? '' : `:${port}`}${remotePath}`;
  return { scheme, path: remotePath, host, port, portGiven: url.port !== '', user, password, params, id, display };
}

/**
 * Checks the host and port as typed, before WHATWG URL parsing: it reads `ftp:///x` as host `x`
 * (ftp is a "special" scheme there, sftp is not) and takes port 0. Every scheme gets the same
 * answer.
 */
function checkAuthority(input: string, start: number): void {
  const end = input.slice(start).search(/[/?#]/);
  const authority = end < 0 ? input.slice(start) : input.slice(start, start + end);
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const portMatch = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  const host = portMatch?.[1] ?? hostPort;
  if (host === '' || host === '[]') throw new FerryError('usage', `URL has no host: ${redact(input)}`);
  const port = portMatch?.[2];
  if (port === undefined || port === '') return;
  const value = /^\d+$/.test(port) ? Number(port) : NaN;
  if (!(value >= 1 && value <= 65535)) throw new FerryError('usage', `port ${port} is not valid in ${redact(input)}: use a number from 1 to 65535`);
}

/** The input with any password in it replaced by `***`, safe to print. */
export function redact(input: string): string {
  return input.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

/**
 * A target as other output shows it: its display form, which leaves any password out (as the
 * header of upload, download and sync does); {@link redact}ed text when it does not parse.
 */
export function displayTarget(input: string): string {
  try {
    return parseTarget(input).display;
  } catch {
    return redact(input);
  }
}
