/**
 * The built CLI for a run as another user (`setpriv --reuid=65534 …`, the unprivileged-user
 * tests). That user must read dist/ and node_modules/: a checkout inside a folder other users
 * cannot enter (a 0700 home, a `mktemp -d` folder) is out of its reach, so the CLI, its npm
 * dependencies and package.json are then copied once per test process into a temp folder every
 * user can read, removed at exit. When that user cannot even run Node itself, the error names the
 * folder to open.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const copies = new Map<string, string>();

/** True when `test FLAG file` succeeds as the user the prefix switches to. */
function can(prefix: readonly string[], flag: '-r' | '-x', file: string): boolean {
  const command = prefix.at(-1) === '--' ? prefix.slice(0, -1) : prefix;
  return spawnSync(command[0]!, [...command.slice(1), '--', 'test', flag, file], { stdio: 'ignore' }).status === 0;
}

/** The outermost folder on the way to `file` that the prefix's user cannot enter. */
function closedFolder(prefix: readonly string[], file: string): string {
  let closed = path.dirname(file);
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (!can(prefix, '-x', dir)) closed = dir;
  }
  return closed;
}

/** npm packages the CLI needs at run time: the dependencies of package.json, transitively. */
function runtimePackages(repo: string): string[] {
  const modules = path.join(repo, 'node_modules');
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name) || !existsSync(path.join(modules, name, 'package.json'))) return;
    found.add(name);
    const manifest = JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) visit(dep);
  };
  const root = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { dependencies?: object };
  for (const dep of Object.keys(root.dependencies ?? {})) visit(dep);
  // Native parts come as platform packages next to their main one (@napi-rs/keyring-linux-x64-gnu).
  for (const name of [...found]) {
    const scope = name.startsWith('@') ? name.split('/')[0]! : undefined;
    const dir = scope ? path.join(modules, scope) : modules;
    for (const sibling of existsSync(dir) ? readdirSync(dir) : []) {
      const full = scope ? `${scope}/${sibling}` : sibling;
      if (full.startsWith(`${name}-`)) found.add(full);
    }
  }
  return [...found];
}

/**
 * The path of `dist/bin/ferry.js` that the user `prefix` switches to can run: `entry` itself when
 * it can read it, else a readable copy. Throws one line naming the folder to open when that user
 * cannot run Node (`process.execPath`).
 */
export function cliEntryFor(prefix: readonly string[], entry: string): string {
  if (!can(prefix, '-x', process.execPath)) {
    throw new Error(
      `${prefix.join(' ')} cannot run ${process.execPath}: open ${closedFolder(prefix, process.execPath)} to other users (chmod o+x), or use a Node.js installed where every user can run it`,
    );
  }
  if (can(prefix, '-r', entry)) return entry;
  const repo = path.resolve(path.dirname(entry), '..', '..');
  let copy = copies.get(repo);
  if (copy === undefined) {
    copy = mkdtempSync(path.join(tmpdir(), 'ferry-cli-copy-'));
    chmodSync(copy, 0o755);
    const kept = copy;
    process.on('exit', () => rmSync(kept, { recursive: true, force: true }));
    cpSync(path.join(repo, 'package.json'), path.join(copy, 'package.json'));
    cpSync(path.join(repo, 'dist'), path.join(copy, 'dist'), { recursive: true });
    const modules = realpathSync(path.join(repo, 'node_modules'));
    for (const name of runtimePackages(repo)) cpSync(path.join(modules, name), path.join(copy, 'node_modules', name), { recursive: true });
    copies.set(repo, copy);
  }
  const copied = path.join(copy, path.relative(repo, entry));
  if (!can(prefix, '-r', copied)) throw new Error(`${prefix.join(' ')} cannot read ${copied}: open ${closedFolder(prefix, copied)} to other users (chmod o+x)`);
  return copied;
}
