// systray2 2.1.4 ships its helper binaries without the run bit and its own chmod('+x') fails silently.
import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
const require = createRequire(import.meta.url);
try {
  const dir = join(dirname(require.resolve('systray2/package.json')), 'traybin');
  for (const f of ['tray_linux_release', 'tray_darwin_release']) {
    if (existsSync(join(dir, f))) chmodSync(join(dir, f), 0o755);
  }
} catch { /* systray2 not installed (e.g. --omit=optional): nothing to fix */ }
