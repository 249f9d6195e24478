import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FTPError } from 'basic-ftp';
import { isAmbiguousFailure, isTooManyConnections, mapFtpError } from '../../src/backends/ftp/ftp-errors.js';
import { formatFtpTime, parseFtpTime } from '../../src/backends/ftp/ftp-time.js';
import { parseDosListLine, parseListListing, parseMlsdListing, parseUnixListLine } from '../../src/backends/ftp/list-parser.js';
import { mtimeCommand, mtimeMethodOf } from '../../src/backends/ftp/mtime-method.js';
import { parseFeatures } from '../../src/backends/ftp/server-features.js';
import { BackendError } from '../../src/errors.js';

const t2014 = Date.UTC(2014, 0, 1, 12, 0, 0);
const now = Date.UTC(2026, 10, 22, 3, 0, 0);

describe('FTP times', () => {
  it('formats and parses YYYYMMDDHHMMSS in UTC, dropping milliseconds', () => {
    assert.equal(formatFtpTime(t2014 + 999), '20140101120000');
    assert.equal(parseFtpTime('20140101120000'), t2014);
    assert.equal(parseFtpTime('20140101120000.123'), t2014);
    assert.equal(parseFtpTime('2014010112000'), undefined);
    assert.equal(parseFtpTime('20141301120000'), undefined);
  });
});

describe('MLSD lines', () => {
  it('reads proftpd, pure-ftpd and pyftpdlib facts, skipping cdir and pdir', () => {
    const text = [
      'modify=20261122024905;type=cdir;unique=FE00U51054B;UNIX.mode=0755; .',
      'modify=20261122024905;type=pdir;unique=FE00U51053F;UNIX.mode=0755; ..',
      'modify=20140101120000;size=5;type=file;unique=FE00U51054C;UNIX.group=65534;UNIX.mode=0644; a.txt',
      'type=file;size=1;modify=20140101120000;UNIX.mode=0644;UNIX.uid=65534;unique=fe00g510580; .hidden',
      'type=dir;sizd=4096;modify=20140101120000;UNIX.mode=0755; sub dir',
      'modify=20140101120000;size=7;type=file;unique=fe00g51061f;unix.mode=0o600; py; semi.txt ',
      'modify=20140101120000;type=OS.unix=symlink;unique=x; link',
      'modify=20140101120000;type=OS.unix=slink:/etc/passwd;unique=x; link2',
      '',
    ].join('\r\n');
    assert.deepEqual(parseMlsdListing(text), [
      { name: 'a.txt', entry: { kind: 'file', size: 5, mtimeMs: t2014, mode: 0o644 } },
      { name: '.hidden', entry: { kind: 'file', size: 1, mtimeMs: t2014, mode: 0o644 } },
      { name: 'sub dir', entry: { kind: 'dir' } },
      { name: 'py; semi.txt ', entry: { kind: 'file', size: 7, mtimeMs: t2014, mode: 0o600 } },
      { name: 'link', unsupported: 'symlink' },
      { name: 'link2', unsupported: 'symlink' },
    ]);
  });

  it('refuses a file line without a size', () => {
    assert.throws(
      () => parseMlsdListing('type=file;modify=20140101120000; x'),
      (e: unknown) => e instanceof BackendError && e.code === 'protocol',
    );
  });
});

describe('LIST lines', () => {
  it('reads Unix lines: files, folders, links, years and names with spaces', () => {
    assert.deepEqual(parseUnixListLine('-rw-r--r--    1 1002     1002            5 Nov 22 02:49 a.txt', now), {
      name: 'a.txt',
      entry: { kind: 'file', size: 5, mtimeMs: Date.UTC(2026, 10, 22, 2, 49), mode: 0o644 },
    });
    assert.deepEqual(parseUnixListLine('-rw-------    1 ferry ferry group  12 Jan  1  2014  two  spaces ', now), {
      name: ' two  spaces ',
      entry: { kind: 'file', size: 12, mtimeMs: Date.UTC(2014, 0, 1), mode: 0o600 },
    });
    assert.deepEqual(parseUnixListLine('drwxr-xr-x    2 1002     1002         4096 Dec 31 23:59 dir', now), {
      name: 'dir',
      entry: { kind: 'dir' },
    });
    assert.deepEqual(parseUnixListLine('lrwxrwxrwx    1 0 0 11 Jan  1  2014 link -> /etc/passwd', now), { name: 'link', unsupported: 'symlink' });
    assert.deepEqual(parseUnixListLine('crw-rw-rw-    1 0 0 1, 3 Jan  1  2014 null', now), { name: 'null', unsupported: 'special file' });
    assert.equal(parseUnixListLine('total 12', now), 'skip');
    assert.equal(parseUnixListLine('drwxr-xr-x    2 1002     1002         4096 Nov 22 02:49 .', now), 'skip');
  });

  it('puts a date shown without a year in the past year when it would be in the future', () => {
    const parsed = parseUnixListLine('-rw-r--r-- 1 u g 5 Dec 31 23:59 late.txt', now);
    assert.ok(parsed !== undefined && parsed !== 'skip' && 'entry' in parsed && parsed.entry.kind === 'file');
    assert.equal(parsed.entry.mtimeMs, Date.UTC(2025, 11, 31, 23, 59));
  });

  it('reads DOS (IIS) lines', () => {
    assert.deepEqual(parseDosListLine('01-01-14  12:00PM       <DIR>          my dir'), { name: 'my dir', entry: { kind: 'dir' } });
    assert.deepEqual(parseDosListLine('01-02-2014  09:05AM                 5 a b.txt'), {
      name: 'a b.txt',
      entry: { kind: 'file', size: 5, mtimeMs: Date.UTC(2014, 0, 2, 9, 5) },
    });
    assert.deepEqual(parseDosListLine('12-31-99  11:59PM                 1 old'), {
      name: 'old',
      entry: { kind: 'file', size: 1, mtimeMs: Date.UTC(1999, 11, 31, 23, 59) },
    });
  });

  it('refuses a line it cannot read instead of dropping a name', () => {
    assert.throws(
      () => parseListListing('-rw-r--r-- 1 u g 5 Nov 22 02:49 ok\r\nsomething odd\r\n', now),
      (e: unknown) => e instanceof BackendError && e.code === 'protocol' && e.message.includes('something odd'),
    );
  });
});

