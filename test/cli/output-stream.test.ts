/**
 * How the `ferry` command writes its lines: to a file or pipe the lines of one event-loop turn go
 * out in one write, in the order they were written across stdout and stderr; to a terminal each
 * goes out at once; a reader that has gone is not written to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EventEmitter } from 'node:events';
import { flushOutput, writeLine, writeRaw } from '../../src/cli/output-stream.js';

/** A stand-in for process.stdout/stderr that records each write call. */
function fakeStream(log: string[], name: string, isTTY: boolean): NodeJS.WriteStream {
  const stream = new EventEmitter() as unknown as NodeJS.WriteStream & { isTTY: boolean };
  stream.isTTY = isTTY;
  stream.write = ((text: string) => {
    log.push(`${name}:${text}`);
    return true;
  }) as NodeJS.WriteStream['write'];
  return stream;
}

describe('output-stream', () => {
  it('to a pipe: the lines of one turn go out in one write per stream run, in order, after the turn', async () => {
    const log: string[] = [];
    const out = fakeStream(log, 'out', false);
    const err = fakeStream(log, 'err', false);
    writeLine(out, 'a');
    writeLine(out, 'b');
    writeLine(err, 'warning');
    writeLine(out, 'c');
    assert.deepEqual(log, [], 'nothing is written before the turn ends');
    await nextTurn();
    assert.deepEqual(log, ['out:a\nb\n', 'err:warning\n', 'out:c\n']);
  });

  it('to a terminal: each line at once, after anything still pending', () => {
    const log: string[] = [];
    const pipe = fakeStream(log, 'pipe', false);
    const tty = fakeStream(log, 'tty', true);
    writeLine(pipe, 'queued');
    writeRaw(tty, 'now');
    assert.deepEqual(log, ['pipe:queued\n', 'tty:now']);
  });

  it('a long burst is written before the turn ends, so memory stays bounded', () => {
    const log: string[] = [];
    const out = fakeStream(log, 'out', false);
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 100; i++) writeLine(out, line);
    assert.ok(log.length >= 1, 'written once 64 KiB had piled up');
    flushOutput();
    assert.equal(log.join('').replaceAll('out:', '').length, 100 * 1001);
  });

  it('a stream whose reader has gone is dropped, the others still written', async () => {
    const log: string[] = [];
    const gone = fakeStream(log, 'gone', false);
    const out = fakeStream(log, 'out', false);
    writeLine(gone, 'first');
    flushOutput();
    (gone as unknown as EventEmitter).emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    writeLine(gone, 'lost');
    writeLine(out, 'kept');
    await nextTurn();
    assert.deepEqual(log, ['gone:first\n', 'out:kept\n']);
  });
});
