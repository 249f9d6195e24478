/**
 * `ferry completion bash|zsh|fish`: the scripts are valid shell, and the bash one really completes
 * (sourced in bash, its function called with COMP_WORDS/COMP_CWORD as bash would set them), as
 * does the fish one (fish's own `complete -C`).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_ENTRY, makeSandbox, type Sandbox } from '../support/run-cli.js';

const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;
const hasFish = spawnSync('fish', ['--no-config', '-c', 'true']).status === 0;

describe('ferry completion', () => {
  let box: Sandbox;
  let bashFile: string;
  let bashFunction: string;

  before(async () => {
    box = await makeSandbox('completion');
    const result = await box.run(['completion', 'bash']);
    assert.equal(result.code, 0, result.stderr);
    bashFile = path.join(box.root, 'ferry.bash');
    await fs.writeFile(bashFile, result.stdout);
    const registered = /^complete -F (\S+) ferry$/m.exec(result.stdout);
    assert.ok(registered, 'the script registers a completion function for ferry');
    bashFunction = registered[1]!;
    await fs.mkdir(path.join(box.root, 'bin'));
    await fs.writeFile(path.join(box.root, 'bin', 'ferry'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI_ENTRY)} "$@"\n`, {
      mode: 0o755,
    });
    // Files to complete targets with.
    await fs.mkdir(path.join(box.root, 'site-a'));
    await fs.writeFile(path.join(box.root, 'site-notes.txt'), '');
  });
  after(async () => {
    await box.cleanup();
  });

  /** The completions bash offers for `line` (the cursor at its end; a trailing space starts a new word). */
  function complete(line: string, cwd = box.root): string[] {
    const words = line.split(' ');
    const script = `
source ${JSON.stringify(bashFile)}
COMP_WORDS=(${words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ')})
COMP_CWORD=${words.length - 1}
COMP_LINE=${JSON.stringify(line)}
COMP_POINT=${line.length}
${bashFunction}
printf '%s\\n' "\${COMPREPLY[@]}"`;
    // `ferry` on the PATH is the built CLI (the script asks it for task names).
    const env = { ...box.env, PATH: `${path.join(box.root, 'bin')}:${process.env.PATH}` };
    const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd, encoding: 'utf8', env });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stderr, '');
    return result.stdout
      .split('\n')
      .filter((item) => item !== '')
      .sort();
  }

  it('the bash script is valid bash', () => {
    const result = spawnSync('bash', ['-n', bashFile], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });

  it('completes command names', () => {
    assert.deepEqual(complete('ferry up'), ['upload']);
    assert.deepEqual(complete('ferry s'), ['scan', 'sync']);
    assert.deepEqual(complete('ferry t'), ['tree']);
    const all = complete('ferry ');
    for (const name of ['upload', 'download', 'sync', 'scan', 'tree', 'doctor', 'demo', 'completion', 'help'])
      assert.ok(all.includes(name), `${name} in ${all.join(' ')}`);
    assert.deepEqual(complete('ferry --ver'), ['--version']);
  });

  it("completes each command's own options", () => {
    assert.deepEqual(complete('ferry upload --de'), ['--delete', '--delete-unmatched']);
    assert.deepEqual(complete('ferry sync --de'), [], 'sync has no --delete');
    assert.deepEqual(complete('ferry scan --li'), ['--list']);
    assert.deepEqual(complete('ferry tree --fi'), ['--files']);
    assert.deepEqual(complete('ferry do'), ['doctor', 'download']);
    assert.deepEqual(complete('ferry doctor --js'), ['--json']);
    assert.ok(complete('ferry doctor -').includes('--ca-file'), 'doctor takes the connection options');
    assert.deepEqual(complete('ferry -V upload ./a --dr'), ['--dry-run'], 'the command is found after global options');
    assert.ok(complete('ferry download -').includes('--known-hosts'));
  });

  it('completes option values: choices, files, nothing for free text', () => {
    assert.deepEqual(complete('ferry upload --resolve '), ['ask', 'local', 'skip']);
    assert.deepEqual(complete('ferry sync --resolve n'), ['new']);
    assert.deepEqual(complete('ferry upload --ssh-key site-n'), ['site-notes.txt']);
    assert.deepEqual(complete('ferry scan -m '), []);
    assert.deepEqual(complete('ferry completion '), ['bash', 'fish', 'zsh']);
    assert.deepEqual(complete('ferry help up'), ['upload']);
  });

  it('completes task names for ferry run, from the task file found from the current folder', async () => {
    const project = path.join(box.root, 'project');
    await fs.mkdir(path.join(project, 'sub'), { recursive: true });
    await fs.writeFile(
      path.join(project, 'pyftpsync.yaml'),
      'tasks:\n  deploy: {command: upload, remote: /r}\n  download_all: {command: download, remote: /r}\n  show: {command: tree, remote: /r}\n',
    );
    assert.deepEqual(complete('ferry run ', project), ['deploy', 'download_all', 'show']);
    assert.deepEqual(complete('ferry run d', path.join(project, 'sub')), ['deploy', 'download_all']);
    assert.deepEqual(complete('ferry run ', box.root), [], 'no task file: no names, no noise');
    assert.ok(!complete('ferry run --', project).includes('--list-tasks'), 'the helper option is hidden');
    assert.ok(complete('ferry run --no-', project).includes('--no-prompt'));
  });

  it('completes file names for targets', () => {
    assert.deepEqual(complete('ferry scan sit'), ['site-a', 'site-notes.txt']);
    assert.deepEqual(complete('ferry upload ./site-a sit'), ['site-a', 'site-notes.txt']);
  });

  it('the zsh script is valid zsh', async () => {
    assert.ok(hasZsh, 'zsh is missing: run bash scripts/test-tools.sh (npm test does)');
    const result = await box.run(['completion', 'zsh']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^#compdef ferry\n/);
    for (const word of ['upload', 'scan', 'tree', '--delete-unmatched', '--files', '--list']) assert.ok(result.stdout.includes(word), word);
    const file = path.join(box.root, '_ferry');
    await fs.writeFile(file, result.stdout);
    const check = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    // Sourcing it after compinit defines the function and registers it for ferry.
    const load = spawnSync('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source ${JSON.stringify(file)} && print -r -- $_comps[ferry]`], {
      cwd: box.root,
      encoding: 'utf8',
      env: { ...box.env, ZDOTDIR: box.root },
    });
    assert.equal(load.status, 0, load.stderr);
    assert.equal(load.stdout.trim(), '_ferry');
  });

  describe('fish', () => {
    let fishFile: string;
    before(async () => {
      assert.ok(hasFish, 'fish is missing: run bash scripts/test-tools.sh (npm test does)');
      const result = await box.run(['completion', 'fish']);
      assert.equal(result.code, 0, result.stderr);
      fishFile = path.join(box.root, 'ferry.fish');
      await fs.writeFile(fishFile, result.stdout);
    });

    /** What fish offers for `line` (the candidates, without their descriptions). */
    function fishComplete(line: string, cwd = box.root): string[] {
      const result = spawnSync('fish', ['--no-config', '-c', `source ${JSON.stringify(fishFile)}; complete -C ${JSON.stringify(line)}`], {
        cwd,
        env: {
          ...box.env,
          PATH: `${path.join(box.root, 'bin')}:${process.env.PATH}`,
          XDG_CONFIG_HOME: path.join(box.root, 'fish-config'),
          XDG_DATA_HOME: path.join(box.root, 'fish-data'),
        },
        encoding: 'utf8',
      });
      assert.equal(result.status, 0, result.stderr);
      return result.stdout
        .split('\n')
        .filter((item) => item !== '')
        .map((item) => item.split('\t')[0]!)
        .sort();
    }

    it('the fish script is valid fish', () => {
      const check = spawnSync('fish', ['--no-config', '--no-execute', fishFile], { encoding: 'utf8' });
      assert.equal(check.status, 0, check.stderr);
    });
    it('completes command names, with their descriptions', () => {
      assert.deepEqual(fishComplete('ferry up'), ['upload']);
      const described = spawnSync('fish', ['--no-config', '-c', `source ${JSON.stringify(fishFile)}; complete -C 'ferry dow'`], {
        cwd: box.root,
        encoding: 'utf8',
      });
      assert.match(described.stdout, /^download\tcopy remote changes to LOCAL/m);
      assert.ok(fishComplete('ferry help ').includes('watch'));
    });
    it("completes each command's own options and their values", () => {
      assert.deepEqual(fishComplete('ferry upload --de'), ['--delete', '--delete-unmatched']);
      assert.ok(!fishComplete('ferry sync --').includes('--delete'), 'sync has no --delete');
      assert.deepEqual(fishComplete('ferry upload --resolve '), ['ask', 'local', 'skip']);
      assert.deepEqual(fishComplete('ferry completion '), ['bash', 'fish', 'zsh']);
      assert.deepEqual(fishComplete('ferry sync --state-dir site'), ['site-a/']);
      assert.deepEqual(fishComplete('ferry --v'), ['--version']);
    });
    it('completes task names for ferry run, from the task file found from the current folder', async () => {
      const project = path.join(box.root, 'fish-project');
      await fs.mkdir(project, { recursive: true });
      await fs.writeFile(path.join(project, 'pyftpsync.yaml'), 'tasks:\n  deploy: {command: upload, remote: /r}\n  show: {command: tree, remote: /r}\n');
      assert.deepEqual(fishComplete('ferry run ', project), ['deploy', 'show']);
      assert.deepEqual(fishComplete('ferry run d', project), ['deploy']);
    });
    it('completes file names for targets, and none before the command', () => {
      assert.deepEqual(fishComplete('ferry upload site'), ['site-a/', 'site-notes.txt']);
      assert.deepEqual(fishComplete('ferry site'), []);
    });
  });

  it('an unknown shell is a usage error', async () => {
    const result = await box.run(['completion', 'powershell']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bash, zsh, fish/);
  });
});
