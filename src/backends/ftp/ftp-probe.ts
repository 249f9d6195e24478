/**
 * `ferry doctor` on an FTP or FTPS server: FEAT, listing and mtime commands, hash commands, TLS,
 * UTF-8, rename over an existing file, and how many connections the server accepts. Where a FEAT
 * line is not enough, a command is tried for real on temporary files in the root folder; every
 * one of them is deleted again, also when a check fails.
 */
import type { Client } from 'basic-ftp';
import { TLSSocket } from 'node:tls';
import { describeError } from '../../errors.js';
import { tempNameFor } from '../backend.js';
import { cleanupFailed, type ProbeFinding, type ProbeOptions, type ProbeReporter } from '../probe-finding.js';
import type { FtpClientPool } from './ftp-client-pool.js';
import { ftpReplyCode, isTooManyConnections } from './ftp-errors.js';
import { parseFtpTime } from './ftp-time.js';
import { parseMlsxLine } from './list-parser.js';
import { mtimeCommand, type MtimeMethod } from './mtime-method.js';
import type { ServerFeatures } from './server-features.js';
import { uploadSource } from './upload-source.js';

/** What the probe needs from an open FTP backend. */
export interface FtpProbeContext {
  readonly pool: FtpClientPool;
  /** Absolute root folder on the server. */
  readonly root: string;
  readonly features: ServerFeatures;
  /** The method the backend chose when it was opened. */
  readonly mtimeMethod: MtimeMethod;
  /** `mdtm` is a guess the first upload checks; the probe's own try of it decides here. */
  readonly mtimeUnverified?: boolean;
}

const methodNames: Record<Exclude<MtimeMethod, 'none'>, string> = { mfmt: 'MFMT', 'site-utime': 'SITE UTIME', mdtm: 'MDTM with a time argument' };
const hashCommands = ['HASH', 'XSHA256', 'XSHA1', 'XMD5', 'XCRC'] as const;

/** First line of a reply or error, for messages. */
function firstLine(text: string): string {
  return text.split(/\r?\n/)[0]!.trim();
}

/** Runs the checks (see the module comment), reporting each finding as it is made. */
export async function probeFtp(ctx: FtpProbeContext, report: ProbeReporter, options: ProbeOptions = {}): Promise<void> {
  const { features } = ctx;
  const path = (name: string): string => `${ctx.root === '/' ? '' : ctx.root}/${name}`;
  const created = new Set<string>();

  await ctx.pool
    .use(async (client) => {
      reportTls(client, features, report);
      const syst = await client.sendIgnoringError('SYST');
      report({
        id: 'system',
        capability: 'server system (SYST)',
        found: syst.code < 300 ? firstLine(syst.message).slice(4) : 'not answered',
        action: 'nothing to do',
        status: 'info',
        value: syst.code < 300 ? firstLine(syst.message).slice(4) : null,
      });
      report({
        id: 'feat',
        capability: 'FEAT',
        found: features.lines.length > 0 ? features.lines.join(', ') : 'no feature list (FEAT refused)',
        action: 'ferry picks its commands from this list and tries the rest',
        status: 'info',
        value: features.lines,
      });
      reportListing(features, report);
      report({
        id: 'utf8',
        capability: 'UTF8',
        found: features.utf8 ? 'yes' : 'not announced',
        action: features.utf8
          ? 'ferry sends OPTS UTF8 ON and uses UTF-8 names'
          : 'ferry still sends names as UTF-8 (or as --encoding says): pass --encoding latin1 if non-ASCII names look garbled',
        status: features.utf8 ? 'ok' : 'warn',
        value: features.utf8,
      });

      // The rest needs files in the root folder.
      const fileA = path(tempNameFor('ferry-doctor-a'));
      const fileB = path(tempNameFor('ferry-doctor-b'));
      const upload = async (file: string, text: string): Promise<void> => {
        created.add(file);
        await client.uploadFrom(uploadSource([Buffer.from(text)], client), file);
      };
      try {
        try {
          await upload(fileA, 'ferry doctor a\n');
        } catch (error) {
          report({
            id: 'temp-file',
            capability: 'checks on a temporary file',
            found: `skipped: cannot create one (${firstLine(describeError(error))})`,
            action: 'see "write permission" below',
            status: 'info',
            value: null,
          });
          return;
        }
        options.signal?.throwIfAborted();
        await reportMtimeMethods(client, ctx, fileA, report);
        await reportHashes(client, fileA, report);
        options.signal?.throwIfAborted();
        await upload(fileB, 'b\n');
        await reportRenameOver(client, fileA, fileB, report);
      } finally {
        for (const file of created) {
          if (client.closed) break;
          await client.sendIgnoringError(`DELE ${file}`).catch(() => undefined);
          const left = await client.sendIgnoringError(`SIZE ${file}`).catch(() => undefined);
          if (left !== undefined && left.code >= 400) created.delete(file);
        }
      }
    })
    .finally(async () => {
      // A connection that broke half-way: delete what is left on a fresh one.
      if (created.size === 0) return;
      await ctx.pool
        .use(async (client) => {
          for (const file of created) {
            await client.sendIgnoringError(`DELE ${file}`);
            if ((await client.sendIgnoringError(`SIZE ${file}`)).code >= 400) created.delete(file);
          }
        })
        .catch(() => undefined);
      if (created.size > 0) {
        report(cleanupFailed([...created]));
      }
    });

  options.signal?.throwIfAborted();
  await reportConnections(ctx.pool, report);
}

