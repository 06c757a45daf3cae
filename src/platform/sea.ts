/**
 * Start-up inside a Node single executable application (scripts/package.mjs builds them).
 *
 * The executable carries the app (dist/app's main.cjs and its two bundles), the systray2 helper, node-notifier's vendor files and the
 * keyring addon as SEA assets, listed in a manifest (path, size, sha256, run bit). At start they are unpacked to
 * a per-version cache folder:
 *
 *   Linux    ${XDG_CACHE_HOME:-~/.cache}/hoymiles-tray/<version>/
 *   macOS    ~/Library/Caches/hoymiles-tray/<version>/
 *   Windows  %LOCALAPPDATA%\hoymiles-tray\Cache\<version>\
 *
 * with the same layout as dist/ (app/main.cjs and its bundles, app/traybin/, vendor/, node_modules/@napi-rs/keyring),
 * and main.cjs is loaded from there, so its __dirname is <version>/app and every path it resolves today
 * (traybin/ beside it, ../vendor, require('@napi-rs/keyring')) works unchanged.
 *
 * A file is written only when missing or different (size, then sha256), to a temporary name and renamed into
 * place, so a half-written file is never used and a damaged one is replaced at the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import * as sea from 'node:sea';
import { forEachPiece } from './file-pieces.js';
import { cacheDir, logDir, type Env } from './paths.js';

/** Asset key of the manifest. */
export const SEA_MANIFEST = 'sea-manifest.json';

export interface SeaFile {
  /** Relative path with forward slashes; also the asset key. */
  path: string;
  size: number;
  sha256: string;
  /** Gets mode 0755 (systray2 helper, terminal-notifier); others get 0644. */
  executable?: boolean;
}

export interface SeaManifest {
  name: string;
  version: string;
  /** e.g. linux-x64, win-x64, macos-x64 */
  target: string;
  /** The file to start (app/main.cjs, which loads a bundle beside it), relative to the unpack folder. */
  entry: string;
  files: SeaFile[];
}

/** Reads one asset's bytes (in a SEA: sea.getRawAsset). */
export type AssetReader = (key: string) => Uint8Array;

