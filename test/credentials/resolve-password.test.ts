/** The order of password sources, with a fake keyring, a temp netrc and a fake prompt. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { KeyringStore } from '../../src/backends/credentials/keyring-store.js';
import {
  howToGivePassword,
  resolvePassword,
  storeLoginPassword,
  type PasswordLookupOptions,
  type PasswordRequest,
} from '../../src/backends/credentials/resolve-password.js';

const dir = mkdtempSync(join(tmpdir(), 'ferry-creds-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const netrc = join(dir, 'netrc');
writeFileSync(netrc, 'machine h.example login alice password from-netrc\nmachine anon.example login carol password carol-pw\n');
const missingNetrc = join(dir, 'none');

function fakeKeyring(entries: Record<string, string> = {}, fail = false): KeyringStore & { calls: string[]; stored: Record<string, string> } {
  const calls: string[] = [];
  const stored: Record<string, string> = {};
  return {
    calls,
    stored,
    async lookup(service, account) {
      calls.push(`${service}/${account}`);
      if (fail) return undefined;
      return stored[`${service}/${account}`] ?? entries[`${service}/${account}`];
    },
    async store(service, account, password) {
      if (fail) return false;
      stored[`${service}/${account}`] = password;
      return true;
    },
  };
}

/** A result without its `looked` list (checked on its own below). */
function withoutLooked<T extends { looked?: unknown }>(found: T): Omit<T, 'looked'> {
  const { looked: _looked, ...rest } = found;
  return rest;
}

const request = (extra: Partial<PasswordRequest> = {}): PasswordRequest => ({
  host: 'h.example',
  user: 'alice',
  promptText: (u) => `password for ${u}: `,
  ...extra,
});

function asker(answer: string | undefined) {
  const asked: string[] = [];
  return { asked, askSecret: async (prompt: string) => (asked.push(prompt), answer) };
}

