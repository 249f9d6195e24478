import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { TempWriters } from '../../src/state/temp-writers.js';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('TempWriters', () => {
  it('a writer is dead when its process is gone or ran on another host; this process and live ones are not', async () => {
    const dir = await fs.mkdtemp(path.join(tmpdir(), 'ferry-writers-'));
    const file = path.join(dir, 'pair.writers');
    const line = (writer: string, pid: number, host = hostname()) => `${JSON.stringify({ writer, pid, host })}\n`;
    await fs.writeFile(file, line('deadpid1', deadPid()) + line('livepid1', process.ppid) + line('otherhst', 1, 'elsewhere') + 'torn{\n' + line('BAD', 1));
    const writers = await TempWriters.open(file, 'selfself');
    assert.deepEqual([...writers.dead].sort(), ['deadpid1', 'otherhst']);
    await writers.register();
    assert.match(await fs.readFile(file, 'utf8'), /"writer":"selfself"/);
    await writers.forget(['deadpid1', 'otherhst', 'livepid1', 'selfself']);
    await assert.rejects(fs.stat(file), 'the file goes with its last writer');
    await fs.rm(dir, { recursive: true, force: true });
  });
});
