/**
 * A folder on an FTP or FTPS server: a facade over the parts that do the work, each in a file of
 * its own (listing: ftp-listing.ts and ftp-lookup.ts; download: ftp-download.ts; upload:
 * ftp-upload.ts and ftp-upload-finish.ts; renames: ftp-rename.ts; error explanation:
 * ftp-explain.ts), sharing one {@link FtpFolder}.
 */
import type { Readable } from 'node:stream';
import type { Entry, FileEntry, ListedEntry } from '../../core/entry.js';
import { ROOT, type RelPath } from '../../core/rel-path.js';
import { speedTrickOn } from '../../core/speed-tricks.js';
import { BackendError } from '../../errors.js';
import type { Backend, BackendCapabilities, MkdirOutcome, ProbeOptions, ProbeReporter, ReadOptions, WriteOptions } from '../backend.js';
import type { ContentHash, HashAlgorithm } from '../content-hash.js';
import { downloadFile } from './ftp-download.js';
import { explain } from './ftp-explain.js';
import { FtpFolder, type FtpFolderConfig } from './ftp-folder.js';
import { ftpHashMethods, hashOverFtp, type FtpHashMethod } from './ftp-hash.js';
import { listFolder } from './ftp-listing.js';
import { statOn } from './ftp-lookup.js';
import { probeFtp } from './ftp-probe.js';
import { renameOn } from './ftp-rename.js';
import { uploadFile } from './ftp-upload.js';
import type { MtimeMethod } from './mtime-method.js';

/** What {@link FtpBackend} is built from (see `openFtpBackend`, which probes all of it): its folder's parts and its names. */
export interface FtpBackendConfig extends FtpFolderConfig {
  /** Canonical id of the root, without password (`ftp://user@host:21/path`). */
  readonly id: string;
  readonly displayName: string;
}

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
  private readonly folder: FtpFolder;
  /** Server-side hash commands from FEAT (ftp-hash.ts). */
  private readonly hashMethods: ReadonlyMap<HashAlgorithm, FtpHashMethod>;

  constructor(config: FtpBackendConfig) {
    this.id = config.id;
    this.displayName = config.displayName;
    const folder = new FtpFolder(config);
    this.folder = folder;
    this.hashMethods = ftpHashMethods(config.features.lines);
    this.capabilities = {
      // MLSD, MLST and MDTM give whole seconds; LIST alone gives minutes at best.
      mtimePrecisionMs: config.features.mlst || config.features.mdtm ? 1000 : 60_000,
      // A getter: a guessed MDTM turns out not to work on the first upload.
      get canSetMtime(): boolean {
        return folder.mtimeMethod !== 'none';
      },
      caseInsensitive: false,
      // Twice the connections: when an upload finishes, the next one already waits for its
      // connection and sends its first commands with the finished one's last (deferred-batch.ts).
      maxConcurrency: config.pool.size * (speedTrickOn('ftp-hand-over') ? 2 : 1),
      listConcurrency: config.pool.size,
      // STOR writes in order; parts are continued with APPE at their end (ftp-resume.ts).
      resumeTailBytes: 0,
    };
  }

  /** Which listing and mtime commands this server gets (for diagnostics and tests). */
  get protocolInfo(): { readonly listing: 'MLSD' | 'LIST'; readonly mtimeMethod: MtimeMethod; readonly mtimeUnverified: boolean } {
    const { features, mtimeMethod, mtimeUnverified } = this.folder;
    return { listing: features.mlst ? 'MLSD' : 'LIST', mtimeMethod, mtimeUnverified };
  }

  list(dir: RelPath): Promise<ListedEntry[]> {
    return listFolder(this.folder, dir);
  }

  async stat(path: RelPath): Promise<Entry | undefined> {
    if (path === ROOT) return { kind: 'dir' };
    const what = `cannot stat ${this.folder.where(path)}`;
    return this.folder.pool.use((client) => statOn(this.folder, client, path, what), { retry: true });
  }

  read(path: RelPath, options: ReadOptions = {}): Promise<Readable> {
    return downloadFile(this.folder, path, options);
  }

  write(path: RelPath, data: Readable, options: WriteOptions = {}): Promise<FileEntry> {
    return uploadFile(this.folder, path, data, options);
  }

  async mkdir(path: RelPath): Promise<MkdirOutcome> {
    const folder = this.folder;
    folder.checkCreatable(path);
    const what = `cannot create folder ${folder.where(path)}`;
    return folder.pool.use(async (client): Promise<MkdirOutcome> => {
      try {
        // MKD succeeds only for a folder it made (RFC 959: 257 "created"); an existing one is a 550.
        await client.send(`MKD ${folder.abs(path)}`);
        return 'created';
      } catch (error) {
        if (client.closed) throw folder.fail(error, what);
        const entry = await statOn(folder, client, path, what);
        if (entry?.kind === 'dir') return 'existed';
        if (entry !== undefined) throw new BackendError('exists', `${what}: a file is in the way`, { cause: error });
        throw await explain(folder, client, error, path, 'mkdir', what);
      }
    });
  }

  async remove(path: RelPath): Promise<void> {
    await this.removeWith('DELE', 'remove', path, `cannot delete ${this.folder.where(path)}`);
  }

  async removeDir(path: RelPath): Promise<void> {
    await this.removeWith('RMD', 'removeDir', path, `cannot delete folder ${this.folder.where(path)}`);
  }

  private async removeWith(command: 'DELE' | 'RMD', action: 'remove' | 'removeDir', path: RelPath, what: string): Promise<void> {
    const folder = this.folder;
    await folder.pool.use(async (client) => {
      try {
        await client.send(`${command} ${folder.abs(path)}`);
      } catch (error) {
        throw await explain(folder, client, error, path, action, what);
      }
    });
  }

  async rename(from: RelPath, to: RelPath): Promise<void> {
    const folder = this.folder;
    folder.checkCreatable(to);
    const what = `cannot rename ${folder.where(from)} to ${folder.abs(to)}`;
    await folder.pool.use((client) => renameOn(folder, client, from, to, what));
  }

  /** `ferry doctor`'s FTP checks (ftp-probe.ts). */
  probe(report: ProbeReporter, options?: ProbeOptions): Promise<void> {
    const { pool, root, features, mtimeMethod, mtimeUnverified } = this.folder;
    return probeFtp({ pool, root, features, mtimeMethod, mtimeUnverified }, report, options);
  }

  async hash(path: RelPath, algorithms: readonly HashAlgorithm[]): Promise<ContentHash | undefined> {
    const folder = this.folder;
    return hashOverFtp(this.hashMethods, algorithms, folder.abs(path), `cannot hash ${folder.where(path)}`, (run) =>
      folder.pool.use((client) => run((command, what) => folder.send(client, command, what))),
    );
  }

  async close(): Promise<void> {
    this.folder.closed = true;
    await this.folder.pool.close();
  }
}
