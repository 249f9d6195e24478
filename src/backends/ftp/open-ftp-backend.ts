/** Placeholder until the FTP backend lands: refuses clearly instead of failing obscurely. */
import { FerryError } from '../../errors.js';
import type { Backend } from '../backend.js';
import type { OpenBackendOptions } from '../open-backend.js';
import type { Target } from '../target-url.js';

export async function openFtpBackend(target: Target, _options: OpenBackendOptions): Promise<Backend> {
  throw new FerryError('usage', `${target.scheme}:// targets are not supported yet (${target.display})`);
}
