/**
 * Options only local folders read.
 */

/** How a local folder is listed. */
export interface LocalOptions {
  /**
   * Local folders: `follow` lists a symbolic link as what it points to when that stays inside the
   * folder (and makes no loop); default `skip` (links are reported, never followed).
   */
  readonly links?: 'skip' | 'follow';
}
