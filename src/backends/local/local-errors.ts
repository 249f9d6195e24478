/** Maps Node's filesystem errors to backend error codes, in one place. */
import { BackendError, type BackendErrorCode } from '../../errors.js';

const codeByErrno: Record<string, BackendErrorCode> = {
  ENOENT: 'not-found',
  EEXIST: 'exists',
  ENOTEMPTY: 'not-empty',
  ENOTDIR: 'not-a-directory',
  EISDIR: 'is-a-directory',
  EACCES: 'permission',
  EPERM: 'permission',
  EROFS: 'permission',
  ENOSPC: 'no-space',
  EDQUOT: 'no-space',
};

/** Converts a Node fs error about `what` into a BackendError (other values pass through). */
export function mapLocalError(error: unknown, what: string): unknown {
  if (error instanceof BackendError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === undefined) return error;
  const code = codeByErrno[errno] ?? 'protocol';
  const reason = (error as Error).message.replace(/^[A-Z]+: /, '').split(',')[0];
  return new BackendError(code, `${what}: ${reason}`, { cause: error });
}
