/**
 * The sync matrix (docs/sync-matrix.md) as a scenario suite, reusable on every backend pair.
 *
 * The local side is always a temporary local folder; the remote side is whatever the harness gives.
 * To run it on a backend, write a test file that calls:
 *
 * ```ts
 * describeSyncMatrix('local↔sftp', {
 *   freshRemote: async (label) => 'sftp://user@127.0.0.1:2222/tmp/x-' + label, // an EXISTING, empty folder
 *   connection: { knownHostsFile: '...' },                                      // OpenBackendOptions
 * });
 * ```
 * Every column of the matrix becomes one test: build the fixture on both sides, run a first sync on
 * the identical trees, apply the fixture's edits, check that a dry run changes nothing and plans
 * what the real run does, run the column's command, compare every entry with the matrix, and check
 * that a second run transfers nothing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { openBackend, type OpenBackendOptions } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import type { Action } from '../../src/core/plan.js';
import { runSync, type AnyRunOptions } from '../../src/engine/run-sync.js';
import type { SyncMode } from '../../src/core/sync-options.js';
import type { RunSummary, SyncEvent } from '../../src/engine/events.js';

/** How a scenario gets its remote side. */
export interface RemoteHarness {
  /** URL (or local path) of a fresh, existing, empty folder for one scenario. */
  freshRemote(label: string): Promise<string>;
  /** Options for opening the remote backend (known_hosts, CA file, ...). */
  readonly connection?: OpenBackendOptions;
}

const at = (hh: number, mm: number, ss = 0): number => Date.UTC(2014, 0, 1, hh, mm, ss);
const T12 = at(12, 0);
const T13 = at(13, 0);
const T1305 = at(13, 0, 5);

/** The 16 files of the fixture (path → original content). */
const ORIGINAL_FILES: string[] = [
  ...Array.from({ length: 9 }, (_, i) => `file${i + 1}.txt`),
  ...Array.from({ length: 7 }, (_, i) => `folder${i + 1}/file${i + 1}_1.txt`),
];

