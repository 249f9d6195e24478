import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTarget, redact } from '../../src/backends/target-url.js';

describe('parseTarget', () => {
  it('treats anything without scheme:// as a local path, resolved from cwd', () => {
    const t = parseTarget('site', '/home/me');
    assert.deepEqual({ scheme: t.scheme, path: t.path, id: t.id }, { scheme: 'file', path: '/home/me/site', id: 'file:///home/me/site' });
    assert.equal(parseTarget('file:///srv/www%20x').path, '/srv/www x');
  });

  it('percent-decodes user, password and path, and keeps the password out of id and display', () => {
    const t = parseTarget('sftp://me%40corp:p%40ss%3Aw0rd@example.com:2222/var/www/my%20site');
    assert.equal(t.user, 'me@corp');
    assert.equal(t.password, 'p@ss:w0rd');
    assert.equal(t.path, '/var/www/my site');
    assert.equal(t.port, 2222);
    for (const shown of [t.id, t.display]) assert.ok(!shown.includes('p@ss') && !shown.includes('p%40ss'), shown);
  });

  it('fills default ports and says whether the URL named one', () => {
    assert.deepEqual([parseTarget('sftp://h/x').port, parseTarget('sftp://h/x').portGiven], [22, false]);
    assert.deepEqual([parseTarget('sftp://h:22/x').port, parseTarget('sftp://h:22/x').portGiven], [22, true]);
    assert.equal(parseTarget('ftp://h/x').port, 21);
    assert.equal(parseTarget('ftps://h/x').port, 21);
  });

  it('reads ftpes:// as explicit FTPS (ftps:// with ?tls=explicit)', () => {
    const t = parseTarget('ftpes://u@h/x');
    assert.deepEqual([t.scheme, t.port, t.params.get('tls'), t.id], ['ftps', 21, 'explicit', 'ftps://u@h:21/x']);
    assert.equal(parseTarget('ftpes://u@h:990/x').params.get('tls'), 'explicit', 'explicit even on port 990');
    assert.throws(
      () => parseTarget('ftpes://h/x?tls=implicit'),
      (error: Error & { kind?: string }) => error.kind === 'usage' && /explicit/.test(error.message),
    );
  });

  it('gives the same id for the same folder however the URL is spelled', () => {
    assert.equal(parseTarget('sftp://u@h/x').id, parseTarget('sftp://u:secret@h:22/x').id);
  });

  it('refuses unknown schemes and URLs without a host, as usage errors', () => {
    assert.throws(
      () => parseTarget('http://h/x'),
      (error: Error & { kind?: string }) => error.kind === 'usage' && /unknown URL scheme/.test(error.message),
    );
    assert.throws(
      () => parseTarget('sftp:///x'),
      (error: Error & { kind?: string }) => error.kind === 'usage',
    );
    assert.throws(
      () => parseTarget('sftp://h/%ZZ'),
      (error: Error & { kind?: string }) => error.kind === 'usage' && /percent-encoding/.test(error.message),
    );
  });

  it('says "URL has no host" for every scheme alike (ftp:///x is not host x)', () => {
    for (const url of ['ftp:///x', 'ftps:///x', 'ftpes:///x', 'sftp:///x', 'ftp://u@/x', 'sftp://u:pw@:22/x']) {
      assert.throws(
        () => parseTarget(url),
        (error: Error & { kind?: string }) => error.kind === 'usage' && /^URL has no host: /.test(error.message),
        url,
      );
    }
  });

  it('refuses port 0, ports past 65535 and ports that are not numbers, naming the port', () => {
    for (const [url, port] of [
      ['ftp://h:0/x', '0'],
      ['sftp://h:0/x', '0'],
      ['ftps://h:65536/x', '65536'],
      ['sftp://h:99999999/x', '99999999'],
      ['sftp://h:2x/x', '2x'],
    ]) {
      assert.throws(
        () => parseTarget(url!),
        (error: Error & { kind?: string }) =>
          error.kind === 'usage' && error.message.startsWith(`port ${port} is not valid in `) && /1 to 65535/.test(error.message),
        url,
      );
    }
    assert.equal(parseTarget('sftp://h:65535/x').port, 65535);
    assert.equal(parseTarget('ftp://u:p@ss@h:1/x').port, 1, 'an @ in the password does not hide the port');
    assert.equal(parseTarget('sftp://[::1]:2222/x').port, 2222);
  });

  it('never shows a password in its error messages', () => {
    assert.throws(
      () => parseTarget('gopher://u:hunter2@h/x'),
      (error: Error) => !error.message.includes('hunter2'),
    );
    assert.equal(redact('ftp://u:hunter2@h/x'), 'ftp://u:***@h/x');
  });
});
