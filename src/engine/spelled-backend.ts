/**
 * A backend seen through one side's spellings: the engine names paths by their key (NFC), and
 * every call reaches the side under the name it really has (core/spellings.ts).
 */
import type { Backend } from '../backends/backend.js';
import type { RelPath } from '../core/rel-path.js';
import type { Side } from '../core/side.js';
import type { Snapshot } from '../core/snapshot.js';
import { spellerOf, type Speller } from '../core/spellings.js';

/** `backend` with each path argument turned into `side`'s spelling of it. */
export function spelledBackend(backend: Backend, side: Side, spell: Speller): Backend {
  const at = (path: RelPath): RelPath => spell(side, path);
  const hash = backend.hash?.bind(backend);
  const probe = backend.probe?.bind(backend);
  return {
    id: backend.id,
    displayName: backend.displayName,
    capabilities: backend.capabilities,
    list: (dir) => backend.list(at(dir)),
    stat: (path) => backend.stat(at(path)),
    read: (path, options) => backend.read(at(path), options),
    write: (path, data, options) => backend.write(at(path), data, options),
    mkdir: (path) => backend.mkdir(at(path)),
    remove: (path) => backend.remove(at(path)),
    removeDir: (path) => backend.removeDir(at(path)),
    rename: (from, to) => backend.rename(at(from), at(to)),
    ...(hash
      ? { hash: (path: RelPath, algorithms: Parameters<typeof hash>[1], options?: Parameters<typeof hash>[2]) => hash(at(path), algorithms, options) }
      : {}),
    ...(probe ? { probe } : {}),
    close: () => backend.close(),
  };
}

/**
 * Both sides of a scanned pair, each reached under its own spelling of the names; the backends
 * themselves when every name is spelled as its key (the common case, at no cost).
 */
export function spelledPair(
  backends: Readonly<Record<Side, Backend>>,
  snapshots: { readonly local: Snapshot; readonly remote: Snapshot },
): Record<Side, Backend> {
  const speller = spellerOf(snapshots);
  if (!speller) return { local: backends.local, remote: backends.remote };
  return { local: spelledBackend(backends.local, 'local', speller), remote: spelledBackend(backends.remote, 'remote', speller) };
}
