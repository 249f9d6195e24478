/**
 * Runs a CommonJS file with V8's code cache kept on disk, on every Node version: the `ferry`
 * command's bundle (dist/bin/main.js) is compiled from the cache when one matches, and the cache
 * is written when the first run ends, so that later starts skip parsing and compiling (about a
 * third of the CPU of a small run). Node's own `module.enableCompileCache` writes its cache when
 * a file is compiled, without the functions that run only later: it saves less (start.ts).
 *
 * The cache lives in the system's temp folder, in a folder of the user's own (`ferry-compile-cache-UID`,
 * mode 700): a cache is code this process runs, so one another user could have written is never
 * read. A cache is keyed by the variant (the command), the file's size and time, and the Node
 * version and architecture; V8 rejects one made by another V8 or with other flags, and it is then
 * rewritten. NODE_DISABLE_COMPILE_CACHE=1 turns it off, as it does Node's own cache.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import type * as vm from 'node:vm';

/**
 * Runs the CommonJS file `file` as `require` would, compiled from (and into) the code cache.
 * `variant` (a plain word) keeps a cache of its own: the cache holds the functions of the run that
 * wrote it, so the `ferry` command keeps one per command. A cache written by `ferry --help` left
 * every later sync compiling its functions afresh (a no-op of 10 files: 81 ms of CPU instead of 68).
 */
export function runWithCodeCache(file: string, variant = 'any'): void {
  const source = readFileSync(file, 'utf8');
  const cacheFile = process.env.NODE_DISABLE_COMPILE_CACHE ? undefined : cacheFileOf(file, variant);
  const cachedData = cacheFile === undefined ? undefined : readIfExists(cacheFile);
  // The file must not use `import()`: Node 20 forgets the callback that serves it when the
  // script comes from the cache (scripts/bundle-cli.mjs turns each into a `require`).
  // node:vm and node:os are loaded here, not with the module: `ferry --version` needs neither.
  const script = new (process.getBuiltinModule('node:vm').Script)(Module.wrap(source), { filename: file, cachedData });
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected)) {
    // Written at the end, not now: then it also holds the functions this run compiled lazily.
    process.once('exit', () => writeCache(cacheFile, script));
  }
  const compiled = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: Module, filename: string, dirname: string) => void;
  const loaded = new Module(file);
  loaded.filename = file;
  loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  compiled.call(loaded.exports, loaded.exports, Module.createRequire(file), loaded, file, path.dirname(file));
  loaded.loaded = true;
}

/** The cache file for `file`, or undefined when there is no safe folder for it. */
function cacheFileOf(file: string, variant: string): string | undefined {
  try {
    const uid = process.getuid?.();
    const dir = path.join(process.getBuiltinModule('node:os').tmpdir(), `ferry-compile-cache${uid === undefined ? '' : `-${uid}`}`);
    mkdirSync(dir, { mode: 0o700, recursive: true });
    const folder = lstatSync(dir);
    // Someone else's folder (or a link to one) under a shared temp folder: no cache.
    if (!folder.isDirectory() || (uid !== undefined && (folder.uid !== uid || (folder.mode & 0o022) !== 0))) return undefined;
    const stats = statSync(file);
    // One cache per installed copy (a global and a project's own may differ) and variant; its
    // older ones are removed when a new one is written.
    const stem = `${path.basename(file, '.js')}.${pathHash(file)}.${variant}`;
    return path.join(dir, `${stem}-${stats.size}-${Math.trunc(stats.mtimeMs)}-${process.version}-${process.arch}.cache`);
  } catch {
    return undefined;
  }
}

/** FNV-1a of a path, in hex: tells copies apart without loading node:crypto (start-up time). */
function pathHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16);
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Writes the cache (temp file, then rename: runs at the same time never read half a file), removing older ones of the same file. */
function writeCache(cacheFile: string, script: vm.Script): void {
  try {
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, cacheFile);
    const dir = path.dirname(cacheFile);
    const stem = path.basename(cacheFile).split('-')[0]!;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`${stem}-`) && name.endsWith('.cache') && name !== path.basename(cacheFile)) rmSync(path.join(dir, name), { force: true });
    }
  } catch {
    // A cache that cannot be written only costs the next start its compile time.
  }
}
