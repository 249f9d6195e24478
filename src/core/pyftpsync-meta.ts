/**
 * Migration from pyftpsync: its per-folder `.pyftpsync-meta.json` (`_file_version: 3`) turned into
 * ferry state records, so the first ferry run over a pair pyftpsync synced neither re-transfers
 * nor reports conflicts. Pure: the caller reads the files and scans both sides.
 *
 * A record is seeded for a path only when both sides still match what pyftpsync recorded as synced
 * (local: size, and mtime within 1 s; remote: size — pyftpsync's FTP/SFTP remotes did not keep
 * mtimes, so the remote fingerprint is taken as currently listed). Anything else gets no record and
 * the normal first-run rules apply (different content is a conflict, nothing is deleted).
 */
import type { Entry, Fingerprint } from './entry.js';
import { fingerprintOf } from './entry.js';
import { joinRelPath, type RelPath } from './rel-path.js';
import type { Snapshot } from './snapshot.js';
import type { SyncRecord } from './sync-state.js';

/** pyftpsync's metadata file name (one per synced folder). */
export const PYFTPSYNC_META_NAME = '.pyftpsync-meta.json';
/** pyftpsync's lock file name (in the remote root). */
export const PYFTPSYNC_LOCK_NAME = '.pyftpsync-lock.json';
/** The only metadata version understood. */
export const PYFTPSYNC_META_VERSION = 3;

/** What pyftpsync recorded about one name as last synced with a peer (`m`/`s` null: a folder). */
export interface PyftpsyncSyncedItem {
  /** mtime in seconds, or null for a folder. */
  readonly m: number | null;
  /** size in bytes, or null for a folder. */
  readonly s: number | null;
}

/** One folder's metadata: per peer id, per name, what was synced. */
export interface PyftpsyncFolderMeta {
  readonly peers: ReadonlyMap<string, ReadonlyMap<string, PyftpsyncSyncedItem>>;
}

/** The result of {@link parsePyftpsyncMeta}. */
export type ParsedPyftpsyncMeta = { readonly ok: true; readonly meta: PyftpsyncFolderMeta } | { readonly ok: false; readonly why: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberOrNull = (value: unknown): value is number | null => value === null || (typeof value === 'number' && Number.isFinite(value));

/** Validates the parsed JSON of one `.pyftpsync-meta.json`. Unusable items are dropped, not fatal. */
export function parsePyftpsyncMeta(data: unknown): ParsedPyftpsyncMeta {
  if (!isObject(data)) return { ok: false, why: 'not a JSON object' };
  if (data._file_version !== PYFTPSYNC_META_VERSION) {
    return { ok: false, why: `unknown _file_version ${JSON.stringify(data._file_version ?? null)} (only ${PYFTPSYNC_META_VERSION} is understood)` };
  }
  const peerSync = data.peer_sync ?? {};
  if (!isObject(peerSync)) return { ok: false, why: 'peer_sync is not an object' };
  const peers = new Map<string, Map<string, PyftpsyncSyncedItem>>();
  for (const [peerId, items] of Object.entries(peerSync)) {
    if (!isObject(items)) continue;
    const names = new Map<string, PyftpsyncSyncedItem>();
    for (const [name, item] of Object.entries(items)) {
      if (name.startsWith(':') || !isObject(item)) continue; // ":last_sync" and the like
      if (!isNumberOrNull(item.m) || !isNumberOrNull(item.s)) continue;
      if ((item.m === null) !== (item.s === null)) continue;
      names.set(name, { m: item.m, s: item.s });
    }
    peers.set(peerId, names);
  }
  return { ok: true, meta: { peers } };
}

function trimSlashes(value: string): string {
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

/**
 * The pyftpsync peer ids a remote backend id can stand for: the absolute path for a local folder
 * (`file:///abs`), `host + path` for FTP/SFTP (`sftp://user@host:22/path` → `host/path`).
 */
export function peerIdCandidates(remoteId: string): string[] {
  if (remoteId.startsWith('file://')) return [trimSlashes(remoteId.slice('file://'.length))];
  const match = /^[a-z]+:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)(?::\d+)?(\/.*)?$/i.exec(remoteId);
  if (!match) return [];
  const host = match[1]!.replace(/^\[(.*)\]$/, '$1');
  const remotePath = trimSlashes(match[2] ?? '/');
  return [host + remotePath, `${host}${remotePath}/`];
}

/** The outcome of {@link choosePeer}. */
export type PeerChoice =
  | { readonly kind: 'chosen'; readonly peerId: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'ambiguous'; readonly peerIds: readonly string[] };

/**
 * The peer whose records describe this pair: the one matching the remote; else the only peer;
 * several that do not match are ambiguous (the caller seeds nothing and warns).
 */
export function choosePeer(metas: Iterable<PyftpsyncFolderMeta>, remoteId: string): PeerChoice {
  const all = new Set<string>();
  for (const meta of metas) for (const peerId of meta.peers.keys()) all.add(peerId);
  if (all.size === 0) return { kind: 'none' };
  const wanted = new Set(peerIdCandidates(remoteId));
  const matching = [...all].filter((peerId) => wanted.has(peerId) || wanted.has(trimSlashes(peerId)));
  if (matching.length >= 1) return { kind: 'chosen', peerId: matching[0]! };
  if (all.size === 1) return { kind: 'chosen', peerId: [...all][0]! };
  return { kind: 'ambiguous', peerIds: [...all].sort() };
}

/** Local side: size equal and mtime within this of pyftpsync's `m` (it stored seconds). */
export const PYFTPSYNC_MTIME_TOLERANCE_MS = 1000;

function localMatches(entry: Entry, item: PyftpsyncSyncedItem): boolean {
  if (item.m === null || item.s === null) return entry.kind === 'dir';
  return entry.kind === 'file' && entry.size === item.s && Math.abs(entry.mtimeMs - item.m * 1000) <= PYFTPSYNC_MTIME_TOLERANCE_MS;
}

function remoteMatches(entry: Entry, item: PyftpsyncSyncedItem): boolean {
  if (item.s === null) return entry.kind === 'dir';
  return entry.kind === 'file' && entry.size === item.s;
}

/** Everything {@link seedRecordsFromPyftpsync} looks at. */
export interface SeedInput {
  /** Each local folder's parsed metadata, by folder path (`""` for the root). */
  readonly folders: ReadonlyMap<RelPath, PyftpsyncFolderMeta>;
  readonly peerId: string;
  readonly local: Snapshot;
  readonly remote: Snapshot;
}

/** The records to seed: paths both sides still have as pyftpsync last synced them. */
export function seedRecordsFromPyftpsync(input: SeedInput): Map<RelPath, SyncRecord> {
  const records = new Map<RelPath, SyncRecord>();
  for (const [dir, meta] of input.folders) {
    const items = meta.peers.get(input.peerId);
    if (!items) continue;
    for (const [name, item] of items) {
      let path: RelPath;
      try {
        path = joinRelPath(dir, name);
      } catch {
        continue; // an unsafe name never becomes a record
      }
      const local = input.local.entries.get(path);
      const remote = input.remote.entries.get(path);
      if (!local || !remote || !localMatches(local, item) || !remoteMatches(remote, item)) continue;
      const localPrint: Fingerprint = fingerprintOf(local);
      records.set(path, { local: localPrint, remote: fingerprintOf(remote) });
    }
  }
  return records;
}
