/** The netrc parser: tokens, quoting, macdef, default, and malformed files (never a crash). */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findNetrcEntry, netrcPath, parseNetrc, readNetrc } from '../../src/backends/credentials/netrc.js';

describe('netrc parser', () => {
  const table: Array<{ name: string; text: string; entries?: object[]; problem?: RegExp }> = [
    { name: 'empty file', text: '', entries: [] },
    { name: 'one line', text: 'machine a.example login u password p', entries: [{ machine: 'a.example', login: 'u', password: 'p' }] },
    {
      name: 'several lines, account, comments',
      text: '# my hosts\nmachine a\n  login u  # the user\n  password p\n  account acc\nmachine b login v password q\n',
      entries: [
        { machine: 'a', login: 'u', password: 'p', account: 'acc' },
        { machine: 'b', login: 'v', password: 'q' },
      ],
    },
    {
      name: 'default entry last',
      text: 'machine a login u password p\ndefault login anonymous password me@x',
      entries: [
        { machine: 'a', login: 'u', password: 'p' },
        { login: 'anonymous', password: 'me@x' },
      ],
    },
    {
      name: 'quoted values with spaces and escapes',
      text: 'machine a login "u s" password "p \\"q\\" \\\\ r"',
      entries: [{ machine: 'a', login: 'u s', password: 'p "q" \\ r' }],
    },
    { name: 'password with # inside a token', text: 'machine a login u password p#1', entries: [{ machine: 'a', login: 'u', password: 'p#1' }] },
    {
      name: 'macdef block skipped up to the empty line',
      text: 'machine a login u password p\nmacdef init\ncd /pub\nmachine fake login x password y\n\nmachine b login v password q\n',
      entries: [
        { machine: 'a', login: 'u', password: 'p' },
        { machine: 'b', login: 'v', password: 'q' },
      ],
    },
    { name: 'CRLF line ends', text: 'machine a\r\nlogin u\r\npassword p\r\n', entries: [{ machine: 'a', login: 'u', password: 'p' }] },
    { name: 'malformed: password before machine', text: 'password p\nmachine a login u', problem: /"password" before any "machine"/ },
    { name: 'malformed: unknown keyword', text: 'machine a lgin u', problem: /unexpected word on line 1/ },
    { name: 'malformed: value missing at the end', text: 'machine a login', problem: /"login" without a value/ },
    { name: 'malformed: unterminated quote', text: 'machine a password "abc', problem: /unterminated quote on line 1/ },
    { name: 'malformed: machine after default', text: 'default login x\nmachine a', problem: /"machine" after "default"/ },
    { name: 'malformed: binary garbage', text: '\u0000\u0001\u0002 zz', problem: /unexpected/ },
  ];
  for (const row of table) {
    it(row.name, () => {
      const parsed = parseNetrc(row.text);
      if (row.problem) {
        assert.match(parsed.problem ?? '', row.problem);
        assert.deepEqual(parsed.entries, []);
      } else {
        assert.equal(parsed.problem, undefined);
        assert.deepEqual(parsed.entries, row.entries);
      }
    });
  }

  it('a malformed problem message never contains a password', () => {
    const parsed = parseNetrc('machine a password s3cret value');
    assert.ok(parsed.problem);
    assert.ok(!parsed.problem.includes('s3cret') && !parsed.problem.includes('value'), parsed.problem);
  });
});

describe('netrc lookup', () => {
  const file = parseNetrc('machine Host.Example login alice password a1\nmachine host.example login bob password b2\ndefault login anon password d3');
  it('by host (case-insensitive), first entry', () => assert.equal(findNetrcEntry(file, 'host.example')?.password, 'a1'));
  it('respects login when the user is known', () => assert.equal(findNetrcEntry(file, 'host.example', 'bob')?.password, 'b2'));
  it('falls back to default', () => assert.equal(findNetrcEntry(file, 'other')?.password, 'd3'));
  it('a default with another login does not apply', () => assert.equal(findNetrcEntry(file, 'other', 'carol'), undefined));
  it('an entry without login applies to any user', () => assert.equal(findNetrcEntry(parseNetrc('machine h password p'), 'h', 'x')?.password, 'p'));
});

