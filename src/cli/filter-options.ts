/**
 * The filter flags beyond `-m`/`-x` that the sync commands and watch share: gitignore-style rule
 * files, the `.ferryignore` switch, and size and age limits. Files are read here, in the CLI:
 * the library takes their lines.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FerryError, IGNORE_FILE_NAME, parseAge, parseSize, type AnyRunOptions, type RuleList } from '../index.js';

/** Flags commander parses for these options. */
export interface FilterFlags {
  excludeFrom?: string[];
  includeFrom?: string[];
  /** `--no-ignore-file` makes this false. */
  ignoreFile?: boolean;
  minSize?: string;
  maxSize?: string;
  maxAge?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds the filter options to a command. */
export function addFilterOptions(command: Command): Command {
  return command
    .option(
      '--exclude-from <file>',
      'leave alone the paths listed in FILE, in .gitignore syntax (dir/, *.log, /from-root, !negation, # comments); repeatable',
      collect,
    )
    .option('--include-from <file>', 'sync only the files listed in FILE, in .gitignore syntax; others are left alone on both sides; repeatable', collect)
    .option('--no-ignore-file', `do not read ${IGNORE_FILE_NAME} in the local root (read by default, in .gitignore syntax; never synced itself)`)
    .option('--min-size <size>', 'leave alone files smaller than this (500, 10k, 1.5M, 2G; binary units)')
    .option('--max-size <size>', 'leave alone files larger than this (500, 10k, 1.5M, 2G; binary units)')
    .option('--max-age <age>', 'leave alone files modified longer ago than this (90s, 30m, 12h, 7d, 2w; a bare number is seconds)');
}

/** The lines of each rule file; a file that cannot be read is a usage error. */
export function readRuleFiles(files: readonly string[] | undefined, flag: string, baseDir = process.cwd()): RuleList[] | undefined {
  if (files === undefined) return undefined;
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file.startsWith('/') ? file : `${baseDir}/${file}`, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new FerryError('usage', `${flag} ${file}: cannot read it (${code === 'ENOENT' ? 'no such file' : (code ?? String(error))})`);
    }
    return { source: file, lines: text.split('\n') };
  });
}

/** Bytes of a `--min-size`/`--max-size` value; a usage error when it is not a size. */
export function sizeFlag(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const bytes = parseSize(String(value));
  if (bytes === undefined) throw new FerryError('usage', `${flag} ${value}: expected a size like 500, 10k, 1.5M or 2G`);
  return bytes;
}

/** Milliseconds of a `--max-age` value; a usage error when it is not a duration. */
export function ageFlag(value: string | number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseAge(String(value));
  if (ms === undefined) throw new FerryError('usage', `${flag} ${value}: expected an age like 90s, 30m, 12h, 7d or 2w`);
  return ms;
}

/** The run options the filter flags ask for. */
export function filterOptionsOf(flags: FilterFlags): Pick<AnyRunOptions, 'excludeRules' | 'includeRules' | 'ignoreFile' | 'minSize' | 'maxSize' | 'maxAgeMs'> {
  const minSize = sizeFlag(flags.minSize, '--min-size');
  const maxSize = sizeFlag(flags.maxSize, '--max-size');
  if (minSize !== undefined && maxSize !== undefined && minSize > maxSize) {
    throw new FerryError('usage', `--min-size ${flags.minSize} is larger than --max-size ${flags.maxSize}: no file could match`);
  }
  return {
    excludeRules: readRuleFiles(flags.excludeFrom, '--exclude-from'),
    includeRules: readRuleFiles(flags.includeFrom, '--include-from'),
    ignoreFile: flags.ignoreFile,
    minSize,
    maxSize,
    maxAgeMs: ageFlag(flags.maxAge, '--max-age'),
  };
}
