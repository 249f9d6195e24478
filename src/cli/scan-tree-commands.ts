/**
 * The `scan` and `tree` commands: look at one target without syncing anything (docs/scan-tree.md).
 * Both scan the whole tree with the library's `scanTarget`; they differ only in how they print it.
 */
import { readRuleFiles } from './filter-options.js';
import type { Command } from 'commander';
import { DEFAULT_EXCLUDES, ExitCode, FerryError, scanTarget, splitPatterns, type ScannedEntry, type ScanTargetResult } from '../index.js';
import { addConnectionOptions, connectionOptionsOf, type ConnectionFlags } from './connection-options.js';
import { writeLine } from './output-stream.js';
import { withInterrupt } from './with-interrupt.js';
import { printable } from './render/printable.js';

/** Options commander parses for `scan` and `tree`. */
interface ScanTreeFlags extends ConnectionFlags {
  list?: boolean;
  recursive?: boolean;
  files?: boolean;
  sort?: boolean;
  match?: string;
  exclude?: string;
  excludeFrom?: string[];
  json?: boolean;
}

const TARGET_HELP = 'folder to look at: a path, file://, sftp://[user[:password]@]host[:port]/path, ftp://... or ftps://...';

const out = (line: string): void => writeLine(process.stdout, line);
const err = (line: string): void => writeLine(process.stderr, line);