export interface UnpackResult {
  dir: string;
  /** Paths (manifest form) that were written this time. */
  written: string[];
  unchanged: number;
  ms: number;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The same of a file, read in pieces: a whole read of the tray helper (3.5 MB) would keep up to twice that resident (file-pieces.ts). */
function sha256OfFile(file: string): string {
  const hash = createHash('sha256');
  forEachPiece(file, (piece) => hash.update(piece));
  return hash.digest('hex');
}

function assertSafePath(p: string): void {
  if (!p || isAbsolute(p) || p.includes('\\') || p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new Error(`Bad path in the SEA manifest: ${JSON.stringify(p)}`);
  }
}

function matches(file: string, f: SeaFile): boolean {
  try {
    const st = statSync(file);
    return st.isFile() && st.size === f.size && sha256OfFile(file) === f.sha256;
  } catch {
    return false;
  }
}

/**
 * Unpacks the manifest's files into `dir` (created if needed). Unchanged files are left alone (same size and
 * sha256); missing, truncated or damaged ones are written to a temporary file and renamed into place.
 * Executables get mode 0755 (except on Windows). Throws when an asset does not match its manifest entry.
 */
export function unpackAssets(manifest: SeaManifest, read: AssetReader, dir: string, platform: NodeJS.Platform = process.platform): UnpackResult {
  const t0 = performance.now();
  const written: string[] = [];
  let unchanged = 0;
  for (const f of manifest.files) {
    assertSafePath(f.path);
    const dest = join(dir, ...f.path.split('/'));
    if (matches(dest, f)) {
      unchanged++;
    } else {
      const data = read(f.path);
      if (data.byteLength !== f.size || sha256(data) !== f.sha256) throw new Error(`The embedded file ${f.path} is damaged (size or checksum differs from the manifest)`);
      mkdirSync(dirname(dest), { recursive: true });
      const tmp = `${dest}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
      try {
        writeFileSync(tmp, data, { mode: f.executable ? 0o755 : 0o644 });
        renameSync(tmp, dest);
      } catch (e) {
        rmSync(tmp, { force: true });
        // Another instance may have put the same file there (Windows cannot replace a running helper).
        if (!matches(dest, f)) throw new Error(`Cannot write ${dest}: ${(e as Error).message}`);
      }
      written.push(f.path);
    }
    if (f.executable && platform !== 'win32' && (statSync(dest).mode & 0o777) !== 0o755) chmodSync(dest, 0o755);
  }
  return { dir, written, unchanged, ms: performance.now() - t0 };
}

/** The per-version folder the executable unpacks to (see the top of this file). */
export function seaAppDir(version: string, platform: NodeJS.Platform = process.platform, env: Env = process.env, home: string = homedir()): string {
  if (!/^[\w.+-]+$/.test(version)) throw new Error(`Bad version in the SEA manifest: ${JSON.stringify(version)}`);
  const p = platform === 'win32' ? '\\' : '/';
  return `${cacheDir(platform, env, home)}${p}${version}`;
}

/** True when running as a single executable application (false on Node versions without node:sea). */
export function isSea(): boolean {
  try {
    return typeof sea.isSea === 'function' && sea.isSea();
  } catch {
    return false;
  }
}

function debugWanted(argv: string[], env: Env): boolean {
  return argv.includes('--debug') || /^(1|true|yes)$/i.test(env.DEBUG ?? '');
}

/**
 * The SEA entry point: reads the manifest, unpacks to the cache folder (a folder under the temp dir if that
 * fails), then loads app/main.cjs from there: the app runs as it does under `node dist/app/main.cjs`.
 */
export function runFromSea(): void {
  if (!isSea()) throw new Error('runFromSea() outside a single executable application');
  const manifest = JSON.parse(sea.getAsset(SEA_MANIFEST, 'utf8')) as SeaManifest;
  const read: AssetReader = (key) => new Uint8Array(sea.getRawAsset(key) as ArrayBuffer);
  const dirs = [seaAppDir(manifest.version)];
  let user = 'user';
  try {
    user = userInfo().username.replace(/[^\w.-]/g, '_') || user;
  } catch {
    /* no passwd entry */
  }
  dirs.push(join(tmpdir(), `hoymiles-tray-${user}`, manifest.version));
  const errors: string[] = [];
  let result: UnpackResult | undefined;
  for (const dir of dirs) {
    try {
      result = unpackAssets(manifest, read, dir);
      break;
    } catch (e) {
      errors.push(`${dir}: ${(e as Error).message}`);
    }
  }
  if (!result) throw new Error(`Cannot unpack the app (${errors.join('; ')})`);
  if (errors.length) process.stderr.write(`hoymiles-tray: could not use ${errors.join('; ')}; using ${result.dir}\n`);
  if (debugWanted(process.argv, process.env)) {
    process.stderr.write(
      `sea: ${manifest.target} ${manifest.version}: ${result.written.length} file(s) written, ${result.unchanged} unchanged in ${result.dir} (${result.ms.toFixed(1)} ms)\n`,
    );
  }
  const entry = join(result.dir, ...manifest.entry.split('/'));
  // Inside a SEA, `require` only knows built-in modules; a require rooted at the bundle loads it from disk.
  createRequire(entry)(entry);
}

/** Reports a start-up failure where a GUI program (no console on Windows) leaves a trace: stderr and the log folder. */
export function reportLauncherFailure(e: unknown): void {
  const msg = `${new Date().toISOString()} hoymiles-tray could not start: ${(e as Error)?.stack ?? String(e)}\n`;
  // The file first: stderr itself can be what failed (under Wine, a pipe as stdout/stderr throws EBADF).
  try {
    mkdirSync(logDir(), { recursive: true });
    appendFileSync(join(logDir(), 'launcher.log'), msg);
  } catch {
    /* stderr is all that is left */
  }
  try {
    process.stderr.write(msg);
  } catch {
    /* nowhere else to report */
  }
}
