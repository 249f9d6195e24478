/**
 * Bundles the `ferry` command, from the modules tsc emitted, into two CommonJS files:
 *   dist/bin/ferry.js  the entry point (dist/cli/start.js and code-cache.js): answers --version,
 *                      then loads main.js compiled from V8's code cache;
 *   dist/bin/main.js   the command (dist/cli/main.js), the project modules it imports and the
 *                      plain-JavaScript packages every run needs (commander, picomatch, ignore, diff).
 * dist/bin/package.json marks the folder's .js files as CommonJS.
 *
 * Why: Node 20 resolves, reads and compiles each module one by one at every start, and runs an
 * ES module entry point through its module loader, which alone costs about a quarter of `node -e
 * 0`; a CommonJS file can be compiled from a code cache (src/cli/code-cache.ts). See "Start-up"
 * in docs/performance.md.
 *
 * The packages a protocol or a rare command needs stay outside the bundle and load only when a
 * run needs them (esbuild wraps each module and runs it on first use): ssh2 (it loads its
 * compiled crypto binding by a path relative to itself), basic-ftp, the keyring (a native
 * module), chokidar (watch) and yaml (task files). The library (dist/index.js) keeps using the
 * modules unbundled. The source maps carry the TypeScript sources (tsconfig.build.json's
 * inlineSources), which esbuild takes over from tsc's maps.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  outdir: 'dist/bin',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { main: 'dist/cli/main.js' },
  external: ['ssh2', 'basic-ftp', 'basic-ftp/*', '@napi-rs/keyring', 'chokidar', 'yaml'],
  // main.js finds package.json from its own place (dist/bin/ → ../../package.json).
  define: { 'import.meta.url': '__ferryMainUrl' },
  // \`import()\` becomes \`require\`: Node 20 loses a script's dynamic-import callback when it
  // compiles it from a code cache ("A dynamic import callback was not specified"), and every
  // package loaded this way (chokidar, the keyring, Node's own modules) can be required.
  supported: { 'dynamic-import': false },
  banner: { js: "const __ferryMainUrl = require('node:url').pathToFileURL(__filename).href;" },
});
if (/\bimport\(/.test(readFileSync('dist/bin/main.js', 'utf8')))
  throw new Error('dist/bin/main.js still has an import(): it would fail when compiled from the code cache');
await build({ ...common, entryPoints: { ferry: 'dist/cli/start.js' } });
writeFileSync('dist/bin/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