/** The content of each labelled version of a file. */
function contentOf(path: string, label: string): string {
  const stem = path.replace(/^.*\//, '').replace(/\.txt$/, '');
  switch (label) {
    case 'o':
      return stem;
    case 'L13':
      return `${stem} changed locally at 13:00`;
    case 'L1305':
      return `${stem} changed locally at 13:00:05`;
    case 'R13':
      return `${stem} changed remotely at 13:00`;
    case 'R1305':
      return `${stem} changed remotely at 13:00:05`;
    case 'R13+':
      return `${stem} changed remotely at 13:00, with other content and size`;
    default:
      throw new Error(`unknown label ${label}`);
  }
}
const LABELS = ['o', 'L13', 'L1305', 'R13', 'R1305', 'R13+'];

type Edit =
  | { side: 'local' | 'remote'; op: 'write'; path: string; label: string; mtimeMs: number }
  | { side: 'local' | 'remote'; op: 'delete'; path: string }
  | { side: 'local' | 'remote'; op: 'deleteFolder'; path: string };

/** The fixture's edits after the first sync (the table "The fixture" of the matrix). */
const EDITS: Edit[] = [
  { side: 'local', op: 'write', path: 'file2.txt', label: 'L13', mtimeMs: T13 },
  { side: 'local', op: 'delete', path: 'file3.txt' },
  { side: 'remote', op: 'write', path: 'file4.txt', label: 'R13', mtimeMs: T13 },
  { side: 'remote', op: 'delete', path: 'file5.txt' },
  { side: 'local', op: 'write', path: 'file6.txt', label: 'L13', mtimeMs: T13 },
  { side: 'remote', op: 'write', path: 'file6.txt', label: 'R1305', mtimeMs: T1305 },
  { side: 'local', op: 'write', path: 'file7.txt', label: 'L1305', mtimeMs: T1305 },
  { side: 'remote', op: 'write', path: 'file7.txt', label: 'R13', mtimeMs: T13 },
  { side: 'local', op: 'delete', path: 'file8.txt' },
  { side: 'remote', op: 'write', path: 'file8.txt', label: 'R13', mtimeMs: T13 },
  { side: 'local', op: 'write', path: 'file9.txt', label: 'L13', mtimeMs: T13 },
  { side: 'remote', op: 'delete', path: 'file9.txt' },
  { side: 'local', op: 'write', path: 'folder2/file2_1.txt', label: 'L13', mtimeMs: T13 },
  { side: 'local', op: 'deleteFolder', path: 'folder3' },
  { side: 'local', op: 'deleteFolder', path: 'folder4' },
  { side: 'remote', op: 'write', path: 'folder4/file4_1.txt', label: 'R13', mtimeMs: T13 },
  { side: 'remote', op: 'write', path: 'folder5/file5_1.txt', label: 'R13', mtimeMs: T13 },
  { side: 'remote', op: 'deleteFolder', path: 'folder6' },
  { side: 'remote', op: 'deleteFolder', path: 'folder7' },
  { side: 'local', op: 'write', path: 'folder7/file7_1.txt', label: 'L13', mtimeMs: T13 },
  { side: 'local', op: 'write', path: 'new_file1.txt', label: 'L13', mtimeMs: T13 },
  { side: 'remote', op: 'write', path: 'new_file2.txt', label: 'R13', mtimeMs: T13 },
  { side: 'local', op: 'write', path: 'new_file3.txt', label: 'L13', mtimeMs: T13 },
  { side: 'remote', op: 'write', path: 'new_file3.txt', label: 'L13', mtimeMs: T13 },
  { side: 'local', op: 'write', path: 'new_file4.txt', label: 'L13', mtimeMs: T13 },
  { side: 'remote', op: 'write', path: 'new_file4.txt', label: 'R13+', mtimeMs: T13 },
  { side: 'local', op: 'write', path: 'new_file5.txt', label: 'L13', mtimeMs: T13 },
  { side: 'remote', op: 'write', path: 'new_file5.txt', label: 'R1305', mtimeMs: T1305 },
  { side: 'local', op: 'write', path: 'new_file6.txt', label: 'L1305', mtimeMs: T1305 },
  { side: 'remote', op: 'write', path: 'new_file6.txt', label: 'R13', mtimeMs: T13 },
];

/** The matrix's expected results, verbatim from docs/sync-matrix.md. */
const MATRIX = `
| entry | S | S loc | S rem | S new | U | U del | U force | U mirror | U unm | D | D del | D force | D mirror | D unm |
| file1 | o | o | o | o | o | o | o | o | o | o | o | o | o | o |
| file2 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13/– | L13/o | L13/o | o | o | –/o |
| file3 | – | – | – | – | –/o | – | –/o | – | – | –/o | –/o | o | o | –/o |
| file4 | R13 | R13 | R13 | R13 | o/R13 | o/R13 | o | o | o/– | R13 | R13 | R13 | R13 | –/R13 |
| file5 | – | – | – | – | o/– | o/– | o | o | o/– | o/– | – | o/– | – | – |
| file6 | L13/R1305 | L13 | R1305 | R1305 | L13/R1305 | L13/R1305 | L13 | L13 | L13/– | L13/R1305 | L13/R1305 | R1305 | R1305 | –/R1305 |
| file7 | L1305/R13 | L1305 | R13 | L1305 | L1305/R13 | L1305/R13 | L1305 | L1305 | L1305/– | L1305/R13 | L1305/R13 | R13 | R13 | –/R13 |
| file8 | –/R13 | – | R13 | –/R13 | –/R13 | –/R13 | –/R13 | – | – | –/R13 | –/R13 | R13 | R13 | –/R13 |
| file9 | L13/– | L13 | – | L13/– | L13/– | L13/– | L13 | L13 | L13/– | L13/– | L13/– | L13/– | – | – |
| folder1/file1_1 | o | o | o | o | o | o | o | o | o | o | o | o | o | o |
| folder2/file2_1 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13/o | L13/o | o | o | o |
| folder3/file3_1 | – | – | – | – | –/o | – | –/o | – | – | –/o | –/o | o | o | o |
| folder4/file4_1 | –/R13 | – | R13 | –/R13 | –/R13 | –/R13 | –/R13 | – | – | –/R13 | –/R13 | R13 | R13 | R13 |
| folder5/file5_1 | R13 | R13 | R13 | R13 | o/R13 | o/R13 | o | o | o | R13 | R13 | R13 | R13 | R13 |
| folder6/file6_1 | – | – | – | – | o/– | o/– | o | o | o | o/– | – | o/– | – | – |
| folder7/file7_1 | L13/– | L13 | – | L13/– | L13/– | L13/– | L13 | L13 | L13 | L13/– | L13/– | L13/– | – | – |
| new_file1 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13/– | – | L13/– | – | – |
| new_file2 | R13 | R13 | R13 | R13 | –/R13 | – | –/R13 | – | – | R13 | R13 | R13 | R13 | –/R13 |
| new_file3 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13 | L13/– | L13 | L13 | L13 | L13 | –/L13 |
| new_file4 | L13/R13+ | L13 | R13+ | L13/R13+ | L13/R13+ | L13/R13+ | L13 | L13 | L13/– | L13/R13+ | L13/R13+ | R13+ | R13+ | –/R13+ |
| new_file5 | L13/R1305 | L13 | R1305 | R1305 | L13/R1305 | L13/R1305 | L13 | L13 | L13/– | L13/R1305 | L13/R1305 | R1305 | R1305 | –/R1305 |
| new_file6 | L1305/R13 | L1305 | R13 | L1305 | L1305/R13 | L1305/R13 | L1305 | L1305 | L1305/– | L1305/R13 | L1305/R13 | R13 | R13 | –/R13 |
`;

/** The command of each column. */
const COLUMNS: Record<string, { mode: SyncMode; options: Partial<AnyRunOptions> }> = {
  S: { mode: 'sync', options: { resolve: 'skip' } },
  'S loc': { mode: 'sync', options: { resolve: 'local' } },
  'S rem': { mode: 'sync', options: { resolve: 'remote' } },
  'S new': { mode: 'sync', options: { resolve: 'new' } },
  U: { mode: 'upload', options: {} },
  'U del': { mode: 'upload', options: { delete: true } },
  'U force': { mode: 'upload', options: { force: true } },
  'U mirror': { mode: 'upload', options: { force: true, delete: true, resolve: 'local' } },
  // The unm columns delete 13 of 17 target files: more than the default --max-delete 50% allows.
  'U unm': { mode: 'upload', options: { force: true, delete: true, resolve: 'local', deleteUnmatched: true, match: ['*1.txt'], maxDelete: '100%' } },
  D: { mode: 'download', options: {} },
  'D del': { mode: 'download', options: { delete: true } },
  'D force': { mode: 'download', options: { force: true } },
  'D mirror': { mode: 'download', options: { force: true, delete: true, resolve: 'remote' } },
  'D unm': { mode: 'download', options: { force: true, delete: true, resolve: 'remote', deleteUnmatched: true, match: ['*1.txt'], maxDelete: '100%' } },
};

function parseMatrix(): { columns: string[]; rows: Map<string, Map<string, string>> } {
  const lines = MATRIX.trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  const columns = lines[0]!.slice(1);
  const rows = new Map<string, Map<string, string>>();
  for (const cells of lines.slice(1)) {
    const entry = cells[0]!;
    const path = entry.includes('/') ? `${entry}.txt` : `${entry}.txt`;
    rows.set(path, new Map(columns.map((column, index) => [column, cells[index + 1]!])));
  }
  return { columns, rows };
}

async function writeFile(backend: Backend, path: string, content: string, mtimeMs: number): Promise<void> {
  const rel = toRelPath(path);
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) await backend.mkdir(toRelPath(parts.slice(0, i).join('/')));
  await backend.write(rel, Readable.from([Buffer.from(content)]), { mtimeMs });
}