describe('FEAT', () => {
  it('keeps every SITE line (proftpd lists four)', () => {
    const features = parseFeatures(
      211,
      '211-Features:\n MDTM\n MFMT\n MLST modify*;size*;type*;\n SITE MKDIR\n SITE UTIME\n SITE SYMLINK\n UTF8\n AUTH TLS\n211 End',
    );
    assert.equal(features.mlst, true);
    assert.equal(features.siteUtime, true);
    assert.equal(features.authTls, true);
    assert.equal(mtimeMethodOf(features), 'mfmt');
  });

  it('vsftpd offers MDTM only (a candidate to probe), a server without FEAT nothing', () => {
    const vsftpd = parseFeatures(211, '211-Features:\n AUTH TLS\n UTF8\n EPSV\n MDTM\n PASV\n SIZE\n211 End');
    assert.equal(vsftpd.mlst, false);
    assert.equal(mtimeMethodOf(vsftpd), 'mdtm');
    assert.equal(mtimeMethodOf(parseFeatures(500, '500 Unknown command')), 'none');
    assert.equal(mtimeCommand('mdtm', t2014, '/a b'), 'MDTM 20140101120000 /a b');
    assert.equal(mtimeCommand('site-utime', t2014, '/x'), 'SITE UTIME 20140101120000 /x');
  });
});

describe('FTP error mapping', () => {
  const reply = (code: number, text: string): FTPError => new FTPError({ code, message: `${code} ${text}` });
  const cases: Array<[number, string, string]> = [
    [530, 'Login incorrect.', 'auth'],
    [421, "I can't accept more than 2 connections as the same user", 'connection-lost'],
    [550, '/nope: No such file or directory', 'not-found'],
    [450, '/nope: No such file or directory', 'not-found'],
    [550, "Can't check for file existence", 'not-found'],
    [550, '/d: Directory not empty', 'not-empty'],
    [550, '/d/a.txt: Not a directory', 'not-a-directory'],
    [550, '/d: Is a directory', 'is-a-directory'],
    [550, "Can't create directory: File exists", 'exists'],
    [550, '/x: Permission denied', 'permission'],
    [552, 'Disk full', 'no-space'],
    [500, 'Unknown command.', 'unsupported'],
    [550, 'Delete operation failed.', 'protocol'],
  ];
  for (const [code, text, expected] of cases) {
    it(`${code} "${text}" is ${expected}`, () => {
      const mapped = mapFtpError(reply(code, text), 'cannot do it', 'h:21');
      assert.equal(mapped.code, expected);
      assert.equal(mapped.message, `cannot do it: ${code === 421 ? 'server closed the session: ' : ''}${code} ${text}`);
    });
  }

  it('calls generic 550 replies ambiguous (vsftpd) and clear ones not', () => {
    assert.equal(isAmbiguousFailure(reply(550, 'Delete operation failed.')), true);
    assert.equal(isAmbiguousFailure(reply(550, '/x: No such file or directory')), false);
    assert.equal(isAmbiguousFailure(reply(530, 'Login incorrect.')), false);
  });

  it('recognises connection limits', () => {
    assert.equal(isTooManyConnections(reply(421, 'Too many connections')), true);
    assert.equal(isTooManyConnections(reply(530, 'Sorry, the maximum number of clients (2) for this user are already connected.')), true);
    assert.equal(isTooManyConnections(reply(530, 'Login incorrect.')), false);
  });

  it('maps socket and certificate errors', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.equal(mapFtpError(refused, 'x', 'h:1').code, 'connection-lost');
    const cert = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const mapped = mapFtpError(cert, 'cannot connect', 'h:21');
    assert.equal(mapped.code, 'protocol');
    assert.match(mapped.message, /TLS certificate of h:21 is not trusted \(self-signed certificate\)/);
    assert.equal(mapFtpError(new Error('Timeout (control socket)'), 'x', 'h:1').code, 'timeout');
    assert.equal(
      mapFtpError(new Error('Client is closed because Server sent FIN packet unexpectedly, closing connection.'), 'x', 'h:1').code,
      'connection-lost',
    );
  });
});
