// The one way this project bundles for Node: a CommonJS file (systray2 and node-notifier break in an ESM
// bundle), with import.meta.url — used by ESM-only dependencies — pointed at the bundle itself.
import { build } from 'esbuild';

const META_URL = 'const __import_meta_url = require("url").pathToFileURL(__filename).href;';

/** esbuild with the project's CommonJS defaults; `options` adds to or overrides them. */
export function bundleCjs(options) {
  const { banner = '', define = {}, ...rest } = options;
  return build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    ...rest,
    banner: { js: `${banner}${META_URL}` },
    define: { 'import.meta.url': '__import_meta_url', ...define },
  });
}
