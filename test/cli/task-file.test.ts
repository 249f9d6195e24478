/**
 * Task files (docs/tasks.md): finding, parsing and validating, and how a task becomes the command
 * line of the sync command. No process, no file system but a stubbed one.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { FerryError } from '../../src/errors.js';
import { taskArguments, type RunCommandFlags } from '../../src/cli/run-command.js';
import { findTaskFile, MAX_PARENT_LEVELS, parseTaskFile, selectTask } from '../../src/cli/task-file.js';

const FILE = '/p/pyftpsync.yaml';
const flags = (more: Partial<RunCommandFlags> = {}): RunCommandFlags => ({ verbose: 0, color: true, ...more });

/** Asserts `fn` throws a usage FerryError (exit 2) whose one-line message matches `pattern`. */
function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof FerryError, `not a FerryError: ${String(error)}`);
    assert.equal(error.kind, 'usage');
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes('\n'), `one line: ${JSON.stringify(error.message)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const parse = (text: string) => parseTaskFile(text, FILE);

describe('task file: finding it', () => {
  it('takes the nearest folder with one, checking up to 15 parents', () => {
    const files = new Set(['/a/ferry.yaml', '/a/b/c/pyftpsync.yaml']);
    assert.equal(
      findTaskFile('/a/b/c/d', (f) => files.has(f)),
      '/a/b/c/pyftpsync.yaml',
    );
    assert.equal(
      findTaskFile('/a/b', (f) => files.has(f)),
      '/a/ferry.yaml',
    );
    assert.equal(
      findTaskFile('/x', (f) => f === '/x/.pyftpsync.yaml'),
      '/x/.pyftpsync.yaml',
    );
  });

  it('stops after 15 parents and says where it looked', () => {
    const deep = '/' + Array.from({ length: 20 }, (_, i) => `d${i}`).join('/');
    const top = deep
      .split('/')
      .slice(0, 21 - MAX_PARENT_LEVELS)
      .join('/');
    assert.equal(
      findTaskFile(deep, (f) => f === path.join(top, 'ferry.yaml')),
      path.join(top, 'ferry.yaml'),
    );
    const above = path.dirname(top);
    rejects(
      () => findTaskFile(deep, (f) => f === path.join(above, 'ferry.yaml')),
      new RegExp(`^no task file found: looked for pyftpsync\\.yaml, ferry\\.yaml, \\.pyftpsync\\.yaml in ${deep} and its parents up to ${top}$`),
    );
  });

  it('refuses two task files in one folder', () => {
    rejects(() => findTaskFile('/a', (f) => f === '/a/ferry.yaml' || f === '/a/pyftpsync.yaml'), /pyftpsync\.yaml and ferry\.yaml are both in \/a/);
  });
});

describe('task file: parsing', () => {
  const text = `
default_task: deploy
common_config:
  remote: sftp://example.com/my_project
  dry_run: true
  root: true
  exclude: [build, node_modules]
tasks:
  show: {command: tree, files: true, sort: true}
  sync_all: {command: sync, resolve: skip}
  deploy: {command: upload, delete: false, exclude: "build,node_modules,.*,_*", parallel: 3, verbose: 2}
`;

  it("reads pyftpsync's example and merges common_config under the task", () => {
    const file = parse(text);
    assert.equal(file.dir, '/p');
    assert.equal(file.defaultTask, 'deploy');
    assert.deepEqual([...file.tasks.keys()], ['show', 'sync_all', 'deploy']);
    const deploy = selectTask(file, undefined);
    assert.equal(deploy.name, 'deploy');
    assert.equal(deploy.command, 'upload');
    assert.equal(deploy.remote, 'sftp://example.com/my_project');
    assert.deepEqual(deploy.settings, {
      remote: 'sftp://example.com/my_project',
      dry_run: true,
      root: true,
      exclude: 'build,node_modules,.*,_*',
      command: 'upload',
      delete: false,
      parallel: 3,
      verbose: 2,
    });
    const all = selectTask(file, 'sync_all');
    assert.equal(all.settings.exclude, 'build,node_modules', 'a YAML list is joined with commas');
    assert.equal(all.settings.resolve, 'skip');
  });

  it('reads yes/no as booleans, as PyYAML does', () => {
    const file = parse('tasks:\n  t: {command: upload, remote: /r, delete: yes, force: no}\n');
    assert.equal(file.tasks.get('t')!.delete, true);
    assert.equal(file.tasks.get('t')!.force, false);
  });

  it('accepts every documented key, credential keys included', () => {
    const keys = `command: download
