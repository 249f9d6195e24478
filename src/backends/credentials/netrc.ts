/**
 * A `~/.netrc` reader (the format of ftp(1), curl and Python's netrc): `machine NAME`, `default`,
 * and per entry `login`, `password`, `account`; `macdef NAME` blocks (up to an empty line) are
 * skipped. Values may be double-quoted (`"a b"`, with `\"` and `\\`). A malformed file gives a
 * problem description and no entries; it never throws.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

/** One entry: `machine` is undefined for the `default` entry. */
export interface NetrcEntry {
  readonly machine?: string;
  readonly login?: string;
  readonly password?: string;
  readonly account?: string;
}

/** The parsed file: entries in file order, or a problem (then no entries are used). */
export interface NetrcFile {
  readonly entries: readonly NetrcEntry[];
  readonly problem?: string;
}

interface Token {
  readonly text: string;
  readonly line: number;
}

/** Splits into tokens; `macdef` bodies are dropped here because they end at an empty line. */
function tokenize(text: string): Token[] | string {
  const tokens: Token[] = [];
  const lines = text.split(/\r?\n/);
  let skippingMacro = false;
  let expectMacroName = false;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    if (skippingMacro) {
      if (raw.trim() === '') skippingMacro = false;
      continue;
    }
    let i = 0;
    while (i < raw.length) {
      const ch = raw[i]!;
      if (/\s/.test(ch)) {
        i++;
        continue;
      }
      if (ch === '#') break; // a comment to the end of the line (as in Python's netrc)
      let value = '';
      if (ch === '"') {
        i++;
        let closed = false;
        while (i < raw.length) {
          const c = raw[i]!;
          if (c === '\\' && i + 1 < raw.length) {
            value += raw[i + 1];
            i += 2;
            continue;
          }
          if (c === '"') {
            closed = true;
            i++;
            break;
          }
          value += c;
          i++;
        }
        if (!closed) return `unterminated quote on line ${index + 1}`;
      } else {
        while (i < raw.length && !/\s/.test(raw[i]!)) {
          value += raw[i];
          i++;
        }
      }
      tokens.push({ text: value, line: index + 1 });
      if (expectMacroName) {
        // The rest of the macro definition line and the following lines up to an empty line.
        expectMacroName = false;
        skippingMacro = true;
        break;
      }
      if (value === 'macdef' && ch !== '"') expectMacroName = true;
    }
    if (expectMacroName) return `macdef without a name on line ${index + 1}`;
  }
  return tokens;
}

/** Parses netrc text. */
export function parseNetrc(text: string): NetrcFile {
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { entries: [], problem: tokens };
  const entries: NetrcEntry[] = [];
  let current: { machine?: string; login?: string; password?: string; account?: string } | undefined;
  let sawDefault = false;
  for (let i = 0; i < tokens.length; i++) {
    const { text: word, line } = tokens[i]!;
    const value = (): string | { problem: string } => {
      const next = tokens[i + 1];
      if (next === undefined) return { problem: `"${word}" without a value on line ${line}` };
      i++;
      return next.text;
    };
    switch (word) {
      case 'machine': {
        if (sawDefault) return { entries: [], problem: `"machine" after "default" on line ${line}` };
        const name = value();
        if (typeof name !== 'string') return { entries: [], problem: name.problem };
        current = { machine: name };
        entries.push(current);
        break;
      }
      case 'default':
        if (sawDefault) return { entries: [], problem: `a second "default" on line ${line}` };
        sawDefault = true;
        current = {};
        entries.push(current);
        break;
      case 'login':
      case 'password':
      case 'account': {
        if (current === undefined) return { entries: [], problem: `"${word}" before any "machine" or "default" on line ${line}` };
        const v = value();
        if (typeof v !== 'string') return { entries: [], problem: v.problem };
        current[word] = v;
        break;
      }
      case 'macdef':
        i++; // its name; the body was dropped by the tokenizer
        break;
      default:
        // The word itself is not shown: it may be part of a password with a space in it.
        return { entries: [], problem: `unexpected word on line ${line} (expected machine, default, login, password, account or macdef)` };
    }
  }
  return { entries };
}

/**
 * The entry for `host` (its `machine` entry, else `default`). When `user` is given, an entry whose
 * `login` names someone else does not apply.
 */
export function findNetrcEntry(file: NetrcFile, host: string, user?: string): NetrcEntry | undefined {
  const fits = (entry: NetrcEntry): boolean => user === undefined || entry.login === undefined || entry.login === user;
  const lower = host.toLowerCase();
  return (
    file.entries.find((entry) => entry.machine !== undefined && entry.machine.toLowerCase() === lower && fits(entry)) ??
    file.entries.find((entry) => entry.machine === undefined && fits(entry))
  );
}

/** Where {@link netrcPath} looks; the defaults are this process's. */
export interface NetrcPlace {
  readonly platform?: NodeJS.Platform;
  readonly home?: string;
  readonly exists?: (file: string) => boolean;
}

/**
 * The netrc path: `file` if given, else `$NETRC`, else `~/.netrc`. On Windows, where file names
 * cannot comfortably start with a dot, `_netrc` as curl and Git read it: in `%HOME%` if set, else
 * the user's profile folder; `_netrc` first, `.netrc` when only that one exists there.
 */
export function netrcPath(file?: string, env: NodeJS.ProcessEnv = process.env, place: NetrcPlace = {}): string {
  if (file !== undefined) return file;
  if (env.NETRC) return env.NETRC;
  const platform = place.platform ?? process.platform;
  if (platform !== 'win32') return path.posix.join(place.home ?? homedir(), '.netrc');
  const exists = place.exists ?? existsSync;
  // A HOME that is no Windows path with a drive or share (an MSYS `/c/Users/…`) is not used.
  const home = env.HOME && /^([a-zA-Z]:[\\/]|\\\\)/.test(env.HOME) ? env.HOME : (env.USERPROFILE ?? place.home ?? homedir());
  const underscore = path.win32.join(home, '_netrc');
  const dot = path.win32.join(home, '.netrc');
  return !exists(underscore) && exists(dot) ? dot : underscore;
}

const warned = new Set<string>();

/**
 * Reads and parses the netrc file. A missing file is no entries, silently; an unreadable or
 * malformed one is no entries and a warning (never the file's content).
 */
export function readNetrc(file: string, warn?: (message: string) => void): NetrcFile {
  const once = (message: string): void => {
    // Read more than once per login (user, then password): one warning is enough.
    if (warned.has(message)) return;
    warned.add(message);
    warn?.(message);
  };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') once(`cannot read ${file} (${code ?? 'error'}): not using it`);
    return { entries: [] };
  }
  const parsed = parseNetrc(text);
  if (parsed.problem !== undefined) once(`${file} is malformed (${parsed.problem}): not using it`);
  else if (parsed.entries.some((entry) => entry.password !== undefined)) {
    // As ftp and curl do: passwords in a file that other users can read deserve a word. It is
    // still used (refusing would break a working setup without the user's say).
    let mode: number | undefined;
    try {
      mode = statSync(file).mode;
    } catch {
      mode = undefined;
    }
    if (mode !== undefined && (mode & 0o077) !== 0) {
      once(`${file} holds passwords and other users may read it (mode ${(mode & 0o777).toString(8).padStart(3, '0')}): run chmod 600 ${file}`);
    }
  }
  return parsed;
}
