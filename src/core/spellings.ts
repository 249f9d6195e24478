/**
 * Each side's own spelling of its names. Entries are paired across sides (and kept in the state)
 * by the NFC form of their path, the key; a side that spells a name otherwise (an NFD name on
 * Linux, as a Mac wrote it) keeps that spelling, byte for byte: every read, write, rename and
 * delete on that side uses it. A name one side creates from the other's copies the source's
 * spelling. Pure.
 */
import { baseName, joinExactPath, parentOf, ROOT, type RelPath } from './rel-path.js';
import { otherSide, type Side } from './side.js';
import type { Snapshot } from './snapshot.js';

/** Maps a key path to the path a side spells it with. */
export type Speller = (side: Side, key: RelPath) => RelPath;

/**
 * The speller of two snapshots, or undefined when both spell every name as its key (the common
 * case: then paths are used as they are, at no cost).
 */
export function spellerOf(snapshots: { readonly local: Snapshot; readonly remote: Snapshot }): Speller | undefined {
  if ((snapshots.local.spellings?.size ?? 0) === 0 && (snapshots.remote.spellings?.size ?? 0) === 0) return undefined;
  const spell: Speller = (side, key) => {
    if (key === ROOT) return key;
    const own = snapshots[side].spellings?.get(key);
    if (own !== undefined) return own;
    // A name this side has is spelled as its key (only other spellings are listed).
    if (snapshots[side].entries.has(key)) return key;
    // A name this side does not have yet: inside its own spelling of the folder, spelled as the
    // other side spells it (the source of a copy), else as the key.
    const parent = parentOf(key);
    const name = baseName(snapshots[otherSide(side)].spellings?.get(key) ?? key);
    return joinExactPath(spell(side, parent), name);
  };
  return spell;
}
