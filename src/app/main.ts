/**
 * What `node dist/app/main.cjs` runs. Bundled on its own (scripts/build.mjs) and importing nothing of the app, it
 * loads one of the two app bundles beside it, both built from cli.ts, as Node's own loader does, except that it
 * reads the file in 64 kB pieces (load-in-pieces.ts):
 *   headless.cjs       for --headless and --once without --demo, and the login's Argon2 child: the app without
 *                      the tray and the demo, a fifth smaller (the settings page, systray2, the embedded broker),
 *                      so V8 keeps less source
 *   hoymiles-tray.cjs  for everything else
 *
 * Why in pieces: Node reads a CommonJS file whole, into a buffer that doubles as it fills: 2 MB for the 1.5 MB bundle.
 * glibc serves a block that size with mmap, and when it is freed it raises its mmap threshold to the block's size
 * and its trim threshold to twice that (mallopt(3), "dynamic mmap threshold"). From then on up to 4 MB of freed
 * malloc memory stays resident for the life of the process: 1.3 MB here at a 15 s interval (README "Benchmark").
 */
import { join } from 'node:path';
import { runInPieces } from './load-in-pieces.js';

const args = process.argv.slice(2);
// '--argon2-child' is ARGON2_CHILD_FLAG (src/cloud/argon2-process.ts; test/app/main-loader.test.ts checks it):
// a single executable starts its Argon2 child through this file (outside one, the child runs the bundle itself).
const headless = !args.includes('--demo') && ['--headless', '--once', '--argon2-child'].some((flag) => args.includes(flag));
// scripts/build.mjs writes these files; scripts/package.mjs packs them.
runInPieces(join(__dirname, headless ? 'headless.cjs' : 'hoymiles-tray.cjs'), module);
