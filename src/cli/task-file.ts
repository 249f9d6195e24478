/**
 * Task files for `ferry run` (docs/tasks.md): pyftpsync's `pyftpsync.yaml` format, also read as
 * `ferry.yaml` and v3's `.pyftpsync.yaml`. Finding, parsing and validating are separate and, but
 * for {@link findTaskFile}'s default file check, pure: every problem is a usage FerryError (exit 2)
 * with one line naming the file, line and column, and the key's path (`tasks.deploy.delete`).
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { FerryError } from '../errors.js';
import { parseAge, parseDeleteLimit, parseSize, resolveStrategiesByMode, type ResolveStrategy, type SyncMode } from '../index.js';

/** Names looked for in each folder, in this order. */
export const TASK_FILE_NAMES = ['pyftpsync.yaml', 'ferry.yaml', '.pyftpsync.yaml'] as const;

/** How many parent folders above the current one are searched (as pyftpsync). */
export const MAX_PARENT_LEVELS = 15;

/** Commands a task may name: the sync modes, and pyftpsync's `scan` and `tree` (of the remote). */
export const RUNNABLE_COMMANDS: readonly TaskCommand[] = ['upload', 'download', 'sync', 'scan', 'tree'];

/** What a task runs. */
export type TaskCommand = SyncMode | 'scan' | 'tree';

/** What each key type reads as: the one place that ties a key's type to its value in {@link TaskSettings}. */
interface KeyValues {
  boolean: boolean;
  string: string;
  /** Comma-joined patterns (a YAML list is joined with commas). */
  patterns: string;
  'positive-int': number;
  /** Bytes per second, 0 or more (0: off). */
  'byte-rate': number;
  /** How many `-v` (true = 1). */
  verbose: number;
  command: string;
  resolve: string;
  /** A count or a percentage (`20`, `"50%"`). */
  'delete-limit': string;
  compare: string;
  case: string;
  links: string;
  /** File names, relative to the task file's folder. */
  'files-list': string[];
  /** `10k`, `1M`, or a number of bytes. */
  size: string;
  /** `7d`, or seconds. */
  age: string;
}

type KeyType = keyof KeyValues;

/** The values of the keys that take one word of a fixed list. */
const CHOICES = { compare: ['time', 'checksum'], case: ['strict', 'local', 'remote'], links: ['skip', 'follow'] } as const;

/**
 * Every key a task (or common_config) may hold, with its type. Credential keys and pyftpsync's
 * tree/scan/progress keys are accepted so pyftpsync files load; see docs/tasks.md for which act.
 */
export const TASK_KEYS = {
  command: 'command',
  remote: 'string',
  local: 'string',
  root: 'boolean',
  here: 'boolean',
  dry_run: 'boolean',
  delete: 'boolean',
  delete_unmatched: 'boolean',
  force: 'boolean',
  resolve: 'resolve',
  match: 'patterns',
  exclude: 'patterns',
  /** `--exclude-from` files (relative to the task file's folder). */
  exclude_from: 'files-list',
  /** `--include-from` files (relative to the task file's folder). */
  include_from: 'files-list',
  /** false: `--no-ignore-file`. */
  ignore_file: 'boolean',
  min_size: 'size',
  max_size: 'size',
  max_age: 'age',
  create_folder: 'boolean',
  allow_empty: 'boolean',
  max_delete: 'delete-limit',
  /** `--bwlimit`: bytes per second (500k, 1M). */
  bwlimit: 'size',
  /** `--backup-dir`, relative to each side's root. */
  backup_dir: 'string',
  report_problems: 'boolean',
  verbose: 'verbose',
  quiet: 'boolean',
  json: 'boolean',
  no_color: 'boolean',
  state_dir: 'string',
  parallel: 'positive-int',
  timeout: 'positive-int',
  /** `--min-rate`: bytes per second (0: off). */
  min_rate: 'byte-rate',
  time_window: 'positive-int',
  compare: 'compare',
  case: 'case',
  links: 'links',
  ssh_key: 'string',
  known_hosts: 'string',
  /** `--jump`: SSH jump hosts, `[user@]host[:port]` separated by commas. */
  jump: 'string',
  proxy_command: 'string',
  /** `--log-file`, relative to the task folder. */
  log_file: 'string',
  no_verify_host_keys: 'boolean',
  no_verify_certs: 'boolean',
  ca_file: 'string',
  ftp_active: 'boolean',
  encoding: 'string',
  prompt: 'boolean',
  no_prompt: 'boolean',
  no_keyring: 'boolean',
  no_netrc: 'boolean',
  store_password: 'boolean',
  // pyftpsync options ferry's run accepts and ignores: progress bars, and tree/scan tasks' flags.
  progress: 'boolean',
  files: 'boolean',
  sort: 'boolean',
  list: 'boolean',
  recursive: 'boolean',
  remove_meta: 'boolean',
  remove_locks: 'boolean',
} as const satisfies Record<string, KeyType>;

