/**
 * A folder on an FTP or FTPS server.
 */
import { FTPError, type Client } from 'basic-ftp';
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import type { Entry, FileEntry, ListedEntry } from '../../core/entry.js';
import { baseName, parentOf, ROOT, segmentProblem, type RelPath } from '../../core/rel-path.js';
import { BackendError, type BackendErrorCode } from '../../errors.js';
import { safeFileMode, wholeContentsOf, type Backend, type BackendCapabilities, type MkdirOutcome, type ProbeOptions, type ProbeReporter, type ReadOptions, type WriteOptions } from '../backend.js';
import type { FtpClientPool, UploadConnection } from './ftp-client-pool.js';
import { closeUnlessReplied, ftpReplyCode, isAmbiguousFailure, isConnectionFailure, mapFtpError } from './ftp-errors.js';
import { probeFtp } from './ftp-probe.js';
import { parseFtpTime } from './ftp-time.js';
import { entryOfMlsxLine, parseListListing, parseMlsdListing, parseMlsxLine } from './list-parser.js';
import { mtimeCommand, type MtimeMethod } from './mtime-method.js';
import { sendPipelined, type PipelinedReply } from './send-pipelined.js';
import { DownloadChunker } from './download-chunker.js';
import { forgetDirectReceiver, receiveNextRetrDirectly } from './pipelined-passive-transfer.js';
import type { ServerFeatures } from './server-features.js';
import type { ContentHash, HashAlgorithm } from '../content-hash.js';
import { ftpHashMethods, hashOverFtp, type FtpHashMethod } from './ftp-hash.js';
import { retrieveFrom, storeOrAppend, uploadTempFor } from './ftp-resume.js';
import { canStoreBuffer, storeBuffer } from './store-buffer.js';
import { DeferredBatch } from './deferred-batch.js';

/** What {@link FtpBackend} is built from (see `openFtpBackend`, which probes all of it). */
export interface FtpBackendConfig {
  /** Canonical id of the root, without password (`ftp://user@host:21/path`). */
  readonly id: string;
  readonly displayName: string;
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

/** An entry that no scan can match: stat's answer for a symlink or special file. */
const unmatchable: FileEntry = { kind: 'file', size: -1, mtimeMs: -1 };

/**
 * An FTP/FTPS backend. Every method takes a connection of its own from the pool, so the engine
 * may call them concurrently up to `capabilities.maxConcurrency`. All paths sent to the server are
 * absolute, so the connections' working folders never matter.
 *
 * Listing uses MLSD where the server has it (exact UTC times to the second), otherwise `LIST -a`
 * plus one MDTM per file, because LIST shows only minutes, or only the day for older files.
 */
export class FtpBackend implements Backend {
  readonly id: string;
  readonly displayName: string;
  readonly capabilities: BackendCapabilities;
  private readonly pool: FtpClientPool;
  private readonly features: ServerFeatures;
  private mtimeMethod: MtimeMethod;
  /** See {@link FtpBackendConfig.mtimeUnverified}; cleared by the first upload that settles it. */
  private mtimeUnverified: boolean;
  private readonly root: string;
  private readonly urlBase: string;
  private readonly server: string;
  /** LIST commands still worth trying, best first (some servers refuse `LIST -a`). */
  private listCommands = ['LIST -a', 'LIST'];
  /** Cleared after the first refused SITE CHMOD, so a server without it costs one round trip. */
  private chmodWorks = true;
  private closed = false;
  /** Server-side hash commands from FEAT (ftp-hash.ts). */
  private readonly hashMethods: ReadonlyMap<HashAlgorithm, FtpHashMethod>;

  constructor(config: FtpBackendConfig) {
    this.id = config.id;
    this.displayName = config.displayName;
    this.pool = config.pool;
    this.features = config.features;
    this.mtimeMethod = config.mtimeMethod;
    this.mtimeUnverified = config.mtimeUnverified === true && config.mtimeMethod !== 'none';
    this.root = config.root;
    this.urlBase = config.urlBase;
    this.server = config.server;
    this.hashMethods = ftpHashMethods(config.features.lines);
    const backend = this;
    this.capabilities = {
      // MLSD, MLST and MDTM give whole seconds; LIST alone gives minutes at best.
      mtimePrecisionMs: config.features.mlst || config.features.mdtm ? 1000 : 60_000,
      // A getter: a guessed MDTM turns out not to work on the first upload.
      get canSetMtime(): boolean {
        return backend.mtimeMethod !== 'none';
      },
      caseInsensitive: false,
      // Twice the connections: when an upload finishes, the next one already waits for its
      // connection and sends its first commands with the finished one's last (deferred-batch.ts).
      maxConcurrency: config.pool.size * 2,
      listConcurrency: config.pool.size,
      // STOR writes in order; parts are continued with APPE at their end (ftp-resume.ts).
      resumeTailBytes: 0,
    };
  }

