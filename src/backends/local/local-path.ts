/**
 * How a relative path of a sync becomes a path on the local file system, per operating system.
 * Pure (the platform is a parameter), so Windows' rules are tested on any system.
 *
 * On Windows a name that the file system would not keep as written is refused rather than
 * changed: a backslash would create a sub-folder, a trailing dot or space is dropped (so `a.` and
 * `a` become one file), `< > : " | ? *` are refused by NTFS (`:` even opens an alternate data
 * stream), and device names (`CON`, `NUL`, `COM1`, … also with an extension: `nul.txt`) name a
 * device, not a file. Such a name from the other side is reported as `unsafe-name` and left
 * alone; nothing is written under another name.
 */
import * as path from 'node:path';
import { BackendError } from '../../errors.js';

/** Device names of Windows (the part before the first dot, trailing spaces ignored, any case). */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
/** Characters NTFS refuses in a name, and the control characters. */
// eslint-disable-next-line no-control-regex
const WINDOWS_FORBIDDEN = /[<>:"/\\|?*\u0000-\u001f]/;
/** Longest name component Windows accepts, in UTF-16 code units. */
const WINDOWS_MAX_NAME = 255;

/** Why `name` (one path component) cannot be a file or folder name on Windows, or undefined. */
export function windowsNameProblem(name: string): string | undefined {
  const bad = WINDOWS_FORBIDDEN.exec(name);
  if (bad) {
    const shown = bad[0] < ' ' ? `control character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')}` : `"${bad[0]}"`;
    return `holds ${shown}, which Windows does not allow in names`;
  }
  if (/[. ]$/.test(name)) return 'ends in a dot or space, which Windows drops';
  if (WINDOWS_DEVICE.test(name.split('.')[0]!.trimEnd())) return 'is a device name on Windows';
  if (name.length > WINDOWS_MAX_NAME) return `is longer than Windows allows (${WINDOWS_MAX_NAME} characters)`;
  return undefined;
}

/** Why `name` cannot be written on `platform`, or undefined (other systems take any name a sync carries). */
export function localNameProblem(name: string, platform: NodeJS.Platform): string | undefined {
  return platform === 'win32' ? windowsNameProblem(name) : undefined;
}

/** The path module of `platform`. */
export function pathModuleOf(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** The local path of `rel` (`/`-separated, `""` for the root) below `root`, without checks. */
export function localPathOf(root: string, rel: string, platform: NodeJS.Platform): string {
  return rel === '' ? root : pathModuleOf(platform).join(root, ...rel.split('/'));
}

/**
 * The local path of `rel` below `root` for a change: every component must be a name `platform`
 * keeps as written, else a non-retryable `unsafe-name` BackendError.
 */
export function localPathForChange(root: string, rel: string, platform: NodeJS.Platform): string {
  if (rel !== '') {
    for (const name of rel.split('/')) {
      const problem = localNameProblem(name, platform);
      if (problem !== undefined) {
        throw new BackendError('unsafe-name', `cannot write ${JSON.stringify(rel)} in ${root}: ${JSON.stringify(name)} ${problem}; left alone`, {
          retryable: false,
        });
      }
    }
  }
  return localPathOf(root, rel, platform);
}

/**
 * Whether names that differ only in case are one file on `platform`'s usual file systems: NTFS
 * and APFS/HFS+ as set up by default. Assumed, not probed: a case-sensitive volume there only
 * makes ferry report names differing in case rather than sync both, which loses nothing.
 */
export function localCaseInsensitive(platform: NodeJS.Platform): boolean {
  return platform === 'win32' || platform === 'darwin';
}
