/**
 * Start-up: the CPU time (user + system) of `ferry --version` and of a no-op `ferry sync` of two
 * local folders of 10 files each, over the CPU time of `node -e 0` on the same Node, measured
 * side by side: each round runs a batch of each command in turn, and the ratios are of the sums
 * over all rounds (the machine's load then weighs on every command alike).
 *
 *   node --import tsx bench/startup.ts [--rounds 10] [--batch 10] [--node PATH] [--no-build]
 *
 * The built command (dist/bin/ferry.js) runs as users run it, with its compile cache (warmed by a
 * first run); the no-op is measured once more with NODE_DISABLE_COMPILE_CACHE=1 to show what the
 * cache saves. The state goes to a temporary folder (XDG_STATE_HOME), never the user's. CPU time
 * is bash's `times` for the batch's children (microsecond rusage), so Linux or macOS with bash.
 *
 * Every command runs without NODE_EXTRA_CA_CERTS (benchEnv): Node 20 parses those certificates at
 * every start, before any script runs (`node -e 0`: 78 ms with this machine's bundle, 27 ms
 * without), which would hide most of what ferry itself costs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchEnv, build, ferryBin, parseArgs, printTable } from './support/bench-support.js';
import { printGoal } from './support/goal-rows.js';

const args = parseArgs();
const rounds = Number(args.get('rounds') ?? 10);
const batch = Number(args.get('batch') ?? 10);
const node = args.get('node') ?? process.execPath;
const target = 1.3;

interface Subject {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** CPU seconds of `batch` runs of the command, from bash's `times` (its children's user and system time). */
function batchCpu(subject: Subject, env: NodeJS.ProcessEnv): number {
  const script = `for ((i = 0; i < ${batch}; i++)); do "$@" >/dev/null 2>&1 || exit 99; done; times`;
  const run = spawnSync('bash', ['-c', script, 'bash', node, ...subject.argv], { env: { ...env, ...subject.env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${subject.name} failed (exit ${run.status}): ${run.stderr}`);
  // `times` prints the shell's own times, then its children's: "0m0.123s 0m0.045s".
  const children = run.stdout.trim().split('\n').at(-1)!;
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]));
  if (seconds.length !== 2) throw new Error(`cannot read the CPU times from: ${children}`);
  return seconds[0]! + seconds[1]!;
}

if (!args.has('no-build')) build();
const work = mkdtempSync(join(tmpdir(), 'ferry-bench-startup-'));
try {
  const [local, remote] = [join(work, 'local'), join(work, 'remote')];
  for (const dir of [local, remote]) mkdirSync(dir);
  for (let i = 1; i <= 10; i++) writeFileSync(join(local, `file-${i}.txt`), `file ${i}\n`.repeat(i * 100));
  const env = benchEnv({ XDG_STATE_HOME: join(work, 'state') });
  // The first sync copies the files; the second is the first no-op and leaves the compile cache warm.
  execFileSync(node, [ferryBin, 'sync', local, remote], { env, stdio: 'ignore' });
  const noop = execFileSync(node, [ferryBin, 'sync', local, remote, '--json'], { env, encoding: 'utf8' });
  if (!noop.includes('"filesCopied":0')) throw new Error(`the second sync was not a no-op: ${noop}`);
  const version = execFileSync(node, [ferryBin, '--version'], { env, encoding: 'utf8' }).trim();

  const subjects: Subject[] = [
    { name: 'node -e 0', argv: ['-e', '0'] },
    { name: 'ferry --version', argv: [ferryBin, '--version'] },
    { name: 'ferry sync (10 files, no-op)', argv: [ferryBin, 'sync', local, remote] },
    { name: 'same, NODE_DISABLE_COMPILE_CACHE=1', argv: [ferryBin, 'sync', local, remote], env: { NODE_DISABLE_COMPILE_CACHE: '1' } },
  ];
  const totals = subjects.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    subjects.forEach((subject, index) => {
      totals[index]! += batchCpu(subject, env);
    });
  }
  const runs = rounds * batch;
  const base = totals[0]!;
  const nodeVersion = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`\nferry ${version}, node ${nodeVersion}; CPU (user + system) per run, mean of ${runs} runs in ${rounds} alternating rounds`);
  console.log(process.env.NODE_EXTRA_CA_CERTS ? 'NODE_EXTRA_CA_CERTS left out of every command (see benchEnv)\n' : '');
  printTable(
    ['command', 'CPU ms per run', 'over node -e 0', `target ≤ ${target}×`],
    subjects.map((subject, index) => {
      const ratio = totals[index]! / base;
      const goal = index === 1 || index === 2 ? (ratio <= target ? 'met' : 'not met') : '';
      return [subject.name, ((totals[index]! / runs) * 1000).toFixed(1), `${ratio.toFixed(2)}×`, goal];
    }),
  );
  for (const [index, id] of [
    [1, 'startup-version'],
    [2, 'startup-noop'],
  ] as const) {
    const ratio = totals[index]! / base;
    printGoal({
      id,
      goal: `start-up CPU, ${subjects[index]!.name} / node -e 0`,
      measured: `${ratio.toFixed(2)}×`,
      target: `≤ ${target}×`,
      met: ratio <= target,
      note: `node ${nodeVersion}, ${runs} runs`,
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
