/**
 * Removes dist/ before `npm pack` builds it again, so that no file of a source since deleted or
 * renamed goes out in the package. Node rather than `rm -rf`: packing works on Windows too.
 */
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
