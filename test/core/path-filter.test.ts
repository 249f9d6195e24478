/**
 * PathFilter: default excludes, --exclude, --match (names, or paths from the root when a pattern
 * has a /), gitignore-style rule lists, size and age limits, patterns that cannot match,
 * temporary names.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import picomatch from 'picomatch';
import { DEFAULT_EXCLUDES, FilterPatternError, IGNORE_FILE_NAME, PathFilter, splitPatterns } from '../../src/core/path-filter.js';
import { parseAge, parseSize } from '../../src/core/filter-limits.js';
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
  it("the default list is pyftpsync's", () => {
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
  it('a pattern without a / applies to names at any depth; with a / to the path from the root', () => {
    const filter = new PathFilter({ exclude: ['a/b'] });
    assert.equal(filter.isExcludedPath(p('a/b')), true);
    assert.equal(filter.isExcludedPath(p('x/a/b')), false);
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
  it('a pattern with a slash matches the path from the root', () => {
    const slashed = new PathFilter({ match: ['docs/*.md'] });
    assert.equal(slashed.isMatchedFile(p('docs/a.md')), true);
    assert.equal(slashed.isMatchedFile(p('x/docs/a.md')), false);
    assert.equal(slashed.isMatchedFile(p('docs/sub/a.md')), false);
    assert.equal(new PathFilter({ match: ['docs/**/*.md'] }).isMatchedFile(p('docs/sub/a.md')), true);
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
  // (Patterns with a / are paths, tested below.)
  const patterns = ['.git', '#recycle', 'node_modules', 'a b', 'x~', 'a,b', 'Foo', 'foo.', '*.log', 'b?d', '[ab]c', '\\*x', '!keep', 'é'];
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

describe('patterns with a / match paths from the root (rsync, rclone, git)', () => {
  it('-x "d1/*" leaves out everything in d1 (and d1 itself stays)', () => {
    const filter = new PathFilter({ exclude: ['d1/*'] });
    assert.equal(filter.isExcludedEntry(p('d1/a.txt'), false), true);
    assert.equal(filter.isExcludedEntry(p('d1/sub'), true), true);
    assert.equal(filter.isExcludedPath(p('d1/sub/deep.txt')), true, 'below an excluded folder');
    assert.equal(filter.isExcludedEntry(p('d1'), true), false);
    assert.equal(filter.isExcludedEntry(p('x/d1/a.txt'), false), false, 'anchored at the root');
    assert.equal(filter.isExcludedName('a.txt'), false, 'not a name pattern');
  });
  it('a leading / or ./ anchors a plain name; a trailing / means folders only', () => {
    const filter = new PathFilter({ exclude: ['/build', './dist', 'cache/'] });
    assert.equal(filter.isExcludedEntry(p('build'), true), true);
    assert.equal(filter.isExcludedEntry(p('src/build'), true), false);
    assert.equal(filter.isExcludedEntry(p('dist'), false), true);
    assert.equal(filter.isExcludedEntry(p('a/cache'), true), true);
    assert.equal(filter.isExcludedEntry(p('a/cache'), false), false, 'a file named cache stays');
    assert.equal(filter.isExcludedPath(p('a/cache/x.bin')), true);
  });
  it('state paths: a file excluded only as a folder is not excluded when known to be a file', () => {
    const filter = new PathFilter({ exclude: ['cache/'] });
    assert.equal(filter.isExcludedPath(p('cache'), false), false);
    assert.equal(filter.isExcludedPath(p('cache'), true), true);
    assert.equal(filter.isExcludedPath(p('cache')), true, 'unknown kind: left alone');
  });
});

describe('patterns that cannot match anything are refused', () => {
  for (const [flag, pattern] of [
    ['exclude', '../up'],
    ['exclude', 'a/../b'],
    ['exclude', 'a//b'],
    ['exclude', '/'],
    ['exclude', 'a/./b'],
    ['match', 'dir/'],
    ['match', '../x.txt'],
  ] as const) {
    it(`--${flag} ${pattern}`, () => {
      assert.throws(
        () => new PathFilter({ [flag]: [pattern] }),
        (error: Error) => error instanceof FilterPatternError && error.message.includes(pattern) && /cannot match anything/.test(error.message),
      );
    });
  }
  it('a rule line names its source and line', () => {
    assert.throws(
      () => new PathFilter({ excludeRules: [{ source: 'ignore.txt', lines: ['# ok', '*.log', '../secret'] }] }),
      (error: Error) => error instanceof FilterPatternError && error.message.startsWith('ignore.txt:3: ../secret: cannot match anything'),
    );
  });
});

