/**
 * The doctor's checks that work through the backend contract alone, so every backend gets them:
 * the folder can be listed and written, how precisely an mtime is kept, whether names differ by
 * case, and the offset of the server's clock. Each temporary file is removed before returning.
 */
import { Readable } from 'node:stream';
import { tempNameFor, type Backend, type ProbeReporter } from '../../backends/backend.js';
import { ROOT, toRelPath, type RelPath } from '../../core/rel-path.js';
import { DEFAULT_TIME_WINDOW_MS } from '../../core/sync-options.js';
import { describeError } from '../../errors.js';

/** A time with a millisecond part, to see what a backend keeps of it. */
const PROBE_MTIME_MS = Date.UTC(2021, 5, 7, 8, 9, 10, 678);

/** What the checks need besides the backend. */
export interface ContractCheckOptions {
  /** False for a local target: its clock is ours. */
  readonly remote: boolean;
  /** Names of temporary files that could not be removed are added here. */
  readonly leftovers: string[];
  readonly signal?: AbortSignal;
}

function bytes(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

function seconds(ms: number): string {
  const s = Math.round(ms / 100) / 10;
  return `${s > 0 ? '+' : ''}${s} s`;
}

/** Removes a temporary file, remembering it when that fails (and checking it is really gone). */
async function removeTemp(backend: Backend, path: RelPath, leftovers: string[]): Promise<void> {
  try {
    await backend.remove(path);
  } catch {
    // Handled below: only a file that is still there is a leftover.
  }
  const still = await backend.stat(path).catch(() => undefined);
  if (still !== undefined) leftovers.push(path);
}

/** Runs the checks, reporting each finding. Returns false when the folder is not writable. */
export async function runContractChecks(backend: Backend, report: ProbeReporter, options: ContractCheckOptions): Promise<boolean> {
  try {
    const entries = await backend.list(ROOT);
    report({
      id: 'readable',
      capability: 'list the folder',
      found: `yes (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'})`,
      action: 'ferry can scan this folder',
      status: 'ok',
      value: true,
    });
  } catch (error) {
    report({
      id: 'readable',
      capability: 'list the folder',
      found: `no: ${describeError(error)}`,
      action: 'ferry cannot scan this folder: nothing can be synced',
      status: 'fail',
      value: false,
    });
    return false;
  }

  // One file serves the write, mtime and case checks: its name has upper and lower case letters.
  const probe = toRelPath(tempNameFor('ferry-doctor-Aa'));
  let written;
  try {
    written = await backend.write(probe, bytes('ferry doctor\n'), { mtimeMs: PROBE_MTIME_MS, signal: options.signal });
  } catch (error) {
    await removeTemp(backend, probe, options.leftovers);
    report({
      id: 'writable',
      capability: 'write permission',
      found: `no: ${describeError(error)}`,
      action: 'upload and sync cannot write here; only download from this folder works',
      status: 'fail',
      value: false,
    });
    return false;
  }
  try {
    report({
      id: 'writable',
      capability: 'write permission',
      found: 'yes (a temporary file was written, renamed and removed)',
      action: 'ferry writes each file under a temporary name and renames it into place',
      status: 'ok',
      value: true,
    });
    reportMtime(written.mtimeMs, backend, report);
    const lower = toRelPath(probe.toLowerCase());
    const other = await backend.stat(lower);
    const insensitive = other !== undefined;
    report({
      id: 'case-sensitive',
      capability: 'case-sensitive names',
      found: insensitive ? 'no (a name differing only in case finds the same file)' : 'yes',
      action: insensitive
        ? 'names such as README and readme are one file here: keep such pairs out of the other side, ferry compares names exactly'
        : 'names differing only in case are different files',
      status: insensitive ? 'warn' : 'ok',
      value: !insensitive,
    });
  } finally {
    await removeTemp(backend, probe, options.leftovers);
  }

  if (options.remote) await reportClock(backend, report, options);
  return true;
}

function reportMtime(gotMs: number, backend: Backend, report: ProbeReporter): void {
  const diff = Math.abs(gotMs - PROBE_MTIME_MS);
  let setPrecisionMs: number | null;
  // utimes takes float seconds, which may round a millisecond down.
  if (diff <= 1) setPrecisionMs = 1;
  else if (gotMs % 1000 === 0 && diff < 1000) setPrecisionMs = 1000;
  else if (diff <= 2000) setPrecisionMs = 2000;
  else setPrecisionMs = null;
  if (setPrecisionMs === null) {
    report({
      id: 'mtime-set',
      capability: 'set modification times',
      found: 'no (the file kept the time it was written)',
      action:
        'uploaded files carry the time of the upload; ferry records it in its state so the next run sees no change, but --resolve new|old then compares upload times',
      status: 'warn',
      value: null,
    });
  } else {
    const unit = setPrecisionMs === 1 ? 'to the millisecond' : setPrecisionMs === 1000 ? 'to the second' : 'to 2 seconds';
    report({
      id: 'mtime-set',
      capability: 'set modification times',
      found: `yes, ${unit}`,
      action: "ferry gives every copy the source's modification time",
      status: 'ok',
      value: setPrecisionMs,
    });
  }
  // What listings report is never finer than the backend promises, nor than what a write kept.
  const precisionMs = Math.max(backend.capabilities.mtimePrecisionMs, setPrecisionMs ?? 1);
  const windowMs = Math.max(DEFAULT_TIME_WINDOW_MS, precisionMs);
  const shown = precisionMs === 1 ? 'milliseconds' : precisionMs < 60_000 ? `${precisionMs / 1000} s` : `${precisionMs / 60_000} min`;
  report({
    id: 'time-precision',
    capability: 'time precision',
    found: shown,
    action: `ferry treats times within ${windowMs >= 60_000 ? `${windowMs / 60_000} min` : `${windowMs / 1000} s`} as equal when it compares the two sides (first run, --resolve new|old)`,
    status: precisionMs >= 60_000 ? 'warn' : 'ok',
    value: precisionMs,
  });
}

/** Writes a file without giving it a time and compares the time the server gave it with ours. */
async function reportClock(backend: Backend, report: ProbeReporter, options: ContractCheckOptions): Promise<void> {
  const probe = toRelPath(tempNameFor('ferry-doctor-clock'));
  const precision = backend.capabilities.mtimePrecisionMs;
  try {
    const before = Date.now();
    const entry = await backend.write(probe, bytes('clock\n'), { signal: options.signal });
    const after = Date.now();
    let offset = 0;
    if (entry.mtimeMs < before - precision) offset = entry.mtimeMs - before;
    else if (entry.mtimeMs > after + precision) offset = entry.mtimeMs - after;
    const big = Math.abs(offset) > DEFAULT_TIME_WINDOW_MS;
    // A whole number of hours (or quarter hours) off is a time zone, not a drifting clock.
    const zone = big && Math.abs(offset) >= 3_000_000 && Math.abs(Math.round(offset / 900_000) * 900_000 - offset) < 60_000;
    const found =
      offset === 0
        ? `in step (within ${precision >= 1000 ? `${precision / 1000} s` : `${precision} ms`})`
        : `${seconds(offset)} from this machine${zone ? ' (looks like a time zone: the server may report local time, not UTC)' : ''}`;
    let action: string;
    if (!big) action = 'nothing to do';
    else if (backend.capabilities.canSetMtime)
      action = "ferry sets every copied file's time itself and compares each side only with its own record, so the offset does not matter for syncing";
    else action = "the server cannot set times, so files uploaded here carry the server's clock: --resolve new|old compares times across the offset";
    report({
      id: 'clock-offset',
      capability: 'server clock',
      found,
      action,
      status: big && !backend.capabilities.canSetMtime ? 'warn' : big ? 'info' : 'ok',
      value: Math.round(offset / 1000),
    });
  } catch (error) {
    report({
      id: 'clock-offset',
      capability: 'server clock',
      found: `not measured: ${describeError(error)}`,
      action: 'nothing to do',
      status: 'info',
      value: null,
    });
  } finally {
    await removeTemp(backend, probe, options.leftovers);
  }
}
