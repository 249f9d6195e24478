#!/usr/bin/env node
/**
 * The `ferry` executable's entry point, bundled as CommonJS into dist/bin/ferry.js (see
 * scripts/bundle-cli.mjs; `__dirname` is that folder). It answers `--version` itself and
 * otherwise loads the command (main.ts, bundled into dist/bin/main.js) compiled from V8's code
 * cache kept by code-cache.ts, on every Node version. Node 22.1+ also gets
 * `module.enableCompileCache` (in the system's temp folder) for the packages a run loads later
 * (ssh2, basic-ftp, ...). NODE_DISABLE_COMPILE_CACHE=1 turns both off.
 *
 * Why not Node's own cache for main.js too: Node writes it when the file is compiled, so it holds
 * only the code that runs while loading; code-cache.ts writes it when the first run ends, with
 * every function that run compiled. Measured on Node 22 and 24, a no-op run of 10 files cost
 * about a quarter less CPU this way (80 → 61 ms and 86 → 67 ms).
 *
 * Why CommonJS: on Node 20 an ES module as the entry point alone costs about a quarter more CPU
 * than `node -e 0`, and only a CommonJS file can be compiled from a code cache there.
 */
import { readFileSync, writeSync } from 'node:fs';
import module from 'node:module';
import * as path from 'node:path';
import { runWithCodeCache } from './code-cache.js';
import { limitHeapGrowthWhenLarge } from './heap-growth.js';

/** The commands that get a code cache of their own; any other command line shares one. */
const COMMANDS = ['upload', 'download', 'sync', 'watch', 'run', 'scan', 'tree', 'doctor', 'completion', 'demo'];

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The most frequent question from scripts and installers, answered without loading the command;
  // the same line as the command's own --version.
  const packageFile = path.join(__dirname, '..', '..', 'package.json');
  const line = `${(JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string }).version}\n`;
  try {
    // Straight to the descriptor: process.stdout would load node:stream (~1.5 ms, half of what
    // this answer costs above Node's own start).
    writeSync(1, line);
  } catch (error) {
    // EPIPE: the reader is gone (`ferry --version | true`), nobody to tell. Anything else (a
    // non-blocking pipe that is full): the stream waits for it.
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') process.stdout.write(line);
  }
} else {
  // A huge tree's run peaks near what it holds, not up to four times that (heap-growth.ts).
  limitHeapGrowthWhenLarge();
  const main = path.join(__dirname, 'main.js');
  (module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // A code cache per command: each holds what its own runs compile (code-cache.ts).
  runWithCodeCache(main, COMMANDS.includes(args[0] ?? '') ? args[0] : 'other');
}
