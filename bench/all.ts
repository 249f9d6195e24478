/**
 * Every benchmark in one go: small files (first upload, no-op, one change), one big file up and
 * down, the scale run (scan, plan, state of huge trees), small files at a distance (10 and
 * 50 ms round trips, bench/distance.ts), the start-up cost, and resume with --bwlimit. Each prints
 * its own table.
 *
 *   npm run bench:all                # the full targets (2,000 files, 1 GiB, 100k and 1M entries)
 *   npm run bench:all -- --quick     # a smoke run of a few minutes: small sizes, one repeat
 *   npm run bench:all -- --only small,big --protocols sftp --repeat 5
 *
 * Options other than --quick and --only are passed to the parts that know them: small files take
 * --files --folders --kib --peer-n --repeat --protocols; big file --mb --repeat --protocols;
 * scale --entries --repeat; start-up --rounds --batch.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build, parseArgs, repoRoot } from './support/bench-support.js';
import { distanceParts } from './support/distance-part.js';

const args = parseArgs();
const quick = args.get('quick') === 'true';
const only = (args.get('only') ?? 'small,big,scale,distance,startup,resume').split(',');
const defaults: Record<string, Record<string, string>> = quick
  ? {
      small: { files: '200', folders: '10', 'peer-n': '4,8', repeat: '1' },
      big: { mb: '64', repeat: '1' },
      scale: { entries: '10000,100000', repeat: '1' },
    }
  : { small: {}, big: {}, scale: {} };
const known: Record<string, string[]> = {
  small: ['files', 'folders', 'kib', 'peer-n', 'repeat', 'protocols'],
  big: ['mb', 'repeat', 'protocols'],
  scale: ['entries', 'repeat'],
};
const scripts: Record<string, string> = { small: 'small-files.ts', big: 'big-file.ts', scale: 'scale.ts' };

build();
let failed = false;
for (const part of only) {
  if (part === 'resume') continue;
  if (part === 'startup') {
    if (!runStartup()) failed = true;
    continue;
  }
  const distanceOk = distanceParts.run(part, args, quick);
  if (distanceOk !== undefined) {
    if (!distanceOk) failed = true;
    continue;
  }
  const script = scripts[part];
  if (!script) throw new Error(`--only: unknown part ${part} (small, big, scale, distance, startup, resume)`);
  const options = { ...defaults[part] };
  for (const name of known[part]!) if (args.has(name)) options[name] = args.get(name)!;
  const argv = Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]);
  if (part !== 'scale') argv.push('--no-build');
  console.log(`\n=== ${part}: bench/${script} ${argv.join(' ')}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', script), ...argv], { cwd: repoRoot, stdio: 'inherit' });
  if (run.status !== 0) failed = true;
}
/** Resume (a 1 GiB upload killed at 80 %, continued) and --bwlimit: bench/resume.ts. */
function benchResume(): boolean {
  const argv = quick ? ['--mb', '256'] : [];
  for (const name of ['repeat', 'protocols']) if (args.has(name)) argv.push(`--${name}`, args.get(name)!);
  argv.push('--no-build');
  console.log(`\n=== resume: bench/resume.ts ${argv.join(' ')}\n`);
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'resume.ts'), ...argv], { cwd: repoRoot, stdio: 'inherit' }).status === 0;
}
if (only.includes('resume') && !benchResume()) failed = true;

process.exitCode = failed ? 1 : 0;

/**
 * Start-up (bench/startup.ts): the CPU of `ferry --version` and of a no-op sync of 10 local files
 * over that of `node -e 0`, side by side. Returns false when it failed.
 */
function runStartup(): boolean {
  const argv = ['--no-build', ...(quick ? ['--rounds', '3', '--batch', '5'] : [])];
  for (const name of ['rounds', 'batch']) if (args.has(name)) argv.push(`--${name}`, args.get(name)!);
  console.log(`\n=== startup: bench/startup.ts ${argv.join(' ')}\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench', 'startup.ts'), ...argv], { cwd: repoRoot, stdio: 'inherit' });
  return run.status === 0;
}
