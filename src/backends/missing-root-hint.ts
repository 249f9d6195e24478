/**
 * The end of the error for a missing root folder.
 */

/** What the error for a missing root adds: how to create it, where the command can. */
export function missingRootHint(options: { readonly createFolderHint?: boolean }): string {
  return options.createFolderHint ? ' (pass --create-folder to create it)' : '';
}
