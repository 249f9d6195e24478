/**
 * The check that a pair of local folders are two distinct folders.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Target } from '../backends/target-url.js';
import { FerryError } from '../errors.js';

async function realOrResolved(p: string): Promise<string> {
  try {
    return await fs.realpath(p);
  } catch {
    return path.resolve(p);
  }
}

/** Refuses a pair where one local folder is the other or lies inside it. */
export async function checkDistinct(local: Target, remote: Target): Promise<void> {
  if (local.scheme !== 'file' || remote.scheme !== 'file') return;
  const a = await realOrResolved(local.path);
  const b = await realOrResolved(remote.path);
  const inside = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);
  if (inside(a, b) || inside(b, a)) {
    throw new FerryError('config', a === b ? `LOCAL and REMOTE are the same folder (${a})` : `LOCAL and REMOTE must not be inside each other (${a}, ${b})`);
  }
}
