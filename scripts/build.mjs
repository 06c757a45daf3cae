// One CommonJS bundle: systray2 and node-notifier break under an ESM bundle (dynamic require of child_process).
import { build } from 'esbuild';
import { chmodSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await build({
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/app/main.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Without comments and whitespace the bundle is a third smaller, and pure ASCII, so V8 keeps its source as
  // one-byte text: several MB less resident memory. Names stay, for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  charset: 'ascii',
  legalComments: 'linked', // licence notices go to main.cjs.LEGAL.txt beside the bundle
  // Native addon: cannot be inlined; loaded from node_modules at run time (absent = no keychain).
  external: ['@napi-rs/keyring'],
  // import.meta.url is used by ESM-only deps; give them the bundle's own URL.
  banner: { js: '#!/usr/bin/env node\nconst __import_meta_url = require("url").pathToFileURL(__filename).href;' },
  define: { __APP_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__import_meta_url' },
});

// The benchmark runs the fake cloud and the test broker helper in its own process.
await build({
  entryPoints: [join(root, 'scripts/bench.ts')],
  outfile: join(root, 'dist/bench.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  packages: 'external',
  define: { 'import.meta.url': '__import_meta_url' },
  banner: { js: 'const __import_meta_url = require("url").pathToFileURL(__filename).href;' },
});

// systray2 looks for its helper in <bundle dir>/traybin; node-notifier for vendor/ one level up;
// the app reads its icons from <bundle dir>/assets.
const nm = join(root, 'node_modules');
const app = join(root, 'dist/app');
mkdirSync(app, { recursive: true });
cpSync(join(nm, 'systray2/traybin'), join(app, 'traybin'), { recursive: true });
for (const f of ['tray_linux_release', 'tray_darwin_release']) chmodSync(join(app, 'traybin', f), 0o755);
cpSync(join(nm, 'node-notifier/vendor'), join(root, 'dist/vendor'), { recursive: true });
cpSync(join(root, 'assets'), join(app, 'assets'), { recursive: true });