function reportTls(client: Client, features: ServerFeatures, report: ProbeReporter): void {
  const socket = client.ftp.socket;
  if (socket instanceof TLSSocket) {
    const protocol = socket.getProtocol() ?? 'unknown';
    const cipher = socket.getCipher()?.name ?? 'unknown';
    const verified = socket.authorized;
    const reason = socket.authorizationError ? ` (${String(socket.authorizationError)})` : '';
    report({
      id: 'tls',
      capability: 'TLS',
      found: `${protocol}, ${cipher}, certificate ${verified ? 'verified' : `NOT verified${reason}`}`,
      action: verified
        ? 'ferry encrypts the login, commands and every data connection'
        : 'ferry encrypts everything, but --no-verify-certs lets a machine in the middle pose as the server: trust its CA with --ca-file instead',
      status: verified ? 'ok' : 'warn',
      value: { protocol, cipher, verified },
    });
    return;
  }
  report({
    id: 'tls',
    capability: 'TLS',
    found: features.authTls ? 'not used; the server offers AUTH TLS' : 'not used; the server does not offer AUTH TLS',
    action: features.authTls ? 'use ftps:// to encrypt the password and the files' : 'the password and the files travel unencrypted',
    status: 'warn',
    value: { offered: features.authTls, used: false },
  });
}

function reportListing(features: ServerFeatures, report: ProbeReporter): void {
  if (features.mlst) {
    report({
      id: 'listing',
      capability: 'MLSD/MLST',
      found: 'yes',
      action: 'ferry lists folders with MLSD (exact UTC times to the second)',
      status: 'ok',
      value: 'MLSD',
    });
    return;
  }
  report({
    id: 'listing',
    capability: 'MLSD/MLST',
    found: 'no',
    action: features.mdtm
      ? 'ferry lists with LIST and asks MDTM per file (slower)'
      : 'ferry lists with LIST only: times to the minute at best, so it treats times within a minute as equal',
    status: 'warn',
    value: features.mdtm ? 'LIST+MDTM' : 'LIST',
  });
}

/** The file's mtime as the server reports it (MDTM, else MLST), or undefined. */
async function readMtime(client: Client, file: string, features: ServerFeatures): Promise<number | undefined> {
  if (features.mdtm) {
    const reply = await client.sendIgnoringError(`MDTM ${file}`);
    if (reply.code === 213) return parseFtpTime(reply.message.slice(4));
  }
  if (features.mlst) {
    const reply = await client.sendIgnoringError(`MLST ${file}`);
    const line = reply.message.split(/\r?\n/).find((l, i) => i > 0 && l.startsWith(' '));
    if (reply.code < 300 && line !== undefined) return parseFtpTime(parseMlsxLine(line.slice(1)).facts.get('modify') ?? '');
  }
  return undefined;
}

/** Tries every way to set an mtime on `file`, each with its own time, and reads the time back. */
async function reportMtimeMethods(client: Client, ctx: FtpProbeContext, file: string, report: ProbeReporter): Promise<void> {
  const features = ctx.features;
  const methods: Array<{ method: Exclude<MtimeMethod, 'none'>; id: string; announced: boolean | undefined }> = [
    { method: 'mfmt', id: 'mtime-mfmt', announced: features.mfmt },
    { method: 'site-utime', id: 'mtime-site-utime', announced: features.siteUtime },
    // FEAT lists MDTM for reading only; whether it sets is never announced.
    { method: 'mdtm', id: 'mtime-mdtm', announced: undefined },
  ];
  let second = 0;
  const tries: Array<{ method: Exclude<MtimeMethod, 'none'>; id: string; found: string; works: boolean }> = [];
  for (const { method, id, announced } of methods) {
    const timeMs = Date.UTC(2020, 0, 2, 3, 4, 10 + second++ * 7);
    const reply = await client.sendIgnoringError(mtimeCommand(method, timeMs, file));
    const readBack = reply.code < 300 ? await readMtime(client, file, features) : undefined;
    const works = reply.code < 300 && readBack === timeMs;
    const feat = announced === undefined ? '' : announced ? ' (in FEAT)' : ' (not in FEAT)';
    const found = works ? `yes${feat}` : reply.code >= 300 ? `no${feat}: ${firstLine(reply.message)}` : `no${feat}: accepted, but the time did not change`;
    tries.push({ method, id, found, works });
  }
  // A guessed MDTM is what the backend's first upload will confirm or drop: say what it will find.
  const chosen: MtimeMethod =
    ctx.mtimeUnverified && ctx.mtimeMethod !== 'none' && !tries.find((t) => t.method === ctx.mtimeMethod)?.works ? 'none' : ctx.mtimeMethod;
  for (const { method, id, found, works } of tries) {
    const used = chosen === method;
    report({
      id,
      capability: `set mtime with ${methodNames[method]}`,
      found,
      action: used
        ? 'ferry sets times with this command'
        : works
          ? `not needed: ferry uses ${chosen === 'none' ? 'nothing' : methodNames[chosen]}`
          : 'not used',
      status: works || !used ? (works ? 'ok' : 'info') : 'warn',
      value: works,
    });
  }
  report({
    id: 'mtime-method',
    capability: 'how ferry sets mtimes',
    found: chosen === 'none' ? 'no way' : methodNames[chosen],
    action:
      chosen === 'none'
        ? 'uploaded files keep the time of the upload (see "set modification times" below)'
        : `ferry sends ${methodNames[chosen]} before renaming each upload into place`,
    status: chosen === 'none' ? 'warn' : 'ok',
    value: chosen,
  });
}

