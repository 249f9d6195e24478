/**
 * Third-party internals behind one door per library (docs/design.md, "The FTP backend and the two
 * libraries"): basic-ftp's undocumented parts only in basic-ftp-internals.ts, ssh2's private fields
 * only in ssh2-internals.ts. test/backends/library-shapes.test.ts checks what the doors use.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../support/test-servers.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

const src = join(repoRoot, 'src');

/** Lines of files other than `door` that match `pattern`, as `file: line`. */
function outsideDoor(door: string, pattern: RegExp): string[] {
  return sourceFiles(src)
    .filter((file) => relative(src, file) !== door)
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => pattern.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line))
        .map((line) => `${relative(src, file)}: ${line.trim()}`),
    );
}

it("basic-ftp's internals are used only in backends/ftp/basic-ftp-internals.ts", () => {
  // Deep imports, the protected running task, a replaced `handle`, writes to the control socket.
  const pattern = /basic-ftp\/dist|\._task\b|\.handle\s*=[^=]|\bftp\.handle\(|ftp\.socket\.write\(/;
  assert.deepEqual(outsideDoor('backends/ftp/basic-ftp-internals.ts', pattern), []);
});

it("ssh2's private fields are read only in backends/sftp/ssh2-internals.ts", () => {
  const pattern = /\._(sock|remoteVer|isOpenSSH|extensions|version|maxWriteLen)\b/;
  assert.deepEqual(outsideDoor('backends/sftp/ssh2-internals.ts', pattern), []);
});
