// The app bundle (dist/app/main.cjs) with what it needs beside it; with --bench also the benchmark's bundles.
import { bundleCjs } from './bundle.mjs';
import { chmodSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * conf imports Ajv, ajv-formats and semver at the top, but uses them only with a schema or migrations, and the
 * app passes neither (src/config/store.ts checks the few types itself). In the bundle each of the three, when
 * imported by conf, is a stub that says so if it is ever called, so none of them is bundled (about 250 kB of
 * source V8 would keep in memory). Measured side by side with `npm run bench`: 72 → 60 MB resident and start-up
 * 361 → 133–276 ms when they were first kept from loading.
 */
const NOT_BUNDLED = (what) =>
  `function notBundled() { throw new Error('${what} is not bundled: hoymiles-tray passes conf no schema and no migrations (scripts/build.mjs)'); }`;
const STUBS_FOR_CONF = {
  'ajv/dist/2020.js': `${NOT_BUNDLED('Ajv')} exports.Ajv2020 = notBundled;`,
  'ajv-formats': `${NOT_BUNDLED('ajv-formats')} exports.default = notBundled;`,
  semver: `${NOT_BUNDLED('semver')} for (const k of ['eq', 'clean', 'satisfies', 'lte', 'gt']) exports[k] = notBundled;`,
};
const confDepsNotBundled = {
  name: 'conf-deps-not-bundled',
  setup(b) {
    b.onResolve({ filter: /^(ajv\/dist\/2020\.js|ajv-formats|semver)$/ }, (a) =>
      /[\\/]node_modules[\\/]conf[\\/]/.test(a.importer) ? { path: a.path, namespace: 'conf-dep-stub' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'conf-dep-stub' }, (a) => ({ contents: STUBS_FOR_CONF[a.path], loader: 'js', resolveDir: root }));
  },
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await bundleCjs({
  entryPoints: [join(root, 'src/app/cli.ts')],
  outfile: join(root, 'dist/app/main.cjs'),
  sourcemap: 'linked',
  // Without comments and whitespace the bundle is a third smaller, and pure ASCII, so V8 keeps its source as
  // one-byte text: several MB less resident memory. Names stay, for readable stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  charset: 'ascii',
  legalComments: 'linked', // licence notices go to main.cjs.LEGAL.txt beside the bundle
  // Native addon: cannot be inlined; loaded from node_modules at run time (absent = no keychain).
  external: ['@napi-rs/keyring'],
  banner: '#!/usr/bin/env node\n',
  define: { __APP_VERSION__: JSON.stringify(pkg.version) },
  plugins: [confDepsNotBundled],
});

// The benchmark (npm run bench) runs the fake cloud and the test broker helper in its own process. Its floor (the
// least a bridge must do) is bundled exactly like the app, so both load the same library code the same way.
if (process.argv.includes('--bench')) {
  await bundleCjs({ entryPoints: [join(root, 'scripts/bench/main.ts')], outfile: join(root, 'dist/bench.cjs'), packages: 'external' });
  await bundleCjs({
    entryPoints: [join(root, 'scripts/bench/floor-script.ts')],
    outfile: join(root, 'dist/bench-floor.cjs'),
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    charset: 'ascii',
    legalComments: 'none',
  });
}

// systray2 looks for its helper in <bundle dir>/traybin; node-notifier for vendor/ one level up.
// (The tray icons are drawn at run time: src/tray/icon-art.ts.)
const nm = join(root, 'node_modules');
const app = join(root, 'dist/app');
mkdirSync(app, { recursive: true });
cpSync(join(nm, 'systray2/traybin'), join(app, 'traybin'), { recursive: true });
for (const f of ['tray_linux_release', 'tray_darwin_release']) chmodSync(join(app, 'traybin', f), 0o755);
cpSync(join(nm, 'node-notifier/vendor'), join(root, 'dist/vendor'), { recursive: true });