remote: ftp://h/x
local: sub
root: true
dry_run: false
delete: true
delete_unmatched: true
force: true
resolve: remote
match: "*.txt"
exclude: ""
create_folder: true
allow_empty: true
report_problems: true
verbose: true
quiet: false
json: false
no_color: true
state_dir: st
parallel: 2
time_window: 3000
ssh_key: ~/.ssh/id
known_hosts: kh
no_verify_host_keys: true
no_verify_certs: true
ca_file: ca.pem
ftp_active: true
encoding: latin1
prompt: false
no_prompt: true
no_keyring: true
no_netrc: true
store_password: false
exclude_from: [ignore.txt, more.txt]
include_from: site.txt
ignore_file: false
min_size: 10k
max_size: 1000
max_age: 7d
progress: true`;
    const file = parse(
      `tasks:\n  t:\n${keys
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}\n`,
    );
    const task = selectTask(file, 't');
    assert.equal(task.command, 'download');
    assert.equal(task.settings.verbose, 1);
    assert.equal(Object.keys(task.settings).length, keys.split('\n').length);
  });

  it('reports malformed YAML with line and column', () => {
    rejects(() => parse('tasks:\n  t: {command: upload\n'), /^\/p\/pyftpsync\.yaml:\d+:\d+: malformed YAML: /);
    rejects(() => parse('tasks:\n  a: 1\n  a: 2\n'), /^\/p\/pyftpsync\.yaml:3:3: malformed YAML: Map keys must be unique/);
    rejects(() => parse('tasks:\n\t- x'), /^\/p\/pyftpsync\.yaml:2:1: malformed YAML: /);
  });

  it('reports unknown keys with their path, line and column', () => {
    rejects(
      () => parse('tasks:\n  deploy:\n    command: upload\n    delte: true\n'),
      /^\/p\/pyftpsync\.yaml:4:5: tasks\.deploy\.delte: unknown key \(did you mean delete\?\)$/,
    );
    rejects(() => parse('common_config:\n  bogus_option: 1\ntasks:\n  t: {}\n'), /^\/p\/pyftpsync\.yaml:2:3: common_config\.bogus_option: unknown key/);
    rejects(() => parse('default_tsk: x\ntasks:\n  t: {}\n'), /^\/p\/pyftpsync\.yaml:1:1: default_tsk: unknown key/);
  });

  it('reports wrong types', () => {
    rejects(() => parse('tasks:\n  deploy:\n    delete: maybe\n'), /^\/p\/pyftpsync\.yaml:3:13: tasks\.deploy\.delete: expected true\/false, got "maybe"$/);
    rejects(() => parse('tasks:\n  d: {parallel: 0}\n'), /tasks\.d\.parallel: expected a whole number of 1 or more, got 0/);
    rejects(() => parse('tasks:\n  d: {command: deploy}\n'), /tasks\.d\.command: expected upload, download, sync, scan or tree, got "deploy"/);
    rejects(() => parse('tasks:\n  d: {remote: [a]}\n'), /tasks\.d\.remote: expected a non-empty string, got a list/);
    rejects(() => parse('tasks:\n  d: {exclude: [a, 1]}\n'), /tasks\.d\.exclude: expected patterns as strings, got 1/);
    rejects(() => parse('tasks:\n  d: {resolve: newest}\n'), /tasks\.d\.resolve: expected /);
    rejects(() => parse('tasks:\n  d: [1]\n'), /tasks\.d: expected a mapping of settings/);
    rejects(() => parse('- a\n'), /expected a mapping with default_task, common_config and tasks/);
    rejects(() => parse('default_task: 3\ntasks:\n  t: {}\n'), /default_task: expected a task name/);
  });

  it('needs tasks, and a default_task that exists', () => {
    rejects(() => parse('common_config: {remote: x}\n'), /tasks: missing/);
    rejects(() => parse(''), /expected a mapping/);
    rejects(() => parse('default_task: nope\ntasks:\n  a: {}\n  b: {}\n'), /default_task: no task named "nope" \(tasks: a, b\)/);
  });
});

describe('task file: selecting a task', () => {
  const file = parse(`
