/**
 * WholeFileSource: a small file's bytes as a stream that a target may also take whole, once, and
 * only while nobody has read from it.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { WholeFileSource, wholeContentsOf } from '../../src/backends/backend.js';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('WholeFileSource', () => {
  it('streams its bytes like any readable, an empty one as no bytes', async () => {
    assert.equal((await bytesOf(new WholeFileSource(Buffer.from('hello')))).toString(), 'hello');
    assert.equal((await bytesOf(new WholeFileSource(Buffer.alloc(0)))).length, 0);
  });

  it('offers its bytes whole only while unread and open', async () => {
    const contents = Buffer.from('whole');
    const fresh = new WholeFileSource(contents);
    assert.equal(wholeContentsOf(fresh), contents);

    const read = new WholeFileSource(contents);
    await bytesOf(read);
    assert.equal(wholeContentsOf(read), undefined);

    const destroyed = new WholeFileSource(contents);
    destroyed.destroy();
    assert.equal(wholeContentsOf(destroyed), undefined);
  });

  it('other streams are never taken whole', () => {
    assert.equal(wholeContentsOf(Readable.from([Buffer.from('x')])), undefined);
  });
});
