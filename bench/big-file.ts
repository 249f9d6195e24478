/**
 * One big file up and down: ferry against lftp, rclone and OpenSSH's own `sftp` and `scp` clients
 * (SFTP only), on the loopback servers.
 *
 *   node --import tsx bench/big-file.ts [--mb 1024] [--protocols sftp,ftp,ftps] [--repeat 3] [--no-build]
 *
 * The file is made of random bytes in a temporary folder under /tmp, which is removed at the end
 * (also on failure), as are the copies on the servers. Uploads: every tool uploads into a folder of
 * its own, which is removed right after. Downloads: every tool fetches the copy ferry uploaded.
 * ferry's download is checked byte for byte (SHA-256). Figures are medians over the repeats, in
 * MiB/s; ratios are ferry's throughput over the peer's (> 1: ferry is faster).
 */
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  build,
  ensureTools,
  ferryBin,
  ferryCommand,
  lftpScript,
  median,
  opensshOptions,
  parseArgs,
  printTable,
  rcloneRemote,
  remoteDir,
  removeRemote,
  startServer,
  timed,
  toolVersions,
  type Protocol,
  type RemoteDir,
  type Server,
  type Timing,
} from './support/bench-support.js';

const args = parseArgs();
const sizeMib = Number(args.get('mb') ?? 1024);
const protocols = (args.get('protocols') ?? 'sftp,ftp,ftps').split(',') as Protocol[];
const repeats = Number(args.get('repeat') ?? 3);
const fileName = 'big.bin';

type Tool = 'ferry' | 'lftp' | 'rclone' | 'sftp' | 'scp';

interface Tools {
  readonly upload: (localDir: string, remote: RemoteDir) => Timing;
  readonly download: (remote: RemoteDir, localDir: string) => Timing;
}

function toolsFor(protocol: Protocol, server: Server, stateDir: string): Partial<Record<Tool, Tools>> {
  const ferry = (mode: 'upload' | 'download', localDir: string, remote: RemoteDir): Timing => {
    const { url, extra } = ferryCommand(protocol, server, remote.path);
    return timed('node', [ferryBin, mode, localDir, url, '--create-folder', '-q', '--no-progress', '--state-dir', stateDir, ...extra]);
  };
  const tools: Partial<Record<Tool, Tools>> = {
    ferry: { upload: (local, remote) => ferry('upload', local, remote), download: (remote, local) => ferry('download', local, remote) },
    lftp: {
      upload: (local, remote) => timed('lftp', ['-c', lftpScript(protocol, server, `mirror -R ${local} ${remote.path}`)]),
      download: (remote, local) => timed('lftp', ['-c', lftpScript(protocol, server, `mirror ${remote.path} ${local}`)]),
    },
    rclone: {
      upload: (local, remote) => timed('rclone', ['copy', local, rcloneRemote(protocol, server, remote.path), '--config', '/dev/null', '-q']),
      download: (remote, local) => timed('rclone', ['copy', rcloneRemote(protocol, server, remote.path), local, '--config', '/dev/null', '-q']),
    },
  };
  if (protocol === 'sftp') {
    const target = `${server.user}@${server.host}`;
    tools.sftp = {
      upload: (local, remote) =>
        timed('sftp', [...opensshOptions(server, '-P'), '-b', '-', target], {
          input: `mkdir ${remote.path}\nput ${join(local, fileName)} ${remote.path}/${fileName}\n`,
        }),
      download: (remote, local) =>
        timed('sftp', [...opensshOptions(server, '-P'), '-b', '-', target], { input: `get ${remote.path}/${fileName} ${join(local, fileName)}\n` }),
    };
    tools.scp = {
      upload: (local, remote) => {
        // scp cannot create the folder: make it, owned by the server's user.
        mkdirSync(remote.disk, { recursive: true });
        const owner = statSync(server.dataRoot);
        chownSync(remote.disk, owner.uid, owner.gid);
        return timed('scp', [...opensshOptions(server, '-P'), '-q', join(local, fileName), `${target}:${remote.path}/${fileName}`]);
      },
      download: (remote, local) => timed('scp', [...opensshOptions(server, '-P'), '-q', `${target}:${remote.path}/${fileName}`, join(local, fileName)]),
    };
  }
  return tools;
}

/**
 * Runs one transfer; a peer that fails is tried once more and then reported as failed (NaN),
 * since lftp and rclone sometimes give up on a busy loopback server. ferry failing is fatal.
 */
function attempt(name: Tool, direction: string, run: () => number): number {
  for (let tries = 1; ; tries++) {
    try {
      return run();
    } catch (error) {
      if (name === 'ferry' || tries >= 2) {
        if (name === 'ferry') throw error;
        console.log(`${name} ${direction} failed twice, left out: ${(error as Error).message.slice(0, 300)}`);
        return Number.NaN;
      }
    }
  }
}

function makeBigFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha256');
  const fd = openSync(join(dir, fileName), 'w');
  try {
    for (let i = 0; i < sizeMib; i++) {
      const chunk = randomBytes(1024 * 1024);
      hash.update(chunk);
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function sha256Of(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function main(): void {
  ensureTools(['lftp', 'rclone', 'sftp', 'scp']);
  if (args.get('no-build') !== 'true') build();
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-big-'));
  const stamp = Date.now().toString(36);
  const table: string[][] = [];
  const bytes = sizeMib * 1024 * 1024;
  const mibps = (seconds: number): number => sizeMib / seconds;
  try {
    console.log(`big file: ${sizeMib} MiB of random bytes in ${work}; median of ${repeats} repeat(s)`);
    const upDir = join(work, 'up');
    const sourceHash = makeBigFile(upDir);
    for (const protocol of protocols) {
      const server = startServer(protocol);
      const tools = toolsFor(protocol, server, join(work, `state-${protocol}`));
      const names = Object.keys(tools) as Tool[];
      const up = new Map<Tool, number[]>(names.map((name) => [name, []]));
      const down = new Map<Tool, number[]>(names.map((name) => [name, []]));
      for (let repeat = 0; repeat < repeats; repeat++) {
        const reference = remoteDir(protocol, server, `bench-big-${stamp}-${protocol}-ferry-${repeat}`);
        try {
          for (const name of names) {
            const remote = name === 'ferry' ? reference : remoteDir(protocol, server, `bench-big-${stamp}-${protocol}-${name}-${repeat}`);
            try {
              const wall = attempt(name, 'upload', () => tools[name]!.upload(upDir, remote).wall);
              up.get(name)!.push(wall);
              const size = Number.isNaN(wall) ? bytes : statSync(join(remote.disk, fileName)).size;
              if (size !== bytes) throw new Error(`${name} uploaded ${size} bytes, expected ${bytes}`);
            } finally {
              if (name !== 'ferry') removeRemote(remote);
            }
          }
          for (const name of names) {
            const local = join(work, `down-${name}`);
            rmSync(local, { recursive: true, force: true });
            if (name !== 'ferry') mkdirSync(local);
            try {
              const wall = attempt(name, 'download', () => tools[name]!.download(reference, local).wall);
              down.get(name)!.push(wall);
              if (Number.isNaN(wall)) continue;
              const file = join(local, fileName);
              if (statSync(file).size !== bytes) throw new Error(`${name} downloaded ${statSync(file).size} bytes, expected ${bytes}`);
              if (name === 'ferry' && repeat === 0 && sha256Of(file) !== sourceHash) throw new Error('ferry downloaded different bytes');
            } finally {
              rmSync(local, { recursive: true, force: true });
            }
          }
        } finally {
          removeRemote(reference);
        }
      }
      for (const [direction, times] of [
        ['upload', up],
        ['download', down],
      ] as const) {
        const rate = (name: Tool): number => mibps(median(times.get(name)!.filter((t) => !Number.isNaN(t))));
        const peers = names.filter((name) => name === 'lftp' || name === 'rclone');
        const known = (values: number[]): number[] => values.filter((value) => Number.isFinite(value));
        const fastestPeer = Math.max(...known(peers.map(rate)));
        const openssh = names.filter((name) => name === 'sftp' || name === 'scp');
        const fastestOpenssh = openssh.length ? Math.max(...known(openssh.map(rate))) : undefined;
        table.push([
          protocol,
          direction,
          ...(['ferry', 'lftp', 'rclone', 'sftp', 'scp'] as Tool[]).map((name) =>
            !tools[name] ? '–' : Number.isFinite(rate(name)) ? rate(name).toFixed(0) : 'failed',
          ),
          `${(rate('ferry') / fastestPeer).toFixed(2)}×`,
          fastestOpenssh ? `${(rate('ferry') / fastestOpenssh).toFixed(2)}×` : '–',
        ]);
      }
      // Each protocol's rows as soon as they are known (a later failure does not lose them).
      for (const row of table.filter((r) => r[0] === protocol)) console.log(`| ${row.join(' | ')} |`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`\n${toolVersions().join('; ')}\n`);
  printTable(
    ['protocol', 'direction', 'ferry MiB/s', 'lftp', 'rclone', 'OpenSSH sftp', 'scp', 'ferry / fastest of lftp, rclone', 'ferry / fastest OpenSSH'],
    table,
  );
  console.log(`\n${sizeMib} MiB, wall-clock medians over ${repeats} repeat(s). Ratio > 1: ferry is faster.`);
  console.log("Targets: ferry ≥ 1× the fastest of lftp and rclone, and ≥ 0.7× OpenSSH's sftp/scp.");
}

main();
