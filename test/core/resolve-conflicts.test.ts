/**
 * resolveConflicts: each strategy, in each mode, on the situations that make it settle or not.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConflictInfo, Decision } from '../../src/core/decision.js';
import type { DirEntry, Entry, FileEntry } from '../../src/core/entry.js';
import { toRelPath, type RelPath } from '../../src/core/rel-path.js';
import { resolveConflicts, type ConflictQuestion, type ResolveOptions } from '../../src/core/resolve-conflicts.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import type { ResolveStrategy, SyncMode } from '../../src/core/sync-options.js';

const T13 = Date.UTC(2014, 0, 1, 13, 0, 0);
const T1305 = Date.UTC(2014, 0, 1, 13, 0, 5);
const file = (size: number, mtimeMs: number): FileEntry => ({ kind: 'file', size, mtimeMs });
const DIR: DirEntry = { kind: 'dir' };
const F = toRelPath('f');

const BOTH_MODIFIED: ConflictInfo = { reason: 'both-modified', local: 'modified', remote: 'modified' };
const LOCAL_DELETED: ConflictInfo = { reason: 'deleted-vs-modified', local: 'deleted', remote: 'modified' };
const REMOTE_DELETED: ConflictInfo = { reason: 'deleted-vs-modified', local: 'modified', remote: 'deleted' };
const conflictAt = (conflict: ConflictInfo, path: RelPath = F): Decision => ({ type: 'conflict', path, conflict });

interface Case {
  readonly mode?: SyncMode;
  readonly strategy: ResolveStrategy;
  readonly force?: boolean;
  readonly delete?: boolean;
  readonly local?: Entry;
  readonly remote?: Entry;
  readonly conflict?: ConflictInfo;
  readonly ask?: ResolveOptions['ask'];
}

async function resolveOne(c: Case): Promise<Decision> {
  const decision = conflictAt(c.conflict ?? BOTH_MODIFIED);
  const [result, ...rest] = await resolveConflicts([decision], {
    mode: c.mode ?? 'sync',
    strategy: c.strategy,
    force: c.force ?? false,
    delete: c.delete ?? false,
    timeWindowMs: 2000,
    local: snapshotOf(c.local ? [[F, c.local]] : []),
    remote: snapshotOf(c.remote ? [[F, c.remote]] : []),
    ...(c.ask ? { ask: c.ask } : {}),
  });
  assert.equal(rest.length, 0);
  return result!;
}

const copyFrom = (from: 'local' | 'remote', conflict: ConflictInfo = BOTH_MODIFIED): Decision => ({
  type: 'copy',
  path: F,
  from,
  reason: 'conflict-resolved',
  conflict,
});
const deleteOn = (side: 'local' | 'remote', conflict: ConflictInfo): Decision => ({ type: 'delete', path: F, side, reason: 'conflict-resolved', conflict });
const unresolved = (conflict: ConflictInfo = BOTH_MODIFIED): Decision => conflictAt(conflict);

const LOCAL_OLDER = { local: file(9, T13), remote: file(12, T1305) };
const LOCAL_NEWER = { local: file(9, T1305), remote: file(12, T13) };

describe('resolveConflicts in sync', () => {
  const rows: [string, Case, Decision][] = [
    ['local wins', { strategy: 'local', ...LOCAL_OLDER }, copyFrom('local')],
    ['remote wins', { strategy: 'remote', ...LOCAL_OLDER }, copyFrom('remote')],
    ['new: remote is newer', { strategy: 'new', ...LOCAL_OLDER }, copyFrom('remote')],
    ['new: local is newer', { strategy: 'new', ...LOCAL_NEWER }, copyFrom('local')],
    ['old: local is older', { strategy: 'old', ...LOCAL_OLDER }, copyFrom('local')],
    ['old: remote is older', { strategy: 'old', ...LOCAL_NEWER }, copyFrom('remote')],
    ['skip leaves the conflict', { strategy: 'skip', ...LOCAL_OLDER }, unresolved()],
    ['new: times 1 s apart tie', { strategy: 'new', local: file(9, T13), remote: file(12, T13 + 1000) }, unresolved()],
    ['new: times exactly the window apart tie', { strategy: 'new', local: file(9, T13 + 2000), remote: file(12, T13) }, unresolved()],
    ['old: same time ties', { strategy: 'old', local: file(9, T13), remote: file(12, T13) }, unresolved()],
    ['new: 1 ms beyond the window decides', { strategy: 'new', local: file(9, T13 + 2001), remote: file(12, T13) }, copyFrom('local')],
    ['new: local absent stays unresolved', { strategy: 'new', remote: file(12, T13), conflict: LOCAL_DELETED }, unresolved(LOCAL_DELETED)],
    ['old: local absent stays unresolved', { strategy: 'old', remote: file(12, T13), conflict: LOCAL_DELETED }, unresolved(LOCAL_DELETED)],
    ['new: remote absent stays unresolved', { strategy: 'new', local: file(12, T13), conflict: REMOTE_DELETED }, unresolved(REMOTE_DELETED)],
    ['old: remote absent stays unresolved', { strategy: 'old', local: file(12, T13), conflict: REMOTE_DELETED }, unresolved(REMOTE_DELETED)],
    [
      'new: a folder against a file stays unresolved',
      { strategy: 'new', local: DIR, remote: file(12, T13), conflict: { reason: 'type-changed', local: 'typeChanged', remote: 'modified' } },
      unresolved({ reason: 'type-changed', local: 'typeChanged', remote: 'modified' }),
    ],
    [
      'local wins, local deleted it: delete on remote',
      { strategy: 'local', remote: file(12, T13), conflict: LOCAL_DELETED },
      deleteOn('remote', LOCAL_DELETED),
    ],
    ['remote wins, local deleted it: copy back', { strategy: 'remote', remote: file(12, T13), conflict: LOCAL_DELETED }, copyFrom('remote', LOCAL_DELETED)],
    [
      'remote wins, remote deleted it: delete on local',
      { strategy: 'remote', local: file(12, T13), conflict: REMOTE_DELETED },
      deleteOn('local', REMOTE_DELETED),
    ],
    [
      'local wins, a folder: copy (mkdir) the folder',
      { strategy: 'local', local: DIR, remote: file(1, T13), conflict: { reason: 'type-changed', local: 'typeChanged', remote: 'modified' } },
      copyFrom('local', { reason: 'type-changed', local: 'typeChanged', remote: 'modified' }),
    ],
    ['winner and loser both absent: forget', { strategy: 'local', conflict: BOTH_MODIFIED }, { type: 'forget', path: F }],
  ];
  for (const [name, c, expected] of rows) {
    it(name, async () => assert.deepEqual(await resolveOne(c), expected));
  }
});

describe('resolveConflicts in one-way modes', () => {
  const rows: [string, Case, Decision][] = [
    ['upload, local: the source wins', { mode: 'upload', strategy: 'local', ...LOCAL_OLDER }, copyFrom('local')],
    ['download, remote: the source wins', { mode: 'download', strategy: 'remote', ...LOCAL_NEWER }, copyFrom('remote')],
    ['upload, remote is not allowed: unresolved', { mode: 'upload', strategy: 'remote', ...LOCAL_OLDER }, unresolved()],
    ['download, local is not allowed: unresolved', { mode: 'download', strategy: 'local', ...LOCAL_OLDER }, unresolved()],
    ['upload, skip: unresolved', { mode: 'upload', strategy: 'skip', ...LOCAL_OLDER }, unresolved()],
    ['upload --force settles whatever the strategy', { mode: 'upload', strategy: 'skip', force: true, ...LOCAL_OLDER }, copyFrom('local')],
    ['download --force settles whatever the strategy', { mode: 'download', strategy: 'skip', force: true, ...LOCAL_NEWER }, copyFrom('remote')],
    [
      'download --force restores a file deleted locally',
      { mode: 'download', strategy: 'skip', force: true, remote: file(12, T13), conflict: LOCAL_DELETED },
      copyFrom('remote', LOCAL_DELETED),
    ],
    [
      'upload --force restores a file deleted remotely',
      { mode: 'upload', strategy: 'skip', force: true, local: file(12, T13), conflict: REMOTE_DELETED },
      copyFrom('local', REMOTE_DELETED),
    ],
    // The source deleted it: the target's file goes only with --delete.
    [
      'upload, local wins but deleted it, no --delete: still a conflict',
      { mode: 'upload', strategy: 'local', remote: file(12, T13), conflict: LOCAL_DELETED },
      unresolved(LOCAL_DELETED),
    ],
    [
      'upload, local wins but deleted it, --delete: deleted remotely',
      { mode: 'upload', strategy: 'local', delete: true, remote: file(12, T13), conflict: LOCAL_DELETED },
      deleteOn('remote', LOCAL_DELETED),
    ],
    [
      'upload --force, local deleted it, no --delete: still a conflict',
      { mode: 'upload', strategy: 'skip', force: true, remote: file(12, T13), conflict: LOCAL_DELETED },
      unresolved(LOCAL_DELETED),
    ],
    [
      'upload --force --delete, local deleted it: deleted remotely',
      { mode: 'upload', strategy: 'skip', force: true, delete: true, remote: file(12, T13), conflict: LOCAL_DELETED },
      deleteOn('remote', LOCAL_DELETED),
    ],
    [
      'download --force, remote deleted it, no --delete: still a conflict',
      { mode: 'download', strategy: 'skip', force: true, local: file(12, T13), conflict: REMOTE_DELETED },
      unresolved(REMOTE_DELETED),
    ],
    [
      'download --force --delete, remote deleted it: deleted locally',
      { mode: 'download', strategy: 'remote', force: true, delete: true, local: file(12, T13), conflict: REMOTE_DELETED },
      deleteOn('local', REMOTE_DELETED),
    ],
  ];
  for (const [name, c, expected] of rows) {
    it(name, async () => assert.deepEqual(await resolveOne(c), expected));
  }
});

describe('resolveConflicts with ask', () => {
  it('offers only the answers that settle a conflict; a one-way conflict no answer settles is not asked', async () => {
    const questions: ConflictQuestion[] = [];
    const a = toRelPath('a');
    const b = toRelPath('b');
    const options = {
      mode: 'upload' as const,
      strategy: 'ask' as const,
      force: false,
      timeWindowMs: 2000,
      local: snapshotOf([[a, file(1, T13)]]),
      remote: snapshotOf([
        [a, file(2, T1305)],
        [b, file(3, T13)],
      ]),
      ask: async (question: ConflictQuestion) => (questions.push(question), 'local' as const),
    };
    const decisions: Decision[] = [conflictAt(BOTH_MODIFIED, a), conflictAt(LOCAL_DELETED, b)];
    await resolveConflicts(decisions, { ...options, delete: false });
    assert.deepEqual(
      questions.map((q) => `${q.path}: ${q.allowed.join('+')} ${q.canKeepBoth}`),
      ['a: local false'],
      'b: the local deletion reaches the remote only with --delete',
    );
    questions.length = 0;
    const withDelete = await resolveConflicts(decisions, { ...options, delete: true });
    assert.deepEqual(
      questions.map((q) => `${q.path}: ${q.allowed.join('+')} ${q.canKeepBoth}`),
      ['a: local false', 'b: local false'],
    );
    assert.equal(withDelete[1]!.type, 'delete');
  });

  it('asks once per conflict, in order, with both entries and the sides allowed', async () => {
    const questions: ConflictQuestion[] = [];
    const a = toRelPath('a');
    const b = toRelPath('b');
    const decisions: Decision[] = [
      conflictAt(BOTH_MODIFIED, a),
      { type: 'copy', path: toRelPath('c'), from: 'local', reason: 'new' },
      conflictAt(LOCAL_DELETED, b),
      { type: 'noop', path: toRelPath('d') },
    ];
    const answers = ['remote', 'skip'] as const;
    const result = await resolveConflicts(decisions, {
      mode: 'sync',
      strategy: 'ask',
      force: false,
      delete: false,
      timeWindowMs: 2000,
      local: snapshotOf([[a, file(1, T13)]]),
      remote: snapshotOf([
        [a, file(2, T1305)],
        [b, file(3, T13)],
      ]),
      ask: async (question) => answers[questions.push(question) - 1]!,
    });
    assert.deepEqual(questions, [
      { path: a, conflict: BOTH_MODIFIED, local: file(1, T13), remote: file(2, T1305), allowed: ['local', 'remote'], canKeepBoth: true, recorded: null },
      { path: b, conflict: LOCAL_DELETED, local: undefined, remote: file(3, T13), allowed: ['local', 'remote'], canKeepBoth: true, recorded: null },
    ]);
    assert.deepEqual(result, [
      { type: 'copy', path: a, from: 'remote', reason: 'conflict-resolved', conflict: BOTH_MODIFIED },
      decisions[1],
      decisions[2],
      decisions[3],
    ]);
  });

  it('in one-way modes offers only the source, and ignores an answer for the target', async () => {
    let allowed: readonly string[] = [];
    const result = await resolveOne({
      mode: 'upload',
      strategy: 'ask',
      ...LOCAL_OLDER,
      ask: async (question) => {
        allowed = question.allowed;
        return 'remote';
      },
    });
    assert.deepEqual(allowed, ['local']);
    assert.deepEqual(result, unresolved());
  });

  it('a side chosen by the person wins', async () => {
    assert.deepEqual(await resolveOne({ strategy: 'ask', ...LOCAL_OLDER, ask: async () => 'local' }), copyFrom('local'));
  });

  it('is not asked when there are no conflicts, nor under one-way --force', async () => {
    let asked = 0;
    const ask = async () => {
      asked++;
      return 'skip' as const;
    };
    await resolveConflicts([{ type: 'noop', path: F }], {
      mode: 'sync',
      strategy: 'ask',
      force: false,
      delete: false,
      timeWindowMs: 2000,
      local: snapshotOf([]),
      remote: snapshotOf([]),
      ask,
    });
    assert.deepEqual(await resolveOne({ mode: 'download', strategy: 'ask', force: true, ...LOCAL_OLDER, ask }), copyFrom('remote'));
    assert.equal(asked, 0);
  });

  it('needs a resolver', async () => {
    await assert.rejects(resolveOne({ strategy: 'ask', ...LOCAL_OLDER }), /resolver/);
  });
});

describe('resolveConflicts leaves other decisions alone', () => {
  it('returns non-conflict decisions unchanged and in order', async () => {
    const decisions: Decision[] = [
      { type: 'noop', path: toRelPath('a') },
      { type: 'copy', path: toRelPath('b'), from: 'remote', reason: 'modified' },
      { type: 'delete', path: toRelPath('c'), side: 'local', reason: 'deleted' },
      { type: 'adopt', path: toRelPath('d') },
      { type: 'forget', path: toRelPath('e') },
      { type: 'skip', path: toRelPath('f'), reason: 'target-changed' },
    ];
    for (const strategy of ['local', 'remote', 'new', 'skip'] as const) {
      const result = await resolveConflicts(decisions, {
        mode: 'sync',
        strategy,
        force: false,
        delete: false,
        timeWindowMs: 2000,
        local: snapshotOf([]),
        remote: snapshotOf([]),
      });
      assert.deepEqual(result, decisions, strategy);
    }
  });
});
