/**
 * Bundles the `ferry` command (dist/cli/start.js, the main.js it loads and the project modules
 * they import, as tsc
 * emitted them) into dist/bin/ferry.js, with the parts only some commands need (the SFTP and
 * FTP backends, task files, watch) split into chunks under dist/bin/chunks/ that load on demand.
 *
 * Why: Node 20 resolves, reads and compiles each of the ~130 modules of dist one by one at every
 * start; one file saves about 50 ms per run (`ferry --version`: 157 → 110 ms; Node alone 39 ms),
 * a large part of a no-op sync of a small site. npm packages stay outside the bundle (`packages:
 * 'external'`): ssh2 loads its compiled crypto binding by a path relative to itself, and the
 * library (dist/index.js) keeps using the modules unbundled. The source maps carry the TypeScript
 * sources (tsconfig.build.json's inlineSources), which esbuild takes over from tsc's maps.
 */
import { build } from 'esbuild';

await build({
  // main.js stays an entry of its own so that it keeps its place (dist/bin/), from which it reads
  // ../../package.json; start.js loads it by a dynamic import.
  entryPoints: { ferry: 'dist/cli/start.js', main: 'dist/cli/main.js' },
  outdir: 'dist/bin',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
