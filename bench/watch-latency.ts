/**
 * Watch latency: the time from a local write to the file being complete on the server, for single
 * edits (median and p95) and for a burst of files written at once, over SFTP and FTP on the
 * project's loopback servers.
 *
 *   npm run bench:watch -- [--edits 100] [--burst 1000] [--protocols sftp,ftp]
 *
 * The server side is checked on its disk (the servers run on this machine): a file counts once its
 * final name holds the new content (ferry writes to a temporary name and renames, so that is the
 * moment it is complete). Each edit waits until the watch is idle again, so edits do not merge.
 * Loopback and a shared machine: compare runs, not absolute numbers.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watch, type WatchEvent } from '../src/index.js';
import { parseArgs, startServer } from './support/bench-support.js';

const args = parseArgs();
const edits = Number(args.get('edits') ?? 100);
const burst = Number(args.get('burst') ?? 1000);
const protocols = (args.get('protocols') ?? 'sftp,ftp').split(',') as Array<'sftp' | 'ftp'>;

/** Polls `check` every millisecond or so until it holds; returns when it did (ms, performance clock). */
async function until(check: () => boolean, timeoutMs = 60_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (check()) return performance.now();
    if (performance.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function readOr(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

async function measure(protocol: 'sftp' | 'ftp'): Promise<void> {
  const facts = startServer(protocol);
  const folder = `watch-bench-${Date.now().toString(36)}`;
  const remoteDir = join(facts.dataRoot, folder);
  mkdirSync(remoteDir);
  // The daemons write as their own user: let them write into the folder made here as root.
  execFileSync('chmod', ['777', remoteDir]);
  const auth = `${facts.user}:${encodeURIComponent(facts.password)}`;
  const url = protocol === 'sftp' ? `sftp://${auth}@${facts.host}:${facts.port}${remoteDir}` : `ftp://${auth}@${facts.host}:${facts.port}/${folder}`;
  const local = mkdtempSync(join(tmpdir(), 'ferry-watch-bench-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'ferry-watch-bench-state-'));
  const controller = new AbortController();
  let idle = false;
  let started = false;
  const onEvent = (event: WatchEvent): void => {
    if (event.type === 'watch-started') started = true;
    if (event.type === 'watch-state') idle = event.state === 'watching';
  };
  const done = watch({
    local,
    remote: url,
    stateDir,
    rescanSeconds: 0,
    connection: { knownHostsFile: facts.knownHostsFile, sshConfigFile: '/dev/null', useKeyring: false, useNetrc: false },
    signal: controller.signal,
    onEvent,
  });
  done.catch((error: unknown) => {
    console.error(`${protocol}: ${String(error)}`);
    process.exit(1);
  });
  await until(() => started && idle);

  const latencies: number[] = [];
  for (let i = 0; i < edits; i++) {
    const name = `edit-${i % 10}.txt`;
    const content = `edit ${i} ${randomBytes(8).toString('hex')}`;
    const t0 = performance.now();
    writeFileSync(join(local, name), content);
    const t1 = await until(() => readOr(join(remoteDir, name)) === content);
    latencies.push(t1 - t0);
    // Let the watch go idle, so the next edit is a batch of its own.
    await until(() => idle);
  }
  latencies.sort((a, b) => a - b);

  mkdirSync(join(local, 'burst'));
  const payload = randomBytes(1024);
  const b0 = performance.now();
  for (let i = 0; i < burst; i++) writeFileSync(join(local, 'burst', `f${i}.bin`), payload);
  const written = performance.now();
  const b1 = await until(() => {
    try {
      const names = readdirSync(join(remoteDir, 'burst'));
      return (
        names.length === burst && names.every((name) => !name.startsWith('.~ferry-')) && statSync(join(remoteDir, 'burst', `f${burst - 1}.bin`)).size === 1024
      );
    } catch {
      return false;
    }
  }, 300_000);

  controller.abort();
  await done;
  rmSync(local, { recursive: true, force: true });
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(remoteDir, { recursive: true, force: true });
  const ms = (value: number): string => `${value.toFixed(0)} ms`;
  console.log(
    `${protocol.padEnd(5)} single edit (n=${edits}): median ${ms(percentile(latencies, 50))}, p95 ${ms(percentile(latencies, 95))}, max ${ms(latencies[latencies.length - 1]!)}; ` +
      `burst of ${burst} × 1 KiB: ${ms(b1 - b0)} from the first write (writing took ${ms(written - b0)})`,
  );
}

for (const protocol of protocols) await measure(protocol);
