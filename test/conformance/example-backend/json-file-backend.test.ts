/**
 * The example backend (CONTRIBUTING.md, "Adding a backend") passes the conformance suite: the
 * same `describeBackend` every real backend runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeBackend } from '../describe-backend.js';
import { JsonFileBackend } from './json-file-backend.js';

let folder = '';
describeBackend('example: JSON file', {
  // Called more than once (the suite opens a second instance to check close): same file each time.
  async open() {
    folder ||= await mkdtemp(join(tmpdir(), 'ferry-conf-json-'));
    return new JsonFileBackend(join(folder, 'store.json'));
  },
  async cleanup() {
    await rm(folder, { recursive: true, force: true });
  },
});
