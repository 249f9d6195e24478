/**
 * Inputs the fuzzer found that parsers mishandled, kept as plain tests.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parseDosListLine, parseListListing, parseUnixListLine } from '../../src/backends/ftp/list-parser.js';
import { readSshConfig } from '../../src/backends/sftp/ssh-config.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { parseStateSnapshot, StateFormatError } from '../../src/state/state-file-format.js';
import { BackendError, FerryError } from '../../src/errors.js';

const NOW = Date.UTC(2026, 10, 22);

describe('parser regressions found by fuzzing', () => {
  it('LIST: a regular file with a device-style size "1, 2" is a protocol error, not a file of size NaN', () => {
    assert.throws(
      () => parseUnixListLine('-rw-r--r-- 1 u g 1, 2 Jan 1 12:00 a.txt', NOW),
      (e: unknown) => e instanceof BackendError && e.code === 'protocol' && /invalid size/.test(e.message),
    );
  });

  it('LIST: a size beyond what a number holds exactly is a protocol error (Unix and DOS)', () => {
    assert.throws(() => parseListListing('-rw-r--r-- 1 u g 99999999999999999999 Jan 1 12:00 big', NOW), /invalid size/);
    assert.throws(() => parseDosListLine('01-01-14  12:00PM  9007199254740993 big'), /invalid size/);
    // The largest exact size still reads.
    const ok = parseDosListLine('01-01-14  12:00PM  9007199254740991 big');
    assert.ok(ok && ok !== 'skip' && 'entry' in ok && ok.entry.kind === 'file' && ok.entry.size === Number.MAX_SAFE_INTEGER);
    // A device keeps its "major, minor" and stays an unsupported entry.
    assert.deepEqual(parseUnixListLine('crw------- 1 u g 1, 2 Jan 1 12:00 tty', NOW), { name: 'tty', unsupported: 'special file' });
  });

  it('a folder path or file URL with NUL is a usage error', () => {
    assert.throws(
      () => parseTarget('a\0b', '/tmp'),
      (e: unknown) => e instanceof FerryError && e.kind === 'usage' && /NUL/.test(e.message),
    );
    assert.throws(
      () => parseTarget('file:///tmp/a%00b', '/tmp'),
      (e: unknown) => e instanceof FerryError && e.kind === 'usage',
    );
  });

  it('a URL with a line break or another control character is a one-line usage error', () => {
    for (const input of ['sftp://@\n', 'ftp://host/a\nb', 'sftp://u:p\r@h/x', 'ftp://h/\u0000']) {
      assert.throws(
        () => parseTarget(input, '/tmp'),
        (e: unknown) =>
          e instanceof FerryError && e.kind === 'usage' && !e.message.includes('\n') && !e.message.includes('\r') && /control character/.test(e.message),
      );
    }
    assert.throws(
      () => parseTarget('sftp://u:secret\n@h/x', '/tmp'),
      (e: unknown) => e instanceof FerryError && !e.message.includes('secret'),
    );
  });

  it('ssh config: a Port out of range is a config error naming the file, never port 22 or a crash', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-sshcfg-'));
    try {
      const file = path.join(dir, 'config');
      for (const bad of ['99999', '0', 'abc']) {
        writeFileSync(file, `Host alias\n  Port ${bad}\n`);
        assert.throws(
          () => readSshConfig(file, 'alias'),
          (e: unknown) => e instanceof FerryError && e.kind === 'config' && e.message.includes(file) && e.message.includes(bad),
        );
      }
      writeFileSync(file, 'Host alias\n  Port 2222\nHost other\n  Port 99999\n');
      assert.equal(readSshConfig(file, 'alias').port, 2222, 'a bad Port of another host does not matter');
      // Found by the fuzzer: a line that is only `=` (after trimming) names no keyword.
      writeFileSync(file, ' = \nHost alias\n  Port 2223\n');
      assert.equal(readSshConfig(file, 'alias').port, 2223);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('state file: the "not valid JSON" message is one line even when the text has line breaks', () => {
    assert.throws(
      () => parseStateSnapshot('\n\0\n'),
      (e: unknown) => e instanceof StateFormatError && !e.message.includes('\n'),
    );
  });
});
