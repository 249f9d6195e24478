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

/**
 * commander requires node:child_process when it loads, only to start the executables of
 * stand-alone sub-commands, which ferry has none of; loading it (with net, dgram and the rest)
 * costs every start about 3 ms of CPU. commander gets a `spawn` that loads it when called.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-for-commander' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-for-commander' }, () => ({
      contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  entryPoints: { main: 'dist/cli/main.js' },
  plugins: [lazyChildProcessForCommander],
  external: ['ssh2', 'basic-ftp', 'basic-ftp/*', '@napi-rs/keyring', 'chokidar', 'yaml'],
  // main.js finds package.json from its own place (dist/bin/ → ../../package.json).
  define: { 'import.meta.url': '__ferryMainUrl' },
  // \`import()\` becomes \`require\`: Node 20 loses a script's dynamic-import callback when it
  // compiles it from a code cache ("A dynamic import callback was not specified"), and every
  // package loaded this way (chokidar, the keyring, Node's own modules) can be required.
  supported: { 'dynamic-import': false },
  banner: { js: "const __ferryMainUrl = require('node:url').pathToFileURL(__filename).href;" },
});
const bundled = readFileSync('dist/bin/main.js', 'utf8');
if (/\bimport\(/.test(bundled)) throw new Error('dist/bin/main.js still has an import(): it would fail when compiled from the code cache');
if (/\\[^\0-\x7f]/.test(bundled)) throw new Error('dist/bin/main.js has an escaped non-ASCII character: the escaping below would change it');
// esbuild escapes non-ASCII characters in strings but leaves them in comments and regular
// expressions; one such character makes Node decode the whole file as UTF-8 into a string of
// two bytes per character (read at every start: 3.5 ms instead of 1.5 for 900 KB). Escaped as
// \uXXXX they mean the same in a regular expression and nothing in a comment.
writeFileSync(
  'dist/bin/main.js',
  bundled.replace(/[^\0-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`),
);
await build({ ...common, entryPoints: { ferry: 'dist/cli/start.js' } });
writeFileSync('dist/bin/package.json', `${JSON.stringify({ type: 'commonjs' })}\n`);
