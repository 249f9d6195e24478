/**
 * How a server lets a client set a file's modification time. FTP has no standard command for it:
 *
 * - `MFMT time path`: draft-somers-ftp-mfxx, on proftpd, pure-ftpd, pyftpdlib, FileZilla Server.
 * - `SITE UTIME time path`: proftpd's mod_site_misc and pure-ftpd.
 * - `MDTM time path`: the read command with an extra argument, on vsftpd (`mdtm_write=YES`) and
 *   some Windows servers. Other servers read "time path" as a file name, so it must be probed.
 */
import { formatFtpTime } from './ftp-time.js';
import type { ServerFeatures } from './server-features.js';

/** The command used to set mtimes, or 'none' when the server offers no way. */
export type MtimeMethod = 'mfmt' | 'site-utime' | 'mdtm' | 'none';

/** The command that gives `path` the time `ms` (whole seconds, UTC). */
export function mtimeCommand(method: Exclude<MtimeMethod, 'none'>, ms: number, path: string): string {
  const time = formatFtpTime(ms);
  switch (method) {
    case 'mfmt':
      return `MFMT ${time} ${path}`;
    case 'site-utime':
      return `SITE UTIME ${time} ${path}`;
    case 'mdtm':
      return `MDTM ${time} ${path}`;
  }
}

/**
 * The method FEAT promises, or 'mdtm' as a candidate that must be verified on a real file before
 * use (FEAT lists MDTM for reading only), or 'none'.
 */
export function mtimeMethodOf(features: ServerFeatures): MtimeMethod {
  if (features.mfmt) return 'mfmt';
  if (features.siteUtime) return 'site-utime';
  if (features.mdtm) return 'mdtm';
  return 'none';
}
