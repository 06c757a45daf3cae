/**
 * Benchmark figures of the tray icon (issue 9), kept apart from scripts/bench.ts, which calls trayIconRows():
 *   - start-up to the first icon with digits: the tray app (the same bundle) on a private headless desktop
 *     against the fake cloud, from launch to the first "tray: icon <level>-…" line it logs under E2E=1, i.e. the
 *     moment it handed an icon with the state of charge to the tray helper; then the docked icon is read by OCR
 *     to make sure the digits really are on screen;
 *   - drawing cost: every level drawn once as the Linux/macOS PNG and as the Windows ICO (4 sizes), in this
 *     process (the app draws each look once and caches it).
 * Network: 127.0.0.1 only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TEST_ACCOUNT } from '../../test/fake-cloud/server.js';
import { missingDesktopTools, startDesktop } from '../../test/helpers/desktop.js';
import { renderTrayIcon } from '../../src/tray/icons.js';
import { root, startCloud, type Row, type Section } from './lib.js';

export interface TrayIconBenchOptions {
  cloudUrl: string;
  brokerUrl: string;
  /** The repository root (dist/app/main.cjs is started). */
  root: string;
}


function drawCost(platform: NodeJS.Platform): number {
  const t0 = performance.now();
  for (let level = 0; level <= 100; level++) renderTrayIcon({ kind: 'level', level, mark: 'discharge', low: level < 15, stale: false, warn: false }, platform);
  return (performance.now() - t0) / 101;
}

async function firstDigits(o: TrayIconBenchOptions): Promise<{ ms?: number; ocr?: string; skipped?: string }> {
  if (process.platform !== 'linux') return { skipped: 'skipped (Linux only)' };
  const missing = missingDesktopTools();
  if (missing.length) return { skipped: `skipped (missing ${missing.join(', ')})` };
  const desktop = await startDesktop({ name: 'bench-tray-icon' });
  const dir = mkdtempSync(join(tmpdir(), 'hoymiles-bench-icon-'));
  try {
    const t0 = performance.now();
    const app = desktop.run(process.execPath, [join(o.root, 'dist/app/main.cjs')], {
      name: 'bench-tray-icon',
      env: {
        ...desktop.env,
        E2E: '1',
        HOYMILES_USER: TEST_ACCOUNT.email,
        HOYMILES_PASSWORD: TEST_ACCOUNT.password,
        HOYMILES_API_URL: o.cloudUrl,
        HOYMILES_TRAY_CONFIG_DIR: dir,
        HOYMILES_TRAY_LOG_DIR: join(dir, 'logs'),
        HOYMILES_TRAY_SECRETS: 'file',
        MQTT_URL: o.brokerUrl,
      },
    });
    await app.waitForOutput(/tray: icon \d+-/, 30_000);
    const ms = performance.now() - t0;
    await desktop.waitForIcon(15_000);
    await new Promise((r) => setTimeout(r, 500)); // let the helper paint it
    const ocr = (await desktop.ocrIcon('first-digits')).digits;
    app.kill('SIGTERM');
    await app.exited;
    return { ms, ocr };
  } finally {
    await desktop.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The benchmark rows. */
export async function trayIconRows(o: TrayIconBenchOptions): Promise<Row[]> {
  const png = drawCost('linux');
  const ico = drawCost('win32');
  const first = await firstDigits(o);
  return [
    { figure: 'Tray: start-up to first icon with digits', value: first.skipped ?? `${first.ms!.toFixed(0)} ms (docked icon OCR: "${first.ocr}")` },
    { figure: 'Tray: drawing one icon (cached per look)', value: `${png.toFixed(2)} ms PNG 32 px, ${ico.toFixed(2)} ms ICO 16–32 px` },
  ];
}

export const trayIconSection: Section = {
  name: 'Tray icon',
  async run(ctx) {
    const cloud = await startCloud();
    try {
      return await trayIconRows({ cloudUrl: cloud.cloud.url, brokerUrl: ctx.brokerUrl, root });
    } finally {
      await cloud.close();
    }
  },
};
