/**
 * Properties of whole runs, memory↔memory through the real engine: random small trees, a first
 * sync, random edits on both sides, then `sync --resolve skip` twice (and `upload`).
 *
 * (a) The second run plans nothing: no copy, delete, mkdir or rmdir.
 * (b) No one-sided edit is lost: a file written on one side only (the other side left that path,
 *     its folders and its contents as they were) holds the written content on both sides.
 * (c) Without conflicts, both sides end equal (same paths, same kinds, same contents).
 * (d) Upload never changes the local tree, download never the remote tree; repeating either plans
 *     nothing.
 *
 * (e) Edits made during a run (between the scan and the first action) are never overwritten or
 *     deleted by that run, and later runs still bring every one-sided edit to both sides.
 *
 * Edits include renames of files and folders (which the engine turns into server renames) and a
 * folder deleted on one side while a file below it is written on the other.
 *
 * Every write gets its own mtime, 10 s after the previous one, so two different versions of a file
 * never look equal by size and time (the documented limit of listing-based comparison).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Backend } from '../../src/backends/backend.js';
import { MemoryBackend, type MemoryBackendOptions } from '../../src/backends/memory/memory-backend.js';
import { ancestorsOf, isInside, toRelPath } from '../../src/core/rel-path.js';
import type { Action } from '../../src/core/plan.js';
import type { SyncMode } from '../../src/core/sync-options.js';
import type { RunSummary, SyncEvent } from '../../src/engine/events.js';
import { runSync, type AnyRunOptions } from '../../src/engine/run-sync.js';

/** Raise with FERRY_PROPERTY_RUNS=2000 when hunting. */
const NUM_RUNS = Number(process.env['FERRY_PROPERTY_RUNS'] ?? 80);
/** Odd milliseconds, so that a side with a coarser mtime precision reports other times. */
const T0 = Date.UTC(2020, 0, 1) + 123;
const STEP_MS = 10_000;

// ---- the universe of paths ----
const FOLDERS = ['a', 'b', 'a/c'] as const;
const FILES = ['x', 'y', 'a/x', 'a/y', 'b/x', 'a/c/x'] as const;
/** Any path an edit may target (files, folders, and paths that become one or the other). */
const PATHS = [...FOLDERS, ...FILES] as const;
/** Where a rename may put a file or folder (new names, in old and new folders). */
const RENAME_TARGETS = ['r', 'a/r', 'b/r', 'n', 'n/r', 'a/c/r'] as const;

type Side = 'local' | 'remote';
type Edit =
  | { readonly op: 'write'; readonly side: Side; readonly path: string; readonly content: string }
  | { readonly op: 'delete'; readonly side: Side; readonly path: string }
  | { readonly op: 'fileToDir'; readonly side: Side; readonly path: string; readonly child: string | undefined }
  | { readonly op: 'dirToFile'; readonly side: Side; readonly path: string; readonly content: string }
  | { readonly op: 'rename'; readonly side: Side; readonly path: string; readonly to: string }
  /** The folder goes on `side` while the other side writes a file below it. */
  | { readonly op: 'deleteFolderEditBelow'; readonly side: Side; readonly path: string; readonly child: string; readonly content: string };

const contentArb = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é'), maxLength: 5 });
const sideArb = fc.constantFrom<Side>('local', 'remote');

const treeArb = fc.record({
  folders: fc.subarray([...FOLDERS]),
  files: fc.dictionary(fc.constantFrom(...FILES), contentArb, { maxKeys: FILES.length }),
});

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('write' as const), side: sideArb, path: fc.constantFrom(...FILES), content: contentArb }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), side: sideArb, path: fc.constantFrom(...PATHS) }), weight: 3 },
  {
    arbitrary: fc.record({
      op: fc.constant('fileToDir' as const),
      side: sideArb,
      path: fc.constantFrom(...FILES),
      child: fc.option(contentArb, { nil: undefined }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('dirToFile' as const), side: sideArb, path: fc.constantFrom(...FOLDERS), content: contentArb }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('rename' as const), side: sideArb, path: fc.constantFrom(...PATHS), to: fc.constantFrom(...RENAME_TARGETS) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('deleteFolderEditBelow' as const),
      side: sideArb,
      path: fc.constantFrom(...FOLDERS),
      child: fc.constantFrom('x', 'y', 'w'),
      content: contentArb,
    }),
    weight: 1,
  },
);

