/**
 * The at-a-distance part of `npm run bench:all` (`--only distance`): bench/distance.ts with the
 * options of bench/all.ts it knows. Kept apart so that all.ts only asks it whether a part is its.
 */
import { runDistance } from '../distance.js';

/** `--quick`: one repeat of 100 files, peers at N = 8 only. */
const quickDefaults: Readonly<Record<string, string>> = { files: '100', folders: '10', 'peer-n': '8', repeat: '1' };
/** Options of all.ts passed on (`--protocols` is not: FTPS cannot pass the proxy). */
const known = ['rtt-ms', 'files', 'folders', 'kib', 'peer-n', 'repeat'];

export const distanceParts = {
  /** Runs the part when `part` is `distance` (returns whether it finished), else leaves it to all.ts (undefined). */
  run(part: string, args: ReadonlyMap<string, string>, quick: boolean): boolean | undefined {
    if (part !== 'distance') return undefined;
    const options = new Map<string, string>(Object.entries(quick ? quickDefaults : {}));
    for (const name of known) if (args.has(name)) options.set(name, args.get(name)!);
    console.log(`\n=== distance: bench/distance.ts ${[...options].map(([n, v]) => `--${n} ${v}`).join(' ')}\n`);
    return runDistance(options);
  },
};