export type TaskKey = keyof typeof TASK_KEYS;

/**
 * One task's settings as written (common_config merged in by {@link selectTask}): every key of
 * {@link TASK_KEYS}, optional, with the value its type reads as, so the schema is declared once.
 */
export type TaskSettings = { -readonly [K in TaskKey]?: KeyValues[(typeof TASK_KEYS)[K]] };

/** A parsed, validated task file. */
export interface TaskFile {
  /** Absolute path of the file. */
  readonly file: string;
  /** Its folder: `local` and other relative paths are relative to it. */
  readonly dir: string;
  readonly defaultTask?: string;
  readonly common: TaskSettings;
  readonly tasks: ReadonlyMap<string, TaskSettings>;
}

/** A task ready to run: common_config merged, command and remote checked. */
export interface SelectedTask {
  readonly name: string;
  readonly command: TaskCommand;
  readonly remote: string;
  readonly settings: TaskSettings;
}

function usage(message: string): FerryError {
  return new FerryError('usage', message);
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Looks for a task file in `startDir` and up to {@link MAX_PARENT_LEVELS} parents; the nearest
 * folder holding one wins. Two task files in that folder are an error (which one counts would be
 * a guess). When none is found, `userFile` (the user-wide `ferry.yaml` in ferry's configuration
 * folder) is used if it exists.
 */
export function findTaskFile(startDir: string, exists: (file: string) => boolean = isFile, userFile?: string): string {
  let dir = path.resolve(startDir);
  let last = dir;
  for (let level = 0; level <= MAX_PARENT_LEVELS; level++) {
    const found = TASK_FILE_NAMES.map((name) => path.join(dir, name)).filter(exists);
    if (found.length > 1) {
      throw usage(`${found.map((f) => path.basename(f)).join(' and ')} are both in ${dir}: keep one task file per folder`);
    }
    if (found.length === 1) return found[0]!;
    last = dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (userFile !== undefined && exists(userFile)) return userFile;
  const where = last === path.resolve(startDir) ? path.resolve(startDir) : `${path.resolve(startDir)} and its parents up to ${last}`;
  throw usage(`no task file found: looked for ${TASK_FILE_NAMES.join(', ')} in ${where}${userFile === undefined ? '' : `, and for ${userFile}`}`);
}

/** Parses and validates a task file's text. `file` is its absolute path (for messages and `dir`). */
export function parseTaskFile(text: string, file: string): TaskFile {
  const lineCounter = new LineCounter();
  // YAML 1.1 as PyYAML reads pyftpsync's files: `yes`/`no`/`on`/`off` are booleans there too.
  const doc = parseDocument(text, { version: '1.1', lineCounter, prettyErrors: true, uniqueKeys: true });
  const at = (node: Node | null | undefined): string => {
    const offset = node?.range?.[0];
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  const problem = doc.errors[0];
  if (problem) {
    const pos = problem.linePos?.[0];
    const first = (problem.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw usage(`${pos ? `${file}:${pos.line}:${pos.col}` : file}: malformed YAML: ${first}`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw usage(`${at(root)}: expected a mapping with default_task, common_config and tasks`);

  let defaultTask: string | undefined;
  let common: TaskSettings = {};
  let tasksNode: YAMLMap | undefined;
  for (const pair of root.items) {
    const key = keyName(pair.key, '', at);
    const value = pair.value as Node | null;
    switch (key) {
      case 'default_task':
        if (!isScalar(value) || typeof value.value !== 'string') throw usage(`${at(value ?? (pair.key as Node))}: default_task: expected a task name`);
        defaultTask = value.value;
        break;
      case 'common_config':
        if (value === null || (isScalar(value) && value.value === null)) break;
        common = readSettings(value, 'common_config', at);
        break;
      case 'tasks':
        if (!isMap(value)) throw usage(`${at(value ?? (pair.key as Node))}: tasks: expected a mapping of task names to their settings`);
        tasksNode = value;
        break;
      default:
        throw usage(`${at(pair.key as Node)}: ${key}: unknown key (expected default_task, common_config or tasks)`);
    }
  }
  if (!tasksNode) throw usage(`${file}: tasks: missing (a task file needs at least one task)`);
  const tasks = new Map<string, TaskSettings>();
  for (const pair of tasksNode.items) {
    const name = keyName(pair.key, 'tasks.', at);
    const value = pair.value as Node | null;
    tasks.set(name, value === null || (isScalar(value) && value.value === null) ? {} : readSettings(value, `tasks.${name}`, at));
  }
  if (tasks.size === 0) throw usage(`${at(tasksNode)}: tasks: empty (a task file needs at least one task)`);
  if (defaultTask !== undefined && !tasks.has(defaultTask)) {
    throw usage(`${file}: default_task: no task named "${defaultTask}" (tasks: ${[...tasks.keys()].join(', ')})`);
  }
  return { file, dir: path.dirname(file), defaultTask, common, tasks };
}

function keyName(key: unknown, prefix: string, at: (node: Node | null | undefined) => string): string {
  if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number')) return String(key.value);
  throw usage(`${at(key as Node)}: ${prefix}: keys must be plain names`);
}

function readSettings(node: Node | null, where: string, at: (node: Node | null | undefined) => string): TaskSettings {
  if (!isMap(node)) throw usage(`${at(node)}: ${where}: expected a mapping of settings`);
  const out: Record<string, unknown> = {};
  for (const pair of node.items) {
    const key = keyName(pair.key, `${where}.`, at);
    const keyPath = `${where}.${key}`;
    if (!Object.hasOwn(TASK_KEYS, key)) {
      throw usage(`${at(pair.key as Node)}: ${keyPath}: unknown key${suggest(key)}`);
    }
    const value = pair.value as Node | null;
    out[key] = readValue(TASK_KEYS[key as TaskKey], value, keyPath, at);
  }
  return out as TaskSettings;
}

function suggest(key: string): string {
  const close = Object.keys(TASK_KEYS).filter((known) => editDistance(known, key) <= 2);
  return close.length > 0 ? ` (did you mean ${close.join(' or ')}?)` : ' (see docs/tasks.md for the keys)';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function shown(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isScalar(node)) return node.value === null ? 'nothing' : JSON.stringify(node.value);
  return isMap(node) ? 'a mapping' : 'a list';
}

function readValue(type: KeyType, node: Node | null, keyPath: string, at: (node: Node | null | undefined) => string): unknown {
  const scalar = isScalar(node) ? node.value : undefined;
  const fail = (expected: string): never => {
    throw usage(`${at(node)}: ${keyPath}: expected ${expected}, got ${shown(node)}`);
  };
  switch (type) {
    case 'boolean':
      return typeof scalar === 'boolean' ? scalar : fail('true/false');
    case 'string':
      return typeof scalar === 'string' && scalar !== '' ? scalar : fail('a non-empty string');
    case 'command':
      return typeof scalar === 'string' && (RUNNABLE_COMMANDS as readonly string[]).includes(scalar) ? scalar : fail('upload, download, sync, scan or tree');
    case 'resolve': {
      const all = [...new Set(Object.values(resolveStrategiesByMode).flat())];
      return typeof scalar === 'string' && all.includes(scalar as ResolveStrategy) ? scalar : fail(all.join(', '));
    }
    case 'delete-limit': {
      const text = typeof scalar === 'number' || typeof scalar === 'string' ? String(scalar) : undefined;
      return text !== undefined && parseDeleteLimit(text) ? text : fail('a number of files (20) or a percentage up to 100% ("50%")');
    }
    case 'compare':
    case 'case':
    case 'links': {
      const choices: readonly string[] = CHOICES[type];
      return typeof scalar === 'string' && choices.includes(scalar) ? scalar : fail(choices.join(', '));
    }
    case 'files-list': {
      if (typeof scalar === 'string' && scalar !== '') return [scalar];
      if (isSeq(node) && node.items.length > 0 && node.items.every((item) => isScalar(item) && typeof item.value === 'string' && item.value !== '')) {
        return node.items.map((item) => (item as { value: string }).value);
      }
      return fail('a file name or a list of file names');
    }
    case 'size': {
      const text = typeof scalar === 'number' || typeof scalar === 'string' ? String(scalar) : undefined;
      return text !== undefined && parseSize(text) !== undefined ? text : fail('a size like 500, 10k, 1.5M or 2G');
    }
    case 'age': {
      const text = typeof scalar === 'number' || typeof scalar === 'string' ? String(scalar) : undefined;
      return text !== undefined && parseAge(text) !== undefined ? text : fail('an age like 90s, 30m, 12h, 7d or 2w');
    }
    case 'positive-int':
      return typeof scalar === 'number' && Number.isInteger(scalar) && scalar >= 1 ? scalar : fail('a whole number of 1 or more');
    case 'byte-rate':
      return typeof scalar === 'number' && Number.isInteger(scalar) && scalar >= 0
        ? scalar
        : fail('a whole number of bytes per second (0 turns the floor off)');
    case 'verbose':
      if (typeof scalar === 'boolean') return scalar ? 1 : 0;
      return typeof scalar === 'number' && Number.isInteger(scalar) && scalar >= 0 ? scalar : fail('true/false or a count of -v');
    case 'patterns': {
      if (typeof scalar === 'string') return scalar;
      if (isSeq(node)) {
        return node.items
          .map((item) => {
            if (!isScalar(item) || typeof item.value !== 'string') {
              throw usage(`${at(item as Node)}: ${keyPath}: expected patterns as strings, got ${shown(item as Node)}`);
            }
            return item.value;
          })
          .join(',');
      }
      return fail('comma-separated patterns or a list of patterns');
    }
  }
}

/**
 * Picks the task to run (`name`, else default_task), merges common_config under it and checks
 * that it can run: a runnable command and a remote.
 */
export function selectTask(taskFile: TaskFile, name: string | undefined): SelectedTask {
  const known = [...taskFile.tasks.keys()].join(', ');
  const taskName = name ?? taskFile.defaultTask;
  if (taskName === undefined) {
    throw usage(`${taskFile.file}: no task given and no default_task: name one of: ${known}`);
  }
  const own = taskFile.tasks.get(taskName);
  if (!own) throw usage(`${taskFile.file}: no task named "${taskName}" (tasks: ${known})`);
  const common: TaskSettings = { ...taskFile.common };
  // root and here are one choice: the task's replaces common_config's.
  if (own.root !== undefined || own.here !== undefined) {
    delete common.root;
    delete common.here;
  }
  const settings: TaskSettings = { ...common, ...own };
  const where = `${taskFile.file}: tasks.${taskName}`;
  const command = settings.command;
  if (command === undefined) throw usage(`${where}: missing command (upload, download, sync, scan or tree), in the task or common_config`);
  if (!(RUNNABLE_COMMANDS as readonly string[]).includes(command)) {
    throw usage(`${where}.command: ${command} tasks are not supported by ferry run (upload, download, sync, scan or tree)`);
  }
  if (settings.remote === undefined) throw usage(`${where}: missing remote, in the task or common_config`);
  if (settings.root && settings.here) throw usage(`${where}: root and here are both true: keep one`);
  if (settings.prompt && settings.no_prompt) throw usage(`${where}: prompt and no_prompt are both true: keep one`);
  // A scan or tree task looks at the remote: the sync keys of common_config do not concern it.
  if (command === 'scan' || command === 'tree') return { name: taskName, command, remote: settings.remote, settings };
  const mode = command as SyncMode;
  if (settings.resolve !== undefined && !(resolveStrategiesByMode[mode] as readonly string[]).includes(settings.resolve)) {
    throw usage(`${where}.resolve: ${settings.resolve} does not apply to ${mode} (use ${resolveStrategiesByMode[mode].join(', ')})`);
  }
  if (mode === 'sync') {
    for (const key of ['delete', 'delete_unmatched'] as const) {
      // Set in common_config for the one-way tasks, such keys do not stop a sync task.
      if (own[key]) throw usage(`${where}.${key}: does not apply to sync (it propagates the deletions it detects)`);
    }
    // common_config's force means "the source is the truth" for one-way tasks; only a sync task's
    // own force (which releases the clock-shift brake) applies to it.
    if (!own.force) delete settings.force;
  }
  return { name: taskName, command: mode, remote: settings.remote, settings };
}
