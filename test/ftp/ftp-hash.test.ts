/** Parsing FEAT for hash commands and digests out of their replies (replies as proftpd's mod_digest sends them). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digestOfReply, ftpHashMethods } from '../../src/backends/ftp/ftp-hash.js';

describe('ftpHashMethods', () => {
  it('prefers the draft HASH command and falls back to X commands per algorithm', () => {
    const methods = ftpHashMethods(['HASH CRC32;MD5;SHA-1*;SHA-256;SHA-512;', 'XCRC', 'XMD5', 'XSHA1', 'XSHA256', 'MLST type*;']);
    assert.deepEqual([...methods.values()].map((m) => `${m.algorithm}:${m.verb}${m.hashName ? ` ${m.hashName}` : ''}`).sort(), [
      'crc32:HASH CRC32',
      'md5:HASH MD5',
      'sha1:HASH SHA-1',
      'sha256:HASH SHA-256',
    ]);
  });

  it('uses X commands when there is no HASH, and nothing without either', () => {
    assert.deepEqual([...ftpHashMethods(['XMD5', 'XSHA256']).values()].map((m) => m.verb).sort(), ['XMD5', 'XSHA256']);
    assert.equal(ftpHashMethods(['MLST type*;', 'SIZE', 'MDTM']).size, 0);
  });
});

describe('digestOfReply', () => {
  it('reads HASH and X command replies, multi-line included', () => {
    const hex = '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824';
    assert.equal(digestOfReply(`213-Computing SHA-256 digest\n213 SHA-256 0-5 ${hex} /h/a.txt`, 'sha256'), hex);
    assert.equal(digestOfReply(`250-Computing SHA256 digest\n250 ${hex.toUpperCase()}`, 'sha256'), hex);
    assert.equal(digestOfReply('250-Computing CRC32 digest\n250 3610A686', 'crc32'), '3610a686');
    assert.equal(digestOfReply('213 CRC32 0-5 610a686 /x', 'crc32'), '0610a686');
  });

  it('finds nothing in a reply without a digest of the right length', () => {
    assert.equal(digestOfReply('250 abc', 'sha256'), undefined);
    assert.equal(digestOfReply('550 /x: No such file', 'md5'), undefined);
  });
});
