/**
 * A lock file per sync pair, so two runs never work on the same pair at once.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import { hostname } from 'node:os';
import { FerryError } from '../errors.js';
import { isProcessAlive } from './process-alive.js';

interface LockInfo {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

/** Lock files this process holds, removed at exit if a run could not release them itself. */
const held = new Set<string>();
let exitHookInstalled = false;

/**
 * Removes the locks still held when the process exits (`process.exit` after a second Ctrl-C, or
 * the deadline of an interrupted run), so the next run starts without looking for a stale lock.
 * Only a lock file that still names this process is removed.
 */
function releaseHeldLocksAtExit(): void {
  for (const file of held) {
    try {
      const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockInfo>;
      if (holder.pid === process.pid && holder.host === hostname()) rmSync(file, { force: true });
    } catch {
      // Gone already, or unreadable: nothing of ours to remove.
    }
  }
  held.clear();
}

/** A held lock; release it when the run ends. */
export interface RunLock {
  release(): Promise<void>;
}

/**
 * Takes the lock at `file`. A lock left by a process that no longer runs on this host is stale and
 * taken over. Throws a `state` FerryError naming the holder otherwise.
 */
export async function acquireRunLock(file: string): Promise<RunLock> {
  const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, `${JSON.stringify(info)}\n`, { flag: 'wx' });
      held.add(file);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', releaseHeldLocksAtExit);
      }
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          held.delete(file);
          await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new FerryError('state', `cannot create lock file ${file}: ${(error as Error).message}`);
      }
    }
    let holder: LockInfo | undefined;
    try {
      holder = JSON.parse(await fs.readFile(file, 'utf8')) as LockInfo;
    } catch {
      holder = undefined; // Half-written or vanished: treat as stale below only if still unreadable.
    }
    if (holder && holder.host === info.host && !isProcessAlive(holder.pid)) {
      await fs.rm(file, { force: true });
      continue;
    }
    if (holder) {
      throw new FerryError(
        'state',
        `another ferry run (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) is syncing this pair; wait for it to finish, or delete ${file} if it is not running`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new FerryError('state', `cannot take the lock ${file}; delete it if no ferry run is active`);
}
