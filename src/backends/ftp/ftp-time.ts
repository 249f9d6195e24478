/**
 * FTP timestamps: `YYYYMMDDHHMMSS[.sss]` in UTC (RFC 3659, used by MLSD, MLST, MDTM and MFMT).
 */

/** Formats a time as `YYYYMMDDHHMMSS` in UTC, dropping the sub-second part. */
export function formatFtpTime(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return pad(d.getUTCFullYear(), 4) + pad(d.getUTCMonth() + 1) + pad(d.getUTCDate()) + pad(d.getUTCHours()) + pad(d.getUTCMinutes()) + pad(d.getUTCSeconds());
}

/**
 * Parses `YYYYMMDDHHMMSS[.sss]` (UTC) to ms since the epoch, truncated to the whole second so that
 * every way of reading one file's time (MLSD, MLST, MDTM) gives the same number. Undefined when
 * the text is not such a time.
 */
export function parseFtpTime(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?$/.exec(text.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
}
