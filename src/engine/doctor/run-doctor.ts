/**
 * `ferry doctor`: connects to one target and reports what it supports and what ferry will do about
 * each thing (docs/doctor.md). Nothing is synced; the only changes are temporary files, each
 * removed again.
 */
import { setMaxListeners } from 'node:events';
import type { Backend, ProbeFinding } from '../../backends/backend.js';
import { openBackend, preflightTarget, type OpenBackendOptions } from '../../backends/open-backend.js';
import { parseTarget } from '../../backends/target-url.js';
import { describeError, FerryError, isBackendError } from '../../errors.js';
import { runContractChecks } from './contract-checks.js';
import { DOCTOR_SCHEMA_VERSION, type DoctorReport } from './doctor-report.js';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** A folder path or a `file://`, `sftp://`, `ftp://` or `ftps://` URL. */
  readonly target: string;
  /** How to connect and log in (keys, certificates, credentials). `createFolder` is ignored. */
  readonly connection?: OpenBackendOptions;
  /** Receives each finding as it is made (for live output); the report holds them all anyway. */
  readonly onFinding?: (finding: ProbeFinding) => void;
  /** Aborting stops the checks (temporary files are still removed); then an `interrupted` error is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * Checks one target. Returns a report also when the target is unusable (`usable: false` and
 * `error`); throws only for a malformed target (a `usage` FerryError) or when interrupted.
 */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const started = Date.now();
  if (options.signal) setMaxListeners(0, options.signal);
  const target = parseTarget(options.target);
  const protocol = target.scheme === 'file' ? 'local' : target.scheme;
  const findings: ProbeFinding[] = [];
  const leftovers: string[] = [];
  const report = (finding: ProbeFinding): void => {
    findings.push(finding);
    // Protocol probes and the contract checks each report the files they could not remove.
    if (finding.id === 'cleanup' && Array.isArray(finding.value)) leftovers.push(...(finding.value as string[]));
    options.onFinding?.(finding);
  };
  const finish = (error?: unknown, message?: string): DoctorReport => {
    if (options.signal?.aborted) throw new FerryError('interrupted', 'interrupted while checking the target', { cause: error });
    const failed = findings.find((finding) => finding.status === 'fail');
    let problem: DoctorReport['error'];
    if (error !== undefined) problem = { message: message ?? describeError(error), ...(isBackendError(error) ? { code: error.code } : {}) };
    else if (failed) problem = { message: `${target.display}: ${failed.capability}: ${failed.found}` };
    return {
      schemaVersion: DOCTOR_SCHEMA_VERSION,
      target: target.display,
      protocol,
      usable: problem === undefined,
      findings,
      ...(problem ? { error: problem } : {}),
      ...(leftovers.length > 0 ? { leftovers } : {}),
      elapsedMs: Date.now() - started,
    };
  };

  let backend: Backend;
  try {
    backend = await openBackend(target, { ...options.connection, createFolder: false, dryRun: false, signal: options.signal });
  } catch (error) {
    if (error instanceof FerryError && error.kind === 'usage') throw error;
    const message = describeError(error);
    report({
      id: 'connect',
      capability: target.scheme === 'file' ? 'open the folder' : 'connect and log in',
      found: `no: ${message}`,
      action: 'ferry cannot use this target',
      status: 'fail',
      value: false,
    });
    // A server that answered but refused the login, its certificate or its host key: show what it
    // shows before login. (Unreachable servers and missing folders have nothing more to show.)
    if (isBackendError(error) && ['auth', 'protocol', 'host-key', 'unsupported'].includes(error.code) && !options.signal?.aborted) {
      await preflightTarget(target, { ...options.connection, signal: options.signal }, report);
    }
    return finish(error, message);
  }
  try {
    report({
      id: 'connect',
      capability: target.scheme === 'file' ? 'open the folder' : 'connect and log in',
      found: 'yes, the folder exists',
      action: `ferry keeps up to ${backend.capabilities.maxConcurrency} operation${backend.capabilities.maxConcurrency === 1 ? '' : 's'} in flight here`,
      status: 'ok',
      value: true,
    });
    if (backend.probe) {
      try {
        await backend.probe(report, { signal: options.signal });
      } catch (error) {
        if (options.signal?.aborted) return finish(error);
        report({
          id: 'probe',
          capability: 'protocol checks',
          found: `stopped: ${describeError(error)}`,
          action: 'the checks above are complete; the rest could not run',
          status: 'warn',
          value: null,
        });
      }
    }
    if (options.signal?.aborted) return finish();
    const notRemoved: string[] = [];
    try {
      await runContractChecks(backend, report, { remote: target.scheme !== 'file', leftovers: notRemoved, signal: options.signal });
    } finally {
      if (notRemoved.length > 0) {
        report({
          id: 'cleanup',
          capability: 'remove temporary files',
          found: `failed for ${notRemoved.join(', ')}`,
          action: 'remove them by hand (later scans skip them)',
          status: 'warn',
          value: notRemoved,
        });
      }
    }
    return finish();
  } catch (error) {
    return finish(error);
  } finally {
    await backend.close().catch(() => undefined);
  }
}
