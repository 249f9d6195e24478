#!/usr/bin/env node
/**
 * The `ferry` executable's entry point, bundled as CommonJS into dist/bin/ferry.js (see
 * scripts/bundle-cli.mjs; `__dirname` is that folder). It answers `--version` itself and
 * otherwise loads the command (main.ts, bundled into dist/bin/main.js) compiled from V8's code
 * cache: Node 22.1+ keeps it with `module.enableCompileCache` (in the system's temp folder),
 * Node 20 through code-cache.ts. NODE_DISABLE_COMPILE_CACHE=1 turns either off.
 *
 * Why CommonJS: on Node 20 an ES module as the entry point alone costs about a quarter more CPU
 * than `node -e 0`, and only a CommonJS file can be compiled from a code cache there.
 */
import { readFileSync, writeSync } from 'node:fs';
import module from 'node:module';
import * as path from 'node:path';
import { runWithCodeCache } from './code-cache.js';
import { limitHeapGrowthWhenLarge } from './heap-growth.js';

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
  const withCache = module as { enableCompileCache?: () => unknown };
  if (withCache.enableCompileCache) {
    withCache.enableCompileCache();
    // A CommonJS bundle loaded on purpose with require: its import() calls are bundled as require too.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(main);
  } else {
    runWithCodeCache(main);
  }
}
