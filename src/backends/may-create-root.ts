/**
 * Whether an open may create a missing root folder: the one rule every backend applies when it
 * finds its root missing.
 */
import type { RootFolderPolicy } from './options/root-folder-policy.js';

/** True when `createFolder` is set and `createFolderIf`, when given, agrees (asked only now). */
export async function mayCreateRoot(options: Pick<RootFolderPolicy, 'createFolder' | 'createFolderIf'>): Promise<boolean> {
  if (options.createFolder !== true) return false;
  return options.createFolderIf === undefined || (await options.createFolderIf());
}
