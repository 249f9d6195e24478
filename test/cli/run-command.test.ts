/**
 * `ferry run [TASK]` with task files (docs/tasks.md), through the built binary: which task runs,
 * where its folders are, what flags change, and one-line errors with exit code 2 for bad files.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { hasStackTrace, linesOf, makeSandbox, parseJsonLines, treeContents, writeTree, type CliResult, type Sandbox } from '../support/run-cli.js';

describe('ferry CLI: run', () => {
  let box: Sandbox;
  let proj: string;

  /** Writes the task file (default name pyftpsync.yaml) in the project folder. */
  const taskFile = (text: string, name = 'pyftpsync.yaml') => fs.writeFile(path.join(proj, name), text);
  const run = (args: string[], cwd = proj) => box.run(['run', ...args], { cwd });

  /** A usage error: exit 2, one `ferry: ` line on stderr matching `pattern`, nothing on stdout. */
  function assertUsageError(result: CliResult, pattern: RegExp): void {
    assert.equal(result.code, 2, `exit ${result.code}: ${result.stderr}`);
    const lines = linesOf(result.stderr);
    assert.equal(lines.length, 1, `one line: ${result.stderr}`);
    assert.match(lines[0]!, /^ferry: /);
    assert.match(lines[0]!, pattern);
    assert.ok(!hasStackTrace(result.stderr));
    assert.equal(result.stdout, '');
  }

  const common = `common_config:
  remote: ../remote
  state_dir: ../state
  root: true
`;

  beforeEach(async () => {
    box = await makeSandbox('run');
    proj = path.join(box.root, 'proj');
    await writeTree(proj, { 'a.txt': 'A', 'sub/s.txt': 'S', 'sub/deep/d.txt': 'D', 'site/index.html': 'I', 'x.log': 'L' });
    await writeTree(box.remote, { 'r.txt': 'R' });
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('runs the default task; the task file itself is not synced', async () => {
    await taskFile(`default_task: up\n${common}tasks:\n  up: {command: upload}\n  down: {command: download}\n`);
    const result = await run([]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Task up from .*pyftpsync\.yaml: upload /);
    assert.deepEqual(await treeContents(box.remote), {
      'r.txt': 'R',
      'a.txt': 'A',
      'sub/s.txt': 'S',
      'sub/deep/d.txt': 'D',
      'site/index.html': 'I',
      'x.log': 'L',
    });
  });

  it('runs a named task', async () => {
    await taskFile(`default_task: up\n${common}tasks:\n  up: {command: upload}\n  down: {command: download}\n`);
    const result = await run(['down']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await treeContents(proj))['r.txt'], 'R');
    assert.equal((await treeContents(box.remote))['a.txt'], undefined, 'nothing uploaded');
  });

  it('merges common_config under the task; the task wins', async () => {
    await taskFile(`common_config:
  remote: ../elsewhere
  state_dir: ../state
  root: true
  exclude: "*.log"
  dry_run: true
tasks:
  up: {command: upload, remote: ../remote, dry_run: false}
`);
    const result = await run(['up']);
    assert.equal(result.code, 0, result.stderr);
    const remote = await treeContents(box.remote);
    assert.equal(remote['a.txt'], 'A');
    assert.equal(remote['x.log'], undefined, "common_config's exclude applies");
  });

  it('takes local relative to the task file and accepts exclude as a YAML list', async () => {
    await taskFile(`${common}tasks:\n  site: {command: upload, local: site, exclude: [r.txt, "*.bak"], delete: true}\n`);
    const result = await run(['site', '-v']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await treeContents(box.remote), { 'r.txt': 'R', 'index.html': 'I' }, 'excluded r.txt is not deleted');
  });

  it('finds the task file from a sub-folder and runs from its folder with root: true', async () => {
    await taskFile(`${common}tasks:\n  up: {command: upload}\n`);
    const result = await run(['up'], path.join(proj, 'sub', 'deep'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await treeContents(box.remote))['a.txt'], 'A');
  });

  it('--here syncs only the current sub-folder with the matching remote sub-folder', async () => {
    await taskFile(`${common}tasks:\n  up: {command: upload}\n`);
    const missing = await run(['up', '--here'], path.join(proj, 'sub'));
    assert.equal(missing.code, 1, 'the remote sub-folder does not exist yet');
    assert.match(missing.stderr, /remote\/sub does not exist \(pass --create-folder/);
    const result = await run(['up', '--here', '--create-folder'], path.join(proj, 'sub'));
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await treeContents(box.remote), { 'r.txt': 'R', 'sub/s.txt': 'S', 'sub/deep/d.txt': 'D' });
  });

  it('in a sub-folder without root or here it asks for --root or --here', async () => {
    await taskFile('tasks:\n  up: {command: upload, remote: ../remote, state_dir: ../state}\n');
    assertUsageError(await run(['up'], path.join(proj, 'sub')), /pass --root .* or --here/);
    const result = await run(['up', '--root'], path.join(proj, 'sub'));
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await treeContents(box.remote))['a.txt'], 'A');
  });

  it('dry_run: true in the task changes nothing; --execute and --no-dry-run run it', async () => {
    await taskFile(`${common}tasks:\n  up: {command: upload, dry_run: true}\n`);
    const dry = await run(['up']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^\(DRY-RUN\) COPY NEW .*a\.txt$/m);
    assert.deepEqual(await treeContents(box.remote), { 'r.txt': 'R' });
    const execute = await run(['up', '--execute']);
    assert.equal(execute.code, 0, execute.stderr);
    assert.equal((await treeContents(box.remote))['a.txt'], 'A');
    await writeTree(proj, { 'new.txt': 'N' });
    const noDry = await run(['up', '--no-dry-run']);
    assert.equal(noDry.code, 0, noDry.stderr);
    assert.equal((await treeContents(box.remote))['new.txt'], 'N');
  });

  it('--dry-run switches a task to a dry run; flags reach the sync command (--json)', async () => {
    await taskFile(`${common}tasks:\n  up: {command: upload}\n`);
    const result = await run(['up', '--dry-run', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const events = parseJsonLines(result.stdout);
    assert.ok(
      events.some((e) => e.type === 'planned'),
      result.stdout,
    );
    assert.deepEqual(await treeContents(box.remote), { 'r.txt': 'R' });
  });

  it('reads ferry.yaml the same way', async () => {
    await taskFile(`default_task: up\n${common}tasks:\n  up: {command: upload}\n`, 'ferry.yaml');
    const result = await run([], path.join(proj, 'sub'));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Task up from .*ferry\.yaml: upload /);
    assert.equal((await treeContents(box.remote))['a.txt'], 'A');
  });

  it('reads v3 .pyftpsync.yaml', async () => {
    await taskFile(`default_task: up\n${common}tasks:\n  up: {command: upload}\n`, '.pyftpsync.yaml');
    assert.equal((await run([])).code, 0);
    assert.equal((await treeContents(box.remote))['a.txt'], 'A');
  });

  it('without a task file nearby, the user-wide ferry.yaml of the configuration folder runs, from its own folder', async () => {
    const configHome = path.join(box.root, 'xdg-config');
    await writeTree(path.join(configHome, 'ferry'), {
      'ferry.yaml': `tasks:\n  up:\n    command: upload\n    local: ${proj}\n    remote: ${box.remote}\n    state_dir: state\n`,
    });
    const result = await box.run(['run', 'up'], { cwd: box.local, env: { XDG_CONFIG_HOME: configHome } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await treeContents(box.remote))['a.txt'], 'A');
    assert.ok((await fs.readdir(path.join(configHome, 'ferry', 'state'))).length > 0, 'a relative state_dir is below the configuration folder');
  });

  describe('bad input: exit 2 and one line', () => {
    it('no task file: says where it looked', async () => {
      assertUsageError(
        await run([], box.local),
        new RegExp(
          `no task file found: looked for pyftpsync\\.yaml, ferry\\.yaml, \\.pyftpsync\\.yaml in ${box.local.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} and its parents up to `,
        ),
      );
    });

    it('malformed YAML: line and column', async () => {
      await taskFile('tasks:\n  up: {command: upload\n  down: x\n');
      assertUsageError(await run([]), /pyftpsync\.yaml:\d+:\d+: malformed YAML: /);
    });

    it('unknown key: its path', async () => {
      await taskFile(`${common}tasks:\n  deploy:\n    command: upload\n    delte: true\n`);
      assertUsageError(await run(['deploy']), /pyftpsync\.yaml:8:5: tasks\.deploy\.delte: unknown key \(did you mean delete\?\)$/);
    });

    it('wrong type', async () => {
      await taskFile(`${common}tasks:\n  deploy: {command: upload, delete: maybe}\n`);
      assertUsageError(await run(['deploy']), /tasks\.deploy\.delete: expected true\/false, got "maybe"$/);
    });

    it('unknown task: lists the known ones', async () => {
      await taskFile(`${common}tasks:\n  up: {command: upload}\n  down: {command: download}\n`);
      assertUsageError(await run(['deploy']), /no task named "deploy" \(tasks: up, down\)$/);
      assertUsageError(await run([]), /no task given and no default_task: name one of: up, down$/);
    });

    it('missing remote', async () => {
      await taskFile('tasks:\n  up: {command: upload}\n');
      assertUsageError(await run(['up']), /tasks\.up: missing remote/);
    });

    it('a command ferry run does not know', async () => {
      await taskFile(`${common}tasks:\n  show: {command: tree, files: true, sort: true}\n  bad: {command: deploy}\n`);
      assertUsageError(await run(['show']), /expected upload, download, sync, scan or tree, got "deploy"/);
    });

    it('--here with --root; --dry-run with --execute', async () => {
      await taskFile(`${common}tasks:\n  up: {command: upload}\n`);
      assertUsageError(await run(['up', '--here', '--root']), /--here and --root cannot be used together/);
      assertUsageError(await run(['up', '--dry-run', '--execute']), /--dry-run and --execute cannot be used together/);
    });
  });
});
