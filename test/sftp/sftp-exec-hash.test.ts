/** The SSH exec hash: quoting that no file name escapes, and what is made of the command's answers. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { hashCommand, SftpExecHasher, shellQuote } from '../../src/backends/sftp/sftp-exec-hash.js';

describe('shellQuote', () => {
  it('keeps every name one literal word for a POSIX shell', () => {
    for (const name of ["it's", '$(touch /tmp/x)', '`id`', 'a b;c', '-n', '"q"', 'back\\slash', '*']) {
      const echoed = execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(name)}`]).toString();
      assert.equal(echoed, name);
    }
  });

  it('puts -- before the path so a leading dash is no option', () => {
    assert.equal(hashCommand('sha256', '/x/-n'), "sha256sum -b -- '/x/-n'");
    assert.equal(hashCommand('crc32', '/x'), undefined);
  });
});

describe('SftpExecHasher', () => {
  const hex = 'd41d8cd98f00b204e9800998ecf8427e';
  it('returns the digest, and stops asking after a refused channel', async () => {
    const hasher = new SftpExecHasher();
    assert.deepEqual(await hasher.hash(async () => ({ code: 0, stdout: `${hex} */a\n`, stderr: '' }), '/a', ['md5'], 'x'), { algorithm: 'md5', digest: hex });
    const refused = new SftpExecHasher();
    let calls = 0;
    const run = async () => {
      calls++;
      throw new Error('exec request failed');
    };
    assert.equal(await refused.hash(run, '/a', ['sha256'], 'x'), undefined);
    assert.equal(await refused.hash(run, '/a', ['sha256'], 'x'), undefined);
    assert.equal(calls, 1);
  });

  it('keeps at most maxChannels exec channels open at once', async () => {
    const hasher = new SftpExecHasher(2);
    let open = 0;
    let most = 0;
    const run = async () => {
      most = Math.max(most, ++open);
      await new Promise((resolve) => setTimeout(resolve, 5));
      open--;
      return { code: 0, stdout: `${hex}  /a\n`, stderr: '' };
    };
    const results = await Promise.all(Array.from({ length: 6 }, () => hasher.hash(run, '/a', ['md5'], 'x')));
    assert.equal(results.filter((r) => r?.digest === hex).length, 6);
    assert.equal(most, 2);
  });

  it('reports a missing file as not-found and a missing tool as no hash', async () => {
    const hasher = new SftpExecHasher();
    await assert.rejects(
      hasher.hash(async () => ({ code: 1, stdout: '', stderr: 'sha256sum: /a: No such file or directory' }), '/a', ['sha256'], 'x'),
      { code: 'not-found' },
    );
    assert.equal(
      await new SftpExecHasher().hash(async () => ({ code: 127, stdout: '', stderr: 'sh: sha256sum: not found' }), '/a', ['sha256'], 'x'),
      undefined,
    );
  });
});
