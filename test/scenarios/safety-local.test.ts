/** Safety scenarios (docs/safety.md) between two local folders. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSafety } from './safety-suite.js';

describeSafety('local↔local', {
  freshRemote: (label) => mkdtemp(join(tmpdir(), `ferry-safety-remote-${label}-`)),
});
