import { describe, expect, it } from 'vitest';
import { cacheDir, logDir, runtimeDir, xdgConfigHome } from '../../src/platform/paths.js';

describe('per-user folders', () => {
  it('Linux: XDG variables when absolute, else the spec defaults', () => {
    expect(logDir('linux', {}, '/home/u')).toBe('/home/u/.local/state/hoymiles-tray');
    expect(logDir('linux', { XDG_STATE_HOME: '/x/state' }, '/home/u')).toBe('/x/state/hoymiles-tray');
    expect(logDir('linux', { XDG_STATE_HOME: 'relative/state' }, '/home/u')).toBe('/home/u/.local/state/hoymiles-tray');
    expect(cacheDir('linux', {}, '/home/u')).toBe('/home/u/.cache/hoymiles-tray');
    expect(cacheDir('linux', { XDG_CACHE_HOME: '/c' }, '/home/u')).toBe('/c/hoymiles-tray');
    expect(runtimeDir('linux', { XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/u')).toBe('/run/user/1000/hoymiles-tray');
    expect(runtimeDir('linux', {}, '/home/u')).toBe('/home/u/.cache/hoymiles-tray');
    expect(xdgConfigHome({}, '/home/u')).toBe('/home/u/.config');
    expect(xdgConfigHome({ XDG_CONFIG_HOME: '/cfg' }, '/home/u')).toBe('/cfg');
  });

  it('macOS: ~/Library', () => {
    expect(logDir('darwin', { XDG_STATE_HOME: '/ignored' }, '/Users/u')).toBe('/Users/u/Library/Logs/hoymiles-tray');
    expect(cacheDir('darwin', {}, '/Users/u')).toBe('/Users/u/Library/Caches/hoymiles-tray');
    expect(runtimeDir('darwin', { XDG_RUNTIME_DIR: '/ignored' }, '/Users/u')).toBe('/Users/u/Library/Caches/hoymiles-tray');
  });

  it('Windows: %LOCALAPPDATA%, with backslashes even when computed elsewhere', () => {
    const env = { LOCALAPPDATA: 'C:\\Users\\Jane Doe\\AppData\\Local' };
    expect(logDir('win32', env, 'C:\\Users\\Jane Doe')).toBe('C:\\Users\\Jane Doe\\AppData\\Local\\hoymiles-tray\\Logs');
    expect(cacheDir('win32', env, 'C:\\Users\\Jane Doe')).toBe('C:\\Users\\Jane Doe\\AppData\\Local\\hoymiles-tray\\Cache');
    expect(logDir('win32', {}, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\hoymiles-tray\\Logs');
  });
});
