/**
 * Runs every example of docs/api.md as the program it is (`js` blocks as ES modules, `cjs` blocks
 * as CommonJS), in document order, with `ferry-sync` resolved by name to this checkout's build,
 * against local folders and the loopback sshd. The only changes: the server address
 * `deploy@example.com/` becomes the test server's (below a fresh folder), the secrets the
 * examples read come from the environment, and HOME is a temporary folder holding the server's
 * known_hosts (so nothing of the real ~/.ssh, agent or netrc is used).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt, REPO_ROOT } from '../support/run-cli.js';
import { freshFolderName, sshd } from '../sftp/sftp-test-server.js';

interface Example {
  readonly kind: 'js' | 'cjs';
  readonly code: string;
  readonly line: number;
}

function examplesOf(markdown: string): Example[] {
  const examples: Example[] = [];
  for (const match of markdown.matchAll(/^```(js|cjs)\n([\s\S]*?)^```$/gm)) {
    examples.push({ kind: match[1] as 'js' | 'cjs', code: match[2]!, line: markdown.slice(0, match.index).split('\n').length });
  }
  return examples;
}

/** What each example must print, in document order (a few words of each line it prints). */
const expectedOutput: readonly RegExp[] = [
  /^function function function function function$/,
  /^3 files copied$/,
  /copied index\.html[\s\S]*3 files copied, 0 conflicts, 0 errors$/,
  /^\d+ actions planned\ncopied 3, recorded 0$/,
  /^no such folder; pass createFolder: true to create it$/,
  /^3 files fetched$/,
  /^done: 3 files copied$/,
  /^watching\n[\s\S]*pass: 1 copied\nstopped after \d+ passes$/,
  // The watch example added a fourth file to ./site.
  /^4 files, 20\d\d bytes\n4 files copied to sftp:\/\/[\w-]+@127\.0\.0\.1:\d+\/.*\/var\/www\/staging$/,
];

describe('docs/api.md examples', { timeout: 300_000 }, () => {
  const examples = examplesOf(readFileSync(path.join(REPO_ROOT, 'docs', 'api.md'), 'utf8'));
  let work: string;
  let env: NodeJS.ProcessEnv;
  let remoteRoot: string;
  let serverPrefix: string;

  before(async () => {
    await ensureBuilt();
    const s = sshd();
    work = await fs.mkdtemp(path.join(tmpdir(), 'ferry-api-'));
    const home = path.join(work, 'home');
    await fs.mkdir(path.join(home, '.ssh'), { recursive: true });
    await fs.copyFile(s.knownHostsFile, path.join(home, '.ssh', 'known_hosts'));
    await fs.mkdir(path.join(work, 'app', 'node_modules'), { recursive: true });
    await fs.symlink(REPO_ROOT, path.join(work, 'app', 'node_modules', 'ferry-sync'));
    await fs.mkdir(path.join(work, 'app', 'site', 'css'), { recursive: true });
    await fs.writeFile(path.join(work, 'app', 'site', 'index.html'), '<h1>hello</h1>\n');
    await fs.writeFile(path.join(work, 'app', 'site', 'css', 'style.css'), 'h1 { color: teal }\n');
    await fs.writeFile(path.join(work, 'app', 'site', 'logo.bin'), Buffer.alloc(2000, 7));
    const folder = freshFolderName('api-examples');
    remoteRoot = path.join(s.dataRoot, folder);
    serverPrefix = `${s.user}@${s.host}:${s.port}${s.dataRoot}/${folder}/`;
    env = {
      PATH: process.env.PATH,
      HOME: home,
      DEPLOY_PASSWORD: s.password,
      DEPLOY_KEY: readFileSync(s.passphraseKeyPath, 'utf8'),
      DEPLOY_KEY_PASSPHRASE: s.passphrase,
    };
  });
  after(async () => {
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it('has the examples this test expects', () => {
    assert.equal(examples.length, expectedOutput.length, `examples at lines ${examples.map((e) => e.line).join(', ')}`);
  });

  examples.forEach((example, index) => {
    it(`example ${index + 1} (docs/api.md line ${example.line}) runs and prints what it should`, async () => {
      const file = path.join(work, 'app', `example-${index + 1}.${example.kind === 'js' ? 'mjs' : 'cjs'}`);
      await fs.writeFile(file, example.code.replaceAll('deploy@example.com/', serverPrefix));
      const { code, stdout, stderr } = /\bwatch\(/.test(example.code) ? await runWatchExample(file) : runToEnd(file);
      assert.equal(stderr, '', `example ${index + 1} writes nothing to stderr`);
      assert.equal(code, 0, stdout);
      assert.match(stdout.trim(), expectedOutput[index]!);
    });
  });

  it('the examples changed the server as they say', async () => {
    assert.equal(await fs.readFile(path.join(remoteRoot, 'var', 'www', 'site', 'css', 'style.css'), 'utf8'), 'h1 { color: teal }\n');
    assert.equal(await fs.readFile(path.join(remoteRoot, 'var', 'www', 'live', 'added.html'), 'utf8'), 'new\n');
    assert.deepEqual((await fs.readdir(path.join(work, 'app', 'backup'))).sort(), ['css', 'index.html', 'logo.bin']);
  });

  function runToEnd(file: string): { code: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [file], { cwd: path.dirname(file), env, encoding: 'utf8', timeout: 120_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  /** Starts the watch example, adds a file once it watches, and stops it with SIGTERM after the pass. */
  function runWatchExample(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [file], { cwd: path.dirname(file), env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let added = false;
      let stopping = false;
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (!added && stdout.includes('watching')) {
          added = true;
          fs.writeFile(path.join(path.dirname(file), 'site', 'added.html'), 'new\n').catch(reject);
        }
        if (!stopping && /pass: 1 copied/.test(stdout)) {
          // Once: the example's handlers are `once`, a second SIGTERM would kill it.
          stopping = true;
          child.kill('SIGTERM');
        }
      });
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }
});
