/**
 * Confirming detected moves by content where that costs no transfer: a size and a time can
 * coincide (tools that stamp every file with one fixed time), and a wrong move would put the old
 * content under the new name for good. Where the side to rename hashes on its server, the old
 * file's digest there is compared with the moved side's new file (hashed on its server or read).
 */
import { hashStream, type Backend, type HashAlgorithm } from '../backends/backend.js';
import type { PlannedMove } from '../core/detect-moves.js';
import { joinPaths, type RelPath } from '../core/rel-path.js';
import { otherSide, type Side } from '../core/side.js';
import { runPool } from './task-pool.js';

/** Files smaller than this are not confirmed: a coincidence of size and time is costly only for big files, and hashing every small file of a renamed tree would cost more than it saves. */
export const CONFIRM_MOVES_FROM_BYTES = 1024 * 1024;

const algorithms: readonly HashAlgorithm[] = ['sha256', 'sha1', 'md5'];

/**
 * The old paths of moves whose content does not match (to be refused): a file move's old path, or
 * a folder move's old path together with the mismatching file below it. Moves that cannot be
 * confirmed cheaply (no server-side hash on the side to rename, small files, an error) stand.
 */
export async function refutedMoves(
  moves: readonly PlannedMove[],
  backends: Readonly<Record<Side, Backend>>,
  options: { readonly concurrency: number; readonly signal?: AbortSignal },
): Promise<Set<RelPath>> {
  const checks: { move: PlannedMove; from: RelPath; to: RelPath }[] = [];
  for (const move of moves) {
    if (!backends[move.side].hash || move.reason === 'case') continue;
    if (move.source.kind === 'file' && move.source.size >= CONFIRM_MOVES_FROM_BYTES) checks.push({ move, from: move.from, to: move.to });
    for (const entry of move.contents) {
      if (entry.source.kind === 'file' && entry.source.size >= CONFIRM_MOVES_FROM_BYTES) {
        checks.push({ move, from: joinPaths(move.from, entry.suffix), to: joinPaths(move.to, entry.suffix) });
      }
    }
  }
  const refused = new Set<RelPath>();
  await runPool(
    checks,
    options.concurrency,
    async ({ move, from, to }) => {
      try {
        const there = await backends[move.side].hash!(from, algorithms, { signal: options.signal });
        if (!there) return;
        const moved = backends[otherSide(move.side)];
        const here = (await moved.hash?.(to, [there.algorithm], { signal: options.signal })) ?? (await readDigest(moved, to, there.algorithm, options.signal));
        if (here.digest !== there.digest) {
          refused.add(from);
          refused.add(move.from);
        }
      } catch {
        // Unconfirmed is not refuted: the executor's re-checks still guard the rename.
      }
    },
    options.signal,
  );
  return refused;
}

async function readDigest(backend: Backend, path: RelPath, algorithm: HashAlgorithm, signal?: AbortSignal): Promise<{ digest: string }> {
  const stream = await backend.read(path, { signal });
  try {
    return { digest: await hashStream(stream, algorithm) };
  } finally {
    stream.destroy();
  }
}
