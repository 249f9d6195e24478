/**
 * RelPath: the one constructor of safe tree paths, and the path helpers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ancestorsOf,
  baseName,
  comparePaths,
  depthOf,
  isInside,
  joinRelPath,
  parentOf,
  ROOT,
  segmentProblem,
  toRelPath,
  UnsafePathError,
  type RelPath,
} from '../../src/core/rel-path.js';

const p = (path: string): RelPath => toRelPath(path);
const DECOMPOSED = 'Cafe\u0301'; // "Café" as NFD (e + combining acute)
const COMPOSED = 'Caf\u00e9'; // "Café" as NFC

describe('toRelPath', () => {
  const accepted: [string, string][] = [
    ['', ''],
    ['a', 'a'],
    ['a/b/c.txt', 'a/b/c.txt'],
    ['.hidden', '.hidden'],
    ['..foo', '..foo'],
    ['foo..', 'foo..'],
    ['...', '...'],
    ['a b/c d', 'a b/c d'],
    ['ünïcödé/日本語.txt', 'ünïcödé/日本語.txt'],
    [DECOMPOSED, COMPOSED],
    [`${DECOMPOSED}/${DECOMPOSED}.txt`, `${COMPOSED}/${COMPOSED}.txt`],
  ];
  for (const [input, expected] of accepted) {
    it(`accepts ${JSON.stringify(input)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(toRelPath(input), expected);
    });
  }

  const rejected: [string, string][] = [
    ['..', 'parent'],
    ['../etc/passwd', 'leading ..'],
    ['a/../b', '.. in the middle'],
    ['a/..', 'trailing ..'],
    ['.', 'dot'],
    ['./a', 'leading dot segment'],
    ['a/./b', 'dot segment'],
    ['/', 'root slash'],
    ['/etc/passwd', 'absolute'],
    ['//server/share', 'UNC-like'],
    ['a//b', 'empty segment'],
    ['a/', 'trailing slash'],
    ['a\0b', 'NUL'],
    ['a/b\0', 'NUL at end'],
    ['a\\b', 'backslash'],
    ['..\\..\\windows', 'backslash traversal'],
    ['C:\\x', 'drive path with backslash'],
  ];
  for (const [input, why] of rejected) {
    it(`rejects ${JSON.stringify(input)} (${why})`, () => {
      assert.throws(() => toRelPath(input), UnsafePathError);
    });
  }

  it('reports the offending path in the error', () => {
    assert.throws(
      () => toRelPath('a/../b'),
      (error: unknown) => error instanceof UnsafePathError && error.path === 'a/../b',
    );
  });
});

describe('joinRelPath', () => {
  it('joins a name under the root and under a folder', () => {
    assert.equal(joinRelPath(ROOT, 'a'), 'a');
    assert.equal(joinRelPath(p('a/b'), 'c.txt'), 'a/b/c.txt');
  });
  it('normalises the name to NFC', () => {
    assert.equal(joinRelPath(p('x'), DECOMPOSED), `x/${COMPOSED}`);
    assert.equal(joinRelPath(ROOT, DECOMPOSED), COMPOSED);
  });
  const unsafeNames: [string, string][] = [
    ['', 'empty'],
    ['.', 'dot'],
    ['..', 'dot dot'],
    ['a/b', 'slash in a name'],
    ['/', 'slash alone'],
    ['../x', 'traversal'],
    ['a\0', 'NUL'],
    ['a\\b', 'backslash'],
    ['..\\x', 'backslash traversal'],
  ];
  for (const [name, why] of unsafeNames) {
    it(`rejects the name ${JSON.stringify(name)} (${why})`, () => {
      assert.throws(() => joinRelPath(p('dir'), name), UnsafePathError);
      assert.throws(() => joinRelPath(ROOT, name), UnsafePathError);
    });
  }
});

describe('segmentProblem', () => {
  it('accepts ordinary names and names with dots', () => {
    for (const name of ['a', '.a', 'a.', '...', '..a', 'a b', '日本']) assert.equal(segmentProblem(name), undefined, name);
  });
  it('names each problem', () => {
    for (const name of ['', '.', '..', 'a/b', 'a\0', 'a\\b']) assert.equal(typeof segmentProblem(name), 'string', JSON.stringify(name));
  });
});

describe('path helpers', () => {
  it('parentOf', () => {
    assert.equal(parentOf(p('a')), '');
    assert.equal(parentOf(p('a/b')), 'a');
    assert.equal(parentOf(p('a/b/c')), 'a/b');
  });
  it('baseName', () => {
    assert.equal(baseName(p('a')), 'a');
    assert.equal(baseName(p('a/b/c.txt')), 'c.txt');
  });
  it('isInside is strict and segment-aware', () => {
    assert.equal(isInside(p('a/b'), p('a')), true);
    assert.equal(isInside(p('a/b/c'), p('a')), true);
    assert.equal(isInside(p('a'), p('a')), false);
    assert.equal(isInside(p('ab'), p('a')), false);
    assert.equal(isInside(p('ab/c'), p('a')), false);
    assert.equal(isInside(p('a'), ROOT), true);
    assert.equal(isInside(ROOT, ROOT), false);
  });
  it('ancestorsOf lists outermost first, without the root and the path', () => {
    assert.deepEqual(ancestorsOf(p('a')), []);
    assert.deepEqual(ancestorsOf(p('a/b/c')), ['a', 'a/b']);
  });
  it('depthOf', () => {
    assert.equal(depthOf(ROOT), 0);
    assert.equal(depthOf(p('a')), 1);
    assert.equal(depthOf(p('a/b/c')), 3);
  });
});

describe('comparePaths', () => {
  it('puts each folder right before its contents', () => {
    const input = ['a.txt', 'b', 'a/b/c', 'a', 'a-b', 'a/b', 'a/c', 'a/b.txt', 'B', 'a/b/a'].map(p);
    const sorted = [...input].sort(comparePaths);
    assert.deepEqual(sorted, ['B', 'a', 'a/b', 'a/b/a', 'a/b/c', 'a/b.txt', 'a/c', 'a-b', 'a.txt', 'b']);
  });
  it('is a strict order: antisymmetric, zero only for equal paths', () => {
    const paths = ['', 'a', 'a/b', 'a.b', 'a-b/c', 'b'].map(p);
    for (const x of paths) {
      for (const y of paths) {
        const xy = comparePaths(x, y);
        const yx = comparePaths(y, x);
        assert.equal(Math.sign(xy) + Math.sign(yx), 0, `${x} vs ${y}`);
        assert.equal(xy === 0, x === y, `${x} vs ${y}`);
      }
    }
  });
  it('a folder sorts before a sibling whose name extends it with a character below "/"', () => {
    // Plain string order would put "a-b" (0x2d) and "a.txt" (0x2e) before "a/x" (0x2f).
    assert.ok(comparePaths(p('a/x'), p('a-b')) < 0);
    assert.ok(comparePaths(p('a/x'), p('a.txt')) < 0);
  });
});