async function deleteTree(backend: Backend, path: RelPath): Promise<void> {
  for (const item of await backend.list(path)) {
    if (!('entry' in item)) continue;
    const child = toRelPath(`${path}/${item.name}`);
    if (item.entry.kind === 'dir') await deleteTree(backend, child);
    else await backend.remove(child);
  }
  await backend.removeDir(path);
}

async function readLabel(backend: Backend, path: string): Promise<string> {
  const entry = await backend.stat(toRelPath(path));
  if (!entry) return '–';
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(toRelPath(path))) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  const label = LABELS.find((candidate) => contentOf(path, candidate) === text);
  return label ?? `?(${text})`;
}

/** Every path and entry of a tree, for "nothing changed" checks. */
async function treeListing(backend: Backend, dir: RelPath = toRelPath('')): Promise<string[]> {
  const result: string[] = [];
  for (const item of await backend.list(dir)) {
    if (!('entry' in item)) continue;
    const path = dir ? `${dir}/${item.name}` : item.name;
    const entry = item.entry;
    result.push(entry.kind === 'dir' ? `${path}/` : `${path} ${entry.size} ${entry.mtimeMs}`);
    if (entry.kind === 'dir') result.push(...(await treeListing(backend, toRelPath(path))));
  }
  return result.sort();
}

