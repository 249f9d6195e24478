/**
 * Small local files are read in one go; a file that grew or shrank since its stat still shows
 * it in the byte count, so the copy's size check refuses it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { readSmallFile } from '../../src/backends/local/read-small-file.js';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('readSmallFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-small-read-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the whole file, and nothing for an empty one', async () => {
    const data = randomBytes(5000);
    await writeFile(join(dir, 'a'), data);
    await writeFile(join(dir, 'empty'), '');
    assert.deepEqual(await bytesOf(readSmallFile(openSync(join(dir, 'a'), 'r'), data.length)), data);
    assert.equal((await bytesOf(readSmallFile(openSync(join(dir, 'empty'), 'r'), 0))).length, 0);
  });

  it('a file larger than its stat said yields more bytes than expected; a smaller one fewer', async () => {
    await writeFile(join(dir, 'grew'), randomBytes(100));
    assert.equal((await bytesOf(readSmallFile(openSync(join(dir, 'grew'), 'r'), 50))).length, 51);
    await writeFile(join(dir, 'shrank'), randomBytes(10));
    assert.equal((await bytesOf(readSmallFile(openSync(join(dir, 'shrank'), 'r'), 50))).length, 10);
  });
});