  /** Which listing and mtime commands this server gets (for diagnostics and tests). */
  get protocolInfo(): { readonly listing: 'MLSD' | 'LIST'; readonly mtimeMethod: MtimeMethod; readonly mtimeUnverified: boolean } {
    return { listing: this.features.mlst ? 'MLSD' : 'LIST', mtimeMethod: this.mtimeMethod, mtimeUnverified: this.mtimeUnverified };
  }

  /** The absolute server path of `rel`. */
  private abs(rel: RelPath): string {
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
  private checkCreatable(rel: RelPath): void {
    // eslint-disable-next-line no-control-regex
    if (/[\u0001-\u0009\u000b\u000c\u000e-\u001f\u007f]/.test(rel)) {
      throw new BackendError('unsafe-name', `cannot create ${JSON.stringify(rel)} over FTP: names with control characters are not kept as they are by every server`);
    }
  }

  /** `ftp://user@host:port/abs/path` for messages (never with a password). */
  private where(rel: RelPath): string {
    return `${this.urlBase}${this.abs(rel)}`;
  }

  private fail(error: unknown, what: string): BackendError {
    return mapFtpError(error, what, this.server);
  }

  private async send(client: Client, command: string, what: string): Promise<string> {
    try {
      return (await client.send(command)).message;
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  async list(dir: RelPath): Promise<ListedEntry[]> {
    const what = `cannot list ${this.where(dir)}`;
    return this.pool.use(
      async (client) => {
        const abs = this.abs(dir);
        let entries: ListedEntry[];
        if (this.features.mlst) {
          // MLSD names the folder itself (RFC 3659), which saves the CWD round trip per folder
          // that LIST needs. A missing folder must still be an error, not an empty folder:
          // pure-ftpd lists it as empty and proftpd answers the "transient" 450, so a failure or
          // an empty answer is settled by CWD below, which fails clearly on all of them.
          let text: string;
          try {
            text = await this.rawList(client, ['MLSD'], what, abs);
          } catch (error) {
            if (client.closed) throw error;
            await this.changeDir(client, dir, what);
            throw error;
          }
          entries = parseMlsdListing(text);
        } else {
          // CWD first: LIST of a missing folder is empty on vsftpd and pure-ftpd, and a path
          // argument to LIST is read as options by some servers.
          await this.changeDir(client, dir, what);
          entries = parseListListing(await this.rawList(client, this.listCommands, what), Date.now());
          if (this.features.mdtm) entries = await this.exactTimes(client, abs, entries, what);
        }
        // An empty answer is trusted only once CWD shows the folder is there (it may also have
        // gone between a LIST's CWD and the listing).
        if (entries.length === 0) await this.changeDir(client, dir, what);
        return entries;
      },
      { retry: true },
    );
  }

  /** CWD into `dir`, mapping a failure to not-found / not-a-directory / permission. */
  private async changeDir(client: Client, dir: RelPath, what: string): Promise<void> {
    try {
      await client.send(`CWD ${this.abs(dir)}`);
    } catch (error) {
      throw await this.explain(client, error, dir, 'list', what);
    }
  }

  /** Runs a listing command on a data connection and returns its text, trying `commands` in order. */
  private async rawList(client: Client, commands: string[], what: string, path = ''): Promise<string> {
    let text = '';
    client.parseList = (raw: string) => {
      text = raw;
      return [];
    };
    // basic-ftp tries each candidate and keeps the first that works.
    client.availableListCommands = [...commands];
    try {
      await client.list(path);
    } catch (error) {
      closeUnlessReplied(client, error);
      throw this.fail(error, what);
    }
    if (commands.length > 1) this.listCommands = [...client.availableListCommands];
    return text;
  }

  /** Replaces LIST's minute/day times of files by MDTM's exact ones (vsftpd and other LIST-only servers). */
  private async exactTimes(client: Client, absDir: string, entries: ListedEntry[], what: string): Promise<ListedEntry[]> {
    const result: ListedEntry[] = [];
    for (const item of entries) {
      // A name the scan will refuse ("../x", "a/b") must reach it to be reported: MDTM on it
      // would ask about another path, and a 550 would drop it without a word.
      if (!('entry' in item) || item.entry.kind !== 'file' || segmentProblem(item.name) !== undefined) {
        result.push(item);
        continue;
      }
      const path = absDir === '/' ? `/${item.name}` : `${absDir}/${item.name}`;
      let reply: string;
      try {
        reply = (await client.send(`MDTM ${path}`)).message;
      } catch (error) {
        // Deleted since the LIST: it is simply not there any more.
        if (ftpReplyCode(error) === 550) continue;
        throw this.fail(error, what);
      }
      const mtimeMs = parseFtpTime(reply.slice(4));
      if (mtimeMs === undefined) throw new BackendError('protocol', `${what}: cannot read the time in the MDTM reply ${JSON.stringify(reply)}`);
      result.push({ name: item.name, entry: { ...item.entry, mtimeMs } });
    }
    return result;
  }

  async stat(path: RelPath): Promise<Entry | undefined> {
    if (path === ROOT) return { kind: 'dir' };
    const what = `cannot stat ${this.where(path)}`;
    return this.pool.use((client) => this.statWith(client, path, what), { retry: true });
  }

  /** stat on a given connection: MLST where offered, else CWD (folder?) then SIZE and MDTM. */
  private async statWith(client: Client, path: RelPath, what: string): Promise<Entry | undefined> {
    if (path === ROOT) return { kind: 'dir' };
    const abs = this.abs(path);
    if (this.features.mlst) {
      let reply: string;
      try {
        reply = (await client.send(`MLST ${abs}`)).message;
      } catch (error) {
        return this.absentUnlessDenied(error, what);
      }
      return this.entryOfMlst(reply, path, what);
    }
    try {
      await client.send(`CWD ${abs}`);
      return { kind: 'dir' };
    } catch (error) {
      if (ftpReplyCode(error) === undefined) throw this.fail(error, what);
    }
    if (!this.features.mdtm || !this.features.size) {
      // Without SIZE and MDTM only a listing of the parent tells, with LIST's precision.
      const parent = parentOf(path);
      let entries: ListedEntry[];
      try {
        await client.send(`CWD ${this.abs(parent)}`);
        entries = parseListListing(await this.rawList(client, this.listCommands, what), Date.now());
      } catch (error) {
        return this.absentUnlessDenied(error, what);
      }
      const found = entries.find((item) => item.name === baseName(path));
      if (found === undefined) return undefined;
      return 'entry' in found ? found.entry : unmatchable;
    }
    let size: number;
    let mtimeMs: number | undefined;
    try {
      size = Number.parseInt((await client.send(`SIZE ${abs}`)).message.slice(4), 10);
      mtimeMs = parseFtpTime((await client.send(`MDTM ${abs}`)).message.slice(4));
    } catch (error) {
      return this.absentUnlessDenied(error, what);
    }
    if (!Number.isSafeInteger(size) || mtimeMs === undefined) {
      throw new BackendError('protocol', `${what}: unexpected SIZE or MDTM reply`);
    }
    return { kind: 'file', size, mtimeMs };
  }

  /** The entry an MLST reply describes. */
  private entryOfMlst(reply: string, path: RelPath, what: string): Entry {
    // "250-Listing path\r\n facts; /path\r\n250 End": the fact line starts with one space.
    const line = reply.split(/\r?\n/).find((l, i) => i > 0 && l.startsWith(' '));
    if (line === undefined) throw new BackendError('protocol', `${what}: unexpected MLST reply ${JSON.stringify(reply)}`);
    const parsed = parseMlsxLine(line.slice(1));
    const listed = entryOfMlsxLine({ facts: parsed.facts, name: baseName(path) });
    if (listed === undefined) return { kind: 'dir' };
    return 'entry' in listed ? listed.entry : unmatchable;
  }

  /** A failed lookup means "nothing there", unless the server says access is denied. */
  private absentUnlessDenied(error: unknown, what: string): undefined {
    const code = ftpReplyCode(error);
    if (code === undefined || code < 450 || code === 530) throw this.fail(error, what);
    const mapped = this.fail(error, what);
    if (mapped.code === 'permission') throw mapped;
    return undefined;
  }

  /**
   * Turns a failed file command into the right error. Where the reply text is generic (vsftpd:
   * "Delete operation failed."), the path is looked at to tell not-found, is-a-directory,
   * not-a-directory, not-empty and permission apart.
   */
  private async explain(
    client: Client,
    error: unknown,
    path: RelPath,
    action: 'list' | 'read' | 'remove' | 'removeDir' | 'mkdir' | 'rename',
    what: string,
  ): Promise<BackendError> {
    const mapped = this.fail(error, what);
    if (!isAmbiguousFailure(error) || client.closed) return mapped;
    let entry: Entry | undefined;
    try {
      entry = await this.statWith(client, path, what);
    } catch {
      return mapped;
    }
    const reply = (error as Error).message.split(/\r?\n/)[0]!.trim();
    const explained = (code: BackendErrorCode, why: string): BackendError =>
      new BackendError(code, `${what}: ${why} (${reply})`, { cause: error });
    if (entry === undefined) {
      if (action === 'mkdir') {
        const parent = await this.statWith(client, parentOf(path), what).catch(() => undefined);
        return parent === undefined ? explained('not-found', 'the parent folder does not exist') : explained('permission', 'refused');
      }
      return explained('not-found', action === 'list' || action === 'removeDir' ? 'no such folder' : 'no such file');
    }
    if (entry.kind === 'file' && (action === 'list' || action === 'removeDir')) return explained('not-a-directory', 'not a folder');
    if (entry.kind === 'dir' && (action === 'read' || action === 'remove')) return explained('is-a-directory', 'is a folder');
    if (entry.kind === 'dir' && action === 'removeDir') {
      try {
        await client.send(`CWD ${this.abs(path)}`);
        const text = await this.rawList(client, this.features.mlst ? ['MLSD'] : this.listCommands, what);
        const entries = this.features.mlst ? parseMlsdListing(text) : parseListListing(text, Date.now());
        if (entries.length > 0) return explained('not-empty', 'not empty');
      } catch {
        return mapped;
      }
    }
    if (entry.kind === 'file' && action === 'mkdir') return explained('exists', 'a file is in the way');
    return explained('permission', 'refused by the server');
  }

  /** {@link explain} on a connection of its own (for failures seen after a connection was given back). */
  private async explainOn(error: unknown, path: RelPath, what: string): Promise<BackendError> {
    if (!isAmbiguousFailure(error)) return this.fail(error, what);
    return this.pool.use((client) => this.explain(client, error, path, 'read', what)).catch(() => this.fail(error, what));
  }

  async read(path: RelPath, options: ReadOptions = {}): Promise<Readable> {
    return this.readOnce(path, options, true);
  }

  private async readOnce(path: RelPath, options: ReadOptions, mayRetry: boolean): Promise<Readable> {
    const what = `cannot read ${this.where(path)}`;
    const abs = this.abs(path);
    options.signal?.throwIfAborted();
    const pooled = await this.pool.acquire();
    const wasFresh = pooled.fresh;
    pooled.fresh = false;
    const client = pooled.client;
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        this.pool.release(pooled);
      }
    };
    // The caller reads `out`. The bytes reach it in chunks of about 1 MiB (download-chunker.ts):
    // straight from the data socket where ferry opens it (pipelined EPSV), else copied from the
    // chunks basic-ftp writes into `sink`. The promise settles at the first byte (or at the end
    // of an empty file), so a missing file rejects read() itself.
    let resumeSink: (() => void) | undefined;
    let finished = false;
    const out = new Readable({
      // Room for a few chunks, so the socket keeps being read while the disk takes one.
      highWaterMark: 4 * 1024 * 1024,
      read() {
        chunker.resume();
        const resume = resumeSink;
        resumeSink = undefined;
        resume?.();
      },
      destroy(error, callback) {
        // The reader gave up early: stop the transfer (basic-ftp closes that connection).
        if (!finished) sink.destroy(error ?? new Error('download stopped by the reader'));
        callback(error);
      },
    });
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    // A reader that stopped early drops the rest (basic-ftp is closing the transfer by then).
    const chunker = new DownloadChunker((chunk) => out.destroyed || out.push(chunk), markStarted);
    const receiver = { onread: chunker.socketReader, attach: (socket: Socket) => chunker.attach(socket) };
    receiveNextRetrDirectly(client.ftp, receiver);
    const sink = new Writable({
      highWaterMark: 256 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        if (chunker.add(chunk)) callback();
        else resumeSink = () => callback();
      },
      // basic-ftp ends the sink even after a failure: `out` is ended only on success, below.
      final(callback) {
        callback();
      },
    });
    sink.on('error', () => undefined);
    const onAbort = (): void => {
      out.destroy(options.signal?.reason instanceof Error ? options.signal.reason : new Error('read aborted'));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const download = retrieveFrom(client, sink, abs, options.start).then(
      () => {
        finished = true;
        markStarted();
        if (!out.destroyed) chunker.flush();
        out.push(null);
      },
      (error: unknown) => {
        finished = true;
        closeUnlessReplied(client, error);
        throw error;
      },
    );
    download
      .catch(() => undefined)
      .finally(() => {
        forgetDirectReceiver(client.ftp, receiver);
        options.signal?.removeEventListener('abort', onAbort);
        release();
      });
    try {
      await Promise.race([started, download]);
    } catch (error) {
      // Nothing was read yet: explain the failure. proftpd closes the prepared data connection of
      // a RETR it refuses, which basic-ftp may see (ECONNRESET) before the 550 and so close the
      // control connection too: then look at the path on another connection.
      release();
      if (!client.closed) throw await this.explainOn(error, path, what);
      const entry = await this.pool.use((other) => this.statWith(other, path, what), { retry: true }).catch(() => null);
      if (entry === undefined) throw new BackendError('not-found', `${what}: no such file`, { cause: error });
      if (entry?.kind === 'dir') throw new BackendError('is-a-directory', `${what}: is a folder`, { cause: error });
      // The file is there and nothing was read: a reused connection the server had closed
      // meanwhile deserves one more try on a new one.
      if (entry !== null && mayRetry && !wasFresh && isConnectionFailure(error)) return this.readOnce(path, options, false);
      throw this.fail(error, what);
    }
    download.catch((error: unknown) => {
      if (!out.destroyed) out.destroy(this.fail(error, what));
    });
    return out;
  }

  async write(path: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
    this.checkCreatable(path);
    const what = `cannot write ${this.where(path)}`;
    const { signal } = options;
    const part = options.part;
    const tempRel = uploadTempFor(path, part);
    const tempPath = this.abs(tempRel);
    signal?.throwIfAborted();

    // The upload reads `data` itself (no intermediate stream and pipeline per file: their
    // listeners and abort signals were a tenth of the CPU of small uploads). A failing source or an
    // abort destroys it, which fails basic-ftp's read of it: basic-ftp closes that connection and
    // rejects the upload.
    let sourceError: unknown;
    const onSourceError = (error: unknown): void => {
      sourceError ??= error;
    };
    data.on('error', onSourceError);
    const onAbort = (): void => {
      data.destroy(signal?.reason instanceof Error ? signal.reason : new Error('write aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const stopWatching = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (!data.destroyed) data.destroy();
    };

    let pooled: UploadConnection['pooled'];
    // The previous upload's last batch on this connection, when it was handed over unsent.
    let inherited: DeferredBatch | undefined;
    try {
      ({ pooled, batch: inherited } = await this.pool.acquireForUpload());
    } catch (error) {
      // Closes the source (often an open file) too.
      stopWatching();
      throw error;
    }
    pooled.fresh = false;
    const client = pooled.client;
    let released = false;
    const release = (): void => {
      if (!released) {
        released = true;
        this.pool.release(pooled);
      }
    };
    let uploadStarted = false;
    try {
      // A small file read whole goes out in one piece on a data connection of ferry's own,
      // after the inherited batch in the same packet; anything else sends that batch first.
      const whole = wholeContentsOf(data);
      const goesWhole = whole !== undefined && part === undefined && canStoreBuffer(client, whole) && sourceError === undefined && !data.destroyed && !signal?.aborted;
      if (inherited && !goesWhole) await this.sendInherited(client, inherited);
      if (sourceError !== undefined || data.destroyed) throw sourceError ?? new Error('source closed');
      await part?.onTemp?.(tempRel);
      uploadStarted = true;
      try {
        if (goesWhole) await storeBuffer(client, tempPath, whole!, inherited);
        else await storeOrAppend(client, data, tempPath, part, this);
      } catch (error) {
        if (error instanceof BackendError) throw error;
        closeUnlessReplied(client, error);
        if (sourceError !== undefined || signal?.aborted) throw sourceError ?? error;
        // The explanation looks on another connection: this one goes back first. Held meanwhile,
        // uploads failing together (a full disk) each waited for a connection another one held.
        release();
        throw await this.explainUploadFailure(error, path, what);
      }
      if (sourceError !== undefined) throw sourceError;
      // Set the time before the rename, so the final name never shows the upload time.
      const setTime = options.mtimeMs !== undefined && this.mtimeMethod !== 'none' ? mtimeCommand(this.mtimeMethod, options.mtimeMs, tempPath) : undefined;
      // 0644 is what servers give new files under their usual umask: a SITE CHMOD per file is
      // spent only on files that need other bits, such as private 0600 ones.
      const chmod =
        options.mode !== undefined && this.chmodWorks && safeFileMode(options.mode) !== 0o644
          ? `SITE CHMOD ${safeFileMode(options.mode).toString(8).padStart(4, '0')} ${tempPath}`
          : undefined;
      // An abort before the rename leaves the final name untouched.
      signal?.throwIfAborted();
      const unverified = setTime !== undefined && this.mtimeUnverified;
      const method = this.mtimeMethod;
      const mtimeMs = options.mtimeMs;
      let entry: Entry | undefined;
      if (unverified || setTime === undefined || method === 'none' || mtimeMs === undefined) {
        entry = await this.settleUpload(client, tempRel, path, setTime, chmod, what, signal, unverified);
      } else {
        const setTimeOnFinal = (): string => mtimeCommand(method, mtimeMs, this.abs(path));
        const batch = new DeferredBatch(this.oneBatchCommands(tempRel, path, setTime, chmod));
        if (this.features.mlst && this.pool.handOver(pooled, batch)) {
          // The next upload sends the batch with its own first commands; anything more this
          // upload needs (rare: a refused rename or time) goes on any connection.
          released = true;
          const replies = await batch.replies.catch((error: unknown) => {
            throw this.fail(error, what);
          });
          entry = await this.settleOneBatch((fn) => this.pool.use(fn), replies, tempRel, path, chmod, setTimeOnFinal, what);
        } else {
          const replies = await this.pipelined(client, batch.commands, what);
          entry = await this.settleOneBatch((fn) => fn(client), replies, tempRel, path, chmod, setTimeOnFinal, what);
        }
      }
      if (unverified && entry?.kind === 'file' && options.mtimeMs !== undefined) this.settleMtimeMethod(entry.mtimeMs === Math.floor(options.mtimeMs / 1000) * 1000);
      if (entry?.kind !== 'file' || entry.size < 0) {
        throw new BackendError('changed', `${this.where(path)} changed while it was being written`);
      }
      release();
      return entry;
    } catch (error) {
      release();
      // A resumable write keeps its part for the caller (engine/resumable-copy.ts).
      if (uploadStarted && part === undefined) await this.removeQuietly(tempPath);
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : error;
      throw error;
    } finally {
      stopWatching();
    }
  }

  /**
   * A refused STOR says little: vsftpd answers "553 Could not create file." and proftpd closes the
   * prepared data connection first (ECONNRESET). A missing or mistyped parent folder is the usual
   * reason, so look at it on a working connection.
   */
  private async explainUploadFailure(error: unknown, path: RelPath, what: string): Promise<BackendError> {
    const mapped = this.fail(error, what);
    if (mapped.code !== 'connection-lost' && mapped.code !== 'protocol' && !isAmbiguousFailure(error)) return mapped;
    const parent = parentOf(path);
    let entry: Entry | undefined;
    try {
      entry = await this.pool.use((client) => this.statWith(client, parent, what), { retry: true });
    } catch {
      return mapped;
    }
    if (entry === undefined) return new BackendError('not-found', `${what}: the folder ${this.abs(parent)} does not exist`, { cause: error });
    if (entry.kind === 'file') return new BackendError('not-a-directory', `${what}: ${this.abs(parent)} is a file, not a folder`, { cause: error });
    return mapped;
  }

  /** Deletes a temporary file after a failed write, on any working connection; errors are ignored. */
  private async removeQuietly(absPath: string): Promise<void> {
    if (this.closed) return;
    await this.pool.use((client) => client.sendIgnoringError(`DELE ${absPath}`), { retry: true }).catch(() => undefined);
  }

  /**
   * RNFR/RNTO. RFC 959 leaves renaming over an existing file to the server; where it refuses,
   * the target is deleted and the rename retried, which leaves a short window in which the
   * target is missing (documented in docs/ftp.md).
   */
  private async renameWith(client: Client, from: RelPath, to: RelPath, what: string): Promise<void> {
    const fromAbs = this.abs(from);
    const toAbs = this.abs(to);
    try {
      await client.send(`RNFR ${fromAbs}`);
    } catch (error) {
      throw await this.explain(client, error, from, 'rename', what);
    }
    try {
      await client.send(`RNTO ${toAbs}`);
    } catch (error) {
      await this.replaceByRename(client, from, to, error, what);
    }
  }

  /** After a refused RNTO: where a file is in the way, delete it and rename again. */
  private async replaceByRename(client: Client, from: RelPath, to: RelPath, error: unknown, what: string): Promise<void> {
    if (client.closed) throw this.fail(error, what);
    const target = await this.statWith(client, to, what).catch(() => undefined);
    if (target?.kind !== 'file') throw this.fail(error, what);
    const toAbs = this.abs(to);
    await this.send(client, `DELE ${toAbs}`, what);
    await this.send(client, `RNFR ${this.abs(from)}`, what);
    await this.send(client, `RNTO ${toAbs}`, what);
  }

  /**
   * The end of an upload, in two pipelined batches (see send-pipelined.ts) instead of a round trip
   * per command: [set time, chmod, RNFR] then [RNTO, MLST]. A failed time or RNFR stops before
   * the rename, so the final name is only ever replaced by a complete file with its time set.
   * Returns the entry as the server now lists it.
   */
  private async settleUpload(
    client: Client,
    tempRel: RelPath,
    path: RelPath,
    setTime: string | undefined,
    chmod: string | undefined,
    what: string,
    signal: AbortSignal | undefined,
    mtimeUnverified = false,
  ): Promise<Entry | undefined> {
    const prepare = [...(setTime ? [setTime] : []), ...(chmod ? [chmod] : []), `RNFR ${this.abs(tempRel)}`];
    const prepared = await this.pipelined(client, prepare, what);
    if (setTime && prepared[0] instanceof FTPError) {
      // A guessed MDTM-with-time refused: this server cannot set times; the upload goes on.
      if (mtimeUnverified) this.settleMtimeMethod(false);
      else throw this.fail(prepared[0], `${what}: cannot set its modification time`);
    }
    if (chmod && (prepared[setTime ? 1 : 0]?.code ?? 0) >= 500) this.chmodWorks = false;
    const rnfr = prepared[prepared.length - 1];
    if (rnfr instanceof FTPError) throw await this.explain(client, rnfr, tempRel, 'rename', what);
    signal?.throwIfAborted();
    const abs = this.abs(path);
    const [rnto, mlst] = await this.pipelined(client, this.features.mlst ? [`RNTO ${abs}`, `MLST ${abs}`] : [`RNTO ${abs}`], what);
    if (rnto instanceof FTPError) {
      await this.replaceByRename(client, tempRel, path, rnto, what);
      return this.statWith(client, path, what);
    }
    if (mlst === undefined) return this.statWith(client, path, what);
    if (mlst instanceof FTPError) return this.absentUnlessDenied(mlst, what);
    return this.entryOfMlst(mlst.message, path, what);
  }

  /**
   * The end of an upload in one pipelined batch, for a server whose way of setting times is known
   * to work: [set time, chmod, RNFR, RNTO, MLST]. One round trip and one write per file less than
   * {@link settleUpload}, the largest remaining cost of small files (and a network round trip each
   * on a real link). The time is still set before the rename. A refused RNFR stops the RNTO (the
   * server answers it 503), so the final name is only ever replaced by the complete file. Should
   * the server refuse the time after all (it accepted it before: the method is verified), the
   * complete file is already in place: the time is set once more on the final name, and only if
   * that fails too does the upload fail, with the new content under the final name. When another
   * upload waits for a connection, the batch goes out with that upload's `EPSV` + `STOR`
   * (deferred-batch.ts), saving one more round trip per file.
   */
  private oneBatchCommands(tempRel: RelPath, path: RelPath, setTime: string, chmod: string | undefined): string[] {
    const abs = this.abs(path);
    return [setTime, ...(chmod ? [chmod] : []), `RNFR ${this.abs(tempRel)}`, `RNTO ${abs}`, ...(this.features.mlst ? [`MLST ${abs}`] : [])];
  }

  /**
   * Reads the replies to {@link oneBatchCommands}. What a refusal calls for (a look at the target,
   * the time set once more) runs through `onConnection`, which need not use the connection the
   * batch went on: the batch is complete once answered. The usual case needs no connection.
   */
  private async settleOneBatch(
    onConnection: <T>(fn: (client: Client) => Promise<T>) => Promise<T>,
    replies: PipelinedReply[],
    tempRel: RelPath,
    path: RelPath,
    chmod: string | undefined,
    setTimeOnFinal: () => string,
    what: string,
  ): Promise<Entry | undefined> {
    const [timeReply] = replies;
    if (chmod && (replies[1]?.code ?? 0) >= 500) this.chmodWorks = false;
    const at = chmod ? 2 : 1;
    const [rnfr, rnto, mlst] = [replies[at], replies[at + 1], replies[at + 2]];
    if (rnfr instanceof FTPError) throw await onConnection((client) => this.explain(client, rnfr, tempRel, 'rename', what));
    if (rnto instanceof FTPError) await onConnection((client) => this.replaceByRename(client, tempRel, path, rnto, what));
    if (timeReply instanceof FTPError) {
      return onConnection(async (client) => {
        const retried = await this.pipelined(client, [setTimeOnFinal()], what);
        if (retried[0] instanceof FTPError) throw this.fail(retried[0], `${what}: cannot set its modification time (the new content is in place)`);
        return this.statWith(client, path, what);
      });
    }
    if (rnto instanceof FTPError || mlst === undefined) return onConnection((client) => this.statWith(client, path, what));
    if (mlst instanceof FTPError) return this.absentUnlessDenied(mlst, what);
    return this.entryOfMlst(mlst.message, path, what);
  }

  /** Ends the check of a guessed `mdtm` (see {@link FtpBackendConfig.mtimeUnverified}). */
  private settleMtimeMethod(works: boolean): void {
    if (!this.mtimeUnverified) return;
    this.mtimeUnverified = false;
    if (!works) this.mtimeMethod = 'none';
  }

  /** Sends a batch handed over by the previous upload on `client` on its own, and settles it. */
  private async sendInherited(client: Client, batch: DeferredBatch): Promise<void> {
    try {
      batch.settle(await sendPipelined(client, batch.commands));
    } catch (error) {
      batch.fail(error);
      throw this.fail(error, 'cannot finish the previous upload on this connection');
    }
  }

  private async pipelined(client: Client, commands: readonly string[], what: string): Promise<PipelinedReply[]> {
    try {
      return await sendPipelined(client, commands);
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  async mkdir(path: RelPath): Promise<MkdirOutcome> {
    this.checkCreatable(path);
    const what = `cannot create folder ${this.where(path)}`;
    return this.pool.use(async (client): Promise<MkdirOutcome> => {
      try {
        // MKD succeeds only for a folder it made (RFC 959: 257 "created"); an existing one is a 550.
        await client.send(`MKD ${this.abs(path)}`);
        return 'created';
      } catch (error) {
        if (client.closed) throw this.fail(error, what);
        const entry = await this.statWith(client, path, what);
        if (entry?.kind === 'dir') return 'existed';
        if (entry !== undefined) throw new BackendError('exists', `${what}: a file is in the way`, { cause: error });
        throw await this.explain(client, error, path, 'mkdir', what);
      }
    });
  }

  async remove(path: RelPath): Promise<void> {
    const what = `cannot delete ${this.where(path)}`;
    await this.pool.use(async (client) => {
      try {
        await client.send(`DELE ${this.abs(path)}`);
      } catch (error) {
        throw await this.explain(client, error, path, 'remove', what);
      }
    });
  }

  async removeDir(path: RelPath): Promise<void> {
    const what = `cannot delete folder ${this.where(path)}`;
    await this.pool.use(async (client) => {
      try {
        await client.send(`RMD ${this.abs(path)}`);
      } catch (error) {
        throw await this.explain(client, error, path, 'removeDir', what);
      }
    });
  }

  async rename(from: RelPath, to: RelPath): Promise<void> {
    this.checkCreatable(to);
    const what = `cannot rename ${this.where(from)} to ${this.abs(to)}`;
    await this.pool.use((client) => this.renameWith(client, from, to, what));
  }

  /** `ferry doctor`'s FTP checks (ftp-probe.ts). */
  probe(report: ProbeReporter, options?: ProbeOptions): Promise<void> {
    return probeFtp({ pool: this.pool, root: this.root, features: this.features, mtimeMethod: this.mtimeMethod, mtimeUnverified: this.mtimeUnverified }, report, options);
  }

  async hash(path: RelPath, algorithms: readonly HashAlgorithm[]): Promise<ContentHash | undefined> {
    return hashOverFtp(this.hashMethods, algorithms, this.abs(path), `cannot hash ${this.where(path)}`, (run) =>
      this.pool.use((client) => run((command, what) => this.send(client, command, what))),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pool.close();
  }
}
