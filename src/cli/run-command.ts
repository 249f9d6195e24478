/**
 * `ferry run [TASK]`: runs a task of a task file (docs/tasks.md). The task becomes the command
 * line of `ferry upload|download|sync`, which goes through the normal command path, so a task
 * means exactly what the same options on the command line mean.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { FerryError } from '../errors.js';
import { DEFAULT_EXCLUDES, defaultConfigDir, displayTarget } from '../index.js';
import type { SelectedTask, TaskFile } from './task-file.js';
import { writeRaw } from './output-stream.js';
import { VERBOSE_HELP } from './run-logging.js';
import { printable } from './render/printable.js';

/**
 * Flags of `run` (as pyftpsync's: they only switch a task's booleans on, but --execute and the
 * `--no-…` forms, which switch off what a task says).
 */
export interface RunCommandFlags {
  here?: boolean;
  root?: boolean;
  dryRun?: boolean;
  execute?: boolean;
  createFolder?: boolean;
  force?: boolean;
  reportProblems?: boolean;
  verbose: number;
  quiet?: boolean;
  json?: boolean;
  color: boolean;
  logFile?: string;
  /** `--progress` true, `--no-progress` false. */
  progress?: boolean;
  /** `--prompt` true, `--no-prompt` false. */
  prompt?: boolean;
  /** `--no-keyring` makes it false. */
  keyring?: boolean;
  /** `--no-netrc` makes it false. */
  netrc?: boolean;
  storePassword?: boolean;
  /** `--no-verify-host-keys` makes it false. */
  verifyHostKeys?: boolean;
  /** `--no-verify-certs` makes it false. */
  verifyCerts?: boolean;
  ftpActive?: boolean;
  case?: string;
  /** pyftpsync's `--migrate`: ferry reads pyftpsync's metadata on its own; accepted. */
  migrate?: boolean;
  /** tree tasks: show files too. */
  files?: boolean;
  /** tree tasks: accepted (names are always sorted). */
  sort?: boolean;
  /** Prints the task names of the task file, one a line (for shell completion). */
  listTasks?: boolean;
}

function usage(message: string): FerryError {
  return new FerryError('usage', message);
}

/** A path from the task file: `~/` is the home folder, relative paths are relative to `dir`. */
function pathFrom(dir: string, value: string): string {
  if (value === '~' || value.startsWith('~/')) return path.join(homedir(), value.slice(1));
  return path.resolve(dir, value);
}

