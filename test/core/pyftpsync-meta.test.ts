import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { choosePeer, parsePyftpsyncMeta, peerIdCandidates, seedRecordsFromPyftpsync, type PyftpsyncFolderMeta } from '../../src/core/pyftpsync-meta.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { snapshotOf } from '../../src/core/snapshot.js';

function meta(data: unknown): PyftpsyncFolderMeta {
  const parsed = parsePyftpsyncMeta(data);
  assert.ok(parsed.ok);
  return parsed.meta;
}

describe('pyftpsync metadata', () => {
  it('parses version 3, skips ":last_sync" and malformed items', () => {
    const m = meta({ _file_version: 3, mtimes: {}, peer_sync: { 'h/p': { ':last_sync': 1, 'a.txt': { m: 10, s: 3, u: 11 }, d: { m: null, s: null, u: 1 }, bad: { m: 'x', s: 1 }, half: { m: null, s: 2 } } } });
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

  it('seeds only paths both sides still have as synced; the remote as listed now', () => {
    const folders = new Map([
      [p(''), meta({ _file_version: 3, peer_sync: { P: { 'a.txt': { m: 100, s: 3 }, 'b.txt': { m: 100, s: 3 }, 'c.txt': { m: 100, s: 3 }, d: { m: null, s: null }, gone: { m: 100, s: 3 } } } })],
    ]);
    const local = snapshotOf([
      [p('a.txt'), { kind: 'file', size: 3, mtimeMs: 100_400 }],
      [p('b.txt'), { kind: 'file', size: 3, mtimeMs: 102_000 }],
      [p('c.txt'), { kind: 'file', size: 3, mtimeMs: 100_000 }],
      [p('d'), { kind: 'dir' }],
    ]);
    const remote = snapshotOf([
      [p('a.txt'), { kind: 'file', size: 3, mtimeMs: 999_000 }],
      [p('b.txt'), { kind: 'file', size: 3, mtimeMs: 999_000 }],
      [p('c.txt'), { kind: 'file', size: 4, mtimeMs: 999_000 }],
      [p('d'), { kind: 'dir' }],
    ]);
    const records = seedRecordsFromPyftpsync({ folders, peerId: 'P', local, remote });
    assert.deepEqual([...records.keys()].sort(), ['a.txt', 'd']);
    assert.deepEqual(records.get(p('a.txt')), { local: { kind: 'file', size: 3, mtimeMs: 100_400 }, remote: { kind: 'file', size: 3, mtimeMs: 999_000 } });
  });
});
