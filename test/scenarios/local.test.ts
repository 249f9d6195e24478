import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeSyncMatrix } from './sync-matrix-suite.js';

describeSyncMatrix('local↔local', {
  freshRemote: (label) => mkdtemp(join(tmpdir(), `ferry-matrix-remote-${label}-`)),
});