/** The remote with `rel` (a `/` path below the task file's folder) appended, for `--here`. */
function remoteBelow(remote: string, rel: string, dir: string): string {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(remote)?.[1]?.toLowerCase();
  if (scheme === undefined) return path.join(pathFrom(dir, remote), ...rel.split('/'));
  if (scheme === 'file') return path.join(fileURLToPath(remote), ...rel.split('/'));
  if (rel === '') return remote;
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    return remote; // the sync command reports the bad URL
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${rel.split('/').map(encodeURIComponent).join('/')}`;
  return url.href;
}

/**
 * The `ferry MODE ...` arguments for a task, as run from `cwd`. Pure but for the `declares` check.
 * Exported for tests.
 */
export function taskArguments(
  taskFile: TaskFile,
  task: SelectedTask,
  flags: RunCommandFlags,
  cwd: string,
): { args: string[]; local: string; remote: string; dryRun: boolean; notes: string[] } {
  const s = task.settings;
  const dir = taskFile.dir;
  if (flags.here && flags.root) throw usage('run: --here and --root cannot be used together');
  if (flags.dryRun && flags.execute) throw usage('run: --dry-run and --execute cannot be used together');
  const here = flags.here || (!flags.root && s.here === true);
  const rel = path.relative(dir, cwd);
  const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  let local = s.local !== undefined ? pathFrom(dir, s.local) : dir;
  const isUrl = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(task.remote);
  let remote = isUrl && !task.remote.toLowerCase().startsWith('file://') ? task.remote : remoteBelow(task.remote, '', dir);
  if (here) {
    if (!inside) throw usage(`run --here: the current folder ${cwd} is not inside ${dir}`);
    const posixRel = rel.split(path.sep).join('/');
    local = path.join(local, ...posixRel.split('/'));
    remote = remoteBelow(task.remote, posixRel, dir);
  } else if (!flags.root && s.root !== true && rel !== '') {
    throw usage(
      `run: ${cwd} is below the task file's folder ${dir}: pass --root to run the task from there, or --here to sync only this sub-folder (or set root: true or here: true in the task)`,
    );
  }

  const dryRun = flags.execute || flags.dryRun === false ? false : (flags.dryRun ?? false) || s.dry_run === true;
  const args: string[] = [task.command];
  const notes: string[] = [];
  const on = (value: boolean | undefined, long: string): void => {
    if (value) args.push(long);
  };
  const withValue = (value: string | number | undefined, long: string): void => {
    // `--opt=value` so a value starting with `-` is never read as an option.
    if (value !== undefined) args.push(`${long}=${value}`);
  };
  // Connection and credential options: every command a task runs takes them.
  const connection = (): void => {
    withValue(s.parallel, '--parallel');
    withValue(s.timeout, '--timeout');
    withValue(s.min_rate, '--min-rate');
    withValue(s.ssh_key !== undefined ? pathFrom(dir, s.ssh_key) : undefined, '--ssh-key');
    withValue(s.known_hosts !== undefined ? pathFrom(dir, s.known_hosts) : undefined, '--known-hosts');
    withValue(s.jump, '--jump');
    withValue(s.proxy_command, '--proxy-command');
    on(s.no_verify_host_keys || flags.verifyHostKeys === false, '--no-verify-host-keys');
    on(s.no_verify_certs || flags.verifyCerts === false, '--no-verify-certs');
    withValue(s.ca_file !== undefined ? pathFrom(dir, s.ca_file) : undefined, '--ca-file');
    on(s.ftp_active || flags.ftpActive, '--ftp-active');
    withValue(s.encoding, '--encoding');
    // The command line's --prompt / --no-prompt replaces the task's choice.
    const prompt = flags.prompt ?? (s.prompt ? true : s.no_prompt ? false : undefined);
    on(prompt === true, '--prompt');
    on(prompt === false, '--no-prompt');
    on(s.no_keyring || flags.keyring === false, '--no-keyring');
    on(s.no_netrc || flags.netrc === false, '--no-netrc');
    on(s.store_password || flags.storePassword, '--store-password');
  };

  if (task.command === 'scan' || task.command === 'tree') {
    // pyftpsync's scan and tree look at one target: the task's remote (with --here, the
    // matching sub-folder of it).
    if (task.command === 'scan') {
      on(s.list, '--list');
      on(s.recursive, '--recursive');
      if (s.remove_meta || s.remove_locks)
        notes.push(
          `task ${task.name}: remove_meta and remove_locks are ignored (ferry's scan changes nothing; upload, download and sync take --remove-pyftpsync-meta)`,
        );
    } else {
      on(s.files || flags.files, '--files');
      on(s.sort || flags.sort, '--sort');
    }
    withValue(s.match, '--match');
    withValue(s.exclude, '--exclude');
    for (const file of s.exclude_from ?? []) withValue(pathFrom(dir, file), '--exclude-from');
    on(s.json || flags.json, '--json');
    connection();
    args.push('--', remote);
    return { args, local, remote, dryRun: false, notes };
  }

  on(dryRun, '--dry-run');
  on(s.delete, '--delete');
  on(s.delete_unmatched, '--delete-unmatched');
  on(s.force || flags.force, '--force');
  withValue(s.resolve, '--resolve');
  withValue(s.match, '--match');
  // The task file itself is never synced: it may hold a password in the remote URL.
  withValue([s.exclude ?? DEFAULT_EXCLUDES.join(','), path.basename(taskFile.file)].filter((p) => p !== '').join(','), '--exclude');
  for (const file of s.exclude_from ?? []) withValue(pathFrom(dir, file), '--exclude-from');
  for (const file of s.include_from ?? []) withValue(pathFrom(dir, file), '--include-from');
  on(s.ignore_file === false, '--no-ignore-file');
  withValue(s.min_size, '--min-size');
  withValue(s.max_size, '--max-size');
  withValue(s.max_age, '--max-age');
  on(s.create_folder || flags.createFolder, '--create-folder');
  on(s.allow_empty, '--allow-empty');
  withValue(s.max_delete, '--max-delete');
  withValue(s.bwlimit, '--bwlimit');
  withValue(s.backup_dir, '--backup-dir');
  on(s.report_problems || flags.reportProblems, '--report-problems');
  const verbose = (s.verbose ?? 0) + flags.verbose;
  for (let i = 0; i < verbose; i++) args.push('--verbose');
  on(s.quiet || flags.quiet, '--quiet');
  withValue(flags.logFile ?? (s.log_file !== undefined ? pathFrom(dir, s.log_file) : undefined), '--log-file');
  on(s.json || flags.json, '--json');
  on(s.no_color || !flags.color, '--no-color');
  withValue(s.state_dir !== undefined ? pathFrom(dir, s.state_dir) : undefined, '--state-dir');
  withValue(s.time_window, '--time-window');
  withValue(s.compare, '--compare');
  withValue(flags.case ?? s.case, '--case');
  withValue(s.links, '--links');
  // pyftpsync's progress bar: ferry's progress display (--no-progress on the command line wins).
  const progress = flags.progress ?? (s.progress ? true : undefined);
  on(progress === true, '--progress');
  on(progress === false, '--no-progress');
  connection();
  args.push('--', local, remote);
  return { args, local, remote, dryRun, notes };
}

