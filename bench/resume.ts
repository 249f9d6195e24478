/**
 * Resume and `--bwlimit`, on the loopback servers.
 *
 *   node --import tsx bench/resume.ts [--mb 1024] [--protocols sftp,ftp] [--repeat 1] [--no-build]
 *
 * Resume: a big upload is killed (SIGKILL) once its part holds 80 % of the file; the next run
 * continues it. Printed: a full upload's time, the continuing run's time, and their ratio (goal:
 * at most 0.30). FTP runs against pure-ftpd: proftpd's default configuration refuses `APPE`, so
 * there an upload cannot continue (docs/reliability.md). Repeats alternate full and continued.
 *
 * `--bwlimit`: an upload of `--bw-mb` MiB (default 8) at `--bw-rate` (default 2M) per protocol;
 * printed: the time it took over the time the rate implies (goal: within 0.85–1.15).
 */
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  benchEnv,
  build,
  ferryBin,
  ferryCommand,
  median,
  parseArgs,
  printTable,
  ratio,
  remoteDir,
  removeRemote,
  repoRoot,
  seconds,
  timed,
  type Protocol,
  type Server,
} from './support/bench-support.js';

const args = parseArgs();
const sizeMib = Number(args.get('mb') ?? 1024);
const protocols = (args.get('protocols') ?? 'sftp,ftp').split(',') as Protocol[];
const repeats = Number(args.get('repeat') ?? 1);
const bwMib = Number(args.get('bw-mb') ?? 8);
const bwRate = args.get('bw-rate') ?? '2M';
const fileName = 'big.bin';

/** The loopback server of a protocol here: FTP on pure-ftpd, which continues uploads. */
function serverFor(protocol: Protocol): Server {
  const name = protocol === 'sftp' ? 'sshd' : 'pure-ftpd';
  execFileSync('bash', [join(repoRoot, 'scripts/servers', `${name}.sh`), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(join(repoRoot, '.test-servers', `${name}.json`), 'utf8')) as Server;
}

function makeFile(dir: string, mib: number): void {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, fileName), 'w');
  try {
    for (let i = 0; i < mib; i++) writeSync(fd, randomBytes(1024 * 1024));
  } finally {
    closeSync(fd);
  }
}

function partSize(dir: string): number {
  try {
    const name = readdirSync(dir).find((n) => n.startsWith('.~ferry-') && n.endsWith('.tmp'));
    return name === undefined ? 0 : statSync(join(dir, name)).size;
  } catch {
    return 0;
  }
}