describe('password sources in order', () => {
  const env = { FERRY_PASSWORD: 'from-env' };
  const keyring = fakeKeyring({ 'ferry/alice@h.example': 'from-keyring' });

  it('1. the URL password wins over everything, nothing else is read', async () => {
    const k = fakeKeyring({ 'ferry/alice@h.example': 'from-keyring' });
    const a = asker('typed');
    const found = await resolvePassword(request({ urlPassword: 'from-url' }), { netrcFile: netrc, askSecret: a.askSecret }, { keyring: k, env });
    assert.deepEqual(found, { user: 'alice', password: 'from-url', source: 'url' });
    assert.deepEqual(k.calls, []);
    assert.deepEqual(a.asked, []);
  });

  it('2. netrc before keyring, env and prompt', async () => {
    const found = await resolvePassword(request(), { netrcFile: netrc }, { keyring, env });
    assert.deepEqual(found, { user: 'alice', password: 'from-netrc', source: 'netrc' });
  });

  it('netrc entry for another login does not apply', async () => {
    const found = await resolvePassword(request({ user: 'bob' }), { netrcFile: netrc }, { keyring: fakeKeyring(), env });
    assert.deepEqual(found, { user: 'bob', password: 'from-env', source: 'env' });
  });

  it('3. keyring (service ferry, account user@host) when netrc has nothing or --no-netrc', async () => {
    assert.deepEqual(await resolvePassword(request(), { netrcFile: missingNetrc }, { keyring, env }), {
      user: 'alice',
      password: 'from-keyring',
      source: 'keyring',
    });
    assert.deepEqual(await resolvePassword(request(), { netrcFile: netrc, useNetrc: false }, { keyring, env }), {
      user: 'alice',
      password: 'from-keyring',
      source: 'keyring',
    });
  });

  it("3b. pyftpsync's keyring entry (service pyftpsync, key host, value user:password), also naming the user", async () => {
    const k = fakeKeyring({ 'pyftpsync/h.example': 'alice:py:pw' });
    assert.deepEqual(await resolvePassword(request(), { useNetrc: false }, { keyring: k, env }), { user: 'alice', password: 'py:pw', source: 'keyring' });
    assert.deepEqual(k.calls, ['ferry/alice@h.example', 'pyftpsync/h.example']);
    assert.deepEqual(await resolvePassword(request({ user: undefined }), { useNetrc: false }, { keyring: k, env }), {
      user: 'alice',
      password: 'py:pw',
      source: 'keyring',
    });
    // Another user's pyftpsync entry does not apply.
    assert.deepEqual(await resolvePassword(request({ user: 'bob' }), { useNetrc: false }, { keyring: k, env }), {
      user: 'bob',
      password: 'from-env',
      source: 'env',
    });
  });

  it('4. FERRY_PASSWORD when netrc and keyring have nothing (or are off)', async () => {
    const k = fakeKeyring();
    assert.deepEqual(await resolvePassword(request(), { useNetrc: false, useKeyring: false }, { keyring, env }), {
      user: 'alice',
      password: 'from-env',
      source: 'env',
    });
    assert.deepEqual(await resolvePassword(request(), { netrcFile: missingNetrc }, { keyring: k, env }), {
      user: 'alice',
      password: 'from-env',
      source: 'env',
    });
  });

  it('a failing keyring falls through to the next source', async () => {
    const found = await resolvePassword(request(), { netrcFile: missingNetrc }, { keyring: fakeKeyring({ 'ferry/alice@h.example': 'x' }, true), env });
    assert.equal(found.source, 'env');
  });

  it('5. the prompt last; no answer (no terminal) leaves no password', async () => {
    const a = asker('typed');
    assert.deepEqual(await resolvePassword(request(), { netrcFile: missingNetrc, askSecret: a.askSecret }, { keyring: fakeKeyring(), env: {} }), {
      user: 'alice',
      password: 'typed',
      source: 'prompt',
    });
    assert.deepEqual(a.asked, ['password for alice: ']);
    const none = asker(undefined);
    assert.deepEqual(
      await resolvePassword(request(), { netrcFile: missingNetrc, askSecret: none.askSecret }, { keyring: fakeKeyring(), env: {} }).then(withoutLooked),
      { user: 'alice' },
    );
  });

  it('--no-prompt never asks', async () => {
    const a = asker('typed');
    assert.deepEqual(
      await resolvePassword(request(), { netrcFile: missingNetrc, askSecret: a.askSecret, prompt: 'never' }, { keyring: fakeKeyring(), env: {} }).then(
        withoutLooked,
      ),
      { user: 'alice' },
    );
    assert.deepEqual(a.asked, []);
  });

  it('--prompt asks even when the URL has a password, and falls back when no one answers', async () => {
    const a = asker('typed');
    assert.deepEqual(await resolvePassword(request({ urlPassword: 'u' }), { netrcFile: netrc, askSecret: a.askSecret, prompt: 'always' }, { keyring, env }), {
      user: 'alice',
      password: 'typed',
      source: 'prompt',
    });
    const none = asker(undefined);
    assert.deepEqual(await resolvePassword(request(), { netrcFile: netrc, askSecret: none.askSecret, prompt: 'always' }, { keyring, env }), {
      user: 'alice',
      password: 'from-netrc',
      source: 'netrc',
    });
    assert.equal(none.asked.length, 1);
  });

  it('no user anywhere: nothing but the pyftpsync entry is consulted (FTP then logs in anonymously)', async () => {
    const a = asker('typed');
    const k = fakeKeyring();
    assert.deepEqual(
      await resolvePassword(request({ user: undefined, host: 'other' }), { netrcFile: netrc, askSecret: a.askSecret }, { keyring: k, env }).then(withoutLooked),
      {},
    );
    assert.deepEqual(k.calls, ['pyftpsync/other']);
    assert.deepEqual(a.asked, []);
  });

  it("no user in the URL: netrc's login names it", async () => {
    assert.deepEqual(await resolvePassword(request({ user: undefined, host: 'anon.example' }), { netrcFile: netrc }, { keyring, env }), {
      user: 'carol',
      password: 'carol-pw',
      source: 'netrc',
    });
  });

  it('steps: the SFTP stored-password lookup leaves out the URL and the prompt', async () => {
    const a = asker('typed');
    const found = await resolvePassword(
      request({ urlPassword: 'u' }),
      { netrcFile: missingNetrc, askSecret: a.askSecret },
      { keyring: fakeKeyring(), env: {} },
      { url: false, prompt: false },
    );
    assert.deepEqual(withoutLooked(found), { user: 'alice' });
    assert.deepEqual(a.asked, []);
  });
});

describe('where ferry looked, for the error message', () => {
  it('names every source it looked at without finding a password, never a secret', async () => {
    const found = await resolvePassword(request(), { netrcFile: missingNetrc }, { keyring: fakeKeyring(), env: {} });
    assert.deepEqual(found.looked, [
      'the URL (no password)',
      `${missingNetrc} (no entry for h.example)`,
      'the keyring (nothing saved for alice@h.example)',
      'FERRY_PASSWORD (not set)',
    ]);
    const skipped = await resolvePassword(request(), { useNetrc: false, useKeyring: false }, { keyring: fakeKeyring(), env: {} });
    assert.deepEqual(skipped.looked, [
      'the URL (no password)',
      `${join(process.env.HOME ?? '', '.netrc')} (skipped: \`useNetrc: false\`)`,
      'the keyring (skipped: `useKeyring: false`)',
      'FERRY_PASSWORD (not set)',
    ]);
    assert.equal((await resolvePassword(request(), { netrcFile: netrc }, { keyring: fakeKeyring(), env: {} })).looked, undefined, 'found: no list');
  });
  it('the way to give one names every place', () => {
    assert.equal(
      howToGivePassword('ftp', 'alice', 'h.example'),
      'give one in the URL (ftp://alice:PASSWORD@h.example/…), in FERRY_PASSWORD, or in ~/.netrc ("machine h.example login alice password …"); on a terminal ferry asks, and `storePassword: true` saves it in the keyring',
    );
  });
});

