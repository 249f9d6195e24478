/**
 * Shared pieces of the benchmarks: options, the loopback servers, timing a command (wall clock,
 * its CPU time and peak memory through `/usr/bin/time`), medians and tables.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const ferryBin = join(repoRoot, 'dist/bin/ferry.js');

/** `--name value` pairs and bare `--flag`s after the script name. */
export function parseArgs(argv: readonly string[] = process.argv.slice(2)): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i]!;
    if (!name.startsWith('--')) throw new Error(`unexpected argument ${name} (options are --name value)`);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) args.set(name.slice(2), 'true');
    else {
      args.set(name.slice(2), next);
      i++;
    }
  }
  return args;
}

export const numberList = (text: string): number[] => text.split(',').filter(Boolean).map(Number);

export type Protocol = 'sftp' | 'ftp' | 'ftps';

/** Connection facts a `scripts/servers/NAME.sh start` wrote. */
export interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
  dataRoot: string;
  knownHostsFile?: string;
  keyPath?: string;
  caFile?: string;
}

export const serverOf: Record<Protocol, string> = { sftp: 'sshd', ftp: 'proftpd', ftps: 'proftpd' };

/** Starts (or finds running) the loopback server for a protocol. */
export function startServer(protocol: Protocol): Server {
  const name = serverOf[protocol];
  execFileSync('bash', [join(repoRoot, 'scripts/servers', `${name}.sh`), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(join(repoRoot, '.test-servers', `${name}.json`), 'utf8')) as Server;
}

/** A server reached through {@link startLatencyProxy}. */
export interface DistantServer {
  /** The same server, at the proxy's port (SFTP: with a known_hosts file for that port). */
  readonly server: Server;
  /** Stops the proxy. */
  stop(): void;
}

/**
 * Puts a proxy in front of a loopback server that delivers every chunk `latencyMs` after it was
 * sent, each way, and makes every new connection (control and data, PASV and EPSV) pay TCP's
 * handshake (bench/support/latency-proxy.ts, in a process of its own): the server as a user far
 * away sees it. Plain FTP and SFTP only (an FTPS control connection cannot be rewritten).
 */
export async function startLatencyProxy(protocol: Protocol, server: Server, latencyMs: number, work: string): Promise<DistantServer> {
  if (protocol === 'ftps')
    throw new Error('--latency-ms works over sftp and ftp only: FTPS passive replies are encrypted, so the proxy cannot route data connections');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(repoRoot, 'bench/support/latency-proxy.ts'),
      '--target',
      String(server.port),
      '--latency-ms',
      String(latencyMs),
      '--stats',
      ...(protocol === 'ftp' ? ['--ftp'] : []),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^port (\d+)$/m.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`latency proxy exited (${code}) before listening`)));
  });
  let knownHostsFile = server.knownHostsFile;
  if (protocol === 'sftp' && knownHostsFile !== undefined) {
    // The host key is the server's; only the port it is reached at changes.
    knownHostsFile = join(work, `known_hosts-${port}`);
    writeFileSync(knownHostsFile, readFileSync(server.knownHostsFile!, 'utf8').replaceAll(`[${server.host}]:${server.port} `, `[${server.host}]:${port} `));
  }
  return {
    server: { ...server, port, knownHostsFile },
    stop: () => {
      // Closing stdin makes it print what it carried (connections, PASV/EPSV replies) and exit.
      child.stdin!.end();
      setTimeout(() => child.kill(), 2000).unref();
    },
  };
}

/** Where a remote folder of the benchmark lives: its path as the server shows it, and on this disk. */
export interface RemoteDir {
  /** Absolute path in the protocol's view (SFTP: real path; FTP: inside the user's chroot). */
  readonly path: string;
  /** The same folder on this machine's disk (the servers run on loopback), for cleaning up. */
  readonly disk: string;
}

export function remoteDir(protocol: Protocol, server: Server, name: string): RemoteDir {
  if (protocol === 'sftp') return { path: `${server.dataRoot}/${name}`, disk: `${server.dataRoot}/${name}` };
  return { path: `/${name}`, disk: join(server.dataRoot, name) };
}

export function removeRemote(dir: RemoteDir): void {
  rmSync(dir.disk, { recursive: true, force: true });
}

/** Installs lftp, rclone and the OpenSSH client with apt-get when missing. */
export function ensureTools(tools: readonly string[] = ['lftp', 'rclone', 'sftp', 'scp']): void {
  const packages: Record<string, string> = { lftp: 'lftp', rclone: 'rclone', sftp: 'openssh-client', scp: 'openssh-client', time: 'time' };
  const missing = [...new Set(tools.filter((tool) => spawnSync('which', [tool]).status !== 0).map((tool) => packages[tool]!))];
  if (!existsSync('/usr/bin/time')) missing.push('time');
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(' ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (spawnSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env }).status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env });
  }
}

