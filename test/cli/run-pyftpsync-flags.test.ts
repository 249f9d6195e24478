/**
 * `ferry run` as pyftpsync's `run` is used in CI scripts, against the loopback sshd and proftpd:
 * every flag of pyftpsync's `run` is accepted and reaches the command, and `scan` and `tree` tasks
 * of pyftpsync.yaml look at the task's remote.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { remoteFolder, type RemoteFolder } from '../support/fault-targets.js';
import { makeSandbox, parseJsonLines, treeContents, writeTree, type Sandbox } from '../support/run-cli.js';

for (const kind of ['sftp', 'ftp'] as const) {
  describe(`ferry CLI: run with pyftpsync's flags (${kind})`, () => {
    let box: Sandbox;
    let remote: RemoteFolder;
    let proj: string;

    before(async () => {
      box = await makeSandbox(`run-flags-${kind}`);
      remote = await remoteFolder(kind, 'run-flags', box.root, false);
      await fs.mkdir(remote.diskPath, { recursive: true, mode: 0o777 });
      await fs.chmod(remote.diskPath, 0o777);
      proj = path.join(box.root, 'proj');
      await writeTree(proj, { 'index.html': 'home', 'css/site.css': 'css' });
      const knownHosts = remote.args[remote.args.indexOf('--known-hosts') + 1];
      await fs.writeFile(
        path.join(proj, 'pyftpsync.yaml'),
        `default_task: deploy
common_config:
  remote: ${JSON.stringify(remote.url)}
  state_dir: ../state
${knownHosts ? `  known_hosts: ${JSON.stringify(knownHosts)}\n` : ''}tasks:
  deploy: {command: upload, delete: true}
  show: {command: tree, files: true, sort: true}
  list: {command: scan, list: true, recursive: true}
`,
      );
    });
    after(async () => {
      await remote.cleanup();
      await box.cleanup();
    });

    it('run deploy with --no-prompt --no-keyring --no-netrc --progress --case strict --migrate (and --ftp-active / --no-verify-host-keys)', async () => {
      const extra = kind === 'ftp' ? ['--ftp-active'] : ['--no-verify-host-keys'];
      const result = await box.run(['run', 'deploy', '--no-prompt', '--no-keyring', '--no-netrc', '--progress', '--case', 'strict', '--migrate', ...extra], {
        cwd: proj,
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Done: 2 files copied/);
      const onServer = await treeContents(remote.diskPath);
      assert.equal(onServer['index.html'], 'home');
      assert.equal(onServer['css/site.css'], 'css');
      assert.equal(onServer['pyftpsync.yaml'], undefined, 'the task file is never uploaded');
    });

    it('a tree task draws the remote; a scan task lists it (--json)', async () => {
      const tree = await box.run(['run', 'show', '--no-keyring', '--no-netrc'], { cwd: proj });
      assert.equal(tree.code, 0, tree.stderr);
      assert.match(tree.stdout, /^Task show from .*pyftpsync\.yaml: tree /);
      assert.match(tree.stdout, /\[css\]\//);
      assert.match(tree.stdout, /site\.css/);
      assert.match(tree.stdout, /index\.html/);
      const scan = await box.run(['run', 'list', '--json', '--no-keyring', '--no-netrc'], { cwd: proj });
      assert.equal(scan.code, 0, scan.stderr);
      const paths = parseJsonLines(scan.stdout)
        .filter((e) => e.type === 'entry')
        .map((e) => e.path)
        .sort();
      assert.deepEqual(paths, ['css', 'css/site.css', 'index.html']);
    });
  });
}
