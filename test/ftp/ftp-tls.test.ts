/**
 * FTPS: explicit and implicit TLS, certificate checks, and servers without TLS.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { tlsModeOf } from '../../src/backends/ftp/open-ftp-backend.js';
import { openBackend } from '../../src/backends/open-backend.js';
import { parseTarget } from '../../src/backends/target-url.js';
import { toRelPath as p } from '../../src/core/rel-path.js';
import { FerryError, isBackendError } from '../../src/errors.js';
import { freshFolderName, ftpServer, ftpUrl, openTestFtp, removeTestFolder, type FtpServerName } from './ftp-test-servers.js';

const folder = freshFolderName('tls');
const used = new Set<FtpServerName>();
function server(name: FtpServerName) {
  used.add(name);
  return ftpServer(name);
}

after(async () => {
  for (const name of used) await removeTestFolder(ftpServer(name), folder);
});

async function roundTrip(backend: Awaited<ReturnType<typeof openBackend>>): Promise<void> {
  const written = await backend.write(p('tls.txt'), Readable.from([Buffer.from('secret')]), { mtimeMs: Date.UTC(2014, 0, 1) });
  assert.equal(written.mtimeMs, Date.UTC(2014, 0, 1));
  const chunks: Buffer[] = [];
  for await (const chunk of await backend.read(p('tls.txt'))) chunks.push(chunk as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'secret');
  assert.ok((await backend.list(p(''))).some((item) => item.name === 'tls.txt'));
}

describe('FTPS certificates', () => {
  for (const name of ['proftpd', 'pure-ftpd', 'vsftpd'] as const) {
    it(`${name}: explicit TLS works with the server's CA given`, async () => {
      const backend = await openTestFtp(server(name), folder, { tls: 'explicit' });
      try {
        await roundTrip(backend);
      } finally {
        await backend.close();
      }
    });

    it(`${name}: a self-signed certificate is refused without the CA, in one clear line`, async () => {
      await assert.rejects(openTestFtp(server(name), folder, { tls: 'explicit', caFile: undefined }), (error: unknown) => {
        assert.ok(isBackendError(error, 'protocol'), String(error));
        assert.match(error.message, /TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(self-signed certificate\)/);
        assert.ok(!error.message.includes('\n'));
        assert.ok(!error.message.includes(server(name).password));
        return true;
      });
    });
  }

  it('a certificate for other names says so and lists them, even with the CA given (not "trust its CA")', async () => {
    // The same loopback server reached by an address its certificate does not hold.
    const mapped = { ...server('proftpd'), host: '[::ffff:127.0.0.1]' };
    await assert.rejects(openTestFtp(mapped, folder, { tls: 'explicit' }), (error: unknown) => {
      assert.ok(isBackendError(error, 'protocol'), String(error));
      assert.match(error.message, /TLS certificate of \S+ does not name ::ffff:7f00:1 \(it names 127\.0\.0\.1, localhost\); connect by one of its names/);
      assert.doesNotMatch(error.message, /--ca-file/);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
  });

  it('verifyCerts false accepts the certificate and warns', async () => {
    const warnings: string[] = [];
    const backend = await openTestFtp(server('proftpd'), folder, {
      tls: 'explicit',
      caFile: undefined,
      verifyCerts: false,
      warn: (message) => warnings.push(message),
    });
    try {
      await roundTrip(backend);
    } finally {
      await backend.close();
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /certificate verification is off/);
  });

  it('a CA file that cannot be read is a config error', async () => {
    await assert.rejects(openTestFtp(server('proftpd'), folder, { tls: 'explicit', caFile: '/nonexistent/ca.pem' }), (error: unknown) => {
      assert.ok(error instanceof FerryError && error.kind === 'config', String(error));
      assert.match(error.message, /cannot read CA file \/nonexistent\/ca\.pem/);
      return true;
    });
  });
});

describe('FTPS modes', () => {
  it('reads the TLS mode from the scheme, the port and ?tls=', () => {
    const mode = (url: string): string => tlsModeOf(parseTarget(url));
    assert.equal(mode('ftp://h/x'), 'none');
    assert.equal(mode('ftps://h/x'), 'explicit');
    assert.equal(mode('ftps://h:990/x'), 'implicit');
    assert.equal(mode('ftps://h:990/x?tls=explicit'), 'explicit');
    assert.equal(mode('ftps://h:2121/x?tls=implicit'), 'implicit');
    assert.throws(() => mode('ftp://h/x?tls=explicit'), /needs an ftps:\/\/ URL/);
  });

  it('implicit TLS with ?tls=implicit (proftpd)', async () => {
    const proftpd = server('proftpd');
    const backend = await openTestFtp(proftpd, folder, { tls: 'implicit' });
    try {
      // The server script may have moved to another port slot; the facts file says which.
      assert.ok(backend.id.startsWith(`ftps://${proftpd.user}@127.0.0.1:${proftpd.implicitTlsPort}/`), backend.id);
      await roundTrip(backend);
    } finally {
      await backend.close();
    }
  });

  it('ftps:// to a server without AUTH TLS is unsupported, not a hang', async () => {
    await assert.rejects(openTestFtp(server('pyftpdlib'), folder, { tls: 'explicit' }), (error: unknown) => {
      assert.ok(isBackendError(error, 'unsupported'), String(error));
      assert.match(error.message, /does not offer FTPS with AUTH TLS/);
      return true;
    });
  });

  // Active mode is supported now: test/ftp/ftp-active-mode.test.ts.
  it('refuses unknown ?tls= values clearly', async () => {
    const pro = server('proftpd');
    await assert.rejects(openBackend(parseTarget(`${ftpUrl(pro, folder, { tls: 'explicit' })}?tls=sometimes`), {}), (error: unknown) => {
      assert.ok(error instanceof FerryError && error.kind === 'usage');
      return true;
    });
    await assert.rejects(openBackend(parseTarget(`${ftpUrl(pro, folder)}?tls=implicit`), {}), (error: unknown) => {
      assert.ok(error instanceof FerryError && error.kind === 'usage');
      assert.match(error.message, /needs an ftps:\/\/ URL/);
      return true;
    });
  });
});
