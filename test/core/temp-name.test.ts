import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTempName, parseTempName, tempNameFor, WRITER_ID } from '../../src/core/temp-name.js';

describe('temporary names', () => {
  it("carry the final name and this process's writer id, and read back", () => {
    const name = tempNameFor('report 2024.v2.pdf');
    assert.match(name, /^\.~ferry-report 2024\.v2\.pdf\.[0-9a-z]{8}-[0-9a-z]{8}\.tmp$/);
    assert.ok(isTempName(name));
    assert.deepEqual(parseTempName(name), { stem: 'report 2024.v2.pdf', writer: WRITER_ID });
    assert.notEqual(tempNameFor('a'), tempNameFor('a'), 'two writes of one name never share a temporary name');
  });

  it('keep long names short (the stem is the first 80 characters)', () => {
    const long = 'x'.repeat(300);
    assert.equal(parseTempName(tempNameFor(long))?.stem, 'x'.repeat(80));
  });

  it('read names of ferry versions before writer ids as having no writer', () => {
    assert.deepEqual(parseTempName('.~ferry-a.txt.k3j9x0.tmp'), { stem: 'a.txt', writer: undefined });
    assert.deepEqual(parseTempName('.~ferry-odd.tmp'), { stem: 'odd', writer: undefined });
    assert.equal(parseTempName('notes.tmp'), undefined);
    assert.equal(parseTempName('.~ferry-a.txt'), undefined);
  });
});
