/**
 * Library errors name options as the library spells them; the command line prints its flags in
 * their place (src/cli/flag-names.ts).
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FerryError, upload, sync, type SafetyRefusal } from '../../src/index.js';
import { SafetyError } from '../../src/errors.js';
import { describeForCommandLine, flagOf, withFlagNames } from '../../src/cli/flag-names.js';

async function thrown(run: () => Promise<unknown>): Promise<FerryError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof FerryError, String(error));
    return error;
  }
  assert.fail('expected an error');
}

describe('option names in errors', () => {
  it('a library call names the option; the command line names the flag', async () => {
    const root = await fs.mkdtemp(path.join(tmpdir(), 'ferry-flag-names-'));
    try {
      await fs.mkdir(path.join(root, 'local'));
      const error = await thrown(() => upload({ local: path.join(root, 'local'), remote: path.join(root, 'missing'), stateDir: path.join(root, 'state') }));
      assert.match(error.message, /does not exist \(pass `createFolder: true` to create it\)$/);
      assert.doesNotMatch(error.message, /--/);
      assert.deepEqual(error.optionNames, ['createFolder']);
      assert.match(describeForCommandLine(error), /does not exist \(pass --create-folder to create it\)$/);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('option values become flag arguments; false becomes --no-', async () => {
    const resolve = await thrown(() => upload({ local: '/nonexistent-a', remote: '/nonexistent-b', resolve: 'new' }));
    assert.match(resolve.message, /^`resolve: 'new'` is not valid for upload/);
    assert.match(describeForCommandLine(resolve), /^--resolve new is not valid for upload/);
    const deletes = await thrown(() => sync({ local: '/nonexistent-a', remote: '/nonexistent-b', delete: true } as Parameters<typeof sync>[0]));
    assert.equal(describeForCommandLine(deletes), 'sync propagates deletions by itself: --delete and --delete-unmatched are for upload and download');
    assert.equal(flagOf({ text: '`verifyCerts: false`', option: 'verifyCerts', value: 'false' }), '--no-verify-certs');
    assert.equal(flagOf({ text: '`pollSeconds`', option: 'pollSeconds' }), '--poll');
  });

  it('a safety brake speaks of options to a library caller and of flags on the command line', () => {
    const refusal: SafetyRefusal = { reason: 'clock-shift', side: 'local', files: 3 } as SafetyRefusal;
    const error = new SafetyError(refusal, "… refusing (pass `compare: 'checksum'` to record them, or `force: true` to copy them all)");
    assert.deepEqual(error.optionNames, ['compare', 'force']);
    assert.equal(describeForCommandLine(error), '… refusing (pass --compare checksum to record them, or --force to copy them all)');
    assert.equal(describeForCommandLine(new Error('plain `createFolder`')), 'plain `createFolder`', 'only ferry errors are rewritten');
  });

  it('warnings and per-file problems printed by the command line get flags too; other code words stay', () => {
    assert.equal(
      withFlagNames("no terminal to ask on: conflicts are skipped (`resolve: 'ask'` needs an interactive terminal)"),
      'no terminal to ask on: conflicts are skipped (--resolve ask needs an interactive terminal)',
    );
    assert.equal(withFlagNames('too slow: 5 bytes in 1 s (below `minRate` 1000 B/s)'), 'too slow: 5 bytes in 1 s (below --min-rate 1000 B/s)');
    assert.equal(withFlagNames('see `ferry` and `mtime: 3`'), 'see `ferry` and `mtime: 3`');
  });

  it('options whose values are flags of their own, and the hints of warnings and doctor', async () => {
    assert.equal(flagOf({ text: "`prompt: 'never'`", option: 'prompt', value: "'never'" }), '--no-prompt');
    assert.equal(flagOf({ text: "`prompt: 'always'`", option: 'prompt', value: "'always'" }), '--prompt');
    assert.equal(withFlagNames("no password: `prompt: 'never'` forbids asking"), 'no password: --no-prompt forbids asking');
    // A local scan that skips a link: the library's warning names the option, the CLI the flag.
    const root = await fs.mkdtemp(path.join(tmpdir(), 'ferry-flag-names-'));
    try {
      await fs.mkdir(path.join(root, 'local'));
      await fs.mkdir(path.join(root, 'remote'));
      await fs.writeFile(path.join(root, 'local', 'real.txt'), 'x');
      await fs.symlink('real.txt', path.join(root, 'local', 'link.txt'));
      const warnings: string[] = [];
      await upload({
        local: path.join(root, 'local'),
        remote: path.join(root, 'remote'),
        stateDir: path.join(root, 'state'),
        onEvent: (event) => {
          if (event.type === 'warning') warnings.push(event.message);
        },
      });
      const links = warnings.find((warning) => /symbolic link/.test(warning)) ?? '';
      assert.ok(links.endsWith("`links: 'follow'` copies what links inside the folder point to"), String(links));
      assert.ok(withFlagNames(links).endsWith('--links follow copies what links inside the folder point to'), withFlagNames(links));
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
