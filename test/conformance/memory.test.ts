import { MemoryBackend } from '../../src/backends/memory/memory-backend.js';
import { describeBackend } from './describe-backend.js';

let backend: MemoryBackend | undefined;
describeBackend('memory', {
  async open() {
    backend ??= new MemoryBackend();
    return backend;
  },
});
