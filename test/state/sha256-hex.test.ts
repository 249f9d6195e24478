/**
 * The state file's name is a SHA-256 of the pair computed without node:crypto (sha256-hex.ts): it
 * must be the very digest node:crypto computes, or every pair's state would be lost on upgrade.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { sha256Hex } from '../../src/state/sha256-hex.js';
import { stateKeyOf } from '../../src/state/state-store.js';

const nodeSha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('sha256Hex', () => {
  it('gives the published digests of the empty text and "abc"', () => {
    assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('agrees with node:crypto at every length around the block boundaries, and on non-ASCII text', () => {
    for (let length = 0; length <= 200; length++) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(32 + ((i * 7 + length) % 95))).join('');
      assert.equal(sha256Hex(text), nodeSha256(text), `length ${length}`);
    }
    for (const text of ['/home/ünïcödé/ordner', 'sftp://user@host:22/日本語/フォルダ', 'emoji 📁 folder', 'x'.repeat(5000)]) {
      assert.equal(sha256Hex(text), nodeSha256(text), text);
    }
  });

  it('names a pair’s state as before: the first 20 hex digits of node:crypto’s SHA-256 of both ids', () => {
    const [local, remote] = ['file:///srv/site', 'sftp://deploy@example.com:22/var/www'];
    assert.equal(stateKeyOf(local, remote), nodeSha256(`${local}\n${remote}`).slice(0, 20));
  });
});
