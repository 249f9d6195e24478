/**
 * Local targets typed on Windows (drive letters, backslashes, shares, file:// URLs), parsed by
 * Windows' rules on any system through parseTarget's platform parameter.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTarget } from '../../src/backends/target-url.js';

const cwd = 'C:\\Users\\ann\\projects';
const local = (input: string): string => {
  const target = parseTarget(input, cwd, 'win32');
  assert.equal(target.scheme, 'file');
  assert.equal(target.id, `file://${target.path}`);
  return target.path;
};

describe('local targets on Windows', () => {
  it('a relative path resolves against the current folder, with backslashes', () => {
    assert.equal(local('site'), 'C:\\Users\\ann\\projects\\site');
    assert.equal(local('..\\other\\site'), 'C:\\Users\\ann\\other\\site');
    assert.equal(local('./site/public'), 'C:\\Users\\ann\\projects\\site\\public');
  });
  it('a drive letter is not a URL scheme; its case does not make another folder', () => {
    assert.equal(local('D:\\www'), 'D:\\www');
    assert.equal(local('D:/www/site'), 'D:\\www\\site');
    assert.equal(local('d:\\www'), 'D:\\www');
    assert.equal(parseTarget('c:\\site', cwd, 'win32').id, parseTarget('C:\\site', cwd, 'win32').id, 'one state for both spellings');
  });
  it('a path from the drive root and a UNC share', () => {
    assert.equal(local('\\www'), 'C:\\www');
    assert.equal(local('\\\\server\\share\\site'), '\\\\server\\share\\site');
  });
  it('file:// URLs with a drive letter or a host', () => {
    assert.equal(local('file:///C:/Users/ann/site'), 'C:\\Users\\ann\\site');
    assert.equal(local('file:///c:/Users/ann/My%20Site'), 'C:\\Users\\ann\\My Site');
    assert.equal(local('file://server/share/site'), '\\\\server\\share\\site');
  });
  it('the same inputs keep POSIX rules elsewhere', () => {
    assert.equal(parseTarget('site', '/home/ann', 'linux').path, '/home/ann/site');
    assert.equal(parseTarget('file:///home/ann/site', '/', 'linux').path, '/home/ann/site');
  });
});
