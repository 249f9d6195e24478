/**
 * `ferry doctor TARGET` through the built binary, against the real loopback servers: the facts
 * that differ per server (listing and mtime commands, TLS, SFTP extensions, exec), that no
 * temporary file stays behind, `--json`, exit 1 with a one-line error for a wrong password, a
 * missing folder or an untrusted certificate, and local folders (also one that cannot be written).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openBackend, parseTarget, type DoctorReport, type ProbeFinding } from '../../src/index.js';
import { hasStackTrace, linesOf, makeSandbox, type CliResult, type Sandbox } from '../support/run-cli.js';
import { loadServer } from '../support/test-servers.js';

interface FtpFacts {
  host: string;
  port: number;
  user: string;
  password: string;
  dataRoot: string;
  caFile?: string;
  limitedUser?: string;
  limitedPassword?: string;
  limitedMaxConnections?: number;
  noMtimePort?: number;
}
interface SshdFacts {
  host: string;
  port: number;
  user: string;
  password: string;
  dataRoot: string;
  knownHostsFile: string;
}

const KEEP = 'keep.txt';
let box: Sandbox;
const folders: string[] = [];

before(async () => {
  box = await makeSandbox('doctor');
});
after(async () => {
  for (const folder of folders) await fs.rm(folder, { recursive: true, force: true });
  await box.cleanup();
});

const enc = encodeURIComponent;
const uniqueName = (): string => `doctor-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** Creates a fresh folder with one file through the backend (so the server user owns it). */
async function prepareRemote(url: string, options: Parameters<typeof openBackend>[1] = {}): Promise<void> {
  const backend = await openBackend(parseTarget(url), { createFolder: true, sshConfigFile: '/dev/null', ...options });
  try {
    await backend.write(KEEP as never, Readable.from([Buffer.from('keep me\n')]));
  } finally {
    await backend.close();
  }
}

/** Names in a folder on disk, sorted. */
async function namesIn(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).sort();
}

function parseReport(result: CliResult): DoctorReport {
  const lines = linesOf(result.stdout);
  assert.equal(lines.length, 1, `--json prints one line: ${result.stdout}`);
  return JSON.parse(lines[0]!) as DoctorReport;
}

function finding(report: DoctorReport, id: string): ProbeFinding {
  const found = report.findings.find((item) => item.id === id);
  assert.ok(found, `finding ${id} in ${report.findings.map((item) => item.id).join(', ')}`);
  return found;
}

function assertOneLineError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  const errors = linesOf(result.stderr).filter((line) => line.startsWith('ferry: '));
  assert.equal(errors.length, 1, result.stderr);
  assert.match(errors[0]!, pattern);
  assert.ok(!hasStackTrace(result.stderr), result.stderr);
}

/** Runs doctor on a fresh folder of an FTP server; checks the common facts and the cleanup. */
async function doctorFtp(
  name: string,
  extra: string[] = [],
  scheme = 'ftp',
  port?: number,
): Promise<{ report: DoctorReport; text: CliResult; facts: FtpFacts }> {
  const facts = loadServer<FtpFacts>(name);
  const folder = uniqueName();
  const url = `${scheme}://${enc(facts.user)}:${enc(facts.password)}@${facts.host}:${port ?? facts.port}/${folder}`;
  await prepareRemote(url, { caFile: facts.caFile });
  folders.push(path.join(facts.dataRoot, folder));
  const json = await box.run(['doctor', url, '--json', ...extra]);
  assert.equal(json.code, 0, json.stderr);
  const report = parseReport(json);
  assert.equal(report.schemaVersion, 1);
  assert.equal(report.usable, true);
  assert.equal(report.protocol, scheme);
  assert.ok(!json.stdout.includes(facts.password), 'the password is never printed');
  assert.equal(finding(report, 'writable').value, true);
  assert.equal(finding(report, 'readable').value, true);
  assert.equal(finding(report, 'case-sensitive').value, true);
  assert.equal(finding(report, 'rename-over').value, true);
  assert.deepEqual(await namesIn(path.join(facts.dataRoot, folder)), [KEEP], 'no temporary file is left');
  const text = await box.run(['doctor', url, ...extra]);
  assert.equal(text.code, 0, text.stderr);
  assert.ok(!text.stdout.includes(facts.password), 'the password is never printed');
  assert.deepEqual(await namesIn(path.join(facts.dataRoot, folder)), [KEEP], 'no temporary file is left');
  return { report, text, facts };
}

