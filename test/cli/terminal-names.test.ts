/**
 * Names that would act on a terminal (escape sequences, a line break forging a "Done:" line)
 * reach human output escaped, one name per line; `--json` keeps them exact.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { printable } from '../../src/cli/render/printable.js';
import { startHostileFtpServer } from '../support/hostile-ftp-server.js';
import { linesOf, makeSandbox, parseJsonLines, runCli, writeTree, type Sandbox } from '../support/run-cli.js';

/** Retitles the terminal and clears it (OSC 0, then CSI 2J). */
const TITLE = 'a\u001b]0;PWNED\u0007\u001b[2Jb.txt';
/** A line break forging a summary line. */
const FORGED = 'x\nDone: 0 files copied, 0 errors.txt';
const C1 = 'c\u009b31mred.txt';

describe('printable', () => {
  it("escapes C0, DEL, C1 and bidi controls as ls -b / $'…' do, and leaves other text alone", () => {
    assert.equal(printable(TITLE), 'a\\e]0;PWNED\\a\\e[2Jb.txt');
    assert.equal(printable(FORGED), 'x\\nDone: 0 files copied, 0 errors.txt');
    assert.equal(printable('t\tr\r\u007f\u0001'), 't\\tr\\r\\x7f\\x01');
    assert.equal(printable(C1), 'c\\x9b31mred.txt');
    assert.equal(printable('evil\u202etxt.exe'), 'evil\\u202etxt.exe');
    assert.equal(printable('Café → 日本.txt'), 'Café → 日本.txt');
    assert.equal(printable(printable(TITLE)), printable(TITLE), 'escaping twice changes nothing');
  });
});

describe('ferry CLI: names that are terminal commands', () => {
  let box: Sandbox;
  beforeEach(async () => {
    box = await makeSandbox('terminal-names');
    await writeTree(box.local, { [TITLE]: 'title', [FORGED]: 'forged', [C1]: 'c1', [`dir\u001b[1m/inner.txt`]: 'inner' });
  });
  afterEach(async () => {
    await box.cleanup();
  });

  it('prints each name escaped on its own line; the only Done line is the real one', async () => {
    const result = await box.run(['upload', box.local, box.remote, '--state-dir', box.stateDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, /[\u001b\u0007\u009b]/, 'no control character reaches the output');
    const lines = linesOf(result.stdout);
    assert.ok(lines.includes(`COPY NEW           >  ${printable(TITLE)}`), result.stdout);
    assert.ok(lines.includes(`COPY NEW           >  ${printable(FORGED)}`), result.stdout);
    assert.ok(
      lines.some((line) => line.endsWith('dir\\e[1m/inner.txt')),
      result.stdout,
    );
    assert.equal(lines.filter((line) => line.startsWith('Done')).length, 1, result.stdout);
    assert.match(lines.at(-1)!, /^Done: 4 files copied/);
    // The files themselves keep their exact names.
    assert.deepEqual((await fs.readdir(box.remote)).sort(), [TITLE, FORGED, C1, 'dir\u001b[1m'].sort());
    assert.equal(await fs.readFile(path.join(box.remote, FORGED), 'utf8'), 'forged');
  });

  it('--json keeps the exact names', async () => {
    const result = await box.run(['upload', box.local, box.remote, '--state-dir', box.stateDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const copied = parseJsonLines(result.stdout)
      .filter((event) => event.type === 'action-finished')
      .map((event) => (event['result'] as { action: { path: string } }).action.path);
    for (const name of [TITLE, FORGED, C1, 'dir\u001b[1m/inner.txt']) assert.ok(copied.includes(name), `${JSON.stringify(name)} in ${JSON.stringify(copied)}`);
  });

  it('an error naming such a folder is one escaped line', async () => {
    const missing = path.join(box.root, 'gone\n\u001b[2J');
    const result = await box.run(['upload', missing, box.remote, '--state-dir', box.stateDir]);
    assert.equal(result.code, 1);
    const lines = linesOf(result.stderr);
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^ferry: .*gone.\\e\[2J/);
  });

  it('scan and tree print escaped names', async () => {
    for (const command of [['scan', '--list', '-r'], ['tree']]) {
      const result = await box.run([...command, box.local]);
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stdout + result.stderr, /[\u001b\u0007\u009b]/, command.join(' '));
      assert.ok(result.stdout.includes('[dir\\e[1m]/'), `${command}: ${result.stdout}`);
      if (command[0] === 'scan') assert.ok(result.stdout.includes(printable(FORGED)), result.stdout);
    }
  });

  it("a server's names and replies reach sync and doctor output escaped", async () => {
    const T = '20240101000000';
    const server = await startHostileFtpServer({
      mode: 'mlsd',
      banner: 'welcome\u001b]0;PWNED\u0007\u001b[2J',
      refusal: 'no\u001b]0;PWNED\u0007\u001b[2J',
      folders: { '/': { listing: `type=file;size=5;modify=${T}; ${TITLE}\r\ntype=file;size=5;modify=${T}; ${C1}\r\n` } },
      files: {
        [`/${TITLE}`]: { content: Buffer.from('title'), facts: `type=file;size=5;modify=${T};` },
        [`/${C1}`]: { content: Buffer.from('c1!!!'), facts: `type=file;size=5;modify=${T};` },
      },
    });
    try {
      const url = `ftp://u:p@127.0.0.1:${server.port}/`;
      const local = path.join(box.root, 'from-server');
      const download = await runCli(['download', local, url, '--create-folder', '--state-dir', box.stateDir, '--no-keyring', '--no-netrc'], { env: box.env });
      assert.equal(download.code, 0, download.stderr);
      assert.doesNotMatch(download.stdout + download.stderr, /[\u001b\u0007\u009b]/);
      assert.ok(linesOf(download.stdout).includes(`COPY NEW           <  ${printable(TITLE)}`), download.stdout);
      assert.deepEqual((await fs.readdir(local)).sort(), [TITLE, C1].sort(), 'the files keep their exact names');
      const doctor = await runCli(['doctor', url, '--no-keyring', '--no-netrc'], { env: box.env });
      assert.doesNotMatch(doctor.stdout + doctor.stderr, /[\u001b\u0007\u009b]/);
      assert.match(doctor.stdout, /550 no\\e\]0;PWNED\\a\\e\[2J/, "the server's reply is shown, escaped");
    } finally {
      await server.close();
    }
  });
});