/** Starts an upload and SIGKILLs it once its part on the server holds `share` of the file. */
async function killedUpload(argv: string[], remoteDisk: string, bytes: number, share: number): Promise<number> {
  const child = spawn('node', [ferryBin, ...argv], { env: benchEnv(), stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let size: number;
  for (;;) {
    size = partSize(remoteDisk);
    if (size >= bytes * share || child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  child.kill('SIGKILL');
  await exited;
  if (size < bytes * share) throw new Error(`the upload ended before it held ${share * 100} % of the file`);
  return partSize(remoteDisk);
}

async function main(): Promise<void> {
  if (args.get('no-build') !== 'true') build();
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-resume-'));
  const stamp = Date.now().toString(36);
  const bytes = sizeMib * 1024 * 1024;
  const resumeRows: string[][] = [];
  const bwRows: string[][] = [];
  try {
    console.log(`resume: ${sizeMib} MiB upload killed at 80 %, then continued; ${repeats} repeat(s)`);
    const upDir = join(work, 'up');
    makeFile(upDir, sizeMib);
    const bwDir = join(work, 'bw');
    makeFile(bwDir, bwMib);
    for (const protocol of protocols) {
      const server = serverFor(protocol);
      const full: number[] = [];
      const continued: number[] = [];
      let partAt = 0;
      for (let repeat = 0; repeat < repeats; repeat++) {
        const a = remoteDir(protocol, server, `bench-resume-${stamp}-${protocol}-full-${repeat}`);
        const b = remoteDir(protocol, server, `bench-resume-${stamp}-${protocol}-cut-${repeat}`);
        try {
          const argv = (remote: string, state: string): string[] => {
            const { url, extra } = ferryCommand(protocol, server, remote);
            return ['upload', upDir, url, '--create-folder', '-q', '--no-progress', '--state-dir', join(work, state), ...extra];
          };
          full.push(timed('node', [ferryBin, ...argv(a.path, `state-full-${protocol}-${repeat}`)]).wall);
          // The folder is made first, so the part can be watched on the server's disk.
          mkdirSync(b.disk, { recursive: true });
          const owner = statSync(server.dataRoot);
          chownSync(b.disk, owner.uid, owner.gid);
          partAt = await killedUpload(argv(b.path, `state-cut-${protocol}-${repeat}`), b.disk, bytes, 0.8);
          continued.push(timed('node', [ferryBin, ...argv(b.path, `state-cut-${protocol}-${repeat}`)]).wall);
          if (statSync(join(b.disk, fileName)).size !== bytes) throw new Error('the continued upload has the wrong size');
        } finally {
          removeRemote(a);
          removeRemote(b);
        }
      }
      const f = median(full);
      const c = median(continued);
      resumeRows.push([
        protocol === 'ftp' ? 'ftp (pure-ftpd)' : 'sftp (OpenSSH)',
        `${((partAt / bytes) * 100).toFixed(0)} %`,
        seconds(f),
        seconds(c),
        ratio(c / f),
        c / f <= 0.3 ? 'met' : 'missed',
      ]);
      console.log(`GOAL resume-${protocol} ratio=${(c / f).toFixed(2)} target=0.30`); // for bench/all.ts (support/goal-rows.ts)

      // --bwlimit: the time of a limited upload over the time its rate implies.
      const bw = remoteDir(protocol, server, `bench-bwlimit-${stamp}-${protocol}`);
      try {
        const { url, extra } = ferryCommand(protocol, server, bw.path);
        const started = timed('node', [
          ferryBin,
          'upload',
          bwDir,
          url,
          '--create-folder',
          '-q',
          '--no-progress',
          '--bwlimit',
          bwRate,
          '--json',
          '--state-dir',
          join(work, `state-bw-${protocol}`),
          ...extra,
        ]);
        // The transfer's own time: from its action-started to its action-finished event is not
        // printed with times, so the run's wall time less a run that copies nothing is used.
        const noop = timed('node', [ferryBin, 'upload', bwDir, url, '-q', '--no-progress', '--state-dir', join(work, `state-bw-${protocol}`), ...extra]);
        const rate =
          Number(/^(\d+(?:\.\d+)?)([kM]?)$/.exec(bwRate)![1]) * ({ k: 1024, M: 1024 * 1024, '': 1 } as Record<string, number>)[/([kM]?)$/.exec(bwRate)![1]!]!;
        const expected = (bwMib * 1024 * 1024) / rate;
        const took = started.wall - noop.wall;
        bwRows.push([
          protocol,
          bwRate,
          `${bwMib} MiB`,
          seconds(expected),
          seconds(took),
          ratio(took / expected),
          Math.abs(took / expected - 1) <= 0.15 ? 'met' : 'missed',
        ]);
      } finally {
        removeRemote(bw);
      }
    }
    console.log('\nResume: a killed upload continued, against a full upload (one run each, side by side)\n');
    printTable(['protocol', 'killed at', 'full upload (s)', 'continued (s)', 'ratio', 'goal ≤ 0.30'], resumeRows);
    console.log("\n--bwlimit: an upload's time (run less a no-op run) over the time the rate implies\n");
    printTable(['protocol', 'rate', 'size', 'expected (s)', 'took (s)', 'ratio', 'goal 0.85–1.15'], bwRows);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
