/**
 * Content hashes: the algorithms ferry compares files with, and hashing a stream locally.
 */
import type { Readable } from 'node:stream';

/** Algorithms a server may compute for us, best first (all of them ferry can also compute). */
export const HASH_ALGORITHMS = ['sha256', 'sha1', 'md5', 'crc32'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** A file's digest: lower-case hex (crc32: 8 hex digits). */
export interface ContentHash {
  readonly algorithm: HashAlgorithm;
  readonly digest: string;
}

/** Reads a stream to its end and returns its digest. */
export async function hashStream(data: Readable, algorithm: HashAlgorithm): Promise<string> {
  if (algorithm === 'crc32') {
    // zlib loaded here, not with the module: most runs never compute a CRC (start-up time).
    const { crc32 } = await import('node:zlib');
    let crc = 0;
    for await (const chunk of data) crc = crc32(chunk as Buffer, crc);
    return crc.toString(16).padStart(8, '0');
  }
  // node:crypto loaded here too: a run that compares no contents does not pay for it (~4 ms).
  const hash = process.getBuiltinModule('node:crypto').createHash(algorithm);
  for await (const chunk of data) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
