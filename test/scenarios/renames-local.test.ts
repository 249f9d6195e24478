/** Moves, checksums, case and links: local↔local. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeRenameScenarios } from './renames-suite.js';

describeRenameScenarios('local↔local', {
  freshRemote: (label) => mkdtemp(join(tmpdir(), `ferry-${label}-`)),
  remoteHashes: 'read',
});