common_config: {remote: /r, delete: true, force: true}
tasks:
  up: {command: upload}
  both: {command: sync}
  forced_sync: {command: sync, force: true, max_delete: 20%}
  bad_sync: {command: sync, delete: true}
  norem: {command: upload, remote: /x}
  nocmd: {}
  tree: {command: tree}
  wrong_resolve: {command: upload, resolve: remote}
`);

  it('names the known tasks for an unknown one, or when none is given', () => {
    rejects(() => selectTask(file, 'deploy'), /no task named "deploy" \(tasks: up, both, forced_sync, bad_sync, norem, nocmd, tree, wrong_resolve\)$/);
    rejects(() => selectTask(file, undefined), /no task given and no default_task: name one of: up, both/);
  });

  it('checks command, remote and what applies to the command', () => {
    rejects(() => selectTask(file, 'nocmd'), /tasks\.nocmd: missing command/);
    assert.equal(selectTask(file, 'tree').command, 'tree', 'tree (and scan) tasks run');
    rejects(() => selectTask(file, 'bad_sync'), /tasks\.bad_sync\.delete: does not apply to sync/);
    assert.equal(selectTask(file, 'both').settings.force, undefined, "common_config's force (for one-way tasks) does not reach a sync task");
    assert.equal(selectTask(file, 'up').settings.force, true);
    assert.equal(selectTask(file, 'forced_sync').settings.force, true, "a sync task's own force releases the clock-shift brake");
    assert.equal(selectTask(file, 'forced_sync').settings.max_delete, '20%');
    rejects(() => parse('tasks:\n  t: {command: sync, remote: /r, max_delete: lots}\n'), /tasks\.t\.max_delete: expected a number of files/);
    assert.equal(parse('tasks:\n  t: {command: sync, remote: /r, max_delete: 20}\n').tasks.get('t')!.max_delete, '20');
    rejects(() => selectTask(file, 'wrong_resolve'), /tasks\.wrong_resolve\.resolve: remote does not apply to upload/);
    rejects(() => selectTask(parse('tasks:\n  t: {command: upload}\n'), 't'), /^\/p\/pyftpsync\.yaml: tasks\.t: missing remote/);
    assert.equal(selectTask(file, 'both').command, 'sync', "common_config's delete does not stop a sync task");
    assert.equal(selectTask(file, 'norem').remote, '/x', 'the task overrides common_config');
  });
});

describe('task file: the command line a task becomes', () => {
  const file = parse(`
