/**
 * The tray app (the same bundle, no flag) on a private headless desktop (Xvfb + trayer, test/helpers/desktop.ts):
 * time from spawning to the docked icon, and the resident memory of the app and of the tray helper after a minute.
 * Linux only; skipped with the reason when the desktop tools are missing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ACCOUNT } from '../../test/fake-cloud/server.js';
import { missingDesktopTools, startDesktop, trayHelperPid } from '../../test/helpers/desktop.js';
import { APP, mb, rssKb, sleep, startCloud, type BenchContext, type Row, type Section } from './lib.js';

export const traySection: Section = { name: 'Tray app', run };

async function run(ctx: BenchContext): Promise<Row[]> {
  const skip = (why: string): Row[] => [{ figure: 'Tray: start-up to the docked icon', value: `skipped (${why})` }];
  if (process.platform !== 'linux') return skip('Linux only');
  const missing = missingDesktopTools();
  if (missing.length) return skip(`missing ${missing.join(', ')}`);
  const cloud = await startCloud();
  const dir = mkdtempSync(join(tmpdir(), 'hoymiles-bench-tray-'));
  const desktop = await startDesktop({ name: 'bench-tray' });
  try {
    const t0 = Date.now();
    const app = desktop.run(process.execPath, [APP], {
      name: 'bench-tray',
      env: {
        ...desktop.env,
        HOYMILES_USER: TEST_ACCOUNT.email,
        HOYMILES_PASSWORD: TEST_ACCOUNT.password,
        HOYMILES_API_URL: cloud.cloud.url,
        HOYMILES_TRAY_CONFIG_DIR: dir,
        HOYMILES_TRAY_LOG_DIR: join(dir, 'logs'),
        HOYMILES_TRAY_SECRETS: 'file',
        MQTT_URL: ctx.brokerUrl,
        MQTT_TOPIC: 'bench-tray',
      },
    });
    await desktop.waitForIcon(30_000);
    const dockMs = Date.now() - t0;
    await sleep(ctx.quick ? 10_000 : 60_000);
    const helper = trayHelperPid(app);
    const nodeRss = rssKb(app.pid);
    const helperRss = helper > 0 ? rssKb(helper) : NaN;
    app.kill('SIGTERM');
    await app.exited;
    return [
      { figure: 'Tray: start-up to the docked icon', value: `${dockMs} ms (login included)` },
      { figure: `Tray: resident memory after ${ctx.quick ? 10 : 60} s`, value: `app ${mb(nodeRss)}, tray helper ${mb(helperRss)}` },
    ];
  } finally {
    await desktop.stop();
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
