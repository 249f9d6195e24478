/**
 * The folder an FTP backend serves: where it is on the server, what the server offers, and what
 * ferry learned about the server while using it. Shared by the backend's parts (listing, download,
 * upload, error explanation), each in a file of its own.
 */
import type { Client } from 'basic-ftp';
import { ROOT, type RelPath } from '../../core/rel-path.js';
import { BackendError } from '../../errors.js';
import type { FtpClientPool } from './ftp-client-pool.js';
import { mapFtpError } from './ftp-errors.js';
import type { MtimeMethod } from './mtime-method.js';
import { sendPipelined, type PipelinedReply } from './send-pipelined.js';
import type { ServerFeatures } from './server-features.js';

/** What an {@link FtpFolder} is made of (`FtpBackendConfig` adds the backend's names). */
export interface FtpFolderConfig {
  /** `scheme://user@host:port`, prefixed to server paths in messages. */
  readonly urlBase: string;
  /** `host:port`, for connection messages. */
  readonly server: string;
  /** Absolute path of the root folder on the server, without a trailing `/` (except `/`). */
  readonly root: string;
  readonly pool: FtpClientPool;
  readonly features: ServerFeatures;
  /** How mtimes are set ('none': the server offers no way, so `canSetMtime` is false). */
  readonly mtimeMethod: MtimeMethod;
  /**
   * `mdtm` is only a guess (FEAT lists MDTM for reading; only vsftpd also sets times with it): the
   * first uploads check that the time really changed and fall back to `none` if not. Checking on
   * a real upload, not on a probe file when opening, means a download or a dry run never writes
   * to the server.
   */
  readonly mtimeUnverified?: boolean;
}

/** See the module comment. */
export class FtpFolder {
  readonly pool: FtpClientPool;
  readonly features: ServerFeatures;
  readonly root: string;
  readonly urlBase: string;
  readonly server: string;
  /** How times are set; becomes 'none' when a guessed `mdtm` turns out not to work. */
  mtimeMethod: MtimeMethod;
  /** A guessed `mdtm` not checked yet (see `FtpFolderConfig.mtimeUnverified`). */
  mtimeUnverified: boolean;
  /** LIST commands still worth trying, best first (some servers refuse `LIST -a`). */
  listCommands = ['LIST -a', 'LIST'];
  /** Cleared after the first refused SITE CHMOD, so a server without it costs one round trip. */
  chmodWorks = true;
  /**
   * Whether the server answers a command sent after a `STOR` only once the transfer ended
   * (undefined until an upload found out; store-buffer.ts): only then is the next upload's `EPSV`
   * sent ahead (`ftp-epsv-ahead`).
   */
  readsInOrder: boolean | undefined;
  /**
   * Whether the server's `MFMT` reply tells the time it set, as its `MLST` lists it (undefined
   * until an upload compared them; ftp-upload-finish.ts): then an upload sent in one piece needs
   * no `MLST` after its rename (`ftp-time-reply-entry`).
   */
  timeReplyTells: boolean | undefined;
  /** Set by the backend's close(): clean-ups after a failure are skipped then. */
  closed = false;

  constructor(config: FtpFolderConfig) {
    this.pool = config.pool;
    this.features = config.features;
    this.root = config.root;
    this.urlBase = config.urlBase;
    this.server = config.server;
    this.mtimeMethod = config.mtimeMethod;
    this.mtimeUnverified = config.mtimeUnverified === true && config.mtimeMethod !== 'none';
  }

  /** The absolute server path of `rel`. */
  abs(rel: RelPath): string {
    const path = rel === ROOT ? this.root : this.root === '/' ? `/${rel}` : `${this.root}/${rel}`;
    // FTP commands are lines: a name with CR or LF cannot be sent (and could inject a command).
    if (/[\r\n\0]/.test(path)) {
      throw new BackendError('unsafe-name', `cannot use ${JSON.stringify(rel)} over FTP: names with line breaks or NUL cannot be sent`);
    }
    return path;
  }

  /**
   * Refuses to create a name with a control character other than a line break (which {@link abs}
   * refuses with its own words): FTP servers do not carry them faithfully (pure-ftpd writes `_`
   * for each), so the file would land under another name than the one recorded.
   */
  checkCreatable(rel: RelPath): void {
    // eslint-disable-next-line no-control-regex
    if (/[\u0001-\u0009\u000b\u000c\u000e-\u001f\u007f]/.test(rel)) {
      throw new BackendError(
        'unsafe-name',
        `cannot create ${JSON.stringify(rel)} over FTP: names with control characters are not kept as they are by every server`,
      );
    }
  }

  /** `ftp://user@host:port/abs/path` for messages (never with a password). */
  where(rel: RelPath): string {
    return `${this.urlBase}${this.abs(rel)}`;
  }

  /** The BackendError for a failed FTP operation described by `what`. */
  fail(error: unknown, what: string): BackendError {
    return mapFtpError(error, what, this.server);
  }

  /** Sends one command and returns its reply text; a failure becomes a BackendError. */
  async send(client: Client, command: string, what: string): Promise<string> {
    try {
      return (await client.send(command)).message;
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  /** {@link sendPipelined}, its failure a BackendError. */
  async pipelined(client: Client, commands: readonly string[], what: string): Promise<PipelinedReply[]> {
    try {
      return await sendPipelined(client, commands);
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  /** Ends the check of a guessed `mdtm` (see `FtpFolderConfig.mtimeUnverified`). */
  settleMtimeMethod(works: boolean): void {
    if (!this.mtimeUnverified) return;
    this.mtimeUnverified = false;
    if (!works) this.mtimeMethod = 'none';
  }
}
