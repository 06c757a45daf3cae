/**
 * Per-user folders in each OS's usual place. Pure functions: platform, environment and home folder can be
 * injected, so tests (on any OS) can check the Windows, macOS and Linux answers.
 *
 *            config folder (settings, state)     log folder                          cache folder
 *   Linux    $XDG_CONFIG_HOME/hoymiles-tray      $XDG_STATE_HOME/hoymiles-tray       $XDG_CACHE_HOME/hoymiles-tray
 *            (~/.config/hoymiles-tray)           (~/.local/state/hoymiles-tray)      (~/.cache/hoymiles-tray)
 *   macOS    ~/Library/Preferences/hoymiles-tray ~/Library/Logs/hoymiles-tray        ~/Library/Caches/hoymiles-tray
 *   Windows  %APPDATA%\hoymiles-tray\Config     %LOCALAPPDATA%\hoymiles-tray\Logs   %LOCALAPPDATA%\hoymiles-tray\Cache
 */
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

export const APP_DIR_NAME = 'hoymiles-tray';

export type Env = Record<string, string | undefined>;

/** The path module that matches `platform`, so a Windows answer has backslashes even when computed on Linux. */
export function pathFor(platform: NodeJS.Platform): typeof posix {
  return platform === 'win32' ? win32 : posix;
}

/** An environment variable that holds an absolute path (the XDG spec says relative values are to be ignored). */
function absoluteVar(env: Env, name: string, platform: NodeJS.Platform): string | undefined {
  const v = env[name]?.trim();
  return v && pathFor(platform).isAbsolute(v) ? v : undefined;
}

function localAppData(env: Env, home: string): string {
  return absoluteVar(env, 'LOCALAPPDATA', 'win32') ?? win32.join(home, 'AppData', 'Local');
}

/** Folder for config.json and state.json (the places the `conf` package used, so existing settings are found). */
export function configDir(platform: NodeJS.Platform = process.platform, env: Env = process.env, home: string = homedir()): string {
  if (platform === 'win32') return win32.join(absoluteVar(env, 'APPDATA', 'win32') ?? win32.join(home, 'AppData', 'Roaming'), APP_DIR_NAME, 'Config');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Preferences', APP_DIR_NAME);
  return posix.join(xdgConfigHome(env, home), APP_DIR_NAME);
}

/** Folder for the log file. */
export function logDir(platform: NodeJS.Platform = process.platform, env: Env = process.env, home: string = homedir()): string {
  if (platform === 'win32') return win32.join(localAppData(env, home), APP_DIR_NAME, 'Logs');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Logs', APP_DIR_NAME);
  return posix.join(absoluteVar(env, 'XDG_STATE_HOME', platform) ?? posix.join(home, '.local', 'state'), APP_DIR_NAME);
}

/** Folder for files that can be recreated at any time (extracted helper binaries and the like). */
export function cacheDir(platform: NodeJS.Platform = process.platform, env: Env = process.env, home: string = homedir()): string {
  if (platform === 'win32') return win32.join(localAppData(env, home), APP_DIR_NAME, 'Cache');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', APP_DIR_NAME);
  return posix.join(absoluteVar(env, 'XDG_CACHE_HOME', platform) ?? posix.join(home, '.cache'), APP_DIR_NAME);
}

/**
 * Private per-user folder for the single-instance socket (POSIX only; Windows uses a named pipe).
 * Linux: $XDG_RUNTIME_DIR/hoymiles-tray (a per-user tmpfs, mode 0700, emptied at logout), else the cache folder.
 * macOS: the cache folder.
 */
export function runtimeDir(platform: NodeJS.Platform = process.platform, env: Env = process.env, home: string = homedir()): string {
  if (platform !== 'win32' && platform !== 'darwin') {
    const xdg = absoluteVar(env, 'XDG_RUNTIME_DIR', platform);
    if (xdg) return posix.join(xdg, APP_DIR_NAME);
  }
  return cacheDir(platform, env, home);
}

/** `${XDG_CONFIG_HOME:-~/.config}` (Linux and other XDG desktops). */
export function xdgConfigHome(env: Env = process.env, home: string = homedir()): string {
  return absoluteVar(env, 'XDG_CONFIG_HOME', 'linux') ?? posix.join(home, '.config');
}
