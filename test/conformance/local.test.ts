import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../../src/backends/local/local-backend.js';
import { describeBackend } from './describe-backend.js';

let root = '';
describeBackend('local', {
  async open() {
    root ||= await mkdtemp(join(tmpdir(), 'ferry-conf-local-'));
    return new LocalBackend(root);
  },
  async cleanup() {
    await rm(root, { recursive: true, force: true });
  },
});
