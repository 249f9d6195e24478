import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { describeBackend } from './describe-backend.js';

let backend: MemoryBackend | undefined;
describeBackend('memory', {
  async open() {
    backend ??= new MemoryBackend();
    return backend;
  },
});

let hashing: MemoryBackend | undefined;
describeBackend('memory (hashing)', {
  async open() {
    hashing ??= new MemoryBackend({ hashes: ['md5', 'sha1'] });
    return hashing;
  },
  hashes: ['sha1', 'md5'],
});
