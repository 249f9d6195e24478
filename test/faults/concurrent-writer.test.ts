/**
 * ferry while another program writes into the local folder: a file that changes while it is being
 * uploaded (rewritten in place at the same size, or grown) is never committed under its final
 * name. It is reported as a failed copy ("changed while being copied … left for the next run"),
 * the target keeps its old version, and the next run, once the file is still, copies it.
 *
 * The other program is played by a local backend that changes the file right after the first
 * chunk was read, so the change always lands mid-read. (Two ferry runs on the same pair are
 * covered by test/cli/interrupted-run.test.ts: the second is refused with exit 1.)
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, utimesSync, writeSync, appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { LocalBackend, upload, type ActionResult, type SyncEvent } from '../../src/index.js';
import type { RelPath } from '../../src/core/rel-path.js';
import { makeSandbox, type Sandbox } from '../support/run-cli.js';
import { remoteFolder, type RemoteFolder } from '../support/fault-targets.js';

type Change = 'rewrite-same-size' | 'append';

/** A local folder whose file `victim` is changed by "another program" once its first chunk was read. */
class ChangingLocalBackend extends LocalBackend {
  changes = 0;
  constructor(
    root: string,
    private readonly victim: string,
    private readonly change: Change,
  ) {
    super(root);
  }
  override async read(rel: RelPath, options?: { signal?: AbortSignal }): Promise<Readable> {
    const stream = await super.read(rel, options);
    if (rel !== this.victim) return stream;
    const file = path.join(this.root, rel);
    stream.once('data', () => {
      this.changes++;
      if (this.change === 'append') {
        appendFileSync(file, 'more bytes written meanwhile\n');
      } else {
        const fd = openSync(file, 'r+');
        writeSync(fd, Buffer.from('REWRITTEN IN PLACE'), 0, 18, 0);
        closeSync(fd);
      }
      const later = new Date(Date.now() + 5000);
      utimesSync(file, later, later);
    });
    return stream;
  }
}

describe('faults: a file changing while it is uploaded', () => {
  let box: Sandbox;
  const folders: RemoteFolder[] = [];
  before(async () => {
    box = await makeSandbox('writer');
  });
  after(async () => {
    for (const folder of folders) await folder.cleanup();
    await box.cleanup();
  });

  const cases: { change: Change; remote: 'local' | 'sftp' }[] = [
    { change: 'rewrite-same-size', remote: 'local' },
    { change: 'append', remote: 'local' },
    { change: 'rewrite-same-size', remote: 'sftp' },
  ];
  for (const { change, remote: remoteKind } of cases) {
    it(`${change} during the read (to ${remoteKind}): not committed, reported, the old version stays; the next run copies it`, async () => {
      const local = path.join(box.root, `local-${change}-${remoteKind}`);
      await fs.mkdir(local);
      const old = randomBytes(2 * 1024 * 1024);
      await fs.writeFile(path.join(local, 'busy.bin'), old);
      await fs.writeFile(path.join(local, 'quiet.txt'), 'not touched\n');
      let remote: string;
      let remoteDisk: string;
      let connection = {};
      if (remoteKind === 'local') {
        remote = remoteDisk = path.join(box.root, `remote-${change}`);
        await fs.mkdir(remote);
      } else {
        const folder = await remoteFolder('sftp', 'writer', box.root, false);
        folders.push(folder);
        remote = folder.url;
        remoteDisk = folder.diskPath;
        connection = { knownHostsFile: folder.args[1], sshConfigFile: '/dev/null', useKeyring: false, useNetrc: false };
      }
      const stateDir = path.join(box.root, `state-${change}-${remoteKind}`);
      // The first upload (nothing changing) puts the old version there.
      const first = await upload({ local, remote, stateDir, createFolder: true, connection });
      assert.equal(first.errors, 0);

      // The file changes on disk (new content and time), then again while ferry reads it.
      const second = randomBytes(2 * 1024 * 1024);
      await fs.writeFile(path.join(local, 'busy.bin'), second);
      const t = new Date(Date.now() + 2000);
      await fs.utimes(path.join(local, 'busy.bin'), t, t);
      const changing = new ChangingLocalBackend(local, 'busy.bin', change);
      const results: ActionResult[] = [];
      const summary = await upload({
        local: changing,
        remote,
        stateDir,
        connection,
        onEvent: (event: SyncEvent) => {
          if (event.type === 'action-finished') results.push(event.result);
        },
      });
      assert.equal(changing.changes, 1, 'the file changed mid-read');
      const busy = results.find((r) => r.action.path === 'busy.bin');
      assert.equal(busy?.status, 'failed');
      assert.match(busy!.status === 'failed' ? busy!.error : '', /busy\.bin changed while being copied .*left for the next run/);
      assert.equal(summary.errors, 1);
      assert.deepEqual(await fs.readFile(path.join(remoteDisk, 'busy.bin')), old, 'the target keeps the old version, whole');
      const leftovers = (await fs.readdir(remoteDisk)).filter((name) => name.startsWith('.~ferry-'));
      assert.deepEqual(leftovers, []);

      // Still now: the next run copies exactly that file.
      const third = await upload({ local, remote, stateDir, connection });
      assert.equal(third.errors, 0);
      assert.equal(third.filesCopied, 1);
      assert.deepEqual(await fs.readFile(path.join(remoteDisk, 'busy.bin')), await fs.readFile(path.join(local, 'busy.bin')));
      assert.equal(await fs.readFile(path.join(remoteDisk, 'quiet.txt'), 'utf8'), 'not touched\n');
    });
  }
});
