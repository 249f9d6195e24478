/**
 * Resume of big copies, on the loopback servers (`--bwlimit` is measured by bench/bwlimit.ts).
 *
 *   node --import tsx bench/resume.ts [--mb 1024] [--protocols sftp,ftp] [--repeat 2]
 *                                      [--signals kill,term] [--ftp-server pure-ftpd] [--no-build]
 *
 * Resume: a big upload is stopped once ferry's own `--json` events say 80 % of the file is sent
 * (between two `progress` events, 500 ms apart, the moment is found at the pace they show), and
 * the next run continues it. `kill` stops it with SIGKILL, the goal's case; `term` with SIGTERM
 * (what Ctrl-C does: transfers in flight get 2 s to finish, then their parts are kept). A SIGKILL
 * whose part ends outside 77–86 % of the file is tried again (twice at most). Each repeat times
 * a full upload and the continued run side by side, alternating which goes first; the continued
 * file is checked byte for byte (SHA-256), must really have been continued (`resumedFrom` in its
 * `action-finished` event) and must leave no temporary file. Printed: the medians and their
 * ratio (goal: at most 0.30 with SIGKILL), the same ratio for the copy alone (without the runs'
 * start, login and scans), where the runs spent their time, and a last line per protocol
 * `GOAL resume-<protocol> ratio=<x> target=0.30` for summaries to pick up.
 *
 * FTP (and FTPS) run against pure-ftpd (`--ftp-server vsftpd` or `pyftpdlib` also continue
 * uploads): proftpd, the other benchmarks' FTP server, refuses `APPE` in its default
 * configuration (`451 Append/Restart not permitted` without `AllowStoreRestart on`), so there an
 * upload starts afresh instead of continuing (docs/reliability.md).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, existsSync } from 'node:fs';
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
  type RemoteDir,
  removeRemote,
  repoRoot,
  seconds,
  type Protocol,
  type Server,
} from './support/bench-support.js';

const args = parseArgs();
const sizeMib = Number(args.get('mb') ?? 1024);
const protocols = (args.get('protocols') ?? 'sftp,ftp').split(',') as Protocol[];
const repeats = Number(args.get('repeat') ?? 2);
const signals = (args.get('signals') ?? 'kill,term').split(',') as Array<'kill' | 'term'>;
const ftpServer = args.get('ftp-server') ?? 'pure-ftpd';
const fileName = 'big.bin';
/** Where the upload is stopped, as a share of the file. */
const CUT_AT = 0.8;
/** A stop that lands outside this band (a sudden change of pace) is tried again, twice at most. */
const CUT_BAND = [0.77, 0.86] as const;
const GOAL = 0.3;

for (const protocol of protocols) if (!['sftp', 'ftp', 'ftps'].includes(protocol)) throw new Error(`--protocols: sftp, ftp or ftps (not ${protocol})`);
for (const signal of signals) if (signal !== 'kill' && signal !== 'term') throw new Error(`--signals: kill and term only (not ${signal})`);
if (!['pure-ftpd', 'vsftpd', 'pyftpdlib'].includes(ftpServer))
  throw new Error(`--ftp-server: pure-ftpd, vsftpd or pyftpdlib (proftpd refuses APPE without AllowStoreRestart)`);

/** The loopback server of a protocol here: FTP on a server that continues uploads (pure-ftpd by default). */
function serverFor(protocol: Protocol): Server & { name: string } {
  const name = protocol === 'sftp' ? 'sshd' : ftpServer;
  execFileSync('bash', [join(repoRoot, 'scripts/servers', `${name}.sh`), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return { ...(JSON.parse(readFileSync(join(repoRoot, '.test-servers', `${name}.json`), 'utf8')) as Server), name };
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

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** ferry's temporary files left in a folder on the server's disk. */
function tempsIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.startsWith('.~ferry-'));
  } catch {
    return [];
  }
}

interface JsonEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** Calls `onEvent` with every `--json` line of a child's stdout, as it arrives. */
function readEvents(child: ReturnType<typeof spawn>, onEvent: (event: JsonEvent, atMs: number) => void): void {
  let pending = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    const at = performance.now();
    let end: number;
    while ((end = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      if (line.trim() !== '') onEvent(JSON.parse(line) as JsonEvent, at);
    }
  });
}

/**
 * The size of the part in `dir` once the server has written what was in flight when ferry died
 * (unchanged for 200 ms, 3 s at most); 0 when there is none.
 */
async function settledPartSize(dir: string): Promise<number> {
  const sizeNow = (): number => {
    const temps = tempsIn(dir);
    return temps.length === 1 ? statSync(join(dir, temps[0]!)).size : 0;
  };
  let size = sizeNow();
  for (let waited = 0; waited < 3000; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const next = sizeNow();
    if (next === size) break;
    size = next;
  }
  return size;
}

