/**
 * When output is coloured: --no-color > FORCE_COLOR > NO_COLOR / TERM=dumb > a terminal.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colourWanted, styleFor } from '../../src/cli/terminal-style.js';

describe('colourWanted', () => {
  const cases: Array<[string, boolean, NodeJS.ProcessEnv, boolean | undefined, boolean]> = [
    ['a terminal', true, {}, undefined, true],
    ['a pipe', false, {}, undefined, false],
    ['NO_COLOR on a terminal', true, { NO_COLOR: '1' }, undefined, false],
    ['TERM=dumb', true, { TERM: 'dumb' }, undefined, false],
    ['FORCE_COLOR=1 into a pipe', false, { FORCE_COLOR: '1' }, undefined, true],
    ['FORCE_COLOR empty into a pipe', false, { FORCE_COLOR: '' }, undefined, true],
    ['FORCE_COLOR=3 beats NO_COLOR', false, { FORCE_COLOR: '3', NO_COLOR: '1' }, undefined, true],
    ['FORCE_COLOR=0 on a terminal', true, { FORCE_COLOR: '0' }, undefined, false],
    ['FORCE_COLOR=false on a terminal', true, { FORCE_COLOR: 'false' }, undefined, false],
    ['--no-color beats FORCE_COLOR', true, { FORCE_COLOR: '1' }, true, false],
  ];
  for (const [name, isTTY, env, noColor, expected] of cases) {
    it(name, () => assert.equal(colourWanted(isTTY, { env, noColor }), expected));
  }

  it('styles wrap text in SGR codes only when enabled', () => {
    const on = styleFor({ isTTY: false } as NodeJS.WriteStream, { env: { FORCE_COLOR: '1' } });
    assert.equal(on.red('x'), '\u001b[31mx\u001b[39m');
    assert.equal(on.bold('x'), '\u001b[1mx\u001b[22m');
    const off = styleFor({ isTTY: false } as NodeJS.WriteStream, { env: {} });
    assert.equal(off.red('x'), 'x');
  });
});
