/**
 * The `ferry` command limits how far the V8 heap grows between full collections once the heap is
 * large (src/cli/heap-growth.ts): a program holding a large live set while it makes garbage peaks
 * far lower with the limit than with V8's own choice.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/run-cli.js';

/** Holds ~150 MiB of live objects, then makes garbage that survives young collections; prints the largest heap seen. */
const program = (limit: boolean): string => `
import { limitHeapGrowthWhenLarge } from ${JSON.stringify(path.join(REPO_ROOT, 'src/cli/heap-growth.ts'))};
if (${limit}) limitHeapGrowthWhenLarge();
const live = [];
for (let i = 0; i < 2e6; i++) live.push({ a: i, b: 'x' + i });
await new Promise((resolve) => setTimeout(resolve, 600));
let max = 0;
for (let round = 0; round < 40; round++) {
  const garbage = [];
  for (let i = 0; i < 3e5; i++) garbage.push({ a: i, b: 'y' + i, c: [i] });
  live.push(garbage.length);
  max = Math.max(max, process.memoryUsage().heapTotal);
}
console.log(Math.round(max / 2 ** 20));
`;

function peakMib(limit: boolean): number {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program(limit)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout.trim());
}

describe('heap growth on a large heap', () => {
  it('peaks far lower with the limit than with V8 left to itself', () => {
    const without = peakMib(false);
    const withLimit = peakMib(true);
    assert.ok(withLimit < without * 0.7, `peak heap ${withLimit} MiB with the limit, ${without} MiB without`);
  });
});