describe('ferry doctor on FTP servers', () => {
  it('proftpd: MLSD, MFMT and SITE UTIME; RNTO replaces; 4 connections', async () => {
    const { report, text } = await doctorFtp('proftpd');
    assert.equal(finding(report, 'listing').value, 'MLSD');
    assert.equal(finding(report, 'mtime-mfmt').value, true);
    assert.equal(finding(report, 'mtime-site-utime').value, true);
    assert.equal(finding(report, 'mtime-method').value, 'mfmt');
    assert.equal(finding(report, 'mtime-set').value, 1000, 'times are kept to the second');
    assert.equal(finding(report, 'time-precision').value, 1000);
    assert.ok((finding(report, 'feat').value as string[]).includes('MFMT'));
    assert.deepEqual(finding(report, 'tls').value, { offered: true, used: false });
    assert.deepEqual(finding(report, 'connections').value, { wanted: 4, accepted: 4, refusedWith: null });
    assert.equal(typeof finding(report, 'clock-offset').value, 'number');
    // scripts/servers/proftpd.sh loads mod_digest, so --compare checksum can ask the server.
    assert.deepEqual(finding(report, 'hashes').value, ['HASH', 'XSHA256', 'XSHA1', 'XMD5', 'XCRC']);
    assert.match(text.stdout, /^ {2}ok {4}MLSD\/MLST: yes → ferry lists folders with MLSD/m);
    assert.match(linesOf(text.stdout).at(-1)!, /^Usable \(1 warning\)\. Elapsed: \d+\.\d\d sec\.$/);
  });

  it('vsftpd: no MLSD (LIST + MDTM), sets times with MDTM only', async () => {
    const { report, text } = await doctorFtp('vsftpd');
    assert.equal(finding(report, 'listing').value, 'LIST+MDTM');
    assert.equal(finding(report, 'mtime-mfmt').value, false);
    assert.equal(finding(report, 'mtime-site-utime').value, false);
    assert.equal(finding(report, 'mtime-mdtm').value, true);
    assert.equal(finding(report, 'mtime-method').value, 'mdtm');
    assert.equal(finding(report, 'mtime-set').value, 1000);
    assert.match(text.stdout, /MLSD\/MLST: no → ferry lists with LIST and asks MDTM per file \(slower\)/);
  });

  it('pyftpdlib: MLSD and MFMT, no SITE UTIME, no AUTH TLS', async () => {
    const { report } = await doctorFtp('pyftpdlib');
    assert.equal(finding(report, 'listing').value, 'MLSD');
    assert.equal(finding(report, 'mtime-mfmt').value, true);
    assert.equal(finding(report, 'mtime-site-utime').value, false);
    assert.equal(finding(report, 'mtime-mdtm').value, false);
    assert.equal(finding(report, 'mtime-method').value, 'mfmt');
    assert.deepEqual(finding(report, 'tls').value, { offered: false, used: false });
  });

  it('pyftpdlib without MFMT: no way to set mtimes is a warning, not a failure', async () => {
    const facts = loadServer<FtpFacts>('pyftpdlib');
    const { report, text } = await doctorFtp('pyftpdlib', [], 'ftp', facts.noMtimePort);
    assert.equal(finding(report, 'mtime-mfmt').value, false);
    assert.equal(finding(report, 'mtime-method').value, 'none');
    const set = finding(report, 'mtime-set');
    assert.deepEqual([set.value, set.status], [null, 'warn']);
    assert.match(text.stdout, /warn  set modification times: no \(the file kept the time it was written\) → uploaded files carry the time of the upload/);
  });

  it('pure-ftpd: MLSD and MFMT; a user limited to 2 connections gets the 421 reported', async () => {
    const { report, facts } = await doctorFtp('pure-ftpd');
    assert.equal(finding(report, 'listing').value, 'MLSD');
    assert.equal(finding(report, 'mtime-method').value, 'mfmt');
    assert.ok(facts.limitedUser && facts.limitedPassword && facts.limitedMaxConnections === 2);
    const limited = await box.run(['doctor', `ftp://${enc(facts.limitedUser)}:${enc(facts.limitedPassword)}@${facts.host}:${facts.port}/`, '--json']);
    assert.equal(limited.code, 0, limited.stderr);
    const connections = finding(parseReport(limited), 'connections');
    assert.deepEqual(connections.value, { wanted: 4, accepted: 2, refusedWith: 421 });
    assert.equal(connections.status, 'warn');
  });

  it('FTPS on proftpd: TLS verified with the test CA through --ca-file, refused without it', async () => {
    const facts = loadServer<FtpFacts>('proftpd');
    const { report, text } = await doctorFtp('proftpd', ['--ca-file', facts.caFile!], 'ftps');
    const tls = finding(report, 'tls');
    assert.equal(tls.status, 'ok');
    const value = tls.value as { protocol: string; cipher: string; verified: boolean };
    assert.equal(value.verified, true);
    assert.match(value.protocol, /^TLSv1\.[23]$/);
    assert.match(text.stdout, /TLS: TLSv1\.[23], \S+, certificate verified/);

    const refused = await box.run(['doctor', `ftps://${enc(facts.user)}:${enc(facts.password)}@${facts.host}:${facts.port}/`]);
    assertOneLineError(refused, /^ferry: .*certificate.*not trusted/);
    assert.match(refused.stdout, /FAIL +connect and log in: no: /);
    assert.match(linesOf(refused.stdout).at(-1)!, /^Not usable\./);
    // What could be seen without logging in: the certificate and why it is not trusted.
    assert.match(refused.stdout, /FAIL +TLS: TLSv1\.[23], .*NOT verified \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);

    const ftpes = await box.run([
      'doctor',
      `ftpes://${enc(facts.user)}:${enc(facts.password)}@${facts.host}:${facts.port}/`,
      '--ca-file',
      facts.caFile!,
      '--json',
    ]);
    assert.equal(ftpes.code, 0, ftpes.stderr);
    assert.equal((finding(parseReport(ftpes), 'tls').value as { verified: boolean }).verified, true, 'ftpes:// is explicit FTPS');

    const unverified = await box.run([
      'doctor',
      `ftps://${enc(facts.user)}:${enc(facts.password)}@${facts.host}:${facts.port}/`,
      '--no-verify-certs',
      '--json',
    ]);
    assert.equal(unverified.code, 0, unverified.stderr);
    const loose = finding(parseReport(unverified), 'tls');
    assert.equal(loose.status, 'warn');
    assert.equal((loose.value as { verified: boolean }).verified, false);
  });

  it('a wrong password: exit 1, a one-line error, and the report says so (text and --json)', async () => {
    const facts = loadServer<FtpFacts>('proftpd');
    const url = `ftp://${enc(facts.user)}:wrong-pw@${facts.host}:${facts.port}/`;
    const text = await box.run(['doctor', url]);
    assertOneLineError(text, /^ferry: login to ftp:\/\/.* failed: 530/);
    assert.ok(!text.stdout.includes('wrong-pw') && !text.stderr.includes('wrong-pw'));
    const json = await box.run(['doctor', url, '--json']);
    assert.equal(json.code, 1);
    const report = parseReport(json);
    assert.equal(report.usable, false);
    assert.equal(report.error?.code, 'auth');
    assert.equal(finding(report, 'connect').status, 'fail');
    // What the server shows before login is still reported (no password is sent for it).
    assert.equal(finding(report, 'banner').value, 'ferry test proftpd');
    assert.ok(
      (finding(report, 'feat').value as string[]).includes(
        'MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.groupname*;UNIX.mode*;UNIX.owner*;UNIX.ownername*;',
      ),
    );
  });

  it('a missing folder: exit 1 and a one-line error', async () => {
    const facts = loadServer<FtpFacts>('pure-ftpd');
    const result = await box.run(['doctor', `ftp://${enc(facts.user)}:${enc(facts.password)}@${facts.host}:${facts.port}/${uniqueName()}`]);
    assertOneLineError(result, /^ferry: remote folder .* does not exist$/);
  });
});

