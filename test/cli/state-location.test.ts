/**
 * Where the state of the last sync is kept: --state-dir, else $XDG_STATE_HOME/ferry, else
 * ~/.local/state/ferry. Nothing is written anywhere else.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string): Promise<void> => {
    for (const name of await fs.readdir(d).catch(() => [] as string[])) {
      const st = await fs.lstat(path.join(d, name));
      if (st.isDirectory()) await walk(path.join(d, name), `${prefix}${name}/`);
      else out.push(`${prefix}${name}`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

describe('ferry CLI: where the state is kept', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox('state-location');
    await writeTree(box.local, { 'a.txt': 'a', 'b.txt': 'b' });
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('--state-dir: one <key>.json there (no lock or journal left), nothing in HOME or XDG_STATE_HOME', async () => {
    const result = await box.run(['sync', box.local, box.remote, '--state-dir', box.stateDir]);
    assert.equal(result.code, 0, result.stderr);
    const files = await filesUnder(box.stateDir);
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, /^[0-9a-f]+\.json$/);
    const state = JSON.parse(await fs.readFile(path.join(box.stateDir, files[0]!), 'utf8'));
    assert.equal(state.format, 'ferry-state');
    assert.equal(state.version, 1);
    assert.deepEqual(await filesUnder(path.join(box.root, 'home')), []);
    assert.deepEqual(await filesUnder(path.join(box.root, 'xdg-state')), []);
  });

  it('without --state-dir: $XDG_STATE_HOME/ferry', async () => {
    const result = await box.run(['sync', box.local, box.remote]);
    assert.equal(result.code, 0, result.stderr);
    const files = await filesUnder(path.join(box.root, 'xdg-state'));
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, /^ferry\/[0-9a-f]+\.json$/);
    assert.deepEqual(await filesUnder(path.join(box.root, 'home')), []);
    // The state is used there: deleting a file locally is propagated, not undone.
    await fs.rm(path.join(box.local, 'a.txt'));
    assert.equal((await box.run(['sync', box.local, box.remote])).code, 0);
    await assert.rejects(fs.stat(path.join(box.remote, 'a.txt')));
  });

  it('without --state-dir and XDG_STATE_HOME: ~/.local/state/ferry', async () => {
    const result = await box.run(['sync', box.local, box.remote], { env: { XDG_STATE_HOME: undefined } });
    assert.equal(result.code, 0, result.stderr);
    const files = await filesUnder(path.join(box.root, 'home'));
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0]!, /^\.local\/state\/ferry\/[0-9a-f]+\.json$/);
  });

  it('the state never holds a password', async () => {
    await box.run(['sync', box.local, box.remote, '--state-dir', box.stateDir]);
    for (const file of await filesUnder(box.stateDir)) {
      assert.doesNotMatch(await fs.readFile(path.join(box.stateDir, file), 'utf8'), /:[^/@]*@/, 'no user:password@ in the state');
    }
  });

  it('--state-dir that does not exist yet: made with its parents, private (0700)', async () => {
    const stateDir = path.join(box.root, 'deep', 'er', 'state');
    const result = await box.run(['sync', box.local, box.remote, '--state-dir', stateDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await filesUnder(stateDir)).length, 1);
    assert.equal((await fs.stat(stateDir)).mode & 0o777, 0o700);
  });

  for (const [what, stateDir] of [
    ['under /proc (where a recursive mkdir never returns on Node 20)', '/proc/ferry-no-such/state'],
    ['through a file', 'LOCAL/a.txt/state'],
    ['a link to nothing', 'ROOT/dangling'],
  ] as const) {
    for (const command of ['sync', 'upload']) {
      it(`${command} --state-dir that cannot be made (${what}): one line, exit 1, nothing copied`, async () => {
        await fs.symlink(path.join(box.root, 'nowhere'), path.join(box.root, 'dangling'));
        const dir = stateDir.replace('LOCAL', box.local).replace('ROOT', box.root);
        // A hang (the bug) is killed after 20 s and fails here with code null, not the suite.
        const result = await box.run([command, box.local, box.remote, '--state-dir', dir], { timeoutMs: 20_000 });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /^ferry: cannot create state folder .*\n$/);
        assert.deepEqual(await filesUnder(box.remote), []);
      });
    }
  }

  it('a run that changes nothing leaves the state file as it is (same file, same time), for every mode', async () => {
    await fs.mkdir(path.join(box.local, 'sub'));
    await writeTree(box.local, { 'sub/c.txt': 'c' });
    for (const mode of ['sync', 'upload', 'download']) {
      const args = [mode, box.local, box.remote, '--state-dir', box.stateDir];
      assert.equal((await box.run(args)).code, 0);
      const [name] = (await fs.readdir(box.stateDir)).filter((file) => file.endsWith('.json'));
      const before = await fs.stat(path.join(box.stateDir, name!));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const again = await box.run([...args, '--json']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /"filesCopied":0/);
      const after = await fs.stat(path.join(box.stateDir, name!));
      assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], `${mode}: the no-op rewrote the state`);
    }
  });
});