// ---- trees ----
interface Node {
  readonly kind: 'file' | 'dir';
  readonly content?: string;
  readonly mtimeMs?: number;
}
type Tree = Map<string, Node>;

function treeOf(backend: MemoryBackend): Tree {
  const tree: Tree = new Map();
  for (const [path, entry] of backend.dump()) {
    tree.set(path, entry.kind === 'dir' ? { kind: 'dir' } : { kind: 'file', content: backend.content(toRelPath(path))!, mtimeMs: entry.mtimeMs });
  }
  return tree;
}
const contentsOf = (tree: Tree): Record<string, string> =>
  Object.fromEntries([...tree].map(([path, node]) => [path, node.kind === 'dir' ? '<dir>' : `=${node.content}`]));
const sameNode = (a: Node | undefined, b: Node | undefined): boolean => a?.kind === b?.kind && a?.content === b?.content && a?.mtimeMs === b?.mtimeMs;

/** Applies edits the way a person would; an edit that does not fit the tree is left out. */
class Editor {
  private clock = T0;
  constructor(private readonly sides: Record<Side, MemoryBackend>) {}

  tick(): number {
    this.clock += STEP_MS;
    return this.clock;
  }

  async ensureDir(backend: MemoryBackend, path: string): Promise<boolean> {
    for (const dir of [...ancestorsOf(toRelPath(path)), toRelPath(path)]) {
      const entry = await backend.stat(dir);
      if (entry?.kind === 'file') return false;
      if (!entry) await backend.mkdir(dir);
    }
    return true;
  }

  async writeFile(backend: MemoryBackend, path: string, content: string): Promise<boolean> {
    const rel = toRelPath(path);
    if ((await backend.stat(rel))?.kind === 'dir') return false;
    const parents = ancestorsOf(rel);
    if (parents.length > 0 && !(await this.ensureDir(backend, parents.at(-1)!))) return false;
    backend.putFile(rel, content, this.tick());
    return true;
  }

  async removeTree(backend: MemoryBackend, path: string): Promise<void> {
    const rel = toRelPath(path);
    const entry = await backend.stat(rel);
    if (!entry) return;
    if (entry.kind === 'file') return backend.remove(rel);
    const inside = [...backend.dump().keys()].filter((key) => isInside(toRelPath(key), rel)).sort((x, y) => y.length - x.length);
    for (const key of inside) {
      const child = toRelPath(key);
      if ((await backend.stat(child))?.kind === 'dir') await backend.removeDir(child);
      else await backend.remove(child);
    }
    await backend.removeDir(rel);
  }

  async build(backend: MemoryBackend, tree: { folders: string[]; files: Record<string, string> }): Promise<void> {
    for (const folder of tree.folders) await this.ensureDir(backend, folder);
    for (const [path, content] of Object.entries(tree.files)) await this.writeFile(backend, path, content);
  }