common_config: {remote: sftp://me@h/www, root: true}
tasks:
  up: {command: upload, dry_run: true, exclude: "a,b", local: site, state_dir: ../st, verbose: 1}
  here: {command: sync, here: true, remote: ../mirror}
`);
  const up = selectTask(file, 'up');

  it('passes the options with --opt=value and the targets after --', () => {
    const { args, dryRun } = taskArguments(file, up, flags(), '/p');
    assert.equal(dryRun, true);
    assert.deepEqual(args, ['upload', '--dry-run', '--exclude=a,b,pyftpsync.yaml', '--verbose', '--state-dir=/st', '--', '/p/site', 'sftp://me@h/www']);
  });

  it('--execute and --no-dry-run clear dry_run; flags only switch on', () => {
    assert.equal(taskArguments(file, up, flags({ execute: true }), '/p').dryRun, false);
    assert.equal(taskArguments(file, up, flags({ dryRun: false }), '/p').dryRun, false);
    const { args } = taskArguments(
      file,
      up,
      flags({ force: true, createFolder: true, reportProblems: true, verbose: 1, quiet: true, json: true, color: false }),
      '/p',
    );
    for (const flag of ['--force', '--create-folder', '--report-problems', '--quiet', '--json', '--no-color']) assert.ok(args.includes(flag), flag);
    assert.equal(args.filter((a) => a === '--verbose').length, 2);
    rejects(() => taskArguments(file, up, flags({ here: true, root: true }), '/p'), /--here and --root/);
    rejects(() => taskArguments(file, up, flags({ dryRun: true, execute: true }), '/p'), /--dry-run and --execute/);
  });

  it("safety keys: resolve keep-both, max_delete, backup_dir and a sync task's force", () => {
    const tasks = parse(
      'tasks:\n  s: {command: sync, remote: /r, resolve: keep-both, max_delete: 30%, backup_dir: .old, force: true}\n  u: {command: upload, remote: /r, resolve: keep-both}\n',
    );
    const { args } = taskArguments(tasks, selectTask(tasks, 's'), flags(), '/p');
    for (const arg of ['--resolve=keep-both', '--max-delete=30%', '--backup-dir=.old', '--force']) assert.ok(args.includes(arg), arg);
    rejects(() => selectTask(tasks, 'u'), /tasks\.u\.resolve: keep-both does not apply to upload/);
  });

  it('min_rate becomes --min-rate (0 turns the floor off); anything but a whole number ≥ 0 is refused', () => {
    const tasks = parse('common_config: {min_rate: 0}\ntasks:\n  s: {command: sync, remote: /r, min_rate: 4096}\n  o: {command: sync, remote: /r}\n');
    assert.ok(taskArguments(tasks, selectTask(tasks, 's'), flags(), '/p').args.includes('--min-rate=4096'));
    assert.ok(taskArguments(tasks, selectTask(tasks, 'o'), flags(), '/p').args.includes('--min-rate=0'), 'from common_config');
    rejects(() => parse('tasks:\n  d: {min_rate: -1}\n'), /tasks\.d\.min_rate: expected a whole number of bytes per second/);
    rejects(() => parse('tasks:\n  d: {min_rate: 1k}\n'), /tasks\.d\.min_rate: expected a whole number/);
  });

  it('SSH routes and the log file: jump, proxy_command, log_file (relative to the task folder; --log-file wins)', () => {
    const tasks = parse('tasks:\n  t: {command: upload, remote: sftp://h/r, jump: "me@bastion:2222", proxy_command: "nc %h %p", log_file: logs/ferry.log}\n');
    const task = selectTask(tasks, 't');
    const { args } = taskArguments(tasks, task, flags(), '/p');
    for (const arg of ['--jump=me@bastion:2222', '--proxy-command=nc %h %p', '--log-file=/p/logs/ferry.log']) assert.ok(args.includes(arg), arg);
    assert.ok(taskArguments(tasks, task, flags({ logFile: 'mine.log' }), '/p').args.includes('--log-file=mine.log'));
  });

  it('--here appends the sub-folder to both sides', () => {
    const here = selectTask(file, 'here');
    const r = taskArguments(file, here, flags(), '/p/a b/c');
    assert.equal(r.local, '/p/a b/c');
    assert.equal(r.remote, '/mirror/a b/c');
    const url = taskArguments(file, up, flags({ here: true }), '/p/a b/c');
    assert.equal(url.local, '/p/site/a b/c');
    assert.equal(url.remote, 'sftp://me@h/www/a%20b/c');
    rejects(() => taskArguments(file, here, flags({ here: true }), '/elsewhere'), /not inside \/p/);
  });

  it('in a sub-folder without root or here it asks for --root or --here', () => {
    const noRoot = parse('tasks:\n  t: {command: upload, remote: /r}\n');
    rejects(() => taskArguments(noRoot, selectTask(noRoot, 't'), flags(), '/p/sub'), /below the task file's folder \/p: pass --root .* or --here/);
    assert.equal(taskArguments(noRoot, selectTask(noRoot, 't'), flags({ root: true }), '/p/sub').local, '/p');
  });

  it('filter keys become the filter options; files relative to the task folder', () => {
    const tasks = parse(
      'tasks:\n  t: {command: upload, remote: /r, exclude_from: [ign.txt, /abs/more.txt], include_from: site.txt, ignore_file: false, min_size: 10k, max_size: 2000, max_age: 7d}\n',
    );
    const { args } = taskArguments(tasks, selectTask(tasks, 't'), flags(), '/p');
    for (const arg of [
      '--exclude-from=/p/ign.txt',
      '--exclude-from=/abs/more.txt',
      '--include-from=/p/site.txt',
      '--no-ignore-file',
      '--min-size=10k',
      '--max-size=2000',
      '--max-age=7d',
    ]) {
      assert.ok(args.includes(arg), `${arg} in ${args.join(' ')}`);
    }
    rejects(() => parse('tasks:\n  t: {command: upload, remote: /r, max_size: huge}\n'), /tasks\.t\.max_size: expected a size like 500, 10k/);
    rejects(() => parse('tasks:\n  t: {command: upload, remote: /r, max_age: old}\n'), /tasks\.t\.max_age: expected an age/);
  });

  it("pyftpsync's run flags and credential keys reach the command; --no-… replaces the task's choice", () => {
    const creds = parse('tasks:\n  t: {command: upload, remote: /r, no_keyring: true, no_netrc: true, prompt: true, progress: true, case: strict}\n');
    const task = selectTask(creds, 't');
    const plain = taskArguments(creds, task, flags(), '/p').args;
    for (const arg of ['--no-keyring', '--no-netrc', '--prompt', '--progress', '--case=strict']) assert.ok(plain.includes(arg), `${arg} in ${plain.join(' ')}`);
    const flagged = taskArguments(
      creds,
      task,
      flags({ prompt: false, progress: false, case: 'local', verifyHostKeys: false, ftpActive: true, storePassword: true, migrate: true }),
      '/p',
    ).args;
    for (const arg of ['--no-prompt', '--no-progress', '--case=local', '--no-verify-host-keys', '--ftp-active', '--store-password'])
      assert.ok(flagged.includes(arg), `${arg} in ${flagged.join(' ')}`);
    for (const arg of ['--prompt', '--progress', '--case=strict']) assert.ok(!flagged.includes(arg), `${arg} not in ${flagged.join(' ')}`);
  });

  it('scan and tree tasks look at the remote, with their own options and the connection options', () => {
    const tasks = parse(`
common_config: {remote: sftp://me@h/www, dry_run: true, delete: true, no_prompt: true}
tasks:
  show: {command: tree, files: true, sort: true}
  list: {command: scan, list: true, recursive: true, remove_meta: true, exclude: "tmp"}
`);
    const tree = taskArguments(tasks, selectTask(tasks, 'show'), flags(), '/p');
    assert.deepEqual(tree.args, ['tree', '--files', '--sort', '--no-prompt', '--', 'sftp://me@h/www']);
    const scan = taskArguments(tasks, selectTask(tasks, 'list'), flags({ json: true }), '/p');
    assert.deepEqual(scan.args, ['scan', '--list', '--recursive', '--exclude=tmp', '--json', '--no-prompt', '--', 'sftp://me@h/www']);
    assert.match(scan.notes.join('\n'), /remove_meta and remove_locks are ignored/);
  });
});
