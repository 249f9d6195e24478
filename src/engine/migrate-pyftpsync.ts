/**
 * Migration from pyftpsync, the I/O half: reads both sides' `.pyftpsync-meta.json` files to seed
 * the state of a pair ferry never synced, and removes pyftpsync's files when asked.
 * The parsing and matching are in core/pyftpsync-meta.ts.
 */
import type { Backend } from '../backends/backend.js';
import {
  choosePeer,
  parsePyftpsyncMeta,
  PYFTPSYNC_LOCK_NAME,
  PYFTPSYNC_META_NAME,
  seedRecordsFromPyftpsync,
  type PyftpsyncFolderMeta,
} from '../core/pyftpsync-meta.js';
import { joinRelPath, toRelPath, type RelPath } from '../core/rel-path.js';
import type { Snapshot } from '../core/snapshot.js';
import type { SyncRecord } from '../core/sync-state.js';
import { isBackendError } from '../errors.js';
import { runPool } from './task-pool.js';

/** Folders of a snapshot, root first. */
function foldersOf(snapshot: Snapshot): RelPath[] {
  const dirs: RelPath[] = [toRelPath('')];
  for (const [path, entry] of snapshot.entries) if (entry.kind === 'dir') dirs.push(path);
  return dirs;
}

async function readText(backend: Backend, path: RelPath, signal?: AbortSignal): Promise<string | undefined> {
  let stream;
  try {
    stream = await backend.read(path, { signal });
  } catch (error) {
    if (isBackendError(error, 'not-found')) return undefined;
    throw error;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

/** What {@link seedFromPyftpsync} needs. */
export interface SeedFromPyftpsyncOptions {
  readonly local: Backend;
  readonly remote: Backend;
  readonly localSnapshot: Snapshot;
  readonly remoteSnapshot: Snapshot;
  readonly warn: (message: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Reads the metadata of every local folder (and, when it names this remote, of every remote
 * folder) and returns the records to seed (empty when there is none, or nothing matches). Unreadable, corrupt or unknown-version files are warned about and
 * ignored (never deleted); several peers none of which is this remote seed nothing, with a warning.
 */
export async function seedFromPyftpsync(options: SeedFromPyftpsyncOptions): Promise<Map<RelPath, SyncRecord>> {
  const folders = await readMetaFiles(options.local, foldersOf(options.localSnapshot), options);
  if (folders.size === 0) return new Map();
  const choice = choosePeer(folders.values(), options.remote.id);
  if (choice.kind === 'none') return new Map();
  if (choice.kind === 'ambiguous') {
    options.warn(
      `pyftpsync metadata names several peers (${choice.peerIds.join(', ')}) and none is ${options.remote.displayName}: nothing seeded, the first run compares both sides`,
    );
    return new Map();
  }
  // The remote folders' metadata holds the true mtimes of the files pyftpsync uploaded (servers
  // stamp the upload time), which its change detection needs.
  const remoteFolders = await readMetaFiles(options.remote, foldersOf(options.remoteSnapshot), options);
  return seedRecordsFromPyftpsync({ folders, remoteFolders, peerId: choice.peerId, local: options.localSnapshot, remote: options.remoteSnapshot });
}

/**
 * Reads and parses the metadata file of each of `dirs` on a side (a few at a time). Missing files
 * are skipped; unreadable, corrupt or unknown-version ones are warned about and ignored.
 */
async function readMetaFiles(backend: Backend, dirs: readonly RelPath[], options: SeedFromPyftpsyncOptions): Promise<Map<RelPath, PyftpsyncFolderMeta>> {
  const found = new Map<RelPath, PyftpsyncFolderMeta>();
  const side = backend === options.local ? '' : ' (remote)';
  await runPool(
    dirs,
    Math.min(8, backend.capabilities.maxConcurrency),
    async (dir) => {
      const file = dir === '' ? toRelPath(PYFTPSYNC_META_NAME) : joinRelPath(dir, PYFTPSYNC_META_NAME);
      let text: string | undefined;
      try {
        text = await readText(backend, file, options.signal);
      } catch (error) {
        if (!options.signal?.aborted) options.warn(`cannot read pyftpsync metadata ${file}${side}: ${(error as Error).message}; ignored`);
        return;
      }
      if (text === undefined) return;
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (error) {
        options.warn(`pyftpsync metadata ${file}${side} is not valid JSON (${(error as Error).message}); ignored`);
        return;
      }
      const parsed = parsePyftpsyncMeta(data);
      if (!parsed.ok) {
        options.warn(`pyftpsync metadata ${file}${side} is unusable: ${parsed.why}; ignored`);
        return;
      }
      found.set(dir, parsed.meta);
    },
    options.signal,
  );
  if (options.signal?.aborted) return new Map();
  return found;
}

/**
 * Removes `.pyftpsync-meta.json` from every folder of a side (as scanned) and `.pyftpsync-lock.json`
 * from its root. Returns how many files were removed; failures are warned about.
 */
export async function removePyftpsyncFiles(backend: Backend, snapshot: Snapshot, warn: (message: string) => void): Promise<number> {
  const files: RelPath[] = [toRelPath(PYFTPSYNC_LOCK_NAME)];
  for (const dir of foldersOf(snapshot)) files.push(dir === '' ? toRelPath(PYFTPSYNC_META_NAME) : joinRelPath(dir, PYFTPSYNC_META_NAME));
  let removed = 0;
  for (const file of files) {
    try {
      await backend.remove(file);
      removed++;
    } catch (error) {
      if (isBackendError(error, 'not-found')) continue;
      warn(`cannot remove ${file} on ${backend.displayName}: ${(error as Error).message}`);
    }
  }
  return removed;
}