  async apply(edit: Edit): Promise<void> {
    const backend = this.sides[edit.side];
    const rel = toRelPath(edit.path);
    const entry = await backend.stat(rel);
    switch (edit.op) {
      case 'write':
        await this.writeFile(backend, edit.path, edit.content);
        return;
      case 'delete':
        await this.removeTree(backend, edit.path);
        return;
      case 'fileToDir':
        if (entry?.kind !== 'file') return;
        await backend.remove(rel);
        await backend.mkdir(rel);
        if (edit.child !== undefined) backend.putFile(toRelPath(`${edit.path}/z`), edit.child, this.tick());
        return;
      case 'dirToFile':
        if (entry?.kind !== 'dir') return;
        await this.removeTree(backend, edit.path);
        backend.putFile(rel, edit.content, this.tick());
        return;
      case 'rename': {
        const to = toRelPath(edit.to);
        if (!entry || (await backend.stat(to)) !== undefined || isInside(to, rel) || to === rel) return;
        const parents = ancestorsOf(to);
        if (parents.length > 0 && !(await this.ensureDir(backend, parents.at(-1)!))) return;
        // A rename keeps size and mtime: the engine sees a move.
        await backend.rename(rel, to);
        return;
      }
      case 'deleteFolderEditBelow': {
        if (entry?.kind !== 'dir') return;
        const other = this.sides[edit.side === 'local' ? 'remote' : 'local'];
        if ((await other.stat(rel))?.kind !== 'dir') return;
        await this.removeTree(backend, edit.path);
        await this.writeFile(other, `${edit.path}/${edit.child}`, edit.content);
        return;
      }
    }
  }
}

// ---- runs ----
interface RunResult {
  readonly summary: RunSummary;
  readonly planned: Action[];
  readonly failures: string[];
}

async function run(mode: SyncMode, base: AnyRunOptions, extra: Partial<AnyRunOptions> = {}): Promise<RunResult> {
  const events: SyncEvent[] = [];
  const summary = await runSync(mode, { ...base, ...extra, onEvent: (event) => events.push(event) });
  return {
    summary,
    planned: events.flatMap((event) => (event.type === 'planned' ? [event.action] : [])),
    failures: events.flatMap((event) =>
      event.type === 'action-finished' && event.result.status === 'failed'
        ? [`${event.result.action.kind} ${event.result.action.path}: ${event.result.error}`]
        : [],
    ),
  };
}

/**
 * The two backends as the engine sees them, with `hook` run once just before the first call
 * that is not a listing: after both scans, before the first action (edits "during the run").
 */
