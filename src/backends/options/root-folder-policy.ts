/**
 * What an open does when the root folder is missing: the run's policy, the same for every backend
 * (backends/may-create-root.ts applies it).
 */

/** Whether a missing root is created, asked about, shown as empty (dry run) or an error. */
export interface RootFolderPolicy {
  /** Create the root folder (and its parents) when it is missing, instead of failing. */
  readonly createFolder?: boolean;
  /**
   * With `createFolder`: asked once the root turns out to be missing, before anything is created;
   * false makes the missing root the same `not-found` error as without `createFolder`. Lets a run
   * connect first and consult its state (has the last sync seen this root?) only when needed.
   */
  readonly createFolderIf?: () => Promise<boolean>;
  /**
   * The error for a missing root suggests `--create-folder`: the command has that option and it
   * would create this side (never the source of a one-way run, never for `scan` or `doctor`).
   */
  readonly createFolderHint?: boolean;
  /**
   * A dry run: nothing may be created. With `createFolder`, a missing root opens as an empty,
   * read-only stand-in so the plan shows what a real run would copy there.
   */
  readonly dryRun?: boolean;
}
