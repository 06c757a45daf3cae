// The app (dist/app/main.cjs, which loads dist/app/hoymiles-tray.cjs or headless.cjs) with what it needs beside
// it; with --bench also the benchmark's bundles.
import { bundleCjs } from './bundle.mjs';
import { chmodSync, cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Modules that a dependency imports at the top but that the app never calls. In the bundle each is a stub that
 * throws, saying why, if it ever is called, so V8 keeps none of its source in memory. One row per module: who
 * imports it (a package folder), what the stub exports, and why the app does not need it.
 *   - conf imports Ajv, ajv-formats and semver but uses them only with a schema or migrations; the app passes
 *     neither (src/config/store.ts checks the few types itself). About 250 kB of source; measured side by side
 *     with `npm run bench`: 72 → 60 MB resident, start-up 361 → 133–276 ms.
 *   - MQTT.js imports worker-timers for browsers: in Node its 'auto' timer is the native one, and where the app
 *     passes its own (src/mqtt/keepalive-timer.ts) neither is used. About 45 kB of source with its helpers.
 *     (Its socks client stays: MQTT.js reads a proxy from MQTTJS_SOCKS_PROXY when no option is given.)
 */
const NOT_BUNDLED = [
  { importer: 'conf', module: 'ajv/dist/2020.js', why: 'hoymiles-tray passes conf no schema', stub: 'exports.Ajv2020 = notBundled;' },
  { importer: 'conf', module: 'ajv-formats', why: 'hoymiles-tray passes conf no schema', stub: 'exports.default = notBundled;' },
  {
    importer: 'conf',
    module: 'semver',
    why: 'hoymiles-tray passes conf no migrations',
    stub: "for (const k of ['eq', 'clean', 'satisfies', 'lte', 'gt']) exports[k] = notBundled;",
  },
  {
    importer: 'mqtt',
    module: 'worker-timers',
    why: 'worker timers are for browsers',
    stub: "for (const k of ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout']) exports[k] = notBundled;",
  },
];
const notBundled = {
  name: 'not-bundled',
  setup(b) {
    for (const [i, row] of NOT_BUNDLED.entries()) {
      const filter = new RegExp(`^${row.module.replace(/[./]/g, '\\$&')}$`);
      const importer = new RegExp(`[\\\\/]node_modules[\\\\/]${row.importer}[\\\\/]`);
      b.onResolve({ filter }, (a) => (importer.test(a.importer) ? { path: String(i), namespace: 'not-bundled' } : undefined));
    }
    b.onLoad({ filter: /.*/, namespace: 'not-bundled' }, (a) => {
      const row = NOT_BUNDLED[Number(a.path)];
      const message = JSON.stringify(`${row.module} is not bundled: ${row.why} (scripts/build.mjs)`);
      return { contents: `function notBundled() { throw new Error(${message}); }\n${row.stub}`, loader: 'js', resolveDir: root };
    });
  },
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * The two app bundles, both from src/app/cli.ts; src/app/main.ts picks one. In headless.cjs cli.ts's TRAY_AND_DEMO
 * is undefined (__HEADLESS_BUNDLE__), so esbuild leaves out the tray and the demo, and with them the settings page,
 * systray2 and the embedded broker: what a server runs all day holds a fifth less source.
 */
const APP_BUNDLES = [
  { file: 'hoymiles-tray.cjs', headless: false },
  { file: 'headless.cjs', headless: true },
];
for (const { file, headless } of APP_BUNDLES) {
  await bundleCjs({
    entryPoints: [join(root, 'src/app/cli.ts')],
    outfile: join(root, 'dist/app', file),
    sourcemap: 'linked',
    // Without comments and whitespace the bundle is a third smaller, and pure ASCII, so V8 keeps its source as
    // one-byte text: several MB less resident memory. Names stay, for readable stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    charset: 'ascii',
    legalComments: 'linked', // licence notices go to <bundle>.LEGAL.txt beside the bundle
    // Native addon: cannot be inlined; loaded from node_modules at run time (absent = no keychain).
    external: ['@napi-rs/keyring'],
    define: { __APP_VERSION__: JSON.stringify(pkg.version), __HEADLESS_BUNDLE__: String(headless) },
    plugins: [notBundled],
  });
}
// What `node dist/app/main.cjs` and the package's bin run: a few lines that load a bundle above (src/app/main.ts).
await bundleCjs({ entryPoints: [join(root, 'src/app/main.ts')], outfile: join(root, 'dist/app/main.cjs'), banner: '#!/usr/bin/env node\n' });

// The benchmark (npm run bench) runs the fake cloud and the test broker helper in its own process. Its floor (the
// least a bridge must do) is bundled exactly like the app and started the same way (floor-main.ts reads it in
// pieces like main.cjs), so both load the same library code the same way.
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
    plugins: [notBundled],
  });
  await bundleCjs({ entryPoints: [join(root, 'scripts/bench/floor-main.ts')], outfile: join(root, 'dist/bench-floor-main.cjs') });
}

// systray2 looks for its helper in <bundle dir>/traybin; node-notifier for vendor/ one level up.
// (The tray icons are drawn at run time: src/tray/icon-art.ts.)
const nm = join(root, 'node_modules');
const app = join(root, 'dist/app');
mkdirSync(app, { recursive: true });
cpSync(join(nm, 'systray2/traybin'), join(app, 'traybin'), { recursive: true });
for (const f of ['tray_linux_release', 'tray_darwin_release']) chmodSync(join(app, 'traybin', f), 0o755);
cpSync(join(nm, 'node-notifier/vendor'), join(root, 'dist/vendor'), { recursive: true });
