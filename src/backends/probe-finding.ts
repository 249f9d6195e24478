/**
 * What `ferry doctor` reports about a target: one finding per capability, each saying what was
 * found and what ferry will do about it (docs/doctor.md). Backends produce the protocol-specific
 * findings in {@link Backend.probe}; the engine adds the ones it can find through the contract.
 */
import { describeError } from '../errors.js';

/**
 * How a finding bears on using the target: `ok` (works as ferry likes it), `info` (a fact, nothing
 * to act on), `warn` (works, with a cost or a risk the user may want to know), `fail` (ferry cannot
 * use the target this way: the doctor run exits 1).
 */
export type ProbeStatus = 'ok' | 'info' | 'warn' | 'fail';

/** A machine-readable value of a finding. */
export type ProbeValue = string | number | boolean | null | readonly string[] | { readonly [key: string]: ProbeValue };

/** One capability of a target. */
export interface ProbeFinding {
  /** Stable key, for programs (`listing`, `mtime-set`, `tls`, ...; docs/doctor.md lists them). */
  readonly id: string;
  /** What was looked at, for people (`MLSD`, `set mtime with MFMT`). */
  readonly capability: string;
  /** What was found, in a few words (`yes`, `no (500 Unknown command)`). */
  readonly found: string;
  /** What ferry will do about it. */
  readonly action: string;
  readonly status: ProbeStatus;
  /** The finding as data (true/false, a number of ms, a list of names). */
  readonly value?: ProbeValue;
}

/** Receives findings as they are made, so a probe that fails half-way still reports the first half. */
export type ProbeReporter = (finding: ProbeFinding) => void;

/** Options of {@link Backend.probe}. */
export interface ProbeOptions {
  readonly signal?: AbortSignal;
}

/** The finding of a look before login (doctor's preflight) that stopped: what it learnt so far stands. */
export function preflightStopped(error: unknown): ProbeFinding {
  return {
    id: 'preflight',
    capability: 'look before login',
    found: `stopped: ${describeError(error)}`,
    action: 'nothing more to learn without logging in',
    status: 'info',
    value: null,
  };
}

/** The finding for the probe's own temporary files it could not remove (`left`, their paths). */
export function cleanupFailed(left: readonly string[]): ProbeFinding {
  return {
    id: 'cleanup',
    capability: 'remove temporary files',
    found: `failed for ${left.join(', ')}`,
    action: 'remove them by hand (later scans skip them)',
    status: 'warn',
    value: left,
  };
}
