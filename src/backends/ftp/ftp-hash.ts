/**
 * Server-side file hashes over FTP: the `HASH` command of draft-bryan-ftpext-hash (selected with
 * `OPTS HASH <algorithm>`) and the older `XSHA256`, `XSHA1`, `XMD5`, `XCRC` commands, as the FEAT
 * reply announces them.
 */
import type { ContentHash, HashAlgorithm } from '../content-hash.js';
import { BackendError } from '../../errors.js';

/** How one algorithm is asked for on this server. */
export interface FtpHashMethod {
  readonly algorithm: HashAlgorithm;
  /** `HASH`: `OPTS HASH <name>` then `HASH <path>`; otherwise the command `<verb> <path>`. */
  readonly verb: 'HASH' | 'XSHA256' | 'XSHA1' | 'XMD5' | 'XCRC';
  /** The algorithm's name in `OPTS HASH` (draft names: `SHA-256`, `SHA-1`, `MD5`, `CRC32`). */
  readonly hashName?: string;
}

const draftNames: Record<string, HashAlgorithm> = { 'SHA-256': 'sha256', 'SHA-1': 'sha1', MD5: 'md5', CRC32: 'crc32' };
const xVerbs: Record<string, HashAlgorithm> = { XSHA256: 'sha256', XSHA1: 'sha1', XMD5: 'md5', XCRC: 'crc32' };

/**
 * The hash methods a FEAT reply offers, one per algorithm (the draft's `HASH` preferred over the
 * X commands, which some servers limit to whole files or reply to in odd formats).
 */
export function ftpHashMethods(featureLines: readonly string[]): Map<HashAlgorithm, FtpHashMethod> {
  const methods = new Map<HashAlgorithm, FtpHashMethod>();
  for (const line of featureLines) {
    const [keyword, rest] = [line.split(/\s+/)[0]!.toUpperCase(), line.slice(line.split(/\s+/)[0]!.length).trim()];
    if (keyword !== 'HASH') continue;
    // "HASH SHA-1;SHA-256*;MD5;CRC32": `*` marks the one currently selected.
    for (const name of rest.split(';')) {
      const clean = name.replace(/\*$/, '').trim().toUpperCase();
      const algorithm = draftNames[clean];
      if (algorithm) methods.set(algorithm, { algorithm, verb: 'HASH', hashName: clean });
    }
  }
  for (const line of featureLines) {
    const keyword = line.split(/\s+/)[0]!.toUpperCase();
    const algorithm = xVerbs[keyword];
    if (algorithm && !methods.has(algorithm)) methods.set(algorithm, { algorithm, verb: keyword as FtpHashMethod['verb'] });
  }
  return methods;
}

const digestLength: Record<HashAlgorithm, number> = { sha256: 64, sha1: 40, md5: 32, crc32: 8 };

/**
 * The digest in a reply: `213 SHA-256 0-1234 <hex> <path>` (HASH) or `250 <hex>` / `213 <hex>`
 * (X commands; some servers add the path). The first hex word of the right length; crc32 digests
 * are padded to 8 digits. Undefined when there is none.
 */
export function digestOfReply(message: string, algorithm: HashAlgorithm): string | undefined {
  // Multi-line replies ("213-Computing SHA-256 digest") carry the digest on their last line.
  const lines = message.trim().split(/\r?\n/);
  const words = lines[lines.length - 1]!.trim().split(/\s+/);
  // Skip the reply code; the algorithm name, the byte range and the path are not hex words.
  for (const word of words.slice(1)) {
    if (!/^[0-9a-fA-F]+$/.test(word)) continue;
    if (algorithm === 'crc32' ? word.length <= 8 : word.length === digestLength[algorithm]) return word.toLowerCase().padStart(digestLength[algorithm], '0');
  }
  return undefined;
}

/** Sends one command on a connection and returns the reply text (errors mapped by the caller). */
export type FtpSend = (command: string, what: string) => Promise<string>;

/**
 * Asks the server for the digest of `absPath` with the first of `algorithms` it offers; undefined
 * when it offers none. `withClient` runs the exchange on one pooled connection (`OPTS HASH` is
 * per connection, so it is sent each time: one more round trip, never a stale selection).
 */
export async function hashOverFtp(
  methods: ReadonlyMap<HashAlgorithm, FtpHashMethod>,
  algorithms: readonly HashAlgorithm[],
  absPath: string,
  what: string,
  withClient: <T>(run: (send: FtpSend) => Promise<T>) => Promise<T>,
): Promise<ContentHash | undefined> {
  const method = algorithms.map((algorithm) => methods.get(algorithm)).find((found) => found !== undefined);
  if (!method) return undefined;
  const reply = await withClient(async (send) => {
    if (method.verb === 'HASH') {
      await send(`OPTS HASH ${method.hashName}`, what);
      return send(`HASH ${absPath}`, what);
    }
    return send(`${method.verb} ${absPath}`, what);
  });
  const digest = digestOfReply(reply, method.algorithm);
  if (digest === undefined) throw new BackendError('protocol', `${what}: no ${method.algorithm} digest in the reply "${reply.trim().slice(0, 120)}"`);
  return { algorithm: method.algorithm, digest };
}
