/**
 * The first upload or download into a folder that an older deploy (FileZilla, lftp) already
 * filled: on the pair's very first run a newer source file wins ("COPY NEWER"), an older or equally
 * old one stays a conflict, and the run names its conflicts and skipped files and prints the one
 * command that settles them; that command works. Once the pair has a state, a file written on
 * both sides stays a conflict. Against sshd and two FTP servers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeSandbox, parseJsonLines, writeTree, type Sandbox } from '../support/run-cli.js';
import { freshRemoteFolder, putFiles, readFile, REMOTE_KINDS, type RemoteCliFolder } from '../support/remote-cli-targets.js';

const OLD_DEPLOY = Date.UTC(2024, 0, 10, 9, 0, 0);
const EDITED = new Date('2024-02-01T15:00:00Z');
const OLDER_EDIT = new Date('2023-12-01T15:00:00Z');

for (const kind of REMOTE_KINDS) {
  describe(`first upload into a filled folder (local↔${kind})`, () => {
    let box: Sandbox;
    let remote: RemoteCliFolder;
    const upload = (...extra: string[]) => box.run(['upload', box.local, remote.url, '--state-dir', box.stateDir, ...remote.flags, ...extra]);

    before(async () => {
      box = await makeSandbox(`first-run-${kind}`);
      remote = await freshRemoteFolder(kind, 'first-run');
      // What an older deploy left on the server.
      await putFiles(
        remote.backend,
        { 'index.html': '<h1>old</h1>\n', 'about.html': 'about, old\n', 'legacy.html': 'only remote\n', 'same.css': 'body{}\n' },
        OLD_DEPLOY,
      );
      await writeTree(box.local, { 'index.html': '<h1>new site</h1>\n' }, EDITED);
      await writeTree(box.local, { 'about.html': 'about, an older local copy\n' }, OLDER_EDIT);
      await writeTree(box.local, { 'same.css': 'body{}\n' }, new Date(OLD_DEPLOY));
    });
    after(async () => {
      await remote.cleanup();
      await box.cleanup();
    });

    it('a dry run shows the newer file as COPY NEWER, the older one as a conflict, the remote-only file as skipped', async () => {
      const dry = await upload('--dry-run', '--json');
      assert.equal(dry.code, 0, dry.stderr);
      const events = parseJsonLines(dry.stdout);
      const copies = events.filter((e) => e.type === 'planned' && e.action.kind === 'copy').map((e) => `${e.action.path} ${e.action.reason}`);
      assert.deepEqual(copies, ['index.html source-newer']);
      assert.deepEqual(
        events.filter((e) => e.type === 'conflict').map((e) => e.conflict.path),
        ['about.html'],
      );
    });

    it('the upload copies the newer file, names the conflict and the skipped file, and prints the settling command', async () => {
      const result = await upload();
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^COPY NEWER\s+>\s+index\.html$/m);
      assert.match(result.stdout, /^CONFLICT\s+\*\?\* about\.html: created on both sides/m);
      assert.match(result.stdout, /^SKIP\s+legacy\.html \(only on the target; --delete deletes it\)$/m);
      assert.match(result.stdout, /^Settle the conflict with:\n {2}ferry upload \S+ \S+ --state-dir \S+ (--known-hosts \S+ )?--resolve local\n/m);
      assert.doesNotMatch(result.stdout, /:[^@/\s]*ferry-[a-z-]*pw@|ferry-secret-pw/, 'the password is never printed');
      assert.equal(await readFile(remote.backend, 'index.html'), '<h1>new site</h1>\n');
      assert.equal(await readFile(remote.backend, 'about.html'), 'about, old\n', 'an older source file is no winner');
      assert.equal(await readFile(remote.backend, 'same.css'), 'body{}\n');
    });

    it('once the pair has a state, a file written on both sides stays a conflict even when the source is newer', async () => {
      await putFiles(remote.backend, { 'news.html': 'remote news\n' }, OLD_DEPLOY);
      await writeTree(box.local, { 'news.html': 'local news, newer\n' }, EDITED);
      const result = await upload();
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^CONFLICT\s+\*\?\* news\.html: created on both sides/m);
      assert.match(result.stdout, /Settle the 2 conflicts with:/);
      assert.equal(await readFile(remote.backend, 'news.html'), 'remote news\n');
    });

    it('the printed command settles them', async () => {
      const hint = (await upload()).stdout.match(/^ {2}(ferry upload .*)$/m)![1]!;
      assert.match((await upload()).stdout, /\n {2}\(the local version wins.*\)\nDone: /, 'the hint comes just above the summary line');
      const words = hint.split(' ').slice(1);
      // The printed command has no password: give it back the way a user would (the URL).
      words[2] = remote.url;
      const settled = await box.run(words);
      assert.equal(settled.code, 0, settled.stderr);
      assert.match(settled.stdout, /0 conflicts/);
      assert.equal(await readFile(remote.backend, 'about.html'), 'about, an older local copy\n');
      assert.equal(await readFile(remote.backend, 'news.html'), 'local news, newer\n');
    });
  });
}

describe('first download into a filled local folder', () => {
  let box: Sandbox;
  let remote: RemoteCliFolder;
  before(async () => {
    box = await makeSandbox('first-download');
    remote = await freshRemoteFolder('sftp', 'first-download');
  });
  after(async () => {
    await remote.cleanup();
    await box.cleanup();
  });

  it('a newer remote file wins, an equally old different one is a conflict; sync keeps both as conflicts', async () => {
    await putFiles(remote.backend, { 'report.txt': 'remote, newer\n', 'tie.txt': 'remote tie\n' }, EDITED.getTime());
    await writeTree(box.local, { 'report.txt': 'local, older\n' }, OLDER_EDIT);
    await writeTree(box.local, { 'tie.txt': 'local tie, longer\n' }, EDITED);
    const synced = await box.run(['sync', box.local, remote.url, '--state-dir', `${box.stateDir}-sync`, ...remote.flags, '--dry-run']);
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stdout, /^\(DRY-RUN\) Settle the 2 conflicts with:$/m);
    assert.match(synced.stdout, /--resolve keep-both\n/, 'tie.txt: the times tie, so newer cannot settle it');
    const result = await box.run(['download', box.local, remote.url, '--state-dir', box.stateDir, ...remote.flags]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^COPY NEWER\s+<\s+report\.txt$/m);
    assert.match(result.stdout, /^CONFLICT\s+\*\?\* tie\.txt/m);
    assert.match(result.stdout, /--resolve remote\n/);
    const { readFile: readLocal } = await import('node:fs/promises');
    assert.equal(await readLocal(`${box.local}/report.txt`, 'utf8'), 'remote, newer\n');
    assert.equal(await readLocal(`${box.local}/tie.txt`, 'utf8'), 'local tie, longer\n');
  });
});
