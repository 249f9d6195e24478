/**
 * Connection facts of the loopback test servers that `scripts/servers/*.sh start` launches.
 *
 * Each server script writes `.test-servers/<name>.json`; tests read it here. A missing file is a
 * test failure naming the command to run, never a skipped test.
 */
import './isolated-env.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Repository root (tests run from it). */
export const repoRoot = join(import.meta.dirname, '..', '..');

/** Folder where server scripts keep configs, logs, data and their `<name>.json` facts. */
export const serversDir = join(repoRoot, '.test-servers');

/** Reads the facts a server script wrote. Throws with the exact command to start it. */
export function loadServer<T = Record<string, unknown>>(name: string): T {
  const file = join(serversDir, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    throw new Error(
      `test server "${name}" is not running: start it with \`bash scripts/servers/${name}.sh start\` (or run \`npm test\`, which starts all of them)`,
    );
  }
}
