/**
 * `ferry demo`: creates two sample folders in the current directory and syncs them.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { hasStackTrace, linesOf, makeSandbox, treeContents, type Sandbox } from '../support/run-cli.js';

describe('ferry CLI: demo', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox('demo');
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('creates ferry-demo/local and ferry-demo/remote in the cwd, syncs them, exit 0', async () => {
    const result = await box.run(['demo']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Done:/);
    assert.match(result.stdout, /COPY .* > /);
    assert.match(result.stdout, /COPY .* < /);
    // In the order written: the intro, the sync's report, then the hint on the conflict it left.
    const at = (text: string): number => result.stdout.indexOf(text);
    assert.ok(at('Sample folders:') >= 0 && at('Sample folders:') < at('Done:') && at('Done:') < at('was written on both sides'), result.stdout);
    const local = path.join(box.root, 'ferry-demo', 'local');
    const remote = path.join(box.root, 'ferry-demo', 'remote');
    assert.ok((await fs.stat(local)).isDirectory());
    assert.ok((await fs.stat(remote)).isDirectory());
    const l = await treeContents(local);
    const r = await treeContents(remote);
    assert.ok(Object.keys(l).length > 0);
    // Everything but the conflict the demo stages is on both sides.
    for (const file of new Set([...Object.keys(l), ...Object.keys(r)])) assert.ok(file in l && file in r, `${file} on both sides`);
    // The demo keeps its state inside its folder: nothing under HOME or XDG_STATE_HOME.
    assert.deepEqual(await fs.readdir(path.join(box.root, 'home')), []);
    await assert.rejects(fs.stat(path.join(box.root, 'xdg-state')));
  });

  it('running it again works (exit 0, Done:)', async () => {
    assert.equal((await box.run(['demo'])).code, 0);
    const again = await box.run(['demo']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Done:/);
    assert.ok(!hasStackTrace(again.stderr));
  });

  it('takes a folder name: ferry demo DIR', async () => {
    const result = await box.run(['demo', 'my-try']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await fs.stat(path.join(box.root, 'my-try', 'local'))).isDirectory());
    assert.ok((await fs.stat(path.join(box.root, 'my-try', 'remote'))).isDirectory());
  });

  it('refuses an existing non-empty folder it did not make: exit 1, one line, folder untouched', async () => {
    for (const dir of ['ferry-demo', 'precious']) {
      const target = path.join(box.root, dir);
      await fs.mkdir(target, { recursive: true });
      await fs.writeFile(path.join(target, 'keep.txt'), 'mine');
      const result = await box.run(dir === 'ferry-demo' ? ['demo'] : ['demo', dir]);
      assert.equal(result.code, 1, `${dir}: ${result.stdout}${result.stderr}`);
      const lines = linesOf(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^ferry: .*not a ferry demo folder/);
      assert.ok(!hasStackTrace(result.stderr));
      assert.deepEqual(await fs.readdir(target), ['keep.txt']);
      assert.equal(await fs.readFile(path.join(target, 'keep.txt'), 'utf8'), 'mine');
    }
  });

  it('a folder that cannot be made (under /proc, through a file): exit 1, one line, no hang', async () => {
    await fs.writeFile(path.join(box.root, 'a-file'), 'x');
    for (const dir of ['/proc/ferry-demo-no-such', path.join(box.root, 'a-file', 'demo')]) {
      const result = await box.run(['demo', dir], { timeoutMs: 20_000 });
      assert.equal(result.code, 1, `${dir}: ${result.stdout}${result.stderr}`);
      const lines = linesOf(result.stderr);
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, /^ferry: cannot create the demo folder .*: (no such file or directory|not a directory); pick another/);
      assert.ok(!hasStackTrace(result.stderr));
    }
  });

  it('an existing empty folder is fine', async () => {
    await fs.mkdir(path.join(box.root, 'ferry-demo'));
    const result = await box.run(['demo']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Done:/);
  });

  it('demo --help exits 0 and shows an example', async () => {
    const result = await box.run(['demo', '--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /\$ ferry demo/);
  });
});
