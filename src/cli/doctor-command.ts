/**
 * `ferry doctor TARGET`: what a server (or local folder) supports and what ferry will do about
 * each thing (docs/doctor.md). The checks live in the library (`runDoctor`); this prints them.
 */
import type { Command } from 'commander';
import { displayTarget, ExitCode, runDoctor, type DoctorReport, type ProbeFinding } from '../index.js';
import { addConnectionOptions, connectionOptionsOf, type ConnectionFlags } from './connection-options.js';
import { writeLine } from './output-stream.js';
import { styleFor } from './terminal-style.js';
import { withInterrupt } from './with-interrupt.js';
import { printable } from './render/printable.js';
import { withFlagNames } from './flag-names.js';

interface DoctorFlags extends ConnectionFlags {
  json?: boolean;
}

const out = (line: string): void => writeLine(process.stdout, line);
const err = (line: string): void => writeLine(process.stderr, line);

/** Adds `doctor` to the program; `setExitCode` receives 1 when the target is not usable. */
export function addDoctorCommand(program: Command, setExitCode: (code: number) => void): void {
  addConnectionOptions(
    program
      .command('doctor')
      .description('connect to a target and report what it supports (listing, mtimes, hashes, TLS, rename, clock, case) and what ferry will do about each')
      .argument('<TARGET>', 'folder to check: a path, file://, sftp://[user[:password]@]host[:port]/path, ftp://..., ftps://... or ftpes://...'),
  )
    .option('--json', 'print the report as one JSON object (schema in docs/doctor.md)')
    .addHelpText(
      'after',
      `
Every check that writes uses a temporary file (.~ferry-*.tmp) in the target folder and removes it
again, also when a check fails. Nothing else is changed.

Examples:
  $ ferry doctor sftp://me@example.com/var/www
  $ ferry doctor ftp://user@ftp.example.com/htdocs
  $ ferry doctor ftpes://user@host/data --ca-file ./my-ca.pem     # explicit FTPS with your own CA
  $ ferry doctor ./site                                  # a local folder: case, mtime precision, writable
  $ ferry doctor ftp://user@host/ --json | jq '.findings[] | select(.status != "ok")'

Exit codes: 0 the target is usable, 1 it is not (cannot connect or log in, folder missing or not
writable: the report shows what could be found), 2 usage, 3 interrupted.`,
    )
    .action(async (target: string, flags: DoctorFlags) => {
      const json = flags.json ?? false;
      const style = styleFor(process.stdout);
      // The display form, as other commands show a target: no password, not even as ***.
      if (!json) out(`Checking ${displayTarget(target)}`);
      const report = await withInterrupt(
        (signal) =>
          runDoctor({
            target,
            connection: { ...connectionOptionsOf(flags, json), warn: (message: string) => err(`warning: ${printable(message)}`) },
            onFinding: json ? undefined : (finding) => out(findingLine(finding, style)),
            signal,
          }),
        { timeoutSeconds: flags.timeout },
      );
      if (json) out(JSON.stringify(report));
      else out(summaryLine(report));
      if (report.usable) {
        setExitCode(ExitCode.ok);
        return;
      }
      err(`ferry: ${printable(withFlagNames(report.error?.message ?? 'the target is not usable'))}`);
      setExitCode(ExitCode.error);
    });
}

const LABELS: Record<ProbeFinding['status'], string> = { ok: 'ok', info: 'info', warn: 'warn', fail: 'FAIL' };

/** `  ok    MLSD: yes → ferry lists folders with MLSD (exact times)`. */
export function findingLine(finding: ProbeFinding, style = styleFor(process.stdout)): string {
  const label = LABELS[finding.status].padEnd(5);
  const colour = finding.status === 'ok' ? style.green : finding.status === 'warn' ? style.yellow : finding.status === 'fail' ? style.red : style.cyan;
  // A server's welcome line and replies are its own text: escaped before the terminal sees them.
  return `  ${colour(label)} ${finding.capability}: ${printable(finding.found)} → ${printable(withFlagNames(finding.action))}`;
}

function summaryLine(report: DoctorReport): string {
  const warnings = report.findings.filter((finding) => finding.status === 'warn').length;
  const seconds = (report.elapsedMs / 1000).toFixed(2);
  if (!report.usable) return `Not usable. Elapsed: ${seconds} sec.`;
  return `Usable${warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}. Elapsed: ${seconds} sec.`;
}
