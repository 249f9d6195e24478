/**
 * PathFilter: default excludes, --exclude, --match (base names only), temporary names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { DEFAULT_EXCLUDES, PathFilter, splitPatterns } from '../../src/core/path-filter.js';
import { toRelPath } from '../../src/core/rel-path.js';
import { isTempName, tempNameFor } from '../../src/core/temp-name.js';

const p = toRelPath;

describe('PathFilter defaults', () => {
  const filter = new PathFilter();
  for (const name of ['.DS_Store', '.git', '.hg', '.svn', '#recycle']) {
    it(`excludes ${name} by default`, () => {
      assert.equal(filter.isExcludedName(name), true);
      assert.equal(filter.isExcludedPath(p(name)), true);
      assert.equal(filter.isExcludedPath(p(`a/${name}`)), true);
      assert.equal(filter.isExcludedPath(p(`a/${name}/b`)), true);
    });
  }
  it('the default list is pyftpsync\'s', () => {
    assert.deepEqual([...DEFAULT_EXCLUDES], ['.DS_Store', '.git', '.hg', '.svn', '#recycle']);
  });
  it('keeps ordinary and hidden names', () => {
    for (const name of ['a.txt', '.hidden', '.gitignore', 'git', 'x.git', '.github', 'DS_Store']) {
      assert.equal(filter.isExcludedName(name), false, name);
    }
    assert.equal(filter.isExcludedPath(p('a/.gitignore')), false);
  });
  it('always skips pyftpsync metadata', () => {
    assert.equal(filter.isExcludedName('.pyftpsync-meta.json'), true);
    assert.equal(filter.isExcludedName('.pyftpsync-lock.json'), true);
  });
  it('matches every file without --match', () => {
    assert.equal(filter.isMatchedFile(p('a/b.bin')), true);
    assert.equal(filter.isMatchedFile(p('.hidden')), true);
  });
});

describe('temporary names', () => {
  it('are always skipped, whatever the excludes', () => {
    const names = [tempNameFor('a.txt'), tempNameFor('x'.repeat(300)), '.~ferry-a.txt.abc123.tmp'];
    for (const filter of [new PathFilter(), new PathFilter({ exclude: [] }), new PathFilter({ exclude: ['*.js'], match: ['*'] })]) {
      for (const name of names) {
        assert.equal(isTempName(name), true, name);
        assert.equal(filter.isExcludedName(name), true, name);
        assert.equal(filter.isExcludedPath(p(`dir/${name}`)), true, name);
      }
    }
  });
  it('look like nothing a user would name a file', () => {
    assert.equal(isTempName('a.tmp'), false);
    assert.equal(isTempName('.~ferry-a'), false);
    assert.equal(isTempName('ferry-a.tmp'), false);
  });
  it('stay short for long names and keep the folder', () => {
    const name = tempNameFor('n'.repeat(1000));
    assert.ok(name.length < 120, `${name.length}`);
    assert.ok(!name.includes('/'));
  });
});

describe('--exclude', () => {
  it('replaces the defaults', () => {
    const filter = new PathFilter({ exclude: ['*.log', 'node_modules'] });
    assert.equal(filter.isExcludedName('a.log'), true);
    assert.equal(filter.isExcludedName('node_modules'), true);
    assert.equal(filter.isExcludedName('.git'), false);
    assert.equal(filter.isExcludedPath(p('x/node_modules/y.js')), true);
    assert.equal(filter.isExcludedPath(p('x/y.js')), false);
  });
  it('applies to names, not whole paths', () => {
    const filter = new PathFilter({ exclude: ['a/b'] });
    assert.equal(filter.isExcludedPath(p('a/b')), false);
    const byName = new PathFilter({ exclude: ['b'] });
    assert.equal(byName.isExcludedPath(p('a/b')), true);
    assert.equal(byName.isExcludedPath(p('b/a')), true);
    assert.equal(byName.isExcludedPath(p('ab/ba')), false);
  });
  it('globs match dot names (fnmatch-like)', () => {
    const filter = new PathFilter({ exclude: ['*.txt'] });
    assert.equal(filter.isExcludedName('.hidden.txt'), true);
  });
  it('an empty list excludes nothing but temporary and metadata names', () => {
    const filter = new PathFilter({ exclude: [] });
    assert.equal(filter.isExcludedName('.git'), false);
    assert.equal(filter.isExcludedName('.DS_Store'), false);
    assert.equal(filter.isExcludedName('.pyftpsync-meta.json'), true);
  });
});

describe('--match', () => {
  const filter = new PathFilter({ match: ['*1.txt', '*.md'] });
  it('tests base names only', () => {
    assert.equal(filter.isMatchedFile(p('file1.txt')), true);
    assert.equal(filter.isMatchedFile(p('folder2/file2_1.txt')), true);
    assert.equal(filter.isMatchedFile(p('folder1/file2.txt')), false, 'the folder name does not count');
    assert.equal(filter.isMatchedFile(p('a/b/README.md')), true);
    assert.equal(filter.isMatchedFile(p('a.md/b.txt')), false);
  });
  it('a pattern with a slash never matches a base name', () => {
    const slashed = new PathFilter({ match: ['docs/*.md'] });
    assert.equal(slashed.isMatchedFile(p('docs/a.md')), false);
  });
  it('does not exclude anything', () => {
    assert.equal(filter.isExcludedName('file2.txt'), false);
    assert.equal(filter.isExcludedPath(p('folder1/file2.txt')), false);
  });
  it('matches dot names', () => {
    assert.equal(filter.isMatchedFile(p('.x1.txt')), true);
  });
});

describe('splitPatterns', () => {
  it('splits on commas, trims, drops empties', () => {
    assert.deepEqual(splitPatterns('*.js, *.css ,,  a b '), ['*.js', '*.css', 'a b']);
    assert.deepEqual(splitPatterns(''), []);
    assert.deepEqual(splitPatterns(' , '), []);
  });
});

describe('patterns without glob characters', () => {
  // Plain names are looked up in a set instead of being compiled; the answers must stay picomatch's.
  const patterns = ['.git', '#recycle', 'node_modules', 'a b', 'x~', 'a,b', 'Foo', 'foo.', './foo', 'node_modules/', 'a/b', '*.log', 'b?d', '[ab]c', '\\*x', '!keep', 'é'];
  const names = ['.git', '#recycle', 'node_modules', 'a b', 'x~', 'a,b', 'Foo', 'foo', 'foo.', 'a.log', 'bad', 'ac', '*x', 'zx', 'keep', 'other', 'é', 'e'];
  for (const pattern of patterns) {
    it(`"${pattern}" matches what picomatch matches, alone and in a list`, () => {
      const alone = new PathFilter({ exclude: [pattern] });
      const mixed = new PathFilter({ exclude: [pattern, '*.tmp-never', 'plain-never'] });
      for (const name of names) {
        const expected = picomatch(pattern, { dot: true })(name);
        assert.equal(alone.isExcludedName(name), expected, `${pattern} vs ${name}`);
        assert.equal(mixed.isExcludedName(name), expected, `${pattern} (in a list) vs ${name}`);
        assert.equal(new PathFilter({ match: [pattern] }).isMatchedFile(p(`d/${name}`)), expected, `--match ${pattern} vs ${name}`);
      }
    });
  }
});
