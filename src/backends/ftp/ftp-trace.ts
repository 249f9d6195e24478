/**
 * The FTP half of the protocol trace (`-vv`): every command sent and every reply line received on
 * a control connection, through basic-ftp's own log hook (`FtpContext.log`, which it calls with
 * `> COMMAND` and `< reply` lines and a few connection notes).
 *
 * Passwords never reach the trace: basic-ftp already writes `PASS ###`; here any `PASS` command is
 * masked again, and so is the password itself wherever it would appear, so that a pipelined write
 * or a server that echoes its input cannot leak it.
 */
import type { Client } from 'basic-ftp';

let nextConnection = 1;

/** Replaces every occurrence of `secret` in `text`. */
function maskSecret(text: string, secret: string): string {
  // One- and two-character passwords are masked by the PASS rule only (masking every "a" in the
  // trace would hide everything else while protecting nothing more).
  return secret.length >= 3 ? text.split(secret).join('****') : text;
}

/**
 * Makes `client` report its control connection to `trace`, one line per command or reply line,
 * prefixed with a connection number. `password` is masked wherever it would appear.
 */
export function traceFtp(client: Client, trace: (line: string) => void, password: string): void {
  const prefix = `ftp#${nextConnection++}`;
  const ftp = client.ftp;
  ftp.verbose = true;
  ftp.log = (message: string): void => {
    // A received chunk can hold several reply lines: each gets the `<` of the first.
    const reply = message.startsWith('< ');
    const lines = (reply ? message.slice(2) : message).split(/\r?\n/);
    for (const raw of lines) {
      if (raw.trim() === '') continue;
      const line = maskSecret(raw.replace(/\bPASS\b.*$/, 'PASS ****'), password);
      trace(`${prefix} ${reply ? '< ' : ''}${line}`);
    }
  };
}
