/**
 * What `ferry doctor` can learn from an FTP server without logging in, for a report when the login
 * (or the certificate check) fails: the welcome line, the TLS session and certificate, and FEAT
 * (which RFC 2389 allows before login; some servers answer it only after). No password is sent.
 */
import { Client } from 'basic-ftp';
import { TLSSocket, type ConnectionOptions } from 'node:tls';
import type { FtpOpenOptions } from '../options/open-backend-options.js';
import { preflightStopped, type ProbeReporter } from '../probe-finding.js';
import type { Target } from '../target-url.js';
import { tlsModeOf, tlsOptionsOf } from './open-ftp-backend.js';
import { parseFeatures } from './server-features.js';

const TIMEOUT_MS = 10_000;

/** Reports what the server shows before login; never throws. */
export async function preflightFtp(target: Target, options: FtpOpenOptions, report: ProbeReporter): Promise<void> {
  const host = target.host!;
  const port = target.port ?? 21;
  const client = new Client(TIMEOUT_MS);
  try {
    const tls = tlsModeOf(target);
    // The certificate is checked against the same CAs as a real login would use, but a failed
    // check does not end the connection here: it is reported. Nothing secret is sent.
    const base = tls === 'none' ? {} : await tlsOptionsOf({ ...options, verifyCerts: true });
    const tlsOptions: ConnectionOptions = { ...base, rejectUnauthorized: false, host };
    const welcome = tls === 'implicit' ? await client.connectImplicitTLS(host, port, tlsOptions) : await client.connect(host, port);
    const banner = welcome.message
      .split(/\r?\n/)
      .map((line) => line.replace(/^\d{3}[- ]?/, '').trim())
      .filter((line) => line !== '')
      .join(' / ');
    report({ id: 'banner', capability: 'welcome message', found: banner || '(empty)', action: 'nothing to do', status: 'info', value: banner });
    if (tls === 'explicit') await client.useTLS(tlsOptions);
    const socket = client.ftp.socket;
    if (socket instanceof TLSSocket) {
      const protocol = socket.getProtocol() ?? 'unknown';
      const cipher = socket.getCipher()?.name ?? 'unknown';
      const cert = socket.getPeerCertificate();
      const subject = cert?.subject?.CN ?? 'unknown';
      const issuer = cert?.issuer?.CN ?? 'unknown';
      const verified = socket.authorized;
      const reason = socket.authorizationError ? ` (${String(socket.authorizationError)})` : '';
      report({
        id: 'tls',
        capability: 'TLS',
        found: `${protocol}, ${cipher}, certificate of ${subject} issued by ${issuer}, valid until ${cert?.valid_to ?? 'unknown'}: ${verified ? 'verified' : `NOT verified${reason}`}`,
        action: verified
          ? 'ferry trusts this certificate'
          : String(socket.authorizationError) === 'ERR_TLS_CERT_ALTNAME_INVALID'
            ? `ferry refuses it: it is not for ${host} (it names ${cert?.subjectaltname?.replace(/(DNS|IP Address):/g, '') || subject}); connect by one of its names (or, unsafe, --no-verify-certs)`
            : 'ferry refuses it: trust its CA with --ca-file FILE (or, unsafe, --no-verify-certs)',
        status: verified ? 'ok' : 'fail',
        value: { protocol, cipher, verified, subject, issuer, validTo: cert?.valid_to ?? null },
      });
    }
    const feat = await client.sendIgnoringError('FEAT');
    const features = parseFeatures(feat.code, feat.message);
    if (features.lines.length > 0) {
      report({
        id: 'feat',
        capability: 'FEAT (before login)',
        found: features.lines.join(', '),
        action: 'ferry picks its commands from this list once logged in',
        status: 'info',
        value: features.lines,
      });
    }
  } catch (error) {
    report(preflightStopped(error));
  } finally {
    client.close();
  }
}
