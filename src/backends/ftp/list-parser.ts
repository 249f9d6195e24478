/**
 * Parsers of FTP directory listings: MLSD/MLST fact lines (RFC 3659) and the two LIST formats seen
 * in the wild (Unix `ls -l` and DOS/IIS).
 *
 * A listing line that cannot be parsed is an error, never skipped: a name dropped from a listing
 * would look like a deleted file to a sync.
 */
import type { Entry, ListedEntry } from '../../core/entry.js';
import { BackendError } from '../../errors.js';
import { parseFtpTime } from './ftp-time.js';

/** One parsed MLSx line: its facts (keys lower-cased) and the name or path after them. */
export interface MlsxLine {
  readonly facts: ReadonlyMap<string, string>;
  readonly name: string;
}

/**
 * Splits an MLSD/MLST line `fact=value;fact=value; name` into facts and name. The name is
 * everything after the first space, kept as is (it may contain spaces and `;`).
 */
export function parseMlsxLine(line: string): MlsxLine {
  const space = line.indexOf(' ');
  if (space < 0) throw new BackendError('protocol', `cannot parse MLSD line ${JSON.stringify(line)}: no name`);
  const facts = new Map<string, string>();
  for (const fact of line.slice(0, space).split(';')) {
    if (fact === '') continue;
    const eq = fact.indexOf('=');
    if (eq < 0) continue;
    facts.set(fact.slice(0, eq).toLowerCase(), fact.slice(eq + 1));
  }
  return { facts, name: line.slice(space + 1) };
}

/** Unix mode bits from an MLSx `unix.mode` fact: "0644", "644", or pyftpdlib's "0o644". */
function modeOfFact(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(?:0o)?([0-7]{1,6})$/i.exec(value);
  return match ? Number.parseInt(match[1]!, 8) & 0o7777 : undefined;
}

/**
 * The entry an MLSx line describes, or undefined for the listed folder itself and its parent
 * (`type=cdir`, `type=pdir`, `.`, `..`). Symlinks and other types are reported as unsupported.
 */
export function entryOfMlsxLine(line: MlsxLine): ListedEntry | undefined {
  const type = (line.facts.get('type') ?? '').toLowerCase();
  const name = line.name;
  if (type === 'cdir' || type === 'pdir' || name === '.' || name === '..') return undefined;
  if (type === 'dir') return { name, entry: { kind: 'dir' } };
  if (type === 'file') {
    const size = Number(line.facts.get('size') ?? line.facts.get('sizd') ?? 'NaN');
    const mtimeMs = parseFtpTime(line.facts.get('modify') ?? '');
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new BackendError('protocol', `MLSD line for ${JSON.stringify(name)} has no valid size`);
    }
    const mode = modeOfFact(line.facts.get('unix.mode'));
    const entry: Entry = {
      kind: 'file',
      size,
      // A server that hides the time: 0 is stable, so it never fakes a change.
      mtimeMs: mtimeMs ?? 0,
      ...(mode !== undefined ? { mode: mode & 0o777 } : {}),
    };
    return { name, entry };
  }
  // "OS.unix=symlink", "OS.unix=slink:/target" (RFC 3659 leaves OS types to the server).
  if (type.includes('link')) return { name, unsupported: 'symlink' };
  return { name, unsupported: type === '' ? 'entry without a type' : `entry of type ${type}` };
}

/** Parses an MLSD reply body: one fact line per entry. */
export function parseMlsdListing(text: string): ListedEntry[] {
  const result: ListedEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // Only the line ending is stripped: a name may end with a space.
    if (raw.trim() === '') continue;
    const entry = entryOfMlsxLine(parseMlsxLine(raw));
    if (entry) result.push(entry);
  }
  return result;
}

/** An entry of a LIST line; its mtime is only as exact as the format (minutes or days). */
export type ListLineResult = ListedEntry | 'skip';

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Mode bits of an `ls -l` permission string such as `rwxr-sr-t`. */
function modeOfPermissions(perms: string): number {
  let mode = 0;
  const bit = (index: number, value: number, chars: string): void => {
    if (chars.includes(perms[index] ?? '-')) mode |= value;
  };
  for (let who = 0; who < 3; who++) {
    const shift = 6 - who * 3;
    bit(who * 3, 4 << shift, 'r');
    bit(who * 3 + 1, 2 << shift, 'w');
    bit(who * 3 + 2, 1 << shift, 'xst');
  }
  return mode;
}