function hookedPair(sides: Record<Side, MemoryBackend>, hook: () => Promise<void>): Record<Side, Backend> {
  let fired: Promise<void> | undefined;
  const wrap = (backend: MemoryBackend): Backend =>
    new Proxy(backend, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        if (property === 'list' || property === 'close') return value.bind(target);
        return async (...args: unknown[]) => {
          // Every call waits for the edits to be complete, as if they happened before it.
          fired ??= hook();
          await fired;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { local: wrap(sides.local), remote: wrap(sides.remote) };
}

const transfers = (planned: readonly Action[]): string[] =>
  planned.filter((action) => action.kind !== 'record' && action.kind !== 'forget').map((action) => `${action.kind} ${action.path}`);

/**
 * How the remote side stores times: exactly; listed to the second (FTP MDTM-like); or stamped
 * with its own clock on every write (servers that cannot set mtimes). Each side is compared with
 * its own record only, so none of these may fake a change.
 */
const REMOTE_KINDS = {
  exact: (): MemoryBackendOptions => ({}),
  seconds: (): MemoryBackendOptions => ({ mtimePrecisionMs: 1000 }),
  stamping: (): MemoryBackendOptions => {
    let clock = Date.UTC(2030, 0, 1) + 7;
    return { canSetMtime: false, now: () => (clock += 1000) };
  },
};
type RemoteKind = keyof typeof REMOTE_KINDS;
const remoteKindArb = fc.constantFrom<RemoteKind>('exact', 'seconds', 'stamping');

/** A fresh pair with a first sync done; `body` gets the backends, the run options and the editor. */
async function withPair(
  initial: { folders: string[]; files: Record<string, string> },
  remoteKind: RemoteKind,
  /** `synced`: each side's tree right after the first sync (times as that side lists them). */
  body: (pair: { local: MemoryBackend; remote: MemoryBackend; base: AnyRunOptions; editor: Editor; synced: Record<Side, Tree> }) => Promise<void>,
): Promise<void> {
  const local = new MemoryBackend({ name: 'local' });
  const remote = new MemoryBackend({ name: 'remote', ...REMOTE_KINDS[remoteKind]() });
  const stateDir = await mkdtemp(join(tmpdir(), 'ferry-properties-'));
  try {
    const editor = new Editor({ local, remote });
    await editor.build(local, initial);
    // Emptying a side is one of the random edits, so the empty-side safety brake is confirmed.
    const base: AnyRunOptions = { local, remote, stateDir, allowEmptySide: true };
    const first = await run('sync', base);
    assert.deepEqual(first.failures, []);
    assert.equal(first.summary.conflicts, 0);
    assert.deepEqual(contentsOf(treeOf(remote)), contentsOf(treeOf(local)), 'the first sync copies the tree');
    await body({ local, remote, base, editor, synced: { local: treeOf(local), remote: treeOf(remote) } });
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/**
 * Files written on `side` that the other side left alone: the other side has the path, its
 * folders and everything below it exactly as after the first sync.
 */
function oneSidedWrites(side: Side, synced: Record<Side, Tree>, trees: Record<Side, Tree>): Map<string, string> {
  const other: Side = side === 'local' ? 'remote' : 'local';
  const mine = trees[side];
  const theirs = trees[other];
  const result = new Map<string, string>();
  for (const [path, node] of mine) {
    if (node.kind !== 'file' || sameNode(node, synced[side].get(path))) continue;
    const rel = toRelPath(path);
    const related = [...new Set([...synced[other].keys(), ...theirs.keys()])].filter((near) => {
      const o = toRelPath(near);
      return o === rel || isInside(rel, o) || isInside(o, rel);
    });
    if (related.every((near) => sameNode(theirs.get(near), synced[other].get(near)))) result.set(path, node.content!);
  }
  return result;
}

describe('sync properties (memory↔memory, real engine)', () => {
  it('after random edits on both sides: a second sync plans nothing, no one-sided edit is lost, no conflicts means equal trees', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, fc.array(editArb, { maxLength: 8 }), remoteKindArb, async (initial, edits, remoteKind) => {
        await withPair(initial, remoteKind, async ({ local, remote, base, editor, synced }) => {
          for (const edit of edits) await editor.apply(edit);
          const edited = { local: treeOf(local), remote: treeOf(remote) };
          const expectedEverywhere = new Map([...oneSidedWrites('local', synced, edited), ...oneSidedWrites('remote', synced, edited)]);

          const second = await run('sync', base, { resolve: 'skip' });
          assert.deepEqual(second.failures, [], 'the sync after the edits fails nothing');
          const after = { local: treeOf(local), remote: treeOf(remote) };

          // (b)
          for (const [path, content] of expectedEverywhere) {
            assert.deepEqual(
              { local: after.local.get(path)?.content, remote: after.remote.get(path)?.content },
              { local: content, remote: content },
              `the one-sided write of ${path} reached both sides`,
            );
          }
          // (c)
          if (second.summary.conflicts === 0) assert.deepEqual(contentsOf(after.remote), contentsOf(after.local), 'no conflicts: both sides equal');

          // (a)
          const third = await run('sync', base, { resolve: 'skip' });
          assert.deepEqual(transfers(third.planned), [], 'the second sync plans nothing');
          assert.deepEqual(third.failures, []);
          assert.deepEqual(
            {
              copied: third.summary.filesCopied,
              deleted: third.summary.filesDeleted,
              mkdir: third.summary.foldersCreated,
              rmdir: third.summary.foldersDeleted,
              errors: third.summary.errors,
            },
            { copied: 0, deleted: 0, mkdir: 0, rmdir: 0, errors: 0 },
          );
          // A folder conflict can settle itself (new contents recreate the folder), never the reverse.
          assert.ok(third.summary.conflicts <= second.summary.conflicts, 'no new conflicts appear');
          assert.deepEqual(contentsOf(treeOf(local)), contentsOf(after.local));
          assert.deepEqual(contentsOf(treeOf(remote)), contentsOf(after.remote));
        });
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('edits during a run are never overwritten or deleted by it, and later runs still deliver every one-sided edit', async () => {
    await fc.assert(
      fc.asyncProperty(
        treeArb,
        fc.array(editArb, { maxLength: 6 }),
        fc.array(editArb, { minLength: 1, maxLength: 4 }),
        remoteKindArb,
        async (initial, edits, during, remoteKind) => {
          await withPair(initial, remoteKind, async ({ local, remote, base, editor, synced }) => {
            for (const edit of edits) await editor.apply(edit);
            const sides = { local, remote };
            let written: Record<Side, Tree> | undefined;
            const beforeDuring = { local: treeOf(local), remote: treeOf(remote) };
            const hooked = hookedPair(sides, async () => {
              for (const edit of during) await editor.apply(edit);
              written = { local: treeOf(local), remote: treeOf(remote) };
            });
            await run('sync', { ...base, ...hooked }, { resolve: 'skip' });
            if (written === undefined) {
              // Nothing to do in the run: the edits happen after it.
              for (const edit of during) await editor.apply(edit);
              written = { local: treeOf(local), remote: treeOf(remote) };
            }
            // (e) Files the during-edits wrote are still there, unchanged, on their side.
            for (const side of ['local', 'remote'] as const) {
              for (const [path, node] of written[side]) {
                if (node.kind !== 'file' || sameNode(node, beforeDuring[side].get(path))) continue;
                assert.deepEqual(treeOf(sides[side]).get(path)?.content, node.content, `the ${side} edit of ${path} made during the run survived it`);
              }
            }
            const expectedEverywhere = new Map([...oneSidedWrites('local', synced, written), ...oneSidedWrites('remote', synced, written)]);
            await run('sync', base, { resolve: 'skip' });
            const settled = await run('sync', base, { resolve: 'skip' });
            const final = await run('sync', base, { resolve: 'skip' });
            assert.deepEqual(transfers(final.planned), [], 'the runs settle');
            const after = { local: treeOf(local), remote: treeOf(remote) };
            for (const [path, content] of expectedEverywhere) {
              assert.deepEqual(
                { local: after.local.get(path)?.content, remote: after.remote.get(path)?.content },
                { local: content, remote: content },
                `the one-sided write of ${path} reached both sides (conflicts left: ${settled.summary.conflicts})`,
              );
            }
          });
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  for (const mode of ['upload', 'download'] as const) {
    const source: Side = mode === 'upload' ? 'local' : 'remote';
    it(`${mode} never changes the ${source} tree, and a second ${mode} plans nothing`, async () => {
      const flagsArb = fc.record({
        delete: fc.boolean(),
        force: fc.boolean(),
        resolve: fc.constantFrom<'local' | 'remote' | 'skip'>(mode === 'upload' ? 'local' : 'remote', 'skip'),
      });
      await fc.assert(
        fc.asyncProperty(treeArb, fc.array(editArb, { maxLength: 8 }), flagsArb, remoteKindArb, async (initial, edits, flags, remoteKind) => {
          await withPair(initial, remoteKind, async ({ local, remote, base, editor }) => {
            for (const edit of edits) await editor.apply(edit);
            const sides = { local, remote };
            const before = treeOf(sides[source]);
            const first = await run(mode, base, flags);
            assert.deepEqual(first.failures, []);
            const touchesSource = first.planned.filter((action) => {
              const side = action.kind === 'copy' ? action.to : action.kind === 'record' || action.kind === 'forget' ? undefined : action.side;
              return side === source;
            });
            assert.deepEqual(touchesSource, [], `${mode} plans nothing on the ${source} side`);
            assert.deepEqual([...treeOf(sides[source])], [...before], `${mode} leaves the ${source} tree as it was`);
            const again = await run(mode, base, flags);
            assert.deepEqual(transfers(again.planned), [], `a second ${mode} plans nothing`);
            assert.deepEqual(again.failures, []);
            assert.deepEqual([...treeOf(sides[source])], [...before]);
          });
        }),
        { numRuns: NUM_RUNS },
      );
    });
  }
});
