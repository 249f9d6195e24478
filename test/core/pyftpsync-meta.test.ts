import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePeer, parsePyftpsyncMeta, peerIdCandidates, seedRecordsFromPyftpsync, type PyftpsyncFolderMeta } from '../../src/core/pyftpsync-meta.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';
import { detectChange } from '../../src/core/detect-change.js';
import { PathFilter } from '../../src/core/path-filter.js';
import { reconcile } from '../../src/core/reconcile.js';

function meta(data: unknown): PyftpsyncFolderMeta {
  const parsed = parsePyftpsyncMeta(data);
  assert.ok(parsed.ok);
  return parsed.meta;
}

describe('pyftpsync metadata', () => {
  it('parses version 3, skips ":last_sync" and malformed items', () => {
    const m = meta({
      _file_version: 3,
      mtimes: {},
      peer_sync: { 'h/p': { ':last_sync': 1, 'a.txt': { m: 10, s: 3, u: 11 }, d: { m: null, s: null, u: 1 }, bad: { m: 'x', s: 1 }, half: { m: null, s: 2 } } },
    });
    assert.deepEqual([...m.peers.get('h/p')!.keys()], ['a.txt', 'd']);
  });

  it('refuses other versions and non-objects', () => {
    assert.equal(parsePyftpsyncMeta({ _file_version: 2 }).ok, false);
    assert.equal(parsePyftpsyncMeta([]).ok, false);
    assert.equal(parsePyftpsyncMeta({ _file_version: 3, peer_sync: 5 }).ok, false);
  });

  it('peer ids: absolute path for a folder, host + path for a server', () => {
    assert.deepEqual(peerIdCandidates('file:///tmp/x'), ['/tmp/x']);
    assert.equal(peerIdCandidates('sftp://me@example.com:22/var/www')[0], 'example.com/var/www');
    assert.equal(peerIdCandidates('ftp://example.com:21/')[0], 'example.com/');
  });

  it('chooses the matching peer, else the only one, else none', () => {
    const two = meta({ _file_version: 3, peer_sync: { 'example.com/www': {}, 'other/www': {} } });
    assert.deepEqual(choosePeer([two], 'ftp://u@example.com:21/www'), { kind: 'chosen', peerId: 'example.com/www' });
    assert.deepEqual(choosePeer([two], 'ftp://u@third:21/www'), { kind: 'ambiguous', peerIds: ['example.com/www', 'other/www'] });
    const one = meta({ _file_version: 3, peer_sync: { 'moved/www': {} } });
    assert.deepEqual(choosePeer([one], 'file:///x'), { kind: 'chosen', peerId: 'moved/www' });
    assert.deepEqual(choosePeer([meta({ _file_version: 3 })], 'file:///x'), { kind: 'none' });
  });

  it("reads a remote folder's upload records (mtimes)", () => {
    const m = meta({ _file_version: 3, mtimes: { 'a.txt': { m: 100, s: 3, u: 200 }, bad: { m: 1 } }, peer_sync: {} });
    assert.deepEqual([...m.uploaded], [['a.txt', { m: 100, s: 3, u: 200 }]]);
  });

  /** pyftpsync's last run: a.txt … h.txt synced at m=100 s (3 bytes), folder d; it ran at 200 s. */
  const synced = (names: string[]) => Object.fromEntries(names.map((name) => [name, { m: 100, s: 3, u: 200 }]));
  const folders = new Map([
    [
      p(''),
      meta({ _file_version: 3, peer_sync: { P: { ':last_sync': 200, ...synced(['a', 'b', 'c', 'e', 'f', 'g', 'h']), d: { m: null, s: null, u: 200 } } } }),
    ],
  ]);
  // The remote got a, b, c, e, f, g uploaded at 200 s (the server stamped ~200 s); h was downloaded from it.
  const remoteFolders = new Map([[p(''), meta({ _file_version: 3, mtimes: synced(['a', 'b', 'c', 'e', 'f', 'g']), peer_sync: {} })]]);
  const f = (size: number, mtimeS: number) => ({ kind: 'file', size, mtimeMs: mtimeS * 1000 }) as const;
  const local = snapshotOf([
    [p('a'), f(3, 100.4)], // unchanged (pyftpsync: within 2.01 s)
    [p('b'), f(3, 150)], // modified locally (time only)
    [p('c'), f(3, 100)],
    [p('e'), f(7, 300)], // modified locally
    // f: deleted locally
    [p('g'), f(3, 100)],
    [p('h'), f(3, 100)],
    [p('d'), { kind: 'dir' }],
  ]);
  const remote = snapshotOf([
    [p('a'), f(3, 201)],
    [p('b'), f(3, 201)],
    [p('c'), f(3, 260)], // edited on the server after the upload, same size
    [p('e'), f(3, 201)],
    [p('f'), f(3, 201)],
    // g: deleted remotely
    [p('h'), f(3, 100)], // as downloaded: its own mtime
    [p('d'), { kind: 'dir' }],
  ]);
  const records = seedRecordsFromPyftpsync({ folders, remoteFolders, peerId: 'P', local, remote });
  const changes = (path: string) => {
    const record = records.get(p(path));
    return `${detectChange(local.entries.get(p(path)), record?.local)}/${detectChange(remote.entries.get(p(path)), record?.remote)}`;
  };

  it('each side is judged as pyftpsync would: unchanged, modified (size, time, on the server) or deleted', () => {
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((path) => `${path} ${changes(path)}`),
      [
        'a unchanged/unchanged',
        'b modified/unchanged',
        'c unchanged/modified',
        'd unchanged/unchanged',
        'e modified/unchanged',
        'f deleted/unchanged',
        'g unchanged/deleted',
        'h unchanged/unchanged',
      ],
    );
    assert.deepEqual(records.get(p('a')), { local: f(3, 100.4), remote: f(3, 201) }, 'an unchanged side is recorded as it is listed now');
  });

  it('so reconcile copies a one-sided edit and propagates a deletion, with no conflict', () => {
    const state = new Map(records);
    const decide = (mode: 'sync' | 'upload') =>
      reconcile({
        local,
        remote,
        state,
        filter: new PathFilter(),
        options: { mode, delete: false, force: false, deleteUnmatched: false, timeWindowMs: 2000 },
      }).map((d) =>
        d.type === 'copy'
          ? `${d.path}: copy ${d.from} ${d.reason}`
          : d.type === 'delete'
            ? `${d.path}: delete ${d.side}`
            : d.type === 'skip'
              ? `${d.path}: skip ${d.reason}`
              : `${d.path}: ${d.type}`,
      );
    assert.deepEqual(decide('sync'), [
      'a: noop',
      'b: copy local modified',
      'c: copy remote modified',
      'd: noop',
      'e: copy local modified',
      'f: delete remote',
      'g: delete local',
      'h: noop',
    ]);
    assert.deepEqual(decide('upload'), [
      'a: noop',
      'b: copy local modified',
      'c: skip target-changed',
      'd: noop',
      'e: copy local modified',
      'f: skip source-deleted',
      'g: skip target-changed',
      'h: noop',
    ]);
  });

  it('a path gone from both sides, or never synced by pyftpsync, gets no record', () => {
    const gone = seedRecordsFromPyftpsync({ folders, remoteFolders, peerId: 'P', local: snapshotOf([]), remote: snapshotOf([[p('new'), f(1, 1)]]) });
    assert.deepEqual([...gone.keys()], []);
  });

  it('without the remote upload records, a remote file listed at its upload time counts as modified (as in pyftpsync)', () => {
    const bare = seedRecordsFromPyftpsync({ folders, peerId: 'P', local, remote });
    assert.equal(detectChange(remote.entries.get(p('a')), bare.get(p('a'))?.remote), 'modified');
    assert.equal(detectChange(remote.entries.get(p('h')), bare.get(p('h'))?.remote), 'unchanged');
  });

  it('a local folder deleted since: the files pyftpsync uploaded into the remote one are recorded, so the deletion is one', () => {
    const withSub = new Map([[p(''), meta({ _file_version: 3, peer_sync: { P: { sub: { m: null, s: null, u: 200 } } } })]]);
    const remoteSub = new Map([
      [p('sub'), meta({ _file_version: 3, mtimes: synced(['x', 'edited']) })],
      [p('sub/deep'), meta({ _file_version: 3, mtimes: synced(['y']) })],
    ]);
    const remoteTree = snapshotOf([
      [p('sub'), { kind: 'dir' }],
      [p('sub/x'), f(3, 201)],
      [p('sub/edited'), f(3, 400)],
      [p('sub/deep'), { kind: 'dir' }],
      [p('sub/deep/y'), f(3, 201)],
    ]);
    const seeded = seedRecordsFromPyftpsync({ folders: withSub, remoteFolders: remoteSub, peerId: 'P', local: snapshotOf([]), remote: remoteTree });
    assert.deepEqual([...seeded.keys()].sort(), ['sub', 'sub/deep', 'sub/deep/y', 'sub/x'], 'not sub/edited: changed on the server since');
  });
});