describe('ferry doctor on SFTP', () => {
  it('reports the host key verified from known_hosts, posix-rename, exec and sha256sum; leaves no temp file', async () => {
    const s = loadServer<SshdFacts>('sshd');
    const folder = `${s.dataRoot}/${uniqueName()}`;
    const url = `sftp://${enc(s.user)}:${enc(s.password)}@${s.host}:${s.port}${folder}`;
    await prepareRemote(url, { knownHostsFile: s.knownHostsFile });
    folders.push(folder);
    const json = await box.run(['doctor', url, '--json', '--known-hosts', s.knownHostsFile]);
    assert.equal(json.code, 0, json.stderr);
    assert.ok(!json.stdout.includes(s.password));
    const report = parseReport(json);
    assert.equal(report.usable, true);
    assert.equal(report.protocol, 'sftp');
    assert.match(String(finding(report, 'server').value as string), /^OpenSSH_/);
    const hostKey = finding(report, 'host-key').value as { verified: boolean; fingerprint: string };
    assert.equal(hostKey.verified, true);
    assert.match(hostKey.fingerprint, /^SHA256:/);
    const sftp = finding(report, 'sftp-version').value as { version: number; extensions: string[] };
    assert.equal(sftp.version, 3);
    assert.ok(sftp.extensions.includes('posix-rename@openssh.com'));
    assert.equal(finding(report, 'ext-posix-rename').value, true);
    assert.equal(finding(report, 'rename-over').value, true);
    assert.equal(finding(report, 'exec').value, true);
    assert.equal(finding(report, 'tree-listing').value, 'exec');
    assert.ok((finding(report, 'checksums').value as string[]).includes('sha256sum'));
    assert.equal(finding(report, 'mtime-set').value, 1000);
    assert.equal(finding(report, 'time-precision').value, 1000, 'SFTP version 3 carries whole seconds');
    assert.equal(finding(report, 'writable').value, true);
    assert.equal(finding(report, 'case-sensitive').value, true);
    assert.deepEqual(await namesIn(folder), [KEEP], 'no temporary file is left');

    const text = await box.run(['doctor', url, '--known-hosts', s.knownHostsFile]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /host key: ssh-ed25519 SHA256:\S+, verified from known_hosts/);
    assert.match(text.stdout, /posix-rename@openssh\.com: yes → ferry renames each upload over the old file atomically/);
    assert.deepEqual(await namesIn(folder), [KEEP]);

    const unknown = await box.run(['doctor', url, '--known-hosts', path.join(box.root, 'empty_known_hosts'), '--json']);
    assertOneLineError(unknown, /^ferry: .*host key/i);
    const unknownKey = finding(parseReport(unknown), 'host-key');
    assert.equal(unknownKey.status, 'fail');
    assert.deepEqual(unknownKey.value, { ...hostKey, verified: false }, 'the same key, reported before login');

    const wrong = await box.run(['doctor', `sftp://${enc(s.user)}:wrong-pw@${s.host}:${s.port}${folder}`, '--known-hosts', s.knownHostsFile, '--no-prompt']);
    assertOneLineError(wrong, /^ferry: authentication failed/);
    assert.match(wrong.stdout, /host key: ssh-ed25519 SHA256:\S+, verified from known_hosts/);
    // The header shows the target as every other command does: the password left out, not starred.
    assert.equal(linesOf(wrong.stdout)[0], `Checking sftp://${s.user}@${s.host}:${s.port}${folder}`);
  });
});

