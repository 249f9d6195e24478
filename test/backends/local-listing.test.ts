/**
 * Listing a local folder: names are stat'ed synchronously in batches, or in parallel once stats
 * prove slow; both ways give the same entries, for big folders and for links and special files.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { ROOT } from '../../src/core/rel-path.js';

describe('local backend listings', () => {
  let root: string;
  before(async () => {
    root = await fs.mkdtemp(join(tmpdir(), 'ferry-listing-'));
    // More names than one batch (256), of every kind a scan meets.
    await Promise.all(Array.from({ length: 700 }, (_, i) => fs.writeFile(join(root, `f${i}.txt`), 'x'.repeat(i))));
    await fs.mkdir(join(root, 'sub'));
    await fs.symlink('f1.txt', join(root, 'link-in'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
  });
  after(async () => {
    await fs.rm(root, { recursive: true, force: true });
  });

  const sorted = <T extends { name: string }>(items: T[]): T[] => [...items].sort((a, b) => a.name.localeCompare(b.name));

  it('gives the same entries whether it stats synchronously or, on a slow disk, in parallel', async () => {
    for (const followLinks of [false, true]) {
      const fast = sorted(await new LocalBackend(root, { followLinks }).list(ROOT));
      // 0 ms: every batch counts as slow, so all names after the first batch go to the thread pool.
      const slow = sorted(await new LocalBackend(root, { followLinks, slowStatMs: 0 }).list(ROOT));
      assert.equal(fast.length, 703);
      assert.deepEqual(slow, fast);
      const file = fast.find((item) => item.name === 'f699.txt');
      assert.ok(file && 'entry' in file && file.entry.kind === 'file' && file.entry.size === 699);
      const pipe = fast.find((item) => item.name === 'pipe');
      assert.ok(pipe && 'unsupported' in pipe, 'a fifo is listed as unsupported');
      const link = fast.find((item) => item.name === 'link-in');
      assert.ok(link && (followLinks ? 'entry' in link : 'unsupported' in link));
    }
  });

  it('a few stats that lose the CPU do not send later listings to the thread pool; a slow disk does', async () => {
    // The backend times its stats with process.hrtime() (not performance.now(): see local-backend.ts).
    const realHrtime = process.hrtime;
    /** Lists ROOT with the clock readings `lateReadings` picks 5 ms late (a stat preempted, or slow). */
    const listWithClock = async (lateReadings: (reading: number) => boolean): Promise<boolean> => {
      let reading = 0;
      let skewNs = 0;
      const skewed = (time?: [number, number]): [number, number] => {
        reading++;
        if (lateReadings(reading)) skewNs += 5e6;
        const [seconds, nanoseconds] = realHrtime(time);
        const total = nanoseconds + skewNs;
        return [seconds + Math.floor(total / 1e9), total % 1e9];
      };
      process.hrtime = Object.assign(skewed, { bigint: realHrtime.bigint });
      try {
        const backend = new LocalBackend(root);
        await backend.list(ROOT);
        return (backend as unknown as { slowStats: boolean }).slowStats;
      } finally {
        process.hrtime = realHrtime;
      }
    };
    // Two readings per stat: one stat in 50 loses 5 ms, as on a busy machine.
    assert.equal(await listWithClock((reading) => reading % 100 === 0), false);
    // Every stat takes 5 ms, as on a slow network mount.
    assert.equal(await listWithClock((reading) => reading % 2 === 0), true);
  });
});
