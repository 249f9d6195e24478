/**
 * Migration from pyftpsync: its per-folder `.pyftpsync-meta.json` (`_file_version: 3`) turned into
 * ferry state records, so the first ferry run over a pair pyftpsync synced neither re-transfers
 * nor reports conflicts. Pure: the caller reads the files and scans both sides.
 *
 * Each side of a path pyftpsync synced is judged as pyftpsync would judge it (its `classify`):
 * unchanged, modified or deleted since its last run, the remote side's time corrected by the
 * remote folder's upload records (servers stamp upload times). A side's change then reaches
 * ferry's tables as that side's modification or deletion; only paths pyftpsync never synced are
 * "created" (docs/migration.md).
 */
import { DIR_ENTRY, fingerprintOf, type Entry, type Fingerprint } from './entry.js';
import { comparePaths, joinRelPath, parentOf, ROOT, type RelPath } from './rel-path.js';
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

/**
 * One folder's metadata: per peer id, per name, what was synced (`peer_sync`, kept on the local
 * side); and per name, the files pyftpsync uploaded into it (`mtimes`, kept on a remote side).
 */
export interface PyftpsyncFolderMeta {
  readonly peers: ReadonlyMap<string, ReadonlyMap<string, PyftpsyncSyncedItem>>;
  readonly uploaded: ReadonlyMap<string, PyftpsyncUploadedItem>;
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
  const uploaded = new Map<string, PyftpsyncUploadedItem>();
  const mtimes = data.mtimes ?? {};
  if (isObject(mtimes)) {
    for (const [name, item] of Object.entries(mtimes)) {
      if (!isObject(item)) continue;
      const { m, s, u } = item;
      if (typeof m === 'number' && Number.isFinite(m) && typeof s === 'number' && Number.isSafeInteger(s) && typeof u === 'number' && Number.isFinite(u))
        uploaded.set(name, { m, s, u });
    }
  }
  return { ok: true, meta: { peers, uploaded } };
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
  { readonly kind: 'chosen'; readonly peerId: string } | { readonly kind: 'none' } | { readonly kind: 'ambiguous'; readonly peerIds: readonly string[] };

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

/**
 * pyftpsync's `FileEntry.EPS_TIME`: two mtimes this close (in seconds, 2.01) are the same time,
 * both when it compares a side with what was synced and when it trusts its upload record.
 */
export const PYFTPSYNC_EPS_MS = 2010;

/** One file pyftpsync uploaded to a remote folder (`mtimes` in that folder's metadata). */
export interface PyftpsyncUploadedItem {
  /** The source file's mtime in seconds (servers stamp the upload time instead). */
  readonly m: number;
  /** Size in bytes. */
  readonly s: number;
  /** When it was uploaded, in the server's clock (seconds). */
  readonly u: number;
}

/** What pyftpsync recorded as synced, as a ferry fingerprint of that side. */
function syncedPrint(item: PyftpsyncSyncedItem): Fingerprint {
  return item.m === null || item.s === null ? DIR_ENTRY : { kind: 'file', size: item.s, mtimeMs: item.m * 1000 };
}

/** pyftpsync's `classify`: unchanged when the kind matches and, for a file, size and mtime (±2.01 s). */
function unchangedSince(entry: Entry, item: PyftpsyncSyncedItem, mtimeMs: number): boolean {
  if (item.m === null || item.s === null) return entry.kind === 'dir';
  return entry.kind === 'file' && entry.size === item.s && Math.abs(mtimeMs - item.m * 1000) <= PYFTPSYNC_EPS_MS;
}

/**
 * The mtime pyftpsync sees for a remote file: a server stamps the upload time, so where the remote
 * folder's `mtimes` knows the file (same size, listed no later than its upload + 2.01 s: not
 * changed on the server since) the source's mtime stands in for the listed one (its
 * `FtpTarget.get_dir`/`SFTPTarget.get_dir`).
 */
export function remoteMtimeMs(entry: Entry, uploaded: PyftpsyncUploadedItem | undefined): number {
  if (entry.kind !== 'file') return 0;
  if (uploaded && uploaded.s === entry.size && entry.mtimeMs - uploaded.u * 1000 <= PYFTPSYNC_EPS_MS) return uploaded.m * 1000;
  return entry.mtimeMs;
}

/** Everything {@link seedRecordsFromPyftpsync} looks at. */
export interface SeedInput {
  /** Each local folder's parsed metadata, by folder path (`""` for the root). */
  readonly folders: ReadonlyMap<RelPath, PyftpsyncFolderMeta>;
  /** Each remote folder's parsed metadata (its `mtimes`), by folder path; may be empty. */
  readonly remoteFolders?: ReadonlyMap<RelPath, PyftpsyncFolderMeta>;
  readonly peerId: string;
  readonly local: Snapshot;
  readonly remote: Snapshot;
}

/**
 * The records to seed, so that each side's change since pyftpsync's last sync is what pyftpsync
 * itself would have found: for every name the local metadata lists as synced with this peer, each
 * side that still has it unchanged (pyftpsync's test) is recorded as it is now, and a side that
 * changed or deleted it is recorded as pyftpsync synced it, so ferry sees that side's
 * modification or deletion. A path gone from both sides gets no record.
 *
 * A local folder deleted since takes its metadata with it; files pyftpsync uploaded into the
 * remote counterpart and that are unchanged there (the remote folder's `mtimes`) are recorded as
 * synced too, so the folder's deletion is one (pyftpsync would delete it).
 */
export function seedRecordsFromPyftpsync(input: SeedInput): Map<RelPath, SyncRecord> {
  const records = new Map<RelPath, SyncRecord>();
  const uploadedAt = (dir: RelPath, name: string): PyftpsyncUploadedItem | undefined => input.remoteFolders?.get(dir)?.uploaded.get(name);
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
      if (!local && !remote) continue;
      const synced = syncedPrint(item);
      const localPrint = local && unchangedSince(local, item, local.kind === 'file' ? local.mtimeMs : 0) ? fingerprintOf(local) : synced;
      const remotePrint = remote && unchangedSince(remote, item, remoteMtimeMs(remote, uploadedAt(dir, name))) ? fingerprintOf(remote) : synced;
      records.set(path, { local: localPrint, remote: remotePrint });
    }
  }
  // Remote folders whose local folder (and with it the metadata) is gone; parents first, so a
  // folder below one recorded here is recorded too.
  const remoteDirs = [...(input.remoteFolders?.keys() ?? [])].sort(comparePaths);
  for (const dir of remoteDirs) {
    const meta = input.remoteFolders!.get(dir)!;
    if (dir === ROOT || input.folders.has(dir) || input.local.entries.has(dir) || input.remote.entries.get(dir)?.kind !== 'dir') continue;
    if (!records.has(dir)) {
      if (!records.has(parentOf(dir))) continue;
      records.set(dir, { local: DIR_ENTRY, remote: DIR_ENTRY });
    }
    for (const [name, uploaded] of meta.uploaded) {
      let path: RelPath;
      try {
        path = joinRelPath(dir, name);
      } catch {
        continue;
      }
      const remote = input.remote.entries.get(path);
      if (remote?.kind !== 'file' || records.has(path) || input.local.entries.has(path)) continue;
      if (remoteMtimeMs(remote, uploaded) !== uploaded.m * 1000) continue; // changed on the server since
      records.set(path, { local: { kind: 'file', size: uploaded.s, mtimeMs: uploaded.m * 1000 }, remote: fingerprintOf(remote) });
    }
  }
  return records;
}
