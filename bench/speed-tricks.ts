/**
 * Speed tricks (src/core/speed-tricks.ts) turned off one at a time, or two builds of ferry, side by
 * side in one run with the variants alternating, on a loopback server: an upload into a new remote
 * folder, then a download of it into a new local folder. docs/design.md ("Speed tricks") lists the
 * figures this gave.
 *
 *   node --import tsx bench/speed-tricks.ts [--protocol ftp] [--files 1000 | --big-mib 256]
 *        [--rounds 4] [--off ftp-store-buffer,ftp-hand-over,...] [--other-build /path/to/ferry]
 *
 * Variants: `on` (every trick on), one per name in `--off` (that trick off), `all-off` when
 * `--off all` is given, and `other` (the build in `--other-build`, a checkout with `dist/` built)
 * when given. Uses the `dist/` build of this checkout (`npm run build` first). Each figure is the
 * median over the rounds: wall time and the client's CPU time (steadier on a busy machine).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ferryBin, ferryCommand, median, parseArgs, remoteDir, removeRemote, startServer, timed, type Protocol } from './support/bench-support.js';

const args = parseArgs();
const protocol = (args.get('protocol') ?? 'ftp') as Protocol;
const fileCount = Number(args.get('files') ?? 1000);
const bigMib = Number(args.get('big-mib') ?? 0);
const rounds = Number(args.get('rounds') ?? 4);
const off = (args.get('off') ?? '').split(',').filter(Boolean);
const otherBuild = args.get('other-build');

interface Variant {
  readonly label: string;
  readonly bin: string;
  readonly env: NodeJS.ProcessEnv;
}

const variants: Variant[] = [
  { label: 'on', bin: ferryBin, env: {} },
  ...off.map((name) => ({ label: name === 'all' ? 'all-off' : `${name} off`, bin: ferryBin, env: { FERRY_NO_SPEED_TRICKS: name } })),
  ...(otherBuild ? [{ label: 'other build', bin: join(otherBuild, 'dist/bin/ferry.js'), env: {} }] : []),
];

/** The local tree: `fileCount` files of 4 KiB in 20 folders, or one file of `bigMib` MiB. */
function makeTree(): string {
  const local = mkdtempSync(join(tmpdir(), 'ferry-bench-tricks-'));
  if (bigMib > 0) {
    writeFileSync(join(local, 'big.bin'), randomBytes(bigMib * 1024 * 1024));
    return local;
  }
  for (let i = 0; i < fileCount; i++) {
    const folder = join(local, `d${i % 20}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `f${i}.bin`), randomBytes(4096));
  }
  return local;
}

const server = startServer(protocol);
const local = makeTree();
const figures = new Map<string, { up: number[]; upCpu: number[]; down: number[]; downCpu: number[] }>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const dir = remoteDir(protocol, server, `bench-tricks-${process.pid}-${round}-${variants.indexOf(variant)}`);
      const { url, extra } = ferryCommand(protocol, server, dir.path);
      const scratch = mkdtempSync(join(tmpdir(), 'ferry-bench-tricks-run-'));
      try {
        const up = timed('node', [variant.bin, 'upload', local, url, '--create-folder', '--json', '--state-dir', join(scratch, 'up'), ...extra], {
          env: variant.env,
        });
        const down = timed(
          'node',
          [variant.bin, 'download', join(scratch, 'copy'), url, '--create-folder', '--json', '--state-dir', join(scratch, 'down'), ...extra],
          { env: variant.env },
        );
        const entry = figures.get(variant.label) ?? { up: [], upCpu: [], down: [], downCpu: [] };
        entry.up.push(up.wall);
        entry.upCpu.push(up.cpu);
        entry.down.push(down.wall);
        entry.downCpu.push(down.cpu);
        figures.set(variant.label, entry);
      } finally {
        rmSync(scratch, { recursive: true, force: true });
        removeRemote(dir);
      }
    }
  }
} finally {
  rmSync(local, { recursive: true, force: true });
}

console.log(
  `${protocol}, ${bigMib > 0 ? `one file of ${bigMib} MiB` : `${fileCount} files of 4 KiB`}, ${rounds} rounds alternating; medians, wall s (client CPU s)`,
);
for (const [label, entry] of figures) {
  const cell = (wall: number[], cpu: number[]): string => `${median(wall).toFixed(2)} (${median(cpu).toFixed(2)})`;
  console.log(`${label.padEnd(26)} upload ${cell(entry.up, entry.upCpu).padEnd(14)} download ${cell(entry.down, entry.downCpu)}`);
}
