/**
 * Finding ferry's temporary file (a big copy's part) in a folder on disk, for trials that cut a
 * copy off and check what it left.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The first of ferry's temporary files (`.~ferry-….tmp`) in `dir`, with its size; undefined when none. */
export async function partIn(dir: string): Promise<{ name: string; size: number } | undefined> {
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith('.~ferry-') && name.endsWith('.tmp')) {
      const stats = await fs.stat(path.join(dir, name)).catch(() => undefined);
      if (stats) return { name, size: stats.size };
    }
  }
  return undefined;
}
