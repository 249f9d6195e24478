/**
 * Options only FTP and FTPS read.
 */

/** TLS trust, transfer mode and name encoding of an FTP server. */
export interface FtpOptions {
  /** Verify FTPS certificates (default true). */
  readonly verifyCerts?: boolean;
  /** PEM file of extra CA certificates to trust for FTPS (besides the system's). */
  readonly caFile?: string;
  /** Use active FTP instead of passive. */
  readonly ftpActive?: boolean;
  /** Name encoding of an FTP server that does not use UTF-8. */
  readonly encoding?: string;
}
