/**
 * Temporary names used while a file is written: `.~ferry-<stem>.<writer>-<random>.tmp`.
 *
 * `<writer>` names the process that writes (one id per ferry process, {@link WRITER_ID}); a pair's
 * state folder lists the writers of its runs (state/temp-writers.ts), so the next run of the pair
 * knows which leftovers belong to dead runs of its own and removes them, and leaves every other
 * one alone. The parts are fixed so {@link parseTempName} can read them back (a later resume of
 * big copies can find the temporary file of a final name by its stem). Scans never treat these
 * files as the user's. Randomness is the one impure thing here, and only affects the name, never
 * a decision.
 */

export const TEMP_PREFIX = '.~ferry-';
export const TEMP_SUFFIX = '.tmp';

/** Characters of a writer id and of the random part. */
const ID_LENGTH = 8;

function randomId(): string {
  let id = '';
  while (id.length < ID_LENGTH) id += Math.random().toString(36).slice(2);
  return id.slice(0, ID_LENGTH);
}

/** The id of this process's writes, in every temporary name it makes. */
export const WRITER_ID = randomId();

/** A fresh temporary name for writing `finalName` in the same folder. */
export function tempNameFor(finalName: string): string {
  // Keep the whole name short: some servers limit names to 255 bytes.
  const stem = finalName.length > 80 ? finalName.slice(0, 80) : finalName;
  return `${TEMP_PREFIX}${stem}.${WRITER_ID}-${randomId()}${TEMP_SUFFIX}`;
}

/** True for names made by {@link tempNameFor} (and by ferry versions before writer ids). */
export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) && name.endsWith(TEMP_SUFFIX);
}

/** The parts of a temporary name. */
export interface TempNameParts {
  /** The final name the file was written for (its first 80 characters). */
  readonly stem: string;
  /** The writer's id; undefined for a name made before writer ids (`.~ferry-<stem>.<random>.tmp`). */
  readonly writer: string | undefined;
}

const CURRENT = new RegExp(`^(.*)\\.([0-9a-z]{${ID_LENGTH}})-[0-9a-z]{${ID_LENGTH}}$`);
const LEGACY = /^(.*)\.[0-9a-z]{1,8}$/;

/** Reads a temporary name back; undefined for a name that is not one. */
export function parseTempName(name: string): TempNameParts | undefined {
  if (!isTempName(name)) return undefined;
  const middle = name.slice(TEMP_PREFIX.length, name.length - TEMP_SUFFIX.length);
  const current = CURRENT.exec(middle);
  if (current) return { stem: current[1]!, writer: current[2]! };
  const legacy = LEGACY.exec(middle);
  return { stem: legacy ? legacy[1]! : middle, writer: undefined };
}
