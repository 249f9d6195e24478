/**
 * What an FTP server says it can do (the FEAT reply, RFC 2389), probed once per backend.
 */

/** The features ferry uses. */
export interface ServerFeatures {
  /** MLST and MLSD (RFC 3659): machine-readable listings with exact times. */
  readonly mlst: boolean;
  /** MFMT: set a file's modification time. */
  readonly mfmt: boolean;
  /** MDTM: read a file's modification time (and, on vsftpd only, set it). */
  readonly mdtm: boolean;
  /** SIZE: read a file's size. */
  readonly size: boolean;
  /** SITE UTIME (proftpd's mod_site_misc, pure-ftpd): set times. */
  readonly siteUtime: boolean;
  /** UTF8 (RFC 2640): names are UTF-8. */
  readonly utf8: boolean;
  /** AUTH TLS (RFC 4217): explicit FTPS. */
  readonly authTls: boolean;
  /** Every feature line as the server sent it, upper-cased keyword first (for diagnostics). */
  readonly lines: readonly string[];
}

/**
 * Parses a FEAT reply ("211-Features:\n MLST type*;size*;\n MFMT\n211 End"). A server without
 * FEAT (reply 500/502) has none of the features.
 *
 * basic-ftp's own `features()` keys its map by the first word, so proftpd's four "SITE ..." lines
 * overwrite each other; this parser keeps every line.
 */
export function parseFeatures(code: number, message: string): ServerFeatures {
  const lines =
    code >= 200 && code < 300
      ? message
          .split(/\r?\n/)
          .slice(1, -1)
          .map((line) => line.trim())
          .filter((line) => line !== '')
      : [];
  const keywords = new Set(lines.map((line) => line.split(/\s+/)[0]!.toUpperCase()));
  const has = (prefix: string): boolean => lines.some((line) => line.toUpperCase().startsWith(prefix));
  return {
    mlst: keywords.has('MLST') || keywords.has('MLSD'),
    mfmt: keywords.has('MFMT'),
    mdtm: keywords.has('MDTM'),
    size: keywords.has('SIZE'),
    siteUtime: has('SITE UTIME'),
    utf8: keywords.has('UTF8'),
    authTls: has('AUTH TLS') || has('AUTH SSL'),
    lines,
  };
}