describe('gitignore-style rule lists', () => {
  const rules = { source: '.ferryignore', lines: ['# build output', 'dist/', '*.log', '!keep.log', '/top.txt', 'a/b/*.tmp', '', '  '] };
  const filter = new PathFilter({ excludeRules: [rules] });
  it('dir/, *.ext, !negation, /anchored, comments and blank lines', () => {
    assert.equal(filter.isExcludedEntry(p('dist'), true), true);
    assert.equal(filter.isExcludedEntry(p('src/dist'), true), true);
    assert.equal(filter.isExcludedEntry(p('dist'), false), false, 'dist/ is for folders');
    assert.equal(filter.isExcludedEntry(p('x/error.log'), false), true);
    assert.equal(filter.isExcludedEntry(p('keep.log'), false), false);
    assert.equal(filter.isExcludedEntry(p('sub/keep.log'), false), false);
    assert.equal(filter.isExcludedEntry(p('top.txt'), false), true);
    assert.equal(filter.isExcludedEntry(p('sub/top.txt'), false), false);
    assert.equal(filter.isExcludedEntry(p('a/b/c.tmp'), false), true);
    assert.equal(filter.isExcludedEntry(p('build output'), false), false, 'a comment is no rule');
    assert.equal(filter.isExcludedPath(p('dist/app.js')), true);
  });
  it('the ignore file itself is left alone at the root only when it was read', () => {
    const reading = new PathFilter({ excludeRules: [rules], skipIgnoreFile: true });
    assert.equal(reading.isExcludedEntry(p(IGNORE_FILE_NAME), false), true);
    assert.equal(reading.isExcludedEntry(p(`sub/${IGNORE_FILE_NAME}`), false), false);
    assert.equal(new PathFilter().isExcludedEntry(p(IGNORE_FILE_NAME), false), false);
  });
  it('include rules pick the files synced; folders are always entered', () => {
    const include = new PathFilter({ includeRules: [{ source: 'list', lines: ['public/', '*.html', '!draft.html'] }] });
    assert.equal(include.isMatchedFile(p('public/img/a.png')), true);
    assert.equal(include.isMatchedFile(p('index.html')), true);
    assert.equal(include.isMatchedFile(p('draft.html')), false);
    assert.equal(include.isMatchedFile(p('src/app.ts')), false);
    assert.equal(include.isExcludedPath(p('src')), false);
  });
});

describe('size and age limits', () => {
  const file = (size: number, mtimeMs: number) => ({ kind: 'file' as const, size, mtimeMs });
  const day = 86_400_000;
  const filter = new PathFilter({ minSize: 10, maxSize: 100, maxAgeMs: 7 * day, nowMs: 100 * day });
  it('files outside the limits; folders and absent entries never', () => {
    assert.equal(filter.isOutsideLimits(file(9, 99 * day)), true);
    assert.equal(filter.isOutsideLimits(file(10, 99 * day)), false);
    assert.equal(filter.isOutsideLimits(file(100, 99 * day)), false);
    assert.equal(filter.isOutsideLimits(file(101, 99 * day)), true);
    assert.equal(filter.isOutsideLimits(file(50, 93 * day)), false);
    assert.equal(filter.isOutsideLimits(file(50, 93 * day - 1)), true);
    assert.equal(filter.isOutsideLimits({ kind: 'dir' } as never), false);
    assert.equal(filter.isOutsideLimits(undefined), false);
  });
  it('sizes and ages as users write them', () => {
    assert.equal(parseSize('500'), 500);
    assert.equal(parseSize('10k'), 10 * 1024);
    assert.equal(parseSize('10KiB'), 10 * 1024);
    assert.equal(parseSize('1.5M'), 1.5 * 1024 * 1024);
    assert.equal(parseSize('2G'), 2 * 1024 ** 3);
    assert.equal(parseSize('2GB'), 2 * 1024 ** 3);
    assert.equal(parseSize('x'), undefined);
    assert.equal(parseSize('-1'), undefined);
    assert.equal(parseAge('90'), 90_000);
    assert.equal(parseAge('30m'), 30 * 60_000);
    assert.equal(parseAge('7d'), 7 * day);
    assert.equal(parseAge('1d12h'), 1.5 * day);
    assert.equal(parseAge('2w'), 14 * day);
    assert.equal(parseAge('soon'), undefined);
  });
});
