/**
 * Whether comparing contents costs no transfer: each side is a local folder (read where it is) or
 * a server that hashes a file itself (`HASH`/`XSHA256` over FTP, `sha256sum` over SSH).
 */
import type { Backend, HashAlgorithm } from '../backends/backend.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';

const ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];

/**
 * Hashes `probe` on each side that is not a local folder. Resolves to words for the user
 * ("sha256 on the server", "read locally"), or undefined when a side would have to transfer the
 * file to hash it (no server-side hash, or the probe failed: then nobody is surprised by a slow
 * run that reads every file over the network).
 */
export async function cheapContentCheck(backends: Readonly<Record<Side, Backend>>, probe: RelPath, signal?: AbortSignal): Promise<string | undefined> {
  let algorithm: HashAlgorithm | undefined;
  for (const side of ['remote', 'local'] as const) {
    const backend = backends[side];
    if (backend.id.startsWith('file://')) continue;
    if (!backend.hash) return undefined;
    try {
      const answer = await backend.hash(probe, algorithm ? [algorithm] : ALGORITHMS, { signal });
      if (!answer) return undefined;
      algorithm = answer.algorithm;
    } catch {
      return undefined;
    }
  }
  return algorithm ? `${algorithm} on the server` : 'read locally';
}