describe('--store-password', () => {
  it('saves passwords from the URL, FERRY_PASSWORD or a prompt, and reports it', async () => {
    for (const source of ['url', 'env', 'prompt'] as const) {
      const k = fakeKeyring();
      const warnings: string[] = [];
      const options: PasswordLookupOptions = { warn: (m) => warnings.push(m) };
      await storeLoginPassword('h.example', 'alice', 'pw-1', source, options, { keyring: k, env: {} });
      assert.deepEqual(k.stored, { 'ferry/alice@h.example': 'pw-1' });
      assert.deepEqual(warnings, [
        'saved the password of alice@h.example in the system keyring (service ferry, account alice@h.example); the next run finds it there',
      ]);
      assert.deepEqual(k.calls, ['ferry/alice@h.example'], 'read back before saying saved');
    }
  });

  it('says "not saved" when the keyring does not give the password back, or gives another', async () => {
    const forgetful: KeyringStore = { lookup: async () => undefined, store: async () => true };
    const warnings: string[] = [];
    await storeLoginPassword('h', 'a', 'secret-p', 'url', { warn: (m) => warnings.push(m) }, { keyring: forgetful });
    const other: KeyringStore = { lookup: async () => 'older-secret', store: async () => true };
    await storeLoginPassword('h', 'a', 'secret-p', 'url', { warn: (m) => warnings.push(m) }, { keyring: other });
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /^the system keyring took the password of a@h but does not give it back: not saved \(give it with FERRY_PASSWORD/);
    assert.match(warnings[1]!, /^the system keyring took the password of a@h but gives back another one: not saved/);
    assert.ok(!warnings.some((w) => w.includes('secret-p') || w.includes('older-secret')));
  });

  it('does not re-save netrc or keyring passwords; a failure is a warning', async () => {
    const k = fakeKeyring();
    await storeLoginPassword('h', 'a', 'p', 'netrc', {}, { keyring: k });
    await storeLoginPassword('h', 'a', 'p', 'keyring', {}, { keyring: k });
    assert.deepEqual(k.stored, {});
    const warnings: string[] = [];
    await storeLoginPassword('h', 'a', 'secret-p', 'env', { warn: (m) => warnings.push(m) }, { keyring: fakeKeyring({}, true), env: {} });
    assert.deepEqual(warnings, ['could not save the password of a@h in the system keyring']);
  });
});

describe('FERRY_NO_KEYRING', () => {
  it('keeps the keyring out of the lookup: the next source is used and the keyring is never asked', async () => {
    const k = fakeKeyring({ 'ferry/alice@h.example': 'from-keyring', 'pyftpsync/h.example': 'alice:py' });
    const found = await resolvePassword(request(), { netrcFile: missingNetrc }, { keyring: k, env: { FERRY_NO_KEYRING: '1', FERRY_PASSWORD: 'from-env' } });
    assert.deepEqual(found, { user: 'alice', password: 'from-env', source: 'env' });
    assert.deepEqual(k.calls, []);
  });

  it('empty or 0 leaves the keyring on', async () => {
    for (const value of ['', '0']) {
      const k = fakeKeyring({ 'ferry/alice@h.example': 'from-keyring' });
      const found = await resolvePassword(request(), { netrcFile: missingNetrc }, { keyring: k, env: { FERRY_NO_KEYRING: value } });
      assert.equal(found.source, 'keyring', `FERRY_NO_KEYRING=${JSON.stringify(value)}`);
    }
  });

  it('--store-password saves nothing and says why in one warning', async () => {
    const k = fakeKeyring();
    const warnings: string[] = [];
    await storeLoginPassword('h.example', 'alice', 'pw-1', 'env', { warn: (m) => warnings.push(m) }, { keyring: k, env: { FERRY_NO_KEYRING: '1' } });
    assert.deepEqual(k.stored, {});
    assert.deepEqual(warnings, ['did not save the password of alice@h.example: FERRY_NO_KEYRING is set']);
  });
});