// "-rw-r--r--    1 1002  1002   5 Nov 22 02:49 a.txt", "drwxr-xr-x 2 u g 4096 Jan  1  2014 dir".
// Owner and group are matched lazily so the size is the last number before the date; the name is
// everything after the single space that follows the time or year.
const unixLine = /^([-dlbcpsD])([-rwxsStTlL]{9})[.+@]?\s+(\d+)\s+(.+?)\s+(\d+|\d+,\s*\d+)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}:\d{2}|\d{4})\s(.*)$/;

/**
 * Parses one Unix-style LIST line. `nowMs` places dates shown without a year (recent files) in
 * the right year. Returns 'skip' for `total N`, `.` and `..`; undefined when the line is not in
 * this format.
 */
export function parseUnixListLine(line: string, nowMs: number): ListLineResult | undefined {
  if (/^total\s+\d+/i.test(line)) return 'skip';
  const match = unixLine.exec(line);
  if (!match) return undefined;
  const [, type, perms, , , size, monthName, day, timeOrYear, rawName] = match as unknown as string[];
  let name = rawName!;
  const month = months.indexOf(monthName!.toLowerCase());
  if (month < 0) return undefined;
  if (type === 'l') {
    const arrow = name.indexOf(' -> ');
    if (arrow >= 0) name = name.slice(0, arrow);
  }
  if (name === '.' || name === '..') return 'skip';
  if (type === 'd') return { name, entry: { kind: 'dir' } };
  if (type === 'l') return { name, unsupported: 'symlink' };
  if (type !== '-') return { name, unsupported: 'special file' };
  const bytes = sizeOf(size!, name);
  let mtimeMs: number;
  if (timeOrYear!.includes(':')) {
    const [hour, minute] = timeOrYear!.split(':').map(Number) as [number, number];
    const now = new Date(nowMs);
    let year = now.getUTCFullYear();
    mtimeMs = Date.UTC(year, month, Number(day), hour, minute);
    // `ls` shows the time instead of the year for dates within the last six months: a date
    // "in the future" belongs to the previous year.
    if (mtimeMs > nowMs + 86_400_000) {
      year -= 1;
      mtimeMs = Date.UTC(year, month, Number(day), hour, minute);
    }
  } else {
    mtimeMs = Date.UTC(Number(timeOrYear), month, Number(day));
  }
  return { name, entry: { kind: 'file', size: bytes, mtimeMs, mode: modeOfPermissions(perms!) } };
}

/**
 * The size of a LIST line: a whole number of bytes a file can have. Anything else (a device's
 * "major, minor", more digits than a number holds exactly) fails the listing instead of becoming
 * a size nothing could ever match.
 */
function sizeOf(text: string, name: string): number {
  const size = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(size)) {
    throw new BackendError('protocol', `LIST line for ${JSON.stringify(name)} has an invalid size ${JSON.stringify(text)}`);
  }
  return size;
}

// "01-01-14  12:00PM       <DIR>          dir", "01-01-2014  09:05AM   5 a.txt" (IIS, mm-dd-yy).
const dosLine = /^(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?\s+(<DIR>|\d+)\s(.+)$/;

/** Parses one DOS/IIS-style LIST line; undefined when the line is not in this format. */
export function parseDosListLine(line: string): ListLineResult | undefined {
  const match = dosLine.exec(line);
  if (!match) return undefined;
  const [, mm, dd, yy, hh, min, ampm, sizeOrDir, rawName] = match as unknown as string[];
  // Sizes are right-aligned against the name (one space); <DIR> is padded to that column.
  const name = sizeOrDir === '<DIR>' ? rawName!.replace(/^ +/, '') : rawName!;
  if (name === '.' || name === '..') return 'skip';
  if (sizeOrDir === '<DIR>') return { name, entry: { kind: 'dir' } };
  let year = Number(yy);
  if (yy!.length === 2) year += year < 70 ? 2000 : 1900;
  let hour = Number(hh) % 12;
  if (ampm === undefined) hour = Number(hh);
  else if (ampm.toLowerCase() === 'pm') hour += 12;
  const mtimeMs = Date.UTC(year, Number(mm) - 1, Number(dd), hour, Number(min));
  return { name, entry: { kind: 'file', size: sizeOf(sizeOrDir!, name), mtimeMs } };
}

/**
 * Parses a LIST reply body in Unix or DOS format. Throws a `protocol` BackendError naming the
 * first line it cannot read.
 */
export function parseListListing(text: string, nowMs: number): ListedEntry[] {
  const result: ListedEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const parsed = parseUnixListLine(raw, nowMs) ?? parseDosListLine(raw);
    if (parsed === undefined) {
      throw new BackendError('protocol', `cannot parse directory listing line ${JSON.stringify(raw)}`);
    }
    if (parsed !== 'skip') result.push(parsed);
  }
  return result;
}