describe('ferry doctor on a local folder', () => {
  it('reports case sensitivity, millisecond mtimes and write permission; leaves nothing behind', async () => {
    const dir = path.join(box.root, 'plain');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, KEEP), 'keep');
    const json = await box.run(['doctor', dir, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const report = parseReport(json);
    assert.equal(report.protocol, 'local');
    assert.equal(report.usable, true);
    assert.equal(finding(report, 'writable').value, true);
    assert.equal(finding(report, 'case-sensitive').value, true, 'the test machine has a case-sensitive file system');
    assert.equal(finding(report, 'mtime-set').value, 1);
    assert.equal(finding(report, 'time-precision').value, 1);
    assert.ok(!report.findings.some((item) => item.id === 'clock-offset'), 'a local folder has our clock');
    assert.deepEqual(await namesIn(dir), [KEEP]);
    const text = await box.run(['doctor', dir]);
    assert.equal(text.code, 0);
    assert.equal(linesOf(text.stdout)[0], `Checking ${dir}`);
    assert.match(text.stdout, /write permission: yes/);
    assert.deepEqual(await namesIn(dir), [KEEP]);
  });

  it('a missing folder: exit 1, one-line error', async () => {
    const result = await box.run(['doctor', path.join(box.root, 'nope')]);
    assertOneLineError(result, /^ferry: folder .*nope does not exist$/);
  });

  const canDropPrivileges = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
  it('a folder that cannot be written: exit 1, the report shows what it could', { skip: canDropPrivileges ? false : 'needs root and setpriv' }, async () => {
    const dir = path.join(box.root, 'readonly');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, KEEP), 'keep');
    await fs.chmod(box.root, 0o755);
    await fs.chmod(dir, 0o755);
    const asNobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
    const result = await box.run(['doctor', dir, '--json'], { prefix: asNobody });
    assert.equal(result.code, 1, result.stderr);
    const report = parseReport(result);
    assert.equal(report.usable, false);
    assert.equal(finding(report, 'readable').value, true);
    assert.equal(finding(report, 'writable').value, false);
    assert.match(report.error!.message, /write permission: no/);
    assertOneLineError(result, /^ferry: .*write permission: no/);
    assert.deepEqual(await namesIn(dir), [KEEP]);
  });

  it('a malformed target is a usage error (exit 2)', async () => {
    const result = await box.run(['doctor', 'gopher://host/x']);
    assert.equal(result.code, 2);
    assert.equal(linesOf(result.stderr).length, 1, result.stderr);
  });
});
