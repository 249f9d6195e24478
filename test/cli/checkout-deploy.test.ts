/**
 * Deploys after a fresh checkout: the site was uploaded once, then every local file got a new
 * mtime without a content change (a `git clone`, a CI checkout). The refusal names the way
 * forward; `--compare checksum` records the equal files without a transfer and copies the one that
 * really changed; ferry does so on its own where the server hashes files itself (sshd's
 * `sha256sum`, proftpd's mod_digest), and keeps the brake where it would have to download every
 * file to compare (pure-ftpd). The next plain upload transfers nothing.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeSandbox, writeTree, type Sandbox } from '../support/run-cli.js';
import { freshRemoteFolder, readFile, REMOTE_KINDS, type RemoteCliFolder } from '../support/remote-cli-targets.js';

const BUILT = new Date('2024-03-01T10:00:00Z');
const CHECKOUT = new Date('2024-06-01T08:30:00Z');
const SITE: Record<string, string> = Object.fromEntries(
  Array.from({ length: 12 }, (_, i) => [`${i < 6 ? 'css/' : ''}page${String(i).padStart(2, '0')}.html`, `<p>page ${i}</p>\n`]),
);

for (const kind of REMOTE_KINDS) {
  describe(`checkout deploys (local↔${kind})`, () => {
    let box: Sandbox;
    let remote: RemoteCliFolder;
    const upload = (...extra: string[]) => box.run(['upload', box.local, remote.url, '--state-dir', box.stateDir, ...remote.flags, ...extra]);

    before(async () => {
      box = await makeSandbox(`checkout-${kind}`);
      remote = await freshRemoteFolder(kind, 'checkout');
      await writeTree(box.local, SITE, BUILT);
      const first = await upload();
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /12 files copied/);
      // The fresh checkout: same contents, every file a new time; one file really edited (same size).
      await fs.rm(box.local, { recursive: true });
      await writeTree(box.local, { ...SITE, 'page11.html': '<p>PAGE 11</p>\n' }, CHECKOUT);
    });
    after(async () => {
      await remote.cleanup();
      await box.cleanup();
    });

    it('--compare time: refused (exit 6), and the refusal names --compare checksum', async () => {
      const refused = await upload('--compare', 'time');
      assert.equal(refused.code, 6, refused.stderr);
      assert.match(refused.stderr, /fresh checkout.*--compare checksum.*--force/);
      assert.equal(await readFile(remote.backend, 'page11.html'), '<p>page 11</p>\n', 'nothing was changed');
    });

    if (kind === 'pure-ftpd') {
      it('without a server-side hash the brake stays (exit 6); --compare checksum records the equal files and copies the edit', async () => {
        const refused = await upload();
        assert.equal(refused.code, 6, refused.stderr);
        assert.match(refused.stderr, /--compare checksum/);
        const compared = await upload('--compare', 'checksum');
        assert.equal(compared.code, 0, compared.stderr);
        assert.match(compared.stdout, /1 file copied/);
        assert.match(compared.stdout, /COPY MODIFIED\s+>\s+page11\.html/);
      });
    } else {
      it('with a server-side hash, ferry compares on its own, says so, and copies only the edit', async () => {
        const result = await upload();
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /changed only their time.*comparing contents \((sha256|sha1|md5) on the server\)/);
        assert.match(result.stdout, /1 file copied/);
        assert.match(result.stdout, /COPY MODIFIED\s+>\s+page11\.html/);
      });
    }

    it('the next plain upload transfers nothing, and the remote holds the checkout', async () => {
      const again = await upload();
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /0 files copied/);
      assert.doesNotMatch(again.stderr, /comparing contents/);
      assert.equal(await readFile(remote.backend, 'page11.html'), '<p>PAGE 11</p>\n');
      assert.equal(await readFile(remote.backend, 'css/page00.html'), '<p>page 0</p>\n');
      assert.ok((await fs.readdir(path.join(box.local, 'css'))).length === 6, 'the local side is untouched');
    });
  });
}
