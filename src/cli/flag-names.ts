/**
 * Library error messages name options as the library spells them (`` `createFolder` ``,
 * `` `compare: 'checksum'` ``); the command line prints its flags in their place
 * (`--create-folder`, `--compare checksum`).
 */
import { describeError, FerryError, type OptionMention } from '../index.js';

/** Flags whose name is not the option's name in kebab case. */
const FLAG_OF: Readonly<Record<string, string>> = {
  pollSeconds: '--poll',
  rescanSeconds: '--rescan',
  allowEmptySide: '--allow-empty',
  // `useKeyring: false` is `--no-keyring`, `useNetrc: false` `--no-netrc`.
  useKeyring: '--keyring',
  useNetrc: '--netrc',
};

/** Options whose values are flags of their own (`prompt: 'never'` is `--no-prompt`). */
const FLAG_OF_VALUE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  prompt: { never: '--no-prompt', always: '--prompt' },
};

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The command-line form of one mentioned option: `--force`, `--no-verify-certs`, `--compare checksum`. */
export function flagOf(mention: OptionMention): string {
  const ownFlag = mention.value === undefined ? undefined : FLAG_OF_VALUE[mention.option]?.[mention.value.replace(/^'(.*)'$/, '$1')];
  if (ownFlag !== undefined) return ownFlag;
  const flag = FLAG_OF[mention.option] ?? `--${kebab(mention.option)}`;
  if (mention.value === undefined || mention.value === 'true') return flag;
  if (mention.value === 'false') return flag.replace(/^--/, '--no-');
  return `${flag} ${mention.value.replace(/^'(.*)'$/, '$1')}`;
}

/** The library options that messages may name, by their names in the library's options. */
const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'allowEmptySide',
  'backupDir',
  'caFile',
  'compare',
  'createFolder',
  'delete',
  'deleteUnmatched',
  'dryRun',
  'force',
  'jump',
  'links',
  'maxDelete',
  'minRate',
  'pollSeconds',
  'prompt',
  'proxyCommand',
  'rescanSeconds',
  'resolve',
  'sshKey',
  'storePassword',
  'useKeyring',
  'useNetrc',
  'verifyCerts',
]);

/**
 * A message of the library (a warning, a problem of one file) with the flags of the command line
 * where it names a known option.
 */
export function withFlagNames(text: string): string {
  return text.replace(/`([A-Za-z][A-Za-z0-9]*)(?:: ([^`]*))?`/g, (whole, option: string, value: string | undefined) =>
    KNOWN_OPTIONS.has(option) ? flagOf(value === undefined ? { text: whole, option } : { text: whole, option, value }) : whole,
  );
}

/** describeError, with the flags of the command line where a library error names options. */
export function describeForCommandLine(error: unknown): string {
  const text = describeError(error);
  if (!(error instanceof FerryError)) return text;
  let result = text;
  for (const mention of error.optionMentions) result = result.replace(mention.text, flagOf(mention));
  return result;
}