/** When a run's events arrived (seconds after its spawn) and its wall time. */
interface Run {
  readonly wall: number;
  readonly exitCode: number | null;
  /** `performance.now()` when it exited. */
  readonly exitedAtMs: number;
  /** `start` (both sides open), the last `scanned`, the big file's `action-started` and `action-finished`. */
  readonly marks: { start?: number; scanned?: number; copyStarted?: number; copyFinished?: number };
  /** The end of what it wrote to stderr. */
  readonly stderr: string;
  /** The big file's `action-finished` result. */
  readonly result?: { status: string; resumedFrom?: number; bytes?: number };
}

/** Runs ferry with `--json`, noting when its events arrive; `onEvent` may stop it. */
async function runFerry(argv: string[], onEvent?: (event: JsonEvent, atMs: number, child: ChildProcess) => void): Promise<Run> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [ferryBin, ...argv, '--json'], { env: benchEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  // stderr is kept for a failure's message (a stopped run's "Interrupted" line is expected).
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const marks: Run['marks'] = {};
  let result: Run['result'];
  readEvents(child, (event, atMs) => {
    const at = (atMs - spawnedAt) / 1000;
    const action = (event.action ?? (event.result as JsonEvent | undefined)?.action) as { path?: string } | undefined;
    if (event.type === 'start') marks.start = at;
    if (event.type === 'scanned') marks.scanned = at;
    if (event.type === 'action-started' && action?.path === fileName) marks.copyStarted = at;
    if (event.type === 'action-finished' && action?.path === fileName) {
      marks.copyFinished = at;
      result = event.result as Run['result'];
    }
    onEvent?.(event, atMs, child);
  });
  const exitCode = await exited;
  const exitedAtMs = performance.now();
  return { wall: (exitedAtMs - spawnedAt) / 1000, exitCode, exitedAtMs, marks, result, stderr: stderr.trim() };
}

/** What stopping an upload left. */
interface Cut {
  /** The share of the file ferry's events said was sent when the signal went out. */
  readonly sentShare: number;
  /** The part's size on the server's disk after ferry exited, as a share of the file (0 if none). */
  readonly partShare: number;
  /** Seconds from the signal to ferry's exit. */
  readonly exitAfter: number;
  readonly exitCode: number | null;
  /** Whether the file was complete under its final name (SIGTERM: the transfer finished in its grace). */
  readonly finished: boolean;
}

/**
 * Runs an upload and sends `signal` when ferry's `--json` events say `share` of the file is sent:
 * at once on a `progress` event at or past it, else at the moment the pace between the last two
 * events (the copy's start counting as the first) predicts.
 */
