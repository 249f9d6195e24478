/**
 * Opens the backend for a parsed target. The one place that knows every concrete backend.
 */
import * as fs from 'node:fs/promises';
import { BackendError, FerryError, isBackendError } from '../errors.js';
import { MissingRootBackend } from './missing-root-backend.js';
import { mayCreateRoot } from './may-create-root.js';
import { missingRootHint } from './missing-root-hint.js';
import type { Backend } from './backend.js';
import { LocalBackend } from './local/local-backend.js';
import { mapLocalError } from './local/local-errors.js';
import { makeFolderPath } from './local/make-folder-path.js';
import type { ProbeReporter } from './probe-finding.js';
import type { Target } from './target-url.js';
import type { LocalOpenOptions, OpenBackendOptions } from './options/open-backend-options.js';

export type { OpenBackendOptions } from './options/open-backend-options.js';

/** Opens the backend for `target`, checking that its root folder exists (or creating it). */
export async function openBackend(target: Target, options: OpenBackendOptions = {}): Promise<Backend> {
  if (options.dryRun && options.createFolder) {
    try {
      return await openConcrete(target, { ...options, createFolder: false });
    } catch (error) {
      if (!isBackendError(error, 'not-found') || !(await mayCreateRoot(options))) throw error;
      return new MissingRootBackend(target);
    }
  }
  return openConcrete(target, options);
}

async function openConcrete(target: Target, options: OpenBackendOptions): Promise<Backend> {
  switch (target.scheme) {
    case 'file':
      return openLocal(target, options);
    case 'sftp': {
      const { openSftpBackend } = await import('./sftp/open-sftp-backend.js');
      return openSftpBackend(target, options);
    }
    case 'ftp':
    case 'ftps': {
      const { openFtpBackend } = await import('./ftp/open-ftp-backend.js');
      return openFtpBackend(target, options);
    }
  }
}

async function openLocal(target: Target, options: LocalOpenOptions): Promise<Backend> {
  try {
    const stats = await fs.stat(target.path);
    if (!stats.isDirectory()) throw new FerryError('config', `${target.path} is a file, not a folder`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof FerryError) throw error;
      throw new BackendError('permission', `cannot open ${target.path}: ${(error as Error).message}`);
    }
    if (!(await mayCreateRoot(options))) {
      throw new BackendError('not-found', `folder ${target.path} does not exist${missingRootHint(options)}`);
    }
    try {
      await makeFolderPath(target.path);
    } catch (mkdirError) {
      throw mapLocalError(mkdirError, `cannot create folder ${target.path}`);
    }
  }
  return new LocalBackend(target.path, { followLinks: options.links === 'follow' });
}

/**
 * For `ferry doctor` when {@link openBackend} failed (a refused login, an untrusted certificate or
 * host key): reports what the server shows before login. Sends no password; never throws.
 */
export async function preflightTarget(target: Target, options: OpenBackendOptions, report: ProbeReporter): Promise<void> {
  switch (target.scheme) {
    case 'file':
      return;
    case 'sftp': {
      const { preflightSftp } = await import('./sftp/sftp-preflight.js');
      return preflightSftp(target, options, report);
    }
    case 'ftp':
    case 'ftps': {
      const { preflightFtp } = await import('./ftp/ftp-preflight.js');
      return preflightFtp(target, options, report);
    }
  }
}
