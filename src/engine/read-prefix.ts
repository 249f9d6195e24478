/**
 * Reading the start of a file through a backend, for showing a conflict to a person (diff, binary
 * compare) without loading a large file whole.
 */
import type { Backend } from '../backends/backend.js';
import type { ConflictResolver } from '../core/resolve-conflicts.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';

/** Up to `maxBytes` of `path`, and whether the file had more. */
export async function readPrefix(backend: Backend, path: RelPath, maxBytes: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const controller = new AbortController();
  const stream = await backend.read(path, { signal: controller.signal });
  const chunks: Buffer[] = [];
  let length = 0;
  let truncated = false;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      length += buffer.length;
      if (length > maxBytes) {
        truncated = true;
        break;
      }
    }
  } finally {
    // Stop the transfer early: the rest is not needed.
    controller.abort();
    stream.destroy();
  }
  return { bytes: Buffer.concat(chunks).subarray(0, maxBytes), truncated };
}

/** Wraps a resolver so each question can read both sides' files. */
export function withFileReader(ask: ConflictResolver, backends: Readonly<Record<Side, Backend>>): ConflictResolver {
  return (question) => ask({ ...question, read: (side, maxBytes) => readPrefix(backends[side], question.path, maxBytes) });
}
