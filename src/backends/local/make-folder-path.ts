import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Creates `folder` and any missing parents, like `mkdir -p`, one level at a time.
 *
 * Why not `fs.mkdir(folder, { recursive: true })`: on Node 20 that call never returns for a path
 * under a pseudo file system such as `/proc` (it retries the parent forever at full CPU and
 * ignores signals). Here a parent that cannot be created stops the walk with its own error
 * (ENOENT, EACCES, EPERM, EROFS, ENOTDIR...). `mode` applies to the folders this call creates.
 *
 * A folder that is already there is fine; a file, or a link to nothing, where a folder should be
 * fails with EEXIST (a file on the way to it with ENOTDIR).
 */
export async function makeFolderPath(folder: string, mode?: number): Promise<void> {
  // Walk up to the nearest existing folder, remembering the levels to make below it. A stat
  // through a file fails with ENOTDIR, and EACCES or ELOOP are final too: only ENOENT walks on.
  const missing: string[] = [];
  let current = path.resolve(folder);
  for (;;) {
    try {
      if ((await fs.stat(current)).isDirectory()) break;
      // Only `folder` itself can be an existing non-folder (a stat below a file says ENOTDIR):
      // its mkdir below then fails with the system's own EEXIST.
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break; // no folder at all up to the root: its mkdir says why
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      await fs.mkdir(level, mode === undefined ? undefined : { mode });
    } catch (error) {
      // Another process may have made it meanwhile: that is what we wanted. Anything else there
      // (a file, a dangling link) is not.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !(await isFolder(level))) throw error;
    }
  }
}

async function isFolder(at: string): Promise<boolean> {
  try {
    return (await fs.stat(at)).isDirectory();
  } catch {
    return false;
  }
}
