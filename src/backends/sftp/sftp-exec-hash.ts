/**
 * Server-side hashes over SSH: `sha256sum`, `sha1sum` or `md5sum` run through an exec channel of
 * the SFTP connection, so the file is not transferred. Accounts restricted to SFTP (internal-sftp,
 * `ForceCommand`) refuse exec channels or fail the command: then nothing is hashed remotely.
 */
import { BackendError } from '../../errors.js';
import type { ContentHash, HashAlgorithm } from '../content-hash.js';

/** The tool for each algorithm (crc32 has none: `cksum` computes another CRC). */
const tools: Partial<Record<HashAlgorithm, string>> = { sha256: 'sha256sum', sha1: 'sha1sum', md5: 'md5sum' };
const digestLength: Record<HashAlgorithm, number> = { sha256: 64, sha1: 40, md5: 32, crc32: 8 };

/**
 * Quotes a path for a POSIX shell: single quotes, with each `'` written as `'\''`. Nothing inside
 * single quotes is special to the shell, so no name can run a command.
 */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The command line hashing `absPath` with `algorithm`, or undefined when there is no tool for it. */
export function hashCommand(algorithm: HashAlgorithm, absPath: string): string | undefined {
  const tool = tools[algorithm];
  // `--` ends the options, so a name starting with `-` stays a name.
  return tool ? `${tool} -b -- ${shellQuote(absPath)}` : undefined;
}

/** Runs a command on the server. */
export type ExecRunner = (command: string) => Promise<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>;

/**
 * Hashes over exec, remembering whether the server lets us: after one refused channel or a
 * missing tool it is not asked again.
 */
export class SftpExecHasher {
  private usable: boolean | undefined;
  /** Exec channels open at once: OpenSSH allows 10 sessions per connection (MaxSessions). */
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly maxChannels = 4) {}

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= this.maxChannels) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  /** The digest of `absPath` with the first of `algorithms` that has a tool; undefined when exec is not usable. */
  async hash(run: ExecRunner, absPath: string, algorithms: readonly HashAlgorithm[], what: string): Promise<ContentHash | undefined> {
    if (this.usable === false) return undefined;
    const algorithm = algorithms.find((candidate) => tools[candidate] !== undefined);
    if (algorithm === undefined) return undefined;
    let result;
    try {
      result = await this.slot(() => run(hashCommand(algorithm, absPath)!));
    } catch {
      // Refused before it ever worked: an SFTP-only account. After a success, a refused channel
      // is a passing limit: this file is read instead.
      if (this.usable !== true) this.usable = false;
      return undefined;
    }
    if (result.code !== 0) {
      // GNU coreutils: "sha256sum: PATH: No such file or directory" / "Is a directory".
      if (/No such file/i.test(result.stderr)) throw new BackendError('not-found', `${what}: no such file`);
      if (/Is a directory/i.test(result.stderr)) throw new BackendError('is-a-directory', `${what}: is a folder`);
      this.usable = false;
      return undefined;
    }
    // "HEX *PATH"; a name with a backslash or newline makes GNU tools start the line with "\".
    const match = /^\\?([0-9a-fA-F]+)\s/.exec(result.stdout);
    if (!match || match[1]!.length !== digestLength[algorithm]) {
      this.usable = false;
      return undefined;
    }
    this.usable = true;
    return { algorithm, digest: match[1]!.toLowerCase() };
  }
}
