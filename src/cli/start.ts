#!/usr/bin/env node
/**
 * The `ferry` executable's entry point: turns on Node's compile cache where Node has one, then
 * loads the command (main.ts). A separate module because the cache must be on before the code it
 * should cover is compiled, and static imports are compiled before any line of a module runs.
 */
import module from 'node:module';

// Node 22.1+: V8 keeps the compiled code of ferry and its libraries on disk (in the system's temp
// folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts skip compiling them.
// Node 20 has no such function and simply compiles every time.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

await import('./main.js');
