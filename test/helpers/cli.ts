/** The built app (dist/app/main.cjs and the bundles it loads) run as a user runs it: a child process, its output collected to the end. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as bundles from '../../src/app/bundles.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The file a user starts; it loads one of the two bundles below. */
export const BUNDLE = join(root, 'dist/app/main.cjs');
export const HEADLESS_BUNDLE = join(root, 'dist/app', bundles.HEADLESS_BUNDLE);
export const TRAY_BUNDLE = join(root, 'dist/app', bundles.TRAY_BUNDLE);

/** Builds the bundle if a test file runs alone without `npm test` having built it. */
export function ensureBundle(): void {
  if (![BUNDLE, HEADLESS_BUNDLE, TRAY_BUNDLE].every(existsSync)) spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs the CLI to its end (killed after `killAfterMs`). Not spawnSync: a fake cloud living in the test's process
 * must keep answering while the app runs.
 */
export function runCli(args: string[], env: NodeJS.ProcessEnv, killAfterMs = 20_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BUNDLE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    const timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}