const planOf = (events: SyncEvent[]): Action[] => events.flatMap((event) => (event.type === 'planned' ? [event.action] : []));

/** Registers one test per matrix column, for a local side against the harness's remote side. */
export function describeSyncMatrix(name: string, harness: RemoteHarness): void {
  const { columns, rows } = parseMatrix();
  describe(`sync matrix: ${name}`, () => {
    for (const column of columns) {
      it(`column "${column}"`, async () => {
        const command = COLUMNS[column]!;
        const localDir = await mkdtemp(join(tmpdir(), 'ferry-matrix-local-'));
        const stateDir = await mkdtemp(join(tmpdir(), 'ferry-matrix-state-'));
        const remoteUrl = await harness.freshRemote(column.replace(/\s+/g, '-'));
        const backends = {
          local: await openBackend(parseTarget(localDir)),
          remote: await openBackend(parseTarget(remoteUrl), harness.connection),
        };
        const base: AnyRunOptions = { local: localDir, remote: remoteUrl, stateDir, connection: harness.connection };
        try {
          for (const path of ORIGINAL_FILES) {
            await writeFile(backends.local, path, contentOf(path, 'o'), T12);
            await writeFile(backends.remote, path, contentOf(path, 'o'), T12);
          }
          const first = await runSync('sync', base);
          assert.equal(first.filesCopied, 0, 'the first sync of identical trees copies nothing');
          assert.equal(first.conflicts, 0);

          for (const edit of EDITS) {
            const backend = backends[edit.side];
            if (edit.op === 'write') await writeFile(backend, edit.path, contentOf(edit.path, edit.label), edit.mtimeMs);
            else if (edit.op === 'delete') await backend.remove(toRelPath(edit.path));
            else await deleteTree(backend, toRelPath(edit.path));
          }

          const before = { local: await treeListing(backends.local), remote: await treeListing(backends.remote) };
          const dryEvents: SyncEvent[] = [];
          await runSync(command.mode, { ...base, ...command.options, dryRun: true, onEvent: (e) => dryEvents.push(e) });
          assert.deepEqual(await treeListing(backends.local), before.local, 'a dry run changes nothing locally');
          assert.deepEqual(await treeListing(backends.remote), before.remote, 'a dry run changes nothing remotely');

          const events: SyncEvent[] = [];
          const summary: RunSummary = await runSync(command.mode, { ...base, ...command.options, onEvent: (e) => events.push(e) });
          assert.deepEqual(planOf(events), planOf(dryEvents), 'the dry run plans what the real run does');
          assert.equal(summary.errors, 0, `no errors: ${JSON.stringify(events.filter((e) => e.type === 'action-finished' && e.result.status === 'failed'))}`);

          const mismatches: string[] = [];
          for (const [path, expectations] of rows) {
            const expected = expectations.get(column)!;
            const [expectLocal, expectRemote] = expected.includes('/') ? expected.split('/') : [expected, expected];
            const actual = { local: await readLabel(backends.local, path), remote: await readLabel(backends.remote, path) };
            if (actual.local !== expectLocal || actual.remote !== expectRemote) {
              mismatches.push(`${path}: expected ${expected}, got ${actual.local}/${actual.remote}`);
            }
          }
          assert.deepEqual(mismatches, [], `column ${column}`);

          if (command.mode === 'upload') assert.deepEqual(await treeListing(backends.local), before.local, 'upload never changes the local side');
          if (command.mode === 'download') assert.deepEqual(await treeListing(backends.remote), before.remote, 'download never changes the remote side');

          const again = await runSync(command.mode, { ...base, ...command.options });
          assert.deepEqual(
            { copied: again.filesCopied, deleted: again.filesDeleted, mkdir: again.foldersCreated, rmdir: again.foldersDeleted, errors: again.errors },
            { copied: 0, deleted: 0, mkdir: 0, rmdir: 0, errors: 0 },
            'a second run transfers nothing',
          );
        } finally {
          await backends.local.close();
          await backends.remote.close();
          await rm(localDir, { recursive: true, force: true });
          await rm(stateDir, { recursive: true, force: true });
        }
      });
    }
  });
}
