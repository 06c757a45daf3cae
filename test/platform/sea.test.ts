import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { isSea, seaAppDir, sha256, unpackAssets, type SeaManifest } from '../../src/platform/sea.js';

const files: Record<string, Buffer> = {
  'app/main.cjs': Buffer.from('module.exports = 42;\n'),
  // Several of the 64 kB pieces the check reads (file-pieces.ts), like the real 3.5 MB helper.
  'app/traybin/tray_linux_release': Buffer.from('\x7fELF pretend helper'.repeat(20_000)),
  'node_modules/@napi-rs/keyring/keyring.linux-x64-gnu.node': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3]),
  'vendor/mac.noindex/terminal-notifier.app/Contents/MacOS/terminal-notifier': Buffer.from('pretend notifier'),
};
const executables = new Set(['app/traybin/tray_linux_release', 'vendor/mac.noindex/terminal-notifier.app/Contents/MacOS/terminal-notifier']);

function manifestOf(src: Record<string, Buffer>): SeaManifest {
  return {
    name: 'hoymiles-tray',
    version: '9.9.9',
    target: 'linux-x64',
    entry: 'app/main.cjs',
    files: Object.entries(src).map(([path, data]) => ({ path, size: data.length, sha256: sha256(data), ...(executables.has(path) ? { executable: true } : {}) })),
  };
}

function reader(src: Record<string, Buffer>, reads: string[] = []) {
  return (key: string) => {
    reads.push(key);
    const d = src[key];
    if (!d) throw new Error(`no asset ${key}`);
    return new Uint8Array(d);
  };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

const posixOnly = process.platform === 'win32' ? test.skip : test;

describe('unpacking the SEA assets', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'sea-unpack-')), 'hoymiles-tray', '9.9.9');
  });
  afterEach(() => rmSync(join(dir, '..', '..'), { recursive: true, force: true }));

  test('first start writes every file with its content; the bundle sits in app/ with traybin/ and assets/ beside it', () => {
    const r = unpackAssets(manifestOf(files), reader(files), dir);
    expect(r.written.sort()).toEqual(Object.keys(files).sort());
    expect(r.unchanged).toBe(0);
    for (const [p, data] of Object.entries(files)) expect(readFileSync(join(dir, ...p.split('/')))).toEqual(data);
    expect(allFiles(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  posixOnly('the helper and other executables get mode 0755, the rest 0644', () => {
    unpackAssets(manifestOf(files), reader(files), dir, 'linux');
    expect(statSync(join(dir, 'app/traybin/tray_linux_release')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'vendor/mac.noindex/terminal-notifier.app/Contents/MacOS/terminal-notifier')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dir, 'app/main.cjs')).mode & 0o777).toBe(0o644);
  });

  test('a second start rewrites nothing and reads no asset', () => {
    unpackAssets(manifestOf(files), reader(files), dir);
    const before = Object.fromEntries(Object.keys(files).map((p) => [p, statSync(join(dir, p))]));
    const reads: string[] = [];
    const r = unpackAssets(manifestOf(files), reader(files, reads), dir);
    expect(r.written).toEqual([]);
    expect(r.unchanged).toBe(Object.keys(files).length);
    expect(reads).toEqual([]);
    for (const p of Object.keys(files)) {
      const st = statSync(join(dir, p));
      expect([st.ino, st.mtimeMs]).toEqual([before[p]!.ino, before[p]!.mtimeMs]);
    }
  });

  test('a damaged file (same size) and a half-written one are replaced; the others stay', () => {
    unpackAssets(manifestOf(files), reader(files), dir);
    const main = join(dir, 'app/main.cjs');
    const helper = join(dir, 'app/traybin/tray_linux_release');
    writeFileSync(main, Buffer.alloc(files['app/main.cjs']!.length, 0x20));
    truncateSync(helper, 10);
    const r = unpackAssets(manifestOf(files), reader(files), dir, 'linux');
    expect(r.written.sort()).toEqual(['app/main.cjs', 'app/traybin/tray_linux_release']);
    expect(readFileSync(main)).toEqual(files['app/main.cjs']);
    expect(readFileSync(helper)).toEqual(files['app/traybin/tray_linux_release']);
    if (process.platform !== 'win32') expect(statSync(helper).mode & 0o777).toBe(0o755);
  });

  test('a byte changed past the first 64 kB piece is noticed, and only that file is rewritten', () => {
    unpackAssets(manifestOf(files), reader(files), dir, 'linux');
    const helper = join(dir, 'app/traybin/tray_linux_release');
    const damaged = Buffer.from(files['app/traybin/tray_linux_release']!);
    damaged[300_000] = damaged[300_000]! ^ 0xff;
    writeFileSync(helper, damaged);
    const r = unpackAssets(manifestOf(files), reader(files), dir, 'linux');
    expect(r.written).toEqual(['app/traybin/tray_linux_release']);
    expect(readFileSync(helper)).toEqual(files['app/traybin/tray_linux_release']);
  });

  posixOnly('a helper that lost its run bit gets it back without being rewritten', () => {
    unpackAssets(manifestOf(files), reader(files), dir, 'linux');
    const helper = join(dir, 'app/traybin/tray_linux_release');
    chmodSync(helper, 0o644);
    const ino = statSync(helper).ino;
    const r = unpackAssets(manifestOf(files), reader(files), dir, 'linux');
    expect(r.written).toEqual([]);
    expect(statSync(helper).mode & 0o777).toBe(0o755);
    expect(statSync(helper).ino).toBe(ino);
  });

  test('an embedded file that does not match the manifest is refused and nothing half-written is left', () => {
    const broken = { ...files, 'app/main.cjs': Buffer.from('module.exports = 43;\n') };
    expect(() => unpackAssets(manifestOf(files), reader(broken), dir)).toThrow(/app\/main\.cjs is damaged/);
    expect(() => statSync(join(dir, 'app/main.cjs'))).toThrow();
  });

  test('manifest paths cannot leave the folder', () => {
    for (const path of ['../evil', '/etc/passwd', 'app/../../x', 'app\\x', '']) {
      const m = manifestOf(files);
      m.files = [{ path, size: 1, sha256: sha256(Buffer.from('x')) }];
      expect(() => unpackAssets(m, () => new Uint8Array(Buffer.from('x')), dir)).toThrow(/Bad path/);
    }
  });
});

describe('the per-version cache folder', () => {
  test('Linux: $XDG_CACHE_HOME/hoymiles-tray/<version>, else ~/.cache', () => {
    expect(seaAppDir('1.2.3', 'linux', { XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe('/x/cache/hoymiles-tray/1.2.3');
    expect(seaAppDir('1.2.3', 'linux', {}, '/home/u')).toBe('/home/u/.cache/hoymiles-tray/1.2.3');
  });
  test('macOS: ~/Library/Caches/hoymiles-tray/<version>', () => {
    expect(seaAppDir('1.2.3', 'darwin', {}, '/Users/u')).toBe('/Users/u/Library/Caches/hoymiles-tray/1.2.3');
  });
  test('Windows: %LOCALAPPDATA%\\hoymiles-tray\\Cache\\<version>', () => {
    expect(seaAppDir('1.2.3', 'win32', { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Local\\hoymiles-tray\\Cache\\1.2.3');
  });
  test('a version that is not a plain version string is refused', () => {
    expect(() => seaAppDir('../1', 'linux', {}, '/home/u')).toThrow(/Bad version/);
  });
  test('plain node (this test run) is not a SEA', () => {
    expect(isSea()).toBe(false);
  });
});
