/**
 * The end of the error for a missing root folder. It names the option as the library spells it;
 * the command line prints `--create-folder` in its place (src/cli/flag-names.ts).
 */

/** What the error for a missing root adds: how to create it, where the command can. */
export function missingRootHint(options: { readonly createFolderHint?: boolean }): string {
  return options.createFolderHint ? ' (pass `createFolder: true` to create it)' : '';
}
