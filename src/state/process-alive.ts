/**
 * Whether a process of this host still runs, for the pair's lock and its list of temp-file
 * writers: both call a holder dead only when its process is gone.
 */

/** True when process `pid` exists on this host (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
