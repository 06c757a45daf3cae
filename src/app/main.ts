/**
 * What `node dist/app/main.cjs` runs. Bundled on its own (scripts/build.mjs) and importing nothing of the app, it
 * loads the app bundle beside it that the command line needs (bundles.ts: headless.cjs for --headless and --once,
 * a fifth smaller, so V8 keeps less source; hoymiles-tray.cjs for the tray, the demo and the rest) as Node's own
 * loader does, except that it reads the file in 64 kB pieces (load-in-pieces.ts).
 *
 * Why in pieces: Node reads a CommonJS file whole, into a buffer that doubles as it fills (2 MB for a 1.5 MB
 * bundle), and on Linux a freed block that size keeps up to twice as much freed memory resident for the life of
 * the process (platform/file-pieces.ts): 1.3 MB here at a 15 s interval (README "Benchmark").
 */
import { join } from 'node:path';
import { bundleFor } from './bundles.js';
import { runInPieces } from './load-in-pieces.js';

runInPieces(join(__dirname, bundleFor(process.argv.slice(2))), module);