async function cutUpload(argv: string[], remoteDisk: string, bytes: number, share: number, signal: NodeJS.Signals): Promise<Cut | undefined> {
  const target = bytes * share;
  let last: { atMs: number; bytes: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sentAtMs: number | undefined;
  let sentShare = 0;
  const stop = (child: ChildProcess, estimate: number): void => {
    if (sentAtMs !== undefined) return;
    clearTimeout(timer);
    sentAtMs = performance.now();
    sentShare = estimate / bytes;
    child.kill(signal);
  };
  const run = await runFerry(argv, (event, atMs, child) => {
    if (sentAtMs !== undefined) return;
    const action = event.action as { path?: string } | undefined;
    if (event.type === 'action-started' && action?.path === fileName) last = { atMs, bytes: 0 };
    if (event.type !== 'progress' || event.path !== fileName) return;
    const now = { atMs, bytes: event.bytes as number };
    if (now.bytes >= target) return stop(child, now.bytes);
    if (last !== undefined && now.bytes > last.bytes) {
      const perMs = (now.bytes - last.bytes) / (now.atMs - last.atMs);
      clearTimeout(timer);
      timer = setTimeout(() => stop(child, target), Math.max(0, (target - now.bytes) / perMs - (performance.now() - atMs)));
    }
    last = now;
  });
  clearTimeout(timer);
  if (sentAtMs === undefined) return undefined;
  const exitAfter = (run.exitedAtMs - sentAtMs) / 1000;
  const partShare = (await settledPartSize(remoteDisk)) / bytes;
  const finished = existsSync(join(remoteDisk, fileName)) && statSync(join(remoteDisk, fileName)).size === bytes;
  return { sentShare, partShare, exitAfter, exitCode: run.exitCode, finished };
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** The pace of a run's copy of the file, from its `action-started` to its `action-finished`. */
const rateOf = (sent: number, run: Run): string => `${(sent / 1024 / 1024 / ((run.marks.copyFinished ?? 0) - (run.marks.copyStarted ?? 0))).toFixed(0)} MiB/s`;

/** One table row: the medians of where a kind of run spent its time. */
function phasesOf(label: string, runs: readonly Run[]): string[] {
  const m = (pick: (run: Run) => number): string => seconds(median(runs.map(pick)));
  return [
    label,
    m((r) => r.marks.start ?? 0),
    m((r) => (r.marks.copyStarted ?? 0) - (r.marks.start ?? 0)),
    m((r) => (r.marks.copyFinished ?? 0) - (r.marks.copyStarted ?? 0)),
    m((r) => r.wall - (r.marks.copyFinished ?? 0)),
    m((r) => r.wall),
  ];
}

/** One repeat of one signal: the stop, the continued run, and the checks. */
interface Trial {
  readonly cut: Cut;
  readonly continued: Run;
}

async function main(): Promise<void> {
  if (args.get('no-build') !== 'true') build();
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-resume-'));
  const stamp = Date.now().toString(36);
  const bytes = sizeMib * 1024 * 1024;
  const resumeRows: string[][] = [];
  const phaseRows: string[][] = [];
  const termRows: string[][] = [];
  const goalLines: string[] = [];
  try {
    console.log(
      `resume: ${sizeMib} MiB upload stopped at ${CUT_AT * 100} % (${signals.join(', ')}), then continued, against a full upload; ${repeats} repeat(s), alternating`,
    );
    console.log(
      `node ${process.version}, cpus ${execFileSync('nproc', { encoding: 'utf8' }).trim()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
    const upDir = join(work, 'up');
    makeFile(upDir, sizeMib);
    const sourceHash = await sha256Of(join(upDir, fileName));
    let folder = 0;
    for (const protocol of protocols) {
      const server = serverFor(protocol);
      const label = protocol === 'sftp' ? 'sftp (OpenSSH)' : `${protocol} (${server.name})`;
      const full: Run[] = [];
      const trials: Record<'kill' | 'term', Trial[]> = { kill: [], term: [] };
      const argv = (remote: string, state: string): string[] => {
        const { url, extra } = ferryCommand(protocol, server, remote);
        return ['upload', upDir, url, '--create-folder', '--state-dir', join(work, state), ...extra];
      };
      const fresh = (what: string): RemoteDir => remoteDir(protocol, server, `bench-resume-${stamp}-${protocol}-${what}-${folder++}`);

      const fullUpload = async (): Promise<void> => {
        const dir = fresh('full');
        try {
          const run = await runFerry(argv(dir.path, `state-${folder}`));
          if (run.exitCode !== 0 || statSync(join(dir.disk, fileName)).size !== bytes)
            throw new Error(`${protocol}: the full upload failed (exit ${run.exitCode}): ${run.stderr}`);
          full.push(run);
          console.log(`  ${protocol} full upload: ${seconds(run.wall)} s (copy ${rateOf(bytes, run)})`);
        } finally {
          removeRemote(dir);
        }
      };
      /** Options of the run that is stopped (a rate limit when it was over too soon to be stopped). */
      let slower: string[] = [];
      const stopAndContinue = async (signal: 'kill' | 'term'): Promise<void> => {
        for (let attempt = 1; ; attempt++) {
          const dir = fresh(signal);
          const state = `state-${folder}`;
          try {
            const cut = await cutUpload([...argv(dir.path, state), ...slower], dir.disk, bytes, CUT_AT, signal === 'kill' ? 'SIGKILL' : 'SIGTERM');
            if (cut === undefined) {
              // Over before its first progress event (500 ms): a small file on a fast loopback.
              // Only the run that is stopped is slowed; the part it leaves is the same, and the
              // runs that are timed are not limited.
              if (attempt >= 3) throw new Error(`${protocol} ${signal}: every upload ended before ferry's events reached ${percent(CUT_AT)}`);
              slower = ['--bwlimit', `${Math.max(1, Math.ceil(sizeMib / 4))}M`];
              console.log(`  ${protocol} ${signal}: the upload ended before its first progress event; the run to stop goes at ${slower[1]}/s`);
              continue;
            }
            // After SIGTERM the part holds what the grace added: only a SIGKILL's part is held to the band.
            const inBand = signal === 'term' || (cut.partShare >= CUT_BAND[0] && cut.partShare <= CUT_BAND[1]);
            if (!inBand && attempt < 3) {
              console.log(`  ${protocol} ${signal}: the part held ${percent(cut.partShare)} of the file, outside ${CUT_BAND.map(percent).join('–')}; again`);
              continue;
            }
            if (signal === 'kill' && cut.partShare === 0) throw new Error(`${protocol}: SIGKILL left no part to continue`);
            const continued = await runFerry(argv(dir.path, state));
            if (continued.exitCode !== 0) throw new Error(`${protocol} ${signal}: the next run failed (exit ${continued.exitCode}): ${continued.stderr}`);
            if (cut.partShare > 0 && continued.result?.resumedFrom === undefined)
              throw new Error(`${protocol} ${signal}: the next run did not continue the part`);
            if ((await sha256Of(join(dir.disk, fileName))) !== sourceHash) throw new Error(`${protocol} ${signal}: the continued file differs from the source`);
            if (tempsIn(dir.disk).length > 0) throw new Error(`${protocol} ${signal}: temporary files left: ${tempsIn(dir.disk).join(', ')}`);
            trials[signal].push({ cut, continued });
            const from = continued.result?.resumedFrom;
            console.log(
              `  ${protocol} ${signal}: sent at the signal ${percent(cut.sentShare)}, part ${percent(cut.partShare)}, exit ${cut.exitCode} ${seconds(cut.exitAfter)} s after it${cut.finished ? ' (file complete)' : ''}; next run ${seconds(continued.wall)} s${from === undefined ? '' : `, continued from ${percent(from / bytes)} (copy ${rateOf(bytes - from, continued)})`}; SHA-256 equal`,
            );
            return;
          } finally {
            removeRemote(dir);
          }
        }
      };

      for (let repeat = 0; repeat < repeats; repeat++) {
        // Alternating which goes first spreads a drift of the machine's load over both.
        if (repeat % 2 === 0) await fullUpload();
        for (const signal of signals) await stopAndContinue(signal);
        if (repeat % 2 === 1) await fullUpload();
      }

      const f = median(full.map((run) => run.wall));
      phaseRows.push(phasesOf(`${label} full upload`, full));
      for (const signal of signals) {
        const t = trials[signal];
        const c = median(t.map((x) => x.continued.wall));
        const share = (pick: (x: Trial) => number): string => percent(median(t.map(pick)));
        if (signal === 'kill') {
          phaseRows.push(
            phasesOf(
              `${label} continued after SIGKILL`,
              t.map((x) => x.continued),
            ),
          );
          // The copy alone (its action-started to action-finished), without the run's start, login and scans.
          const copyOf = (run: Run): number => (run.marks.copyFinished ?? 0) - (run.marks.copyStarted ?? 0);
          resumeRows.push([
            label,
            'SIGKILL',
            share((x) => x.cut.partShare),
            share((x) => (x.continued.result?.resumedFrom ?? 0) / bytes),
            seconds(f),
            seconds(c),
            ratio(median(t.map((x) => copyOf(x.continued))) / median(full.map(copyOf))),
            ratio(c / f),
            c / f <= GOAL ? 'met' : 'missed',
          ]);
          goalLines.push(`GOAL resume-${protocol} ratio=${(c / f).toFixed(2)} target=${GOAL.toFixed(2)}`);
        } else {
          const finishedRuns = t.filter((x) => x.cut.finished).length;
          termRows.push([
            label,
            share((x) => x.cut.sentShare),
            seconds(median(t.map((x) => x.cut.exitAfter))),
            t.map((x) => x.cut.exitCode).join(', '),
            finishedRuns === t.length
              ? 'file complete in its grace'
              : finishedRuns === 0
                ? `part kept (${share((x) => x.cut.partShare)})`
                : `${finishedRuns} of ${t.length} complete`,
            seconds(c),
            ratio(c / f),
          ]);
        }
      }
    }
    if (resumeRows.length > 0) {
      console.log(`\nResume: a ${sizeMib} MiB upload killed at ${CUT_AT * 100} % and continued, against a full upload (medians of ${repeats}, side by side)\n`);
      printTable(
        ['protocol', 'signal', 'part left', 'continued from', 'full upload (s)', 'continued (s)', 'copy alone', 'ratio', `goal ≤ ${GOAL.toFixed(2)}`],
        resumeRows,
      );
    }
    if (phaseRows.length > 0) {
      console.log('\nWhere the runs spent their time (medians, s): launch to both sides open, scans and plan, the copy of the file, its end to exit\n');
      printTable(['run', 'to open', 'scan + plan', 'copy', 'to exit', 'total'], phaseRows);
    }
    if (termRows.length > 0) {
      console.log(`\nSIGTERM (as Ctrl-C) at ${CUT_AT * 100} %: transfers in flight get 2 s to finish, then keep their part; the next run\n`);
      printTable(['protocol', 'signal at', 'exit after (s)', 'exit codes', 'outcome', 'next run (s)', 'next run / full'], termRows);
    }
    console.log('');
    for (const line of goalLines) console.log(line);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