/** Sends each hash command on `file`: a 2xx reply means it works. */
async function reportHashes(client: Client, file: string, report: ProbeReporter): Promise<void> {
  const working: string[] = [];
  for (const command of hashCommands) {
    const reply = await client.sendIgnoringError(`${command} ${file}`);
    if (reply.code >= 200 && reply.code < 300) working.push(command);
  }
  report({
    id: 'hashes',
    capability: 'hash commands (HASH, XSHA256, XSHA1, XMD5, XCRC)',
    found: working.length > 0 ? working.join(', ') : 'none',
    action:
      working.length > 0
        ? "`compare: 'checksum'` asks the server for hashes instead of downloading files (and big moved files are confirmed by hash)"
        : "`compare: 'checksum'` reads files to compare them (no server-side hash)",
    status: 'info',
    value: working,
  });
}

/** RNFR a, RNTO b with b existing: does the server replace b? */
async function reportRenameOver(client: Client, from: string, to: string, report: ProbeReporter): Promise<void> {
  const rnfr = await client.sendIgnoringError(`RNFR ${from}`);
  const rnto = rnfr.code < 400 ? await client.sendIgnoringError(`RNTO ${to}`) : rnfr;
  let replaced = false;
  if (rnto.code < 300) {
    const size = await client.sendIgnoringError(`SIZE ${to}`);
    replaced = size.code === 213 && Number.parseInt(size.message.slice(4), 10) === 'ferry doctor a\n'.length;
  }
  const found = replaced ? 'yes' : rnto.code >= 300 ? `no: ${firstLine(rnto.message)}` : 'no: the old file stayed';
  const finding: ProbeFinding = {
    id: 'rename-over',
    capability: 'RNTO over an existing file',
    found,
    action: replaced
      ? 'ferry renames each upload over the old file in one step'
      : 'ferry deletes the old file first, then renames: for a moment the file is missing',
    status: replaced ? 'ok' : 'warn',
    value: replaced,
  };
  report(finding);
}

/** Opens connections next to the pool's one, up to the pool's size, and says where the server stopped. */
async function reportConnections(pool: FtpClientPool, report: ProbeReporter): Promise<void> {
  const wanted = pool.size;
  const extra: Client[] = [];
  let refusal: unknown;
  try {
    while (extra.length + 1 < wanted) {
      try {
        extra.push(await pool.connectUnpooled());
      } catch (error) {
        refusal = error;
        break;
      }
    }
  } finally {
    for (const client of extra) client.close();
  }
  const accepted = extra.length + 1;
  const tooMany = refusal !== undefined && isTooManyConnections(refusal);
  const code = refusal === undefined ? undefined : ftpReplyCode((refusal as { cause?: unknown }).cause ?? refusal);
  report({
    id: 'connections',
    capability: 'parallel connections',
    found:
      refusal === undefined
        ? `${accepted} of ${wanted} accepted`
        : `${accepted} of ${wanted} accepted; the next was refused${code !== undefined ? ` (${code})` : ''}: ${firstLine(describeError(refusal))}`,
    action:
      refusal === undefined
        ? `ferry uses ${wanted} connection${wanted === 1 ? '' : 's'} (--parallel)`
        : tooMany
          ? `ferry shrinks its pool to ${accepted} connection${accepted === 1 ? '' : 's'} when the server says too many`
          : `ferry goes on with the connections it could open`,
    status: refusal === undefined ? 'ok' : 'warn',
    value: { wanted, accepted, refusedWith: code ?? null },
  });
}