/** The filter and connection options both commands share. */
function addSharedOptions(command: Command): Command {
  return addConnectionOptions(command)
    .option('-m, --match <patterns>', 'show only files matching these comma-separated globs (a pattern with a / matches the path from the root)')
    .option(
      '-x, --exclude <patterns>',
      `leave out files and folders matching these comma-separated globs: a name anywhere, or a path from the root when the pattern has a / (default "${DEFAULT_EXCLUDES.join(',')}")`,
    )
    .option(
      '--exclude-from <file>',
      'leave out the paths listed in FILE, in .gitignore syntax; repeatable',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option('--json', 'print one JSON object per entry and a summary object, one per line');
}

/** The commands this file adds. */
export type ScanTreeCommand = 'scan' | 'tree';

/**
 * Adds `scan` and `tree` (or only those in `names`) to the program. `setExitCode` receives 1 when
 * the scan had problems (unreadable folders, refused names); without it such a run ends with a
 * one-line error instead.
 */
export function addScanTreeCommands(program: Command, setExitCode?: (code: number) => void, names: readonly ScanTreeCommand[] = ['scan', 'tree']): void {
  const finish = (result: ScanTargetResult): void => {
    if (result.problems.length === 0) {
      setExitCode?.(ExitCode.ok);
      return;
    }
    if (setExitCode) setExitCode(ExitCode.error);
    else throw new FerryError('backend', `${plural(result.problems.length, 'problem', 'problems')} while scanning ${result.displayName}`);
  };

  if (names.includes('scan')) addScan(program, finish);
  if (names.includes('tree')) addTree(program, finish);
}

function addScan(program: Command, finish: (result: ScanTargetResult) => void): void {
  addSharedOptions(
    program
      .command('scan')
      .description('scan a folder (local or remote) and print what it holds: counts, total size, optionally every entry')
      .argument('<TARGET>', TARGET_HELP)
      .option('--list', 'list entries (size, modification time in UTC, path; folders as [name]/)')
      .option('-r, --recursive', 'with --list: list the whole tree, not only the top level'),
  )
    .addHelpText(
      'after',
      `
Counts and the total size always cover the whole tree; without -r, --list shows only the top level.
--json prints every entry (whole tree) as {"type":"entry",...} and then {"type":"summary",...}.

Examples:
  $ ferry scan ./site                                  # files, folders, total size
  $ ferry scan sftp://me@example.com/var/www --list    # the top level, with sizes and mtimes
  $ ferry scan ./site --list -r -x ".git,node_modules"
  $ ferry scan ftp://user@host/data --json | jq -r 'select(.type=="entry") | .path'

Exit codes: 0 ok, 1 error or problems (an unreadable folder, a missing target), 2 usage, 3 interrupted.`,
    )
    .action(async (target: string, flags: ScanTreeFlags) => {
      const result = await withInterrupt((signal) => scanTarget({ target, ...scanOptions(flags), signal }), { timeoutSeconds: flags.timeout });
      if (flags.json) printJson(result, () => true);
      else printScan(result, flags);
      finish(result);
    });
}

function addTree(program: Command, finish: (result: ScanTargetResult) => void): void {
  addSharedOptions(
    program
      .command('tree')
      .description('draw the folder tree of a target (local or remote)')
      .argument('<TARGET>', TARGET_HELP)
      .option('--files', 'show files too, not only folders')
      .option('--sort', 'sort names (accepted for pyftpsync compatibility: names are always sorted)'),
  )
    .addHelpText(
      'after',
      `
Names are always sorted (by Unicode code point); folders are drawn as [name]/.

Examples:
  $ ferry tree ./site
  $ ferry tree sftp://me@example.com/var/www --files
  $ ferry tree ./site --files -m "*.html" --json

Exit codes: 0 ok, 1 error or problems (an unreadable folder, a missing target), 2 usage, 3 interrupted.`,
    )
    .action(async (target: string, flags: ScanTreeFlags) => {
      const result = await withInterrupt((signal) => scanTarget({ target, ...scanOptions(flags), signal }), { timeoutSeconds: flags.timeout });
      const shown = (entry: ScannedEntry): boolean => entry.kind === 'dir' || (flags.files ?? false);
      if (flags.json) printJson(result, shown);
      else printTree(result, shown);
      finish(result);
    });
}

function scanOptions(flags: ScanTreeFlags) {
  return {
    match: flags.match !== undefined ? splitPatterns(flags.match) : undefined,
    exclude: flags.exclude !== undefined ? splitPatterns(flags.exclude) : undefined,
    excludeRules: readRuleFiles(flags.excludeFrom, '--exclude-from'),
    connection: { ...connectionOptionsOf(flags, flags.json ?? false), warn: (message: string) => err(`warning: ${printable(message)}`) },
  };
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `1536` → `1.5 KiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte', 'bytes');
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A modification time in UTC, to the second: `2024-05-06 07:08:09`. */
function formatMtime(mtimeMs: number): string {
  return new Date(mtimeMs).toISOString().slice(0, 19).replace('T', ' ');
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function depthOf(path: string): number {
  let depth = 0;
  for (const ch of path) if (ch === '/') depth++;
  return depth;
}

function printProblems(result: ScanTargetResult): void {
  for (const problem of result.problems) err(`problem: ${printable(problem.message)}`);
}

function summaryLine(result: ScanTargetResult): string {
  const parts = [
    `${plural(result.files, 'file', 'files')} in ${plural(result.folders, 'folder', 'folders')}, ${formatSize(result.bytes)}` +
      (result.bytes >= 1024 ? ` (${result.bytes.toLocaleString('en-US')} bytes)` : ''),
  ];
  if (result.unmatched > 0) parts.push(`not matching --match: ${result.unmatched}`);
  if (result.ignored.length > 0) parts.push(`ignored: ${result.ignored.length}`);
  if (result.problems.length > 0) parts.push(`problems: ${result.problems.length}`);
  return `${parts.join(', ')}. Elapsed: ${(result.elapsedMs / 1000).toFixed(2)} sec.`;
}

const SIZE_WIDTH = 14;
const MTIME_WIDTH = 19;

function printScan(result: ScanTargetResult, flags: ScanTreeFlags): void {
  out(`Scanning ${printable(result.displayName)}`);
  if (flags.list) {
    const visible = (path: string): boolean => (flags.recursive ?? false) || depthOf(path) === 0;
    for (const entry of result.entries) {
      if (!visible(entry.path)) continue;
      if (entry.kind === 'dir') out(`${' '.repeat(SIZE_WIDTH)}  ${' '.repeat(MTIME_WIDTH)}  [${printable(entry.path)}]/`);
      else out(`${String(entry.size).padStart(SIZE_WIDTH)}  ${formatMtime(entry.mtimeMs)}  ${printable(entry.path)}`);
    }
    for (const item of result.ignored) {
      if (visible(item.path)) out(`${'-'.padStart(SIZE_WIDTH)}  ${' '.repeat(MTIME_WIDTH)}  ${printable(item.path)}  (ignored: ${printable(item.why)})`);
    }
  }
  printProblems(result);
  out(summaryLine(result));
}

function printTree(result: ScanTargetResult, shown: (entry: ScannedEntry) => boolean): void {
  const children = new Map<string, ScannedEntry[]>();
  for (const entry of result.entries) {
    if (!shown(entry)) continue;
    const slash = entry.path.lastIndexOf('/');
    const parent = slash < 0 ? '' : entry.path.slice(0, slash);
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(entry);
  }
  out(printable(result.displayName));
  const draw = (dir: string, indent: string): void => {
    const list = children.get(dir) ?? [];
    list.forEach((entry, index) => {
      const last = index === list.length - 1;
      const name = baseName(entry.path);
      out(`${indent}${last ? '└── ' : '├── '}${entry.kind === 'dir' ? `[${printable(name)}]/` : printable(name)}`);
      if (entry.kind === 'dir') draw(entry.path, `${indent}${last ? '    ' : '│   '}`);
    });
  };
  draw('', '');
  printProblems(result);
  out(summaryLine(result));
}

function printJson(result: ScanTargetResult, shown: (entry: ScannedEntry) => boolean): void {
  for (const entry of result.entries) {
    if (!shown(entry)) continue;
    out(
      JSON.stringify(
        entry.kind === 'dir'
          ? { type: 'entry', kind: 'dir', path: entry.path, depth: depthOf(entry.path) }
          : {
              type: 'entry',
              kind: 'file',
              path: entry.path,
              depth: depthOf(entry.path),
              size: entry.size,
              mtime: new Date(entry.mtimeMs).toISOString(),
              mtimeMs: entry.mtimeMs,
            },
      ),
    );
  }
  for (const item of result.ignored) out(JSON.stringify({ type: 'ignored', path: item.path, why: item.why }));
  for (const problem of result.problems) out(JSON.stringify({ type: 'problem', ...problem }));
  out(
    JSON.stringify({
      type: 'summary',
      target: result.displayName,
      files: result.files,
      folders: result.folders,
      bytes: result.bytes,
      unmatched: result.unmatched,
      ignored: result.ignored.length,
      problems: result.problems.length,
      unreadable: result.unreadable,
      elapsedMs: result.elapsedMs,
    }),
  );
}