/** Adds `run`; `runSyncCommand` parses `ferry ARGS...` through the normal program. */
export function addRunCommand(program: Command, runSyncCommand: (args: string[]) => Promise<void>): void {
  program
    .command('run')
    .description('run a task of a pyftpsync.yaml / ferry.yaml task file (see docs/tasks.md)')
    .argument('[TASK]', "the task to run (default: the file's default_task)")
    .option('--here', 'sync only the current sub-folder with the matching remote sub-folder')
    .option('--root', "sync from the task file's folder even when run in a sub-folder")
    .option('-n, --dry-run', 'show what would be done, change nothing')
    .option('--no-dry-run', 'run for real although the task says dry_run: true (same as --execute)')
    .option('--execute', 'run for real although the task says dry_run: true')
    .option('--create-folder', 'create the missing target folder')
    .option('--force', "as the task's force: true")
    .option('--report-problems', 'exit with code 10 when conflicts were left or errors happened')
    .option('-v, --verbose', VERBOSE_HELP, (_value: string, previous: number) => previous + 1, 0)
    .option('--log-file <file>', "append the run's output lines (as -v prints them), warnings and errors to FILE with timestamps")
    .option('-q, --quiet', 'print only the summary and errors')
    .option('--json', 'print one JSON event per line on stdout (see docs/json-events.md)')
    .option('--no-color', 'no colours')
    .option('--progress', "show progress even with -q or --json (as the task's progress: true)")
    .option('--no-progress', 'never show progress')
    .addOption(
      new Option('--case <side>', "names differing only in case: strict, local or remote (replaces the task's case)").choices(['strict', 'local', 'remote']),
    )
    .option('--ftp-active', 'FTP: active mode instead of passive')
    .option('--no-verify-host-keys', 'SFTP: accept any host key (unsafe)')
    .option('--no-verify-certs', 'FTPS: accept any certificate (unsafe)')
    .option('--prompt', 'ask for the password even if the URL, netrc, keyring or FERRY_PASSWORD has one')
    .option('--no-prompt', 'never ask for a password (fail with an authentication error instead)')
    .option('--no-keyring', 'do not read passwords from the system keyring')
    .option('--no-netrc', 'do not read passwords from ~/.netrc ($NETRC)')
    .option('--store-password', 'after a successful login, save the password in the keyring')
    .option('--migrate', "accepted for pyftpsync compatibility: ferry reads pyftpsync's metadata on its own")
    .option('--files', 'tree tasks: show files too')
    .option('--sort', 'tree tasks: accepted for pyftpsync compatibility (names are always sorted)')
    .addOption(new Option('--list-tasks', 'print the task names of the task file, one a line').hideHelp())
    .addHelpText(
      'after',
      `
The task file (pyftpsync.yaml, ferry.yaml or .pyftpsync.yaml) is looked for in the current folder
and up to 15 parent folders. Flags only switch a task's options on; --execute switches dry_run off.

Examples:
  $ ferry run                 # the default_task
  $ ferry run deploy --execute
  $ ferry run sync_all --here # only the current sub-folder`,
    )
    .action(async (name: string | undefined, flags: RunCommandFlags) => {
      if (flags.here && flags.root) throw usage('run: --here and --root cannot be used together');
      if (flags.dryRun && flags.execute) throw usage('run: --dry-run and --execute cannot be used together');
      // Loaded here: the YAML parser costs every other command ~0.1 s of start-up.
      const { findTaskFile, parseTaskFile, selectTask } = await import('./task-file.js');
      // The user-wide task file (docs/tasks.md) runs its tasks from its own folder, wherever the
      // command is started: its paths are absolute or relative to that folder.
      const userFile = path.join(defaultConfigDir(), 'ferry.yaml');
      const file = findTaskFile(process.cwd(), undefined, userFile);
      const cwd = file === userFile ? path.dirname(userFile) : process.cwd();
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new FerryError('config', `cannot read ${file}: ${(error as Error).message}`);
      }
      const taskFile = parseTaskFile(text, file);
      if (flags.listTasks) {
        writeRaw(process.stdout, [...taskFile.tasks.keys()].map((task) => `${task}\n`).join(''));
        return;
      }
      const task = selectTask(taskFile, name);
      const { args, local, remote, dryRun, notes } = taskArguments(taskFile, task, flags, cwd);
      const s = task.settings;
      for (const note of notes) writeRaw(process.stderr, `warning: ${note}\n`);
      if (!(s.json || flags.json) && !(s.quiet || flags.quiet)) {
        const sides = task.command === 'scan' || task.command === 'tree' ? displayTarget(remote) : `${local} ${displayTarget(remote)}`;
        writeRaw(process.stdout, `${dryRun ? '(DRY-RUN) ' : ''}${printable(`Task ${task.name} from ${file}: ${task.command} ${sides}`)}\n`);
      }
      await runSyncCommand(args);
    });
}