describe('netrc file', () => {
  it('$NETRC overrides ~/.netrc, an explicit file overrides both', () => {
    assert.equal(netrcPath(undefined, { NETRC: '/x/netrc' }), '/x/netrc');
    assert.equal(netrcPath('/y', { NETRC: '/x/netrc' }), '/y');
    assert.match(netrcPath(undefined, {}), /\.netrc$/);
  });

  it('Windows: _netrc in %HOME% or the profile folder; .netrc when only that one exists', () => {
    const win = (exists: (file: string) => boolean) => ({ platform: 'win32' as const, home: 'C:\\Users\\ann', exists });
    const none = (): boolean => false;
    assert.equal(netrcPath(undefined, { USERPROFILE: 'C:\\Users\\ann' }, win(none)), 'C:\\Users\\ann\\_netrc');
    assert.equal(netrcPath(undefined, { HOME: 'D:\\home\\ann', USERPROFILE: 'C:\\Users\\ann' }, win(none)), 'D:\\home\\ann\\_netrc');
    assert.equal(
      netrcPath(undefined, { HOME: '/c/Users/ann', USERPROFILE: 'C:\\Users\\ann' }, win(none)),
      'C:\\Users\\ann\\_netrc',
      'a POSIX-style HOME (Git Bash) is not a Windows path',
    );
    const onlyDot = (file: string): boolean => file.endsWith('\\.netrc');
    assert.equal(netrcPath(undefined, { USERPROFILE: 'C:\\Users\\ann' }, win(onlyDot)), 'C:\\Users\\ann\\.netrc');
    const both = (): boolean => true;
    assert.equal(netrcPath(undefined, { USERPROFILE: 'C:\\Users\\ann' }, win(both)), 'C:\\Users\\ann\\_netrc');
    assert.equal(netrcPath(undefined, { NETRC: 'E:\\my.netrc' }, win(both)), 'E:\\my.netrc');
    assert.equal(netrcPath(undefined, {}, { platform: 'linux', home: '/home/ann' }), '/home/ann/.netrc');
  });

  it('passwords in a file other users may read: a warning naming the fix (the file is still used); none for 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-netrc-mode-'));
    try {
      const open = join(dir, 'open');
      writeFileSync(open, 'machine h login u password topsecret\n', { mode: 0o644 });
      chmodSync(open, 0o644);
      const warnings: string[] = [];
      assert.equal(readNetrc(open, (m) => warnings.push(m)).entries[0]?.password, 'topsecret');
      assert.deepEqual(warnings, [`${open} holds passwords and other users may read it (mode 644): run chmod 600 ${open}`]);
      const closed = join(dir, 'closed');
      writeFileSync(closed, 'machine h login u password topsecret\n', { mode: 0o600 });
      chmodSync(closed, 0o600);
      readNetrc(closed, (m) => warnings.push(m));
      const noPassword = join(dir, 'logins-only');
      writeFileSync(noPassword, 'machine h login u\n', { mode: 0o644 });
      chmodSync(noPassword, 0o644);
      readNetrc(noPassword, (m) => warnings.push(m));
      assert.equal(warnings.length, 1, warnings.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing file is silent; a malformed one warns once and is ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-netrc-'));
    try {
      const warnings: string[] = [];
      assert.deepEqual(readNetrc(join(dir, 'none'), (m) => warnings.push(m)).entries, []);
      assert.equal(warnings.length, 0);
      writeFileSync(join(dir, 'bad'), 'machine h login u password topsecret extra');
      assert.deepEqual(readNetrc(join(dir, 'bad'), (m) => warnings.push(m)).entries, []);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /malformed/);
      assert.ok(!warnings[0]!.includes('topsecret'));
      // A folder instead of a file: a warning, no crash.
      assert.deepEqual(readNetrc(dir, (m) => warnings.push(m)).entries, []);
      assert.equal(warnings.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
