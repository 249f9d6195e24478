/**
 * The result of `ferry doctor` (docs/doctor.md): plain data, printed as text or as one JSON object.
 */
import type { ProbeFinding } from '../../backends/backend.js';

/** Version of the {@link DoctorReport} shape; raised when a field changes meaning or goes away. */
export const DOCTOR_SCHEMA_VERSION = 1;

/** What `ferry doctor` found about one target. Safe to `JSON.stringify`; never holds a password. */
export interface DoctorReport {
  readonly schemaVersion: typeof DOCTOR_SCHEMA_VERSION;
  /** The target as shown to users (no password). */
  readonly target: string;
  readonly protocol: 'local' | 'sftp' | 'ftp' | 'ftps';
  /** False when ferry cannot use the target: no connection or login, folder missing or not writable. */
  readonly usable: boolean;
  /** Every finding, in the order they were made. */
  readonly findings: readonly ProbeFinding[];
  /** Why the target is not usable (absent when it is). */
  readonly error?: { readonly message: string; readonly code?: string };
  /** Temporary files the probes could not remove (absent or empty when all were removed). */
  readonly leftovers?: readonly string[];
  readonly elapsedMs: number;
}