/** Builds dist/ (the benchmarks run the built CLI, as users do). */
export function build(): void {
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** One timed command. */
export interface Timing {
  /** Wall clock, seconds. */
  readonly wall: number;
  /** User + system CPU of the command and its children, seconds (the servers' CPU is not in it). */
  readonly cpu: number;
  /**
   * CPU seconds the whole machine was busy while the command ran (every process: the command, the
   * loopback servers, anything else), from /proc/stat. `machineCpu - cpu` is the servers' share
   * on an otherwise quiet machine, and `machineCpu / wall` the cores in use: on a machine with
   * two cores, a figure near 2 means the run was bound by CPU, whoever spent it.
   */
  readonly machineCpu: number;
  /** Peak resident memory of the command, MiB. */
  readonly maxRssMib: number;
  readonly stdout: string;
}

/**
 * The environment every timed tool runs in: this one without `NODE_EXTRA_CA_CERTS`. A machine
 * that sets it (this one does, for its own package mirrors) makes every Node process read and
 * parse that CA bundle before its first line runs: 100 ms of `node -e 0`'s 150 ms here, paid by
 * ferry alone among the tools compared. ferry's FTPS takes extra CAs from `--ca-file`.
 */
export function benchEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Runs a command under `/usr/bin/time`; throws with the end of its output when it fails. */
export function timed(command: string, argv: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Timing {
  const marker = '@@bench-time@@';
  const busyBefore = machineBusySeconds();
  const result = spawnSync('/usr/bin/time', ['-f', `${marker} %e %U %S %M`, command, ...argv], {
    env: benchEnv(options.env),
    encoding: 'utf8',
    input: options.input,
    maxBuffer: 256 * 1024 * 1024,
  });
  const machineCpu = machineBusySeconds() - busyBefore;
  const line = result.stderr.split('\n').find((l) => l.startsWith(marker));
  if (result.status !== 0 || line === undefined) {
    const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-6).join(' | ');
    throw new Error(`${command} ${argv.slice(0, 3).join(' ')} ... failed (exit ${result.status}): ${output}`);
  }
  const [wall, user, sys, rssKb] = line.slice(marker.length).trim().split(' ').map(Number) as [number, number, number, number];
  return { wall, cpu: user + sys, machineCpu, maxRssMib: rssKb / 1024, stdout: result.stdout };
}

/** Seconds all cores have spent busy since boot (user, nice, system, irq, softirq, steal). */
function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields as [number, number, number, number, number, number, number, number];
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ: 100 ticks per second on Linux
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A Markdown table. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

export const seconds = (value: number): string => value.toFixed(2);
export const ratio = (value: number): string => `${value.toFixed(2)}×`;

/** `ferry upload|download` between a local folder and a remote one. */
export function ferryCommand(protocol: Protocol, server: Server, remotePath: string): { url: string; extra: string[] } {
  const url = `${protocol}://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}${remotePath}`;
  const extra = protocol === 'sftp' ? ['--known-hosts', server.knownHostsFile!] : protocol === 'ftps' ? ['--ca-file', server.caFile!] : [];
  return { url, extra };
}

/** An lftp script that opens the server (host keys and certificates not checked: loopback only). */
export function lftpScript(protocol: Protocol, server: Server, commands: string): string {
  const settings = [
    'set cmd:fail-exit yes',
    'set net:max-retries 1',
    protocol === 'sftp' ? 'set sftp:connect-program "ssh -a -x -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"' : '',
    protocol === 'ftps' ? 'set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no' : '',
    protocol === 'ftp' ? 'set ftp:ssl-allow false' : '',
  ].filter(Boolean);
  const scheme = protocol === 'sftp' ? 'sftp' : 'ftp';
  return `${settings.join('; ')}; open -u ${server.user},${server.password} -p ${server.port} ${scheme}://${server.host}; ${commands}; quit`;
}

/** rclone's on-the-fly remote for a server folder. */
export function rcloneRemote(protocol: Protocol, server: Server, remotePath: string): string {
  const obscured = execFileSync('rclone', ['obscure', server.password], { encoding: 'utf8' }).trim();
  return protocol === 'sftp'
    ? `:sftp,host=${server.host},port=${server.port},user=${server.user},pass=${obscured}:${remotePath}`
    : `:ftp,host=${server.host},port=${server.port},user=${server.user},pass=${obscured}${protocol === 'ftps' ? ',explicit_tls=true,no_check_certificate=true' : ''}:${remotePath}`;
}

/** Options of OpenSSH's `sftp`/`scp` for the test server (key login, its known_hosts file). */
export function opensshOptions(server: Server, portFlag: '-P'): string[] {
  return [
    portFlag,
    String(server.port),
    '-i',
    server.keyPath!,
    '-o',
    `UserKnownHostsFile=${server.knownHostsFile!}`,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
  ];
}

/** Versions of the tools measured, for the record. */
export function toolVersions(): string[] {
  const first = (command: string, argv: string[]): string => {
    const result = spawnSync(command, argv, { encoding: 'utf8' });
    return `${result.stdout}${result.stderr}`.trim().split('\n')[0] ?? '?';
  };
  return [
    `node ${process.version}`,
    first('lftp', ['--version']).replace(/\s*\|\s*Copyright.*/, ''),
    first('rclone', ['version']),
    first('ssh', ['-V']),
    first('/usr/sbin/proftpd', ['-v']),
    first('/usr/sbin/sshd', ['-V']) || 'sshd (same as ssh)',
    `cpus ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()}, load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    ...(process.env.NODE_EXTRA_CA_CERTS ? ["NODE_EXTRA_CA_CERTS left out of the tools' environment (see benchEnv)"] : []),
  ];
}
