/**
 * Deciding by content whether two same-sized files are equal (`--compare checksum`): the server
 * hashes where it can (Backend.hash), otherwise the file is read and hashed here.
 */
import { hashStream, type Backend, type ContentHash, type HashAlgorithm } from '../backends/backend.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import { runPool } from './task-pool.js';

/** How one side's digest was obtained. */
export type HashSource = 'server' | 'read';

/** The outcome for one path. */
export interface ContentComparison {
  readonly path: RelPath;
  readonly equal: boolean;
  readonly algorithm: HashAlgorithm;
  readonly by: Readonly<Record<Side, HashSource>>;
}

async function digestOf(
  backend: Backend,
  path: RelPath,
  algorithms: readonly HashAlgorithm[],
  signal?: AbortSignal,
): Promise<{ hash: ContentHash; by: HashSource }> {
  const fromServer = await backend.hash?.(path, algorithms, { signal });
  if (fromServer) return { hash: fromServer, by: 'server' };
  const algorithm = algorithms[0]!;
  const stream = await backend.read(path, { signal });
  try {
    return { hash: { algorithm, digest: await hashStream(stream, algorithm) }, by: 'read' };
  } finally {
    stream.destroy();
  }
}

/**
 * Compares the contents of `paths` on both sides. The side that can hash on its server is asked
 * first with every algorithm (best first); the other side then uses the algorithm it answered
 * with, on its server or by reading. A path that cannot be hashed (gone, unreadable) is left out:
 * its decision stays as it was.
 */
export async function compareContents(
  backends: Readonly<Record<Side, Backend>>,
  paths: readonly RelPath[],
  options: { readonly concurrency: number; readonly signal?: AbortSignal; readonly onError?: (path: RelPath, error: unknown) => void },
): Promise<ContentComparison[]> {
  const results: ContentComparison[] = [];
  // Reading a side is the expensive fallback: the side with a server-side hash goes first.
  // CRC32 is left out: 32 bits are too few to bet an edit on "equal".
  const algorithms: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];
  const first: Side = backends.remote.hash ? 'remote' : backends.local.hash ? 'local' : 'remote';
  const second: Side = first === 'remote' ? 'local' : 'remote';
  await runPool(
    [...paths],
    options.concurrency,
    async (path) => {
      try {
        const a = await digestOf(backends[first], path, algorithms, options.signal);
        const b = await digestOf(backends[second], path, [a.hash.algorithm], options.signal);
        const by = { [first]: a.by, [second]: b.by } as Record<Side, HashSource>;
        results.push({ path, equal: a.hash.digest === b.hash.digest, algorithm: a.hash.algorithm, by });
      } catch (error) {
        options.onError?.(path, error);
      }
    },
    options.signal,
  );
  return results;
}
