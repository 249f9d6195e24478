/**
 * Where ferry keeps its own files on each operating system: the state of the pairs it syncs and
 * the user's configuration (a user-wide task file). Pure: the platform, environment and home
 * folder are parameters, so every OS's rules are tested on any OS.
 *
 * | OS | state | config |
 * |---|---|---|
 * | Linux, BSD, … | `$XDG_STATE_HOME/ferry`, else `~/.local/state/ferry` | `$XDG_CONFIG_HOME/ferry`, else `~/.config/ferry` |
 * | macOS | `~/Library/Application Support/ferry/state` | `~/Library/Application Support/ferry` |
 * | Windows | `%LOCALAPPDATA%\ferry\state` (machine-local, not roaming) | `%APPDATA%\ferry` (roams with the user) |
 *
 * The XDG variables, when set to absolute paths, win on every OS (a user who sets them means it).
 * On macOS and Windows a state folder left at `~/.local/state/ferry` by an earlier ferry stays in
 * use while the new place does not exist, so no pair loses its state (a lost state makes the next
 * sync a first run, with conflicts for every file that differs).
 */
import * as path from 'node:path';

/** What the folders depend on; the defaults are this process's. */
export interface AppDirsContext {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** Whether a folder exists (only asked about the earlier state folder). */
  readonly exists: (dir: string) => boolean;
}

function pathsOf(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** An environment variable's value when it is an absolute path for `platform`. */
function absoluteVar(context: AppDirsContext, name: string): string | undefined {
  const value = context.env[name];
  return value && pathsOf(context.platform).isAbsolute(value) ? value : undefined;
}

/** The folder of the pairs' state files (see the module comment). */
export function stateDirOf(context: AppDirsContext): string {
  const p = pathsOf(context.platform);
  const xdg = absoluteVar(context, 'XDG_STATE_HOME');
  if (xdg !== undefined) return p.join(xdg, 'ferry');
  const xdgDefault = p.join(context.home, '.local', 'state', 'ferry');
  let native: string;
  switch (context.platform) {
    case 'darwin':
      native = p.join(context.home, 'Library', 'Application Support', 'ferry', 'state');
      break;
    case 'win32':
      native = p.join(absoluteVar(context, 'LOCALAPPDATA') ?? p.join(context.home, 'AppData', 'Local'), 'ferry', 'state');
      break;
    default:
      return xdgDefault;
  }
  return !context.exists(native) && context.exists(xdgDefault) ? xdgDefault : native;
}

/** The folder of the user's ferry configuration (see the module comment). */
export function configDirOf(context: AppDirsContext): string {
  const p = pathsOf(context.platform);
  const xdg = absoluteVar(context, 'XDG_CONFIG_HOME');
  if (xdg !== undefined) return p.join(xdg, 'ferry');
  switch (context.platform) {
    case 'darwin':
      return p.join(context.home, 'Library', 'Application Support', 'ferry');
    case 'win32':
      return p.join(absoluteVar(context, 'APPDATA') ?? p.join(context.home, 'AppData', 'Roaming'), 'ferry');
    default:
      return p.join(context.home, '.config', 'ferry');
  }
}
