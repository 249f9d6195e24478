/**
 * Temporary names used while a file is written. Scans skip them; only a killed run leaves one.
 * Randomness is the one impure thing here, and only affects the name, never a decision.
 */

export const TEMP_PREFIX = '.~ferry-';
export const TEMP_SUFFIX = '.tmp';

/** A fresh temporary name for writing `finalName` in the same folder. */
export function tempNameFor(finalName: string): string {
  const random = Math.random().toString(36).slice(2, 10);
  // Keep the whole name short: some servers limit names to 255 bytes.
  const stem = finalName.length > 80 ? finalName.slice(0, 80) : finalName;
  return `${TEMP_PREFIX}${stem}.${random}${TEMP_SUFFIX}`;
}

/** True for names made by {@link tempNameFor}. */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}
