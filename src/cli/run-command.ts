/**
 * `ferry run [TASK]`: runs a task of a task file (docs/tasks.md). The task becomes the command
 * line of `ferry upload|download|sync`, which goes through the normal command path, so a task
 * means exactly what the same options on the command line mean.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { FerryError } from '../errors.js';
import { DEFAULT_EXCLUDES, redact } from '../index.js';
import type { SelectedTask, TaskFile } from './task-file.js';
import { writeRaw } from './output-stream.js';
import { printable } from './render/printable.js';

/** Flags of `run` (as pyftpsync's: they only switch a task's booleans on, but --execute). */
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

/** Options the sync command declares (credential options may not exist yet). */
function declares(program: Command, mode: string, long: string): boolean {
  const command = program.commands.find((c) => c.name() === mode);
  return command?.options.some((option) => option.long === long) ?? false;
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
  declared: (long: string) => boolean = () => true,
): { args: string[]; local: string; remote: string; dryRun: boolean } {
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
  const on = (value: boolean | undefined, long: string): void => {
    if (value) args.push(long);
  };
  const withValue = (value: string | number | undefined, long: string): void => {
    // `--opt=value` so a value starting with `-` is never read as an option.
    if (value !== undefined) args.push(`${long}=${value}`);
  };
  on(dryRun, '--dry-run');
  on(s.delete, '--delete');
  on(s.delete_unmatched, '--delete-unmatched');
  on(s.force || flags.force, '--force');
  withValue(s.resolve, '--resolve');
  withValue(s.match, '--match');
  // The task file itself is never synced: it may hold a password in the remote URL.
  withValue([s.exclude ?? DEFAULT_EXCLUDES.join(','), path.basename(taskFile.file)].filter((p) => p !== '').join(','), '--exclude');
  on(s.create_folder || flags.createFolder, '--create-folder');
  on(s.allow_empty, '--allow-empty');
  withValue(s.max_delete, '--max-delete');
  withValue(s.backup_dir, '--backup-dir');
  on(s.report_problems || flags.reportProblems, '--report-problems');
  const verbose = (s.verbose ?? 0) + flags.verbose;
  for (let i = 0; i < verbose; i++) args.push('--verbose');
  on(s.quiet || flags.quiet, '--quiet');
  on(s.json || flags.json, '--json');
  on(s.no_color || !flags.color, '--no-color');
  withValue(s.state_dir !== undefined ? pathFrom(dir, s.state_dir) : undefined, '--state-dir');
  withValue(s.parallel, '--parallel');
  withValue(s.timeout, '--timeout');
  withValue(s.time_window, '--time-window');
  withValue(s.compare, '--compare');
  withValue(s.case, '--case');
  withValue(s.links, '--links');
  withValue(s.ssh_key !== undefined ? pathFrom(dir, s.ssh_key) : undefined, '--ssh-key');
  withValue(s.known_hosts !== undefined ? pathFrom(dir, s.known_hosts) : undefined, '--known-hosts');
  on(s.no_verify_host_keys, '--no-verify-host-keys');
  on(s.no_verify_certs, '--no-verify-certs');
  withValue(s.ca_file !== undefined ? pathFrom(dir, s.ca_file) : undefined, '--ca-file');
  on(s.ftp_active, '--ftp-active');
  withValue(s.encoding, '--encoding');
  // Credential options: passed on once the sync commands have them; accepted and unused until then.
  for (const [value, long] of [
    [s.prompt, '--prompt'],
    [s.no_prompt, '--no-prompt'],
    [s.no_keyring, '--no-keyring'],
    [s.no_netrc, '--no-netrc'],
    [s.store_password, '--store-password'],
  ] as const) {
    if (value && declared(long)) args.push(long);
  }
  args.push('--', local, remote);
  return { args, local, remote, dryRun };
}

/** Adds `run`; `runSyncCommand` parses `ferry ARGS...` through the normal program. */
export function addRunCommand(program: Command, runSyncCommand: (args: string[]) => Promise<void>): void {
  program
    .command('run')
    .description('run a task of a pyftpsync.yaml / ferry.yaml task file (see docs/tasks.md)')
    .argument('[TASK]', 'the task to run (default: the file\'s default_task)')
    .option('--here', 'sync only the current sub-folder with the matching remote sub-folder')
    .option('--root', 'sync from the task file\'s folder even when run in a sub-folder')
    .option('-n, --dry-run', 'show what would be done, change nothing')
    .option('--no-dry-run', 'run for real although the task says dry_run: true (same as --execute)')
    .option('--execute', 'run for real although the task says dry_run: true')
    .option('--create-folder', 'create the missing target folder')
    .option('--force', 'as the task\'s force: true')
    .option('--report-problems', 'exit with code 10 when conflicts were left or errors happened')
    .option('-v, --verbose', 'more output (repeat for more)', (_value: string, previous: number) => previous + 1, 0)
    .option('-q, --quiet', 'print only the summary and errors')
    .option('--json', 'print one JSON event per line on stdout (see docs/json-events.md)')
    .option('--no-color', 'no colours')
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
      const cwd = process.cwd();
      const file = findTaskFile(cwd);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new FerryError('config', `cannot read ${file}: ${(error as Error).message}`);
      }
      const taskFile = parseTaskFile(text, file);
      const task = selectTask(taskFile, name);
      const { args, local, remote, dryRun } = taskArguments(taskFile, task, flags, cwd, (long) => declares(program, task.command, long));
      const s = task.settings;
      if (!(s.json || flags.json) && !(s.quiet || flags.quiet)) {
        writeRaw(process.stdout, `${dryRun ? '(DRY-RUN) ' : ''}${printable(`Task ${task.name} from ${file}: ${task.command} ${local} ${redact(remote)}`)}\n`);
      }
      await runSyncCommand(args);
    });
}
