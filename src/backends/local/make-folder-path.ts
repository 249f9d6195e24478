import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Creates `folder` and any missing parents, like `mkdir -p`, one level at a time.
 *
 * Why not `fs.mkdir(folder, { recursive: true })`: on Node 20 that call never returns for a path
 * under a pseudo file system such as `/proc` (it retries the parent forever at full CPU and
 * ignores signals). Here a parent that cannot be created stops the walk with its own error.
 * `mode` applies to the folders this call creates.
 */
export async function makeFolderPath(folder: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  let current = path.resolve(folder);
  for (;;) {
    try {
      const stats = await fs.stat(current);
      if (!stats.isDirectory()) {
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR' });
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(current);
      if (parent === current) throw error;
      missing.push(current);
      current = parent;
    }
  }
  for (const level of missing.reverse()) {
    try {
      await fs.mkdir(level, mode === undefined ? undefined : { mode });
    } catch (error) {
      // Another process may have made it meanwhile: that is what we wanted.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
