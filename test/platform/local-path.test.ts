/**
 * The local backend's path rules for Windows, checked on any system through the platform
 * parameter (src/backends/local/local-path.ts): joins below drive letters and shares, names
 * Windows would not keep as written refused as `unsafe-name` before anything is touched.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { localCaseInsensitive, localPathForChange, localPathOf, windowsNameProblem } from '../../src/backends/local/local-path.js';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { isBackendError } from '../../src/errors.js';
import type { RelPath } from '../../src/core/rel-path.js';

describe('local paths on Windows', () => {
  it('joins below a drive letter, a drive root and a UNC share with backslashes', () => {
    assert.equal(localPathOf('C:\\Users\\ann\\site', 'css/main.css', 'win32'), 'C:\\Users\\ann\\site\\css\\main.css');
    assert.equal(localPathOf('D:\\', 'a.txt', 'win32'), 'D:\\a.txt');
    assert.equal(localPathOf('\\\\server\\share\\site', 'x/y.txt', 'win32'), '\\\\server\\share\\site\\x\\y.txt');
    assert.equal(localPathOf('C:\\site', '', 'win32'), 'C:\\site');
    assert.equal(localPathOf('/home/ann/site', 'css/main.css', 'linux'), '/home/ann/site/css/main.css');
  });

  const refused: Array<[string, RegExp]> = [
    ['back\\slash.txt', /holds "\\"/],
    ['a:b.txt', /":"/],
    ['what?.txt', /"\?"/],
    ['star*.txt', /"\*"/],
    ['quote".txt', /holds """/],
    ['pipe|.txt', /"\|"/],
    ['less<more>.txt', /"<"/],
    ['tab\there', /control character U\+0009/],
    ['name.', /ends in a dot or space/],
    ['name ', /ends in a dot or space/],
    ['folder...', /ends in a dot or space/],
    ['CON', /device name/],
    ['con.txt', /device name/],
    ['NUL.tar.gz', /device name/],
    ['nul .txt', /device name/],
    ['Aux', /device name/],
    ['PRN.log', /device name/],
    ['COM1', /device name/],
    ['com9.txt', /device name/],
    ['LPT3.doc', /device name/],
    ['COM¹', /device name/],
    ['CONIN$', /device name/],
    ['x'.repeat(256), /longer than Windows allows/],
  ];
  for (const [name, why] of refused) {
    it(`refuses ${JSON.stringify(name.length > 40 ? `${name.slice(0, 8)}…(${name.length})` : name)}`, () => {
      assert.match(windowsNameProblem(name) ?? 'accepted', why);
      assert.throws(
        () => localPathForChange('C:\\site', `sub/${name}`, 'win32'),
        (error: unknown) => isBackendError(error, 'unsafe-name') && !error.retryable,
      );
      assert.equal(localPathForChange('/site', `sub/${name}`, 'linux'), `/site/sub/${name}`, 'Linux keeps any such name');
    });
  }

  const accepted = [
    'console.txt',
    'CONSOLE',
    'nul-results.csv',
    'COM10',
    'LPT',
    'a.b.c',
    '.hidden',
    'über straße.txt',
    '日本語.txt',
    'x'.repeat(255),
    'name .txt',
  ];
  for (const name of accepted) {
    it(`accepts ${JSON.stringify(name.length > 40 ? `${name.slice(0, 8)}…(${name.length})` : name)}`, () => {
      assert.equal(windowsNameProblem(name), undefined);
      assert.equal(localPathForChange('C:\\site', `sub/${name}`, 'win32'), `C:\\site\\sub\\${name}`);
    });
  }

  it('a folder name is checked like a file name', () => {
    assert.throws(() => localPathForChange('C:\\site', 'aux/readme.txt', 'win32'), /"aux" is a device name on Windows/);
  });

  it('Windows and macOS ignore case; Linux does not', () => {
    assert.equal(localCaseInsensitive('win32'), true);
    assert.equal(localCaseInsensitive('darwin'), true);
    assert.equal(localCaseInsensitive('linux'), false);
  });
});

describe('LocalBackend with Windows rules', () => {
  it('refuses to write, create or rename to a name Windows would not keep, and touches nothing', async () => {
    const root = await fs.mkdtemp(path.join(tmpdir(), 'ferry-winnames-'));
    try {
      const backend = new LocalBackend(root, { platform: 'win32' });
      assert.equal(backend.capabilities.caseInsensitive, true);
      const unsafe = (error: unknown): boolean => isBackendError(error, 'unsafe-name');
      await assert.rejects(backend.write('CON.txt' as RelPath, Readable.from([Buffer.from('x')])), unsafe);
      await assert.rejects(backend.write('dir/a\\b.txt' as RelPath, Readable.from([Buffer.from('x')])), unsafe);
      await assert.rejects(backend.mkdir('trailing.' as RelPath), unsafe);
      await assert.rejects(backend.rename('ok.txt' as RelPath, 'nul' as RelPath), unsafe);
      assert.deepEqual(await fs.readdir(root), [], 'nothing was created');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
