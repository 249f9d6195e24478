/**
 * Upload benchmark: ferry against lftp (`mirror -R --parallel=N`) and rclone (`copy --transfers N`)
 * on the project's loopback servers, in one run, printing times and ratios.
 *
 *   npm run bench -- [--files 2000] [--big-mb 200] [--protocols sftp,ftp,ftps] [--repeat 1]
 *
 * Work measured per protocol: a first upload of FILES files of 4 KiB in 50 folders; a second,
 * no-op run of the same upload; and one file of BIG-MB MiB (0 skips it). Each tool uploads into a
 * folder of its own. Peers run at several N; the best N counts. Times are wall clock of the whole
 * command; compare the ratios, not absolute numbers (loopback, noisy).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repoRoot = join(import.meta.dirname, '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const fileCount = Number(args.get('files') ?? 2000);
const bigMb = Number(args.get('big-mb') ?? 200);
const protocols = (args.get('protocols') ?? 'sftp,ftp,ftps').split(',');
const peerParallel = [4, 8, 16];

interface Server {
  host: string;
  port: number;
  user: string;
  password: string;
  knownHostsFile?: string;
  caFile?: string;
}

function ensureTools(): void {
  const missing = ['lftp', 'rclone'].filter((tool) => spawnSync('which', [tool]).status !== 0);
  if (missing.length === 0) return;
  console.log(`installing ${missing.join(' ')} with apt-get ...`);
  const install = spawnSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (install.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

function startServer(name: string): Server {
  execFileSync('bash', [join(repoRoot, 'scripts/servers', `${name}.sh`), 'start'], { stdio: 'inherit' });
  return JSON.parse(readFileSync(join(repoRoot, '.test-servers', `${name}.json`), 'utf8')) as Server;
}

function makeTree(root: string): void {
  for (let i = 0; i < fileCount; i++) {
    const dir = join(root, `dir${i % 50}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `file${i}.bin`), randomBytes(4096));
  }
}

function time(command: string, argv: string[], env: NodeJS.ProcessEnv = {}): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, argv, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} failed (${result.status}): ${(result.stderr || result.stdout).split('\n').slice(-5).join(' | ')}`);
  }
  return seconds;
}

type Protocol = 'sftp' | 'ftp' | 'ftps';

function ferryUpload(protocol: Protocol, server: Server, local: string, remotePath: string, stateDir: string): number {
  const url = `${protocol}://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${server.port}${remotePath}`;
  const extra = protocol === 'sftp' ? ['--known-hosts', server.knownHostsFile!] : protocol === 'ftps' ? ['--ca-file', server.caFile!] : [];
  return time('node', [join(repoRoot, 'dist/cli/main.js'), 'upload', local, url, '--create-folder', '-q', '--state-dir', stateDir, ...extra]);
}

function lftpUpload(protocol: Protocol, server: Server, local: string, remotePath: string, parallel: number): number {
  const settings = [
    'set cmd:fail-exit yes',
    'set net:max-retries 1',
    protocol === 'sftp' ? 'set sftp:connect-program "ssh -a -x -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"' : '',
    protocol === 'ftps' ? 'set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no' : '',
    protocol === 'ftp' ? 'set ftp:ssl-allow false' : '',
  ].filter(Boolean);
  const scheme = protocol === 'sftp' ? 'sftp' : 'ftp';
  const script = `${settings.join('; ')}; open -u ${server.user},${server.password} -p ${server.port} ${scheme}://${server.host}; mirror -R --parallel=${parallel} ${local} ${remotePath}; quit`;
  return time('lftp', ['-c', script]);
}

function rcloneUpload(protocol: Protocol, server: Server, local: string, remotePath: string, transfers: number): number {
  const obscured = execFileSync('rclone', ['obscure', server.password], { encoding: 'utf8' }).trim();
  const remote =
    protocol === 'sftp'
      ? `:sftp,host=${server.host},port=${server.port},user=${server.user},pass=${obscured}:${remotePath}`
      : `:ftp,host=${server.host},port=${server.port},user=${server.user},pass=${obscured}${protocol === 'ftps' ? ',explicit_tls=true,no_check_certificate=true' : ''}:${remotePath}`;
  return time('rclone', ['copy', local, remote, '--transfers', String(transfers), '--checkers', String(transfers), '--config', '/dev/null', '-q']);
}

interface Row {
  protocol: string;
  work: string;
  ferry: number;
  lftp: { seconds: number; parallel: number };
  rclone: { seconds: number; parallel: number };
}

function best(run: (parallel: number, label: string) => number): { seconds: number; parallel: number } {
  let result = { seconds: Infinity, parallel: 0 };
  for (const parallel of peerParallel) {
    const seconds = run(parallel, `p${parallel}`);
    if (seconds < result.seconds) result = { seconds, parallel };
  }
  return result;
}

function main(): void {
  ensureTools();
  execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const small = join(work, 'small');
  const big = join(work, 'big');
  makeTree(small);
  if (bigMb > 0) {
    mkdirSync(big);
    const chunk = randomBytes(1024 * 1024);
    const file = join(big, 'big.bin');
    writeFileSync(file, '');
    for (let i = 0; i < bigMb; i++) writeFileSync(file, chunk, { flag: 'a' });
  }
  const rows: Row[] = [];
  const serverFor: Record<Protocol, string> = { sftp: 'sshd', ftp: 'proftpd', ftps: 'proftpd' };
  const stamp = Date.now().toString(36);
  try {
    for (const protocol of protocols as Protocol[]) {
      const server = startServer(serverFor[protocol]);
      // Remote folders, absolute on the server: SFTP under the test user's data root; FTP under
      // the chroot of the FTP user.
      const base = protocol === 'sftp' ? `${(server as unknown as { dataRoot: string }).dataRoot}/bench-${stamp}` : `/bench-${stamp}`;
      const target = (tool: string, label: string) => `${base}-${protocol}-${tool}-${label}`;
      const stateDir = join(work, `state-${protocol}`);
      console.log(`\n${protocol}: ${fileCount} × 4 KiB ...`);
      const ferryFirst = ferryUpload(protocol, server, small, target('ferry', 'small'), stateDir);
      const ferryNoop = ferryUpload(protocol, server, small, target('ferry', 'small'), stateDir);
      const lftpFirst = best((n) => lftpUpload(protocol, server, small, target('lftp', `small-${n}`), n));
      const lftpNoop = best((n) => lftpUpload(protocol, server, small, target('lftp', `small-${lftpFirst.parallel}`), n));
      const rcloneFirst = best((n) => rcloneUpload(protocol, server, small, target('rclone', `small-${n}`), n));
      const rcloneNoop = best((n) => rcloneUpload(protocol, server, small, target('rclone', `small-${rcloneFirst.parallel}`), n));
      rows.push({ protocol, work: `${fileCount} small files, first upload`, ferry: ferryFirst, lftp: lftpFirst, rclone: rcloneFirst });
      rows.push({ protocol, work: `${fileCount} small files, nothing changed`, ferry: ferryNoop, lftp: lftpNoop, rclone: rcloneNoop });
      if (bigMb > 0) {
        console.log(`${protocol}: one ${bigMb} MiB file ...`);
        const ferryBig = ferryUpload(protocol, server, big, target('ferry', 'big'), join(work, `state-big-${protocol}`));
        const lftpBig = { seconds: lftpUpload(protocol, server, big, target('lftp', 'big'), 1), parallel: 1 };
        const rcloneBig = { seconds: rcloneUpload(protocol, server, big, target('rclone', 'big'), 1), parallel: 1 };
        rows.push({ protocol, work: `one ${bigMb} MiB file`, ferry: ferryBig, lftp: lftpBig, rclone: rcloneBig });
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log('\n| protocol | work | ferry s | lftp s (best N) | rclone s (best N) | ferry / best peer |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const peer = Math.min(row.lftp.seconds, row.rclone.seconds);
    console.log(
      `| ${row.protocol} | ${row.work} | ${row.ferry.toFixed(2)} | ${row.lftp.seconds.toFixed(2)} (${row.lftp.parallel}) | ${row.rclone.seconds.toFixed(2)} (${row.rclone.parallel}) | ${(row.ferry / peer).toFixed(2)}× |`,
    );
  }
}

main();
