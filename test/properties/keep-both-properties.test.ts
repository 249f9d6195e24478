/**
 * Properties of `sync --resolve keep-both`, memory↔memory through the real engine: random small
 * trees, a first sync, random file writes and deletes on both sides, then keep-both twice.
 *
 * (a) No edit is lost: every content written by the edits (and not deleted after) is, afterwards,
 *     on both sides (under its own name or a conflict copy name).
 * (b) Both sides end equal (same files, same contents): keep-both settles every file conflict.
 * (c) The second run plans nothing and makes no conflict copy.
 *
 * Every write gets its own mtime, 10 s after the previous one (see sync-properties.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import fc from 'fast-check';
import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { toRelPath } from '../../src/core/rel-path.js';
import type { SyncEvent } from '../../src/engine/events.js';
import { runSync } from '../../src/engine/run-sync.js';

const NUM_RUNS = Number(process.env['FERRY_PROPERTY_RUNS'] ?? 60);
const T0 = Date.UTC(2020, 0, 1) + 123;
const STEP_MS = 10_000;
const FILES = ['x.txt', 'y', 'a/x.txt', 'a/c/z.md'] as const;

type Side = 'local' | 'remote';

const contentArb = fc.string({ unit: fc.constantFrom('a', 'b', 'é'), maxLength: 4 });
const editArb = fc.record({
  side: fc.constantFrom<Side>('local', 'remote'),
  path: fc.constantFrom(...FILES),
  content: fc.option(contentArb, { nil: null, freq: 4 }),
});

/** Files with contents (folders left out: keep-both is about files). */
function filesOf(backend: MemoryBackend): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, entry] of backend.dump()) if (entry.kind === 'file') out[path] = backend.content(toRelPath(path))!;
  return out;
}

it('keep-both: no version lost, both sides equal, a second run does nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.dictionary(fc.constantFrom(...FILES), contentArb), fc.array(editArb, { maxLength: 8 }), async (initial, edits) => {
      const stateDir = await mkdtemp(join(tmpdir(), 'ferry-keep-both-prop-'));
      try {
        const sides = { local: new MemoryBackend({ name: 'l' }), remote: new MemoryBackend({ name: 'r' }) };
        let clock = T0;
        for (const [path, content] of Object.entries(initial)) {
          sides.local.putFile(toRelPath(path), content, clock);
          sides.remote.putFile(toRelPath(path), content, clock);
        }
        const base = { local: sides.local, remote: sides.remote, stateDir, resolve: 'keep-both' as const, maxDelete: '100%', allowEmptySide: true }; // brakes off: random edits empty sides
        await runSync('sync', base);
        /** Per side, the paths whose last edit was a write: those versions must survive. */
        const written = { local: new Set<string>(), remote: new Set<string>() };
        for (const edit of edits) {
          clock += STEP_MS;
          const path = toRelPath(edit.path);
          if (edit.content === null) {
            if (sides[edit.side].content(path) !== undefined) await sides[edit.side].remove(path);
            written[edit.side].delete(edit.path);
          } else {
            sides[edit.side].putFile(path, edit.content, clock);
            written[edit.side].add(edit.path);
          }
        }
        const held = new Set([...written.local].map((path) => sides.local.content(toRelPath(path))!));
        for (const path of written.remote) held.add(sides.remote.content(toRelPath(path))!);
        const first = await runSync('sync', base);
        const after = { local: filesOf(sides.local), remote: filesOf(sides.remote) };
        for (const side of ['local', 'remote'] as const) {
          const contents = new Set(Object.values(after[side]));
          for (const content of held) assert.ok(contents.has(content), `${JSON.stringify(content)} lost on the ${side} side: ${JSON.stringify(after)}`);
        }
        assert.deepEqual(after.local, after.remote, 'both sides equal');
        assert.equal(first.errors, 0);
        assert.equal(first.conflicts, 0, 'keep-both settles every file conflict');
        const planned: SyncEvent[] = [];
        const second = await runSync('sync', {
          ...base,
          onEvent: (event) => event.type === 'planned' && event.action.kind !== 'record' && planned.push(event),
        });
        assert.deepEqual(planned, [], 'the second run plans nothing');
        assert.equal(second.conflictCopies, 0);
      } finally {
        await rm(stateDir, { recursive: true, force: true });
      }
    }),
    { numRuns: NUM_RUNS },
  );
});
