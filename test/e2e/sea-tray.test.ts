/**
 * The single executable (release/hoymiles-tray-linux-x64, from `npm run package -- --target linux-x64`) on the
 * private headless desktop, fed by the fake cloud and publishing to a real broker: it unpacks itself into a
 * fresh per-version cache folder, docks its icon, shows the battery in the menu and quits cleanly.
 * Without the executable it skips (the reason printed), unless the run asked for it (HOYMILES_TRAY_REQUIRE_RELEASE or
 * CI=true, see test/helpers/release.ts): then it fails. SEA_E2E=1 builds it first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FakeCloud, TEST_ACCOUNT, defaultStation } from '../fake-cloud/server.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { describeNeeding, fileMissing, releaseFile, requiredBecause, requiredTargets, ROOT } from '../helpers/release.js';
import { normaliseOcr, startDesktop, type AppProcess, type Desktop, quitThroughMenu, trayHelperPid } from '../helpers/desktop.js';

const root = ROOT;
const EXE = releaseFile('linux-x64');
const VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const SN = '280024290529';
const BUILD = process.env.SEA_E2E === '1';


const here = process.platform === 'linux' && process.arch === 'x64';
const missing = !here ? `the Linux executable runs on Linux x64 only (this is ${process.platform}-${process.arch})` : BUILD ? undefined : fileMissing(EXE);

// Another platform never fails for it: only a Linux x64 run can be asked for this executable.
describeNeeding('the Linux single executable end to end', missing, here && requiredTargets().has('linux-x64'), () => {
  let cloud: FakeCloud;
  let broker: TestBroker;
  let desktop: Desktop;
  let app: AppProcess | undefined;
  let configDir: string;
  let cacheHome: string;

  beforeAll(async () => {
    if (BUILD) {
      const r = spawnSync(process.execPath, [join(root, 'scripts/package.mjs'), '--target', 'linux-x64'], { cwd: root, stdio: 'inherit' });
      if (r.status !== 0) throw new Error('npm run package -- --target linux-x64 failed');
    }
    cloud = await FakeCloud.start({ stations: [defaultStation({ soc: 57, batteryPower: 310 })] });
    broker = await startBroker();
    desktop = await startDesktop({ name: 'sea-tray' });
    configDir = mkdtempSync(join(tmpdir(), 'sea-e2e-config-'));
    cacheHome = mkdtempSync(join(tmpdir(), 'sea-e2e-cache-'));
  }, 600_000);
  afterAll(async () => {
    app?.kill('SIGKILL');
    await desktop?.stop();
    await broker?.stop();
    await cloud?.close();
    for (const d of [configDir, cacheHome]) if (d) rmSync(d, { recursive: true, force: true });
  });

  test('unpacks to a fresh per-version cache, shows the battery, quits cleanly', async () => {
    const w = await watch(broker.url, '#');
    const t0 = Date.now();
    app = desktop.run(EXE, [], {
      cwd: tmpdir(), // no traybin/ here: everything must come from the unpacked cache
      name: 'sea-app',
      env: {
        ...desktop.env,
        E2E: '1',
        DEBUG: 'true', // the launcher then reports what it unpacked
        HOYMILES_USER: TEST_ACCOUNT.email,
        HOYMILES_PASSWORD: TEST_ACCOUNT.password,
        HOYMILES_API_URL: cloud.url,
        HOYMILES_TRAY_CONFIG_DIR: configDir,
        HOYMILES_TRAY_SECRETS: 'file',
        MQTT_URL: broker.url,
        XDG_CACHE_HOME: cacheHome,
        REQUEST_INTERVAL_SECONDS: '0.5',
        STATION_DATA_INTERVAL: '2',
      },
    });
    const unpacked = await app.waitForOutput(/sea: linux-x64 \S+: \d+ file\(s\) written, 0 unchanged in .* \(([\d.]+) ms\)/, 10_000);
    console.log(`first start: ${unpacked.match(/sea: .*/)?.[0]}`);
    await desktop.waitForIcon(15_000);
    console.log(`tray icon docked ${Date.now() - t0} ms after launch`);
    await app.waitForOutput('Tray started');
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 10_000, 'first state');

    // It is the executable itself that runs (not node), and its helper runs from the per-version cache folder.
    const appDir = join(cacheHome, 'hoymiles-tray', VERSION);
    const helper = join(appDir, 'app', 'traybin', 'tray_linux_release');
    expect(readlinkSync(`/proc/${app.pid}/exe`)).toBe(realpathSync(EXE));
    expect(statSync(helper).mode & 0o777).toBe(0o755);
    expect(existsSync(join(appDir, 'app', 'main.cjs'))).toBe(true);
    // The icons are drawn at run time: no icon files are shipped.
    expect(existsSync(join(appDir, 'app', 'assets'))).toBe(false);
    expect(readdirSync(appDir, { recursive: true }).filter((f) => String(f).endsWith('.tmp'))).toEqual([]);
    const helperPid = trayHelperPid(app);
    expect(helperPid).toBeGreaterThan(0);
    expect(readlinkSync(`/proc/${helperPid}/exe`)).toBe(realpathSync(helper));

    // What the cloud says is in the menu; Quit ends the app and its helper, the bridge says offline.
    await desktop.openMenu();
    const text = normaliseOcr(await desktop.ocrMenu('01-menu'));
    expect(text).toContain('stateofcharge:57');
    await desktop.closeMenu();
    expect(await quitThroughMenu(desktop, app, helperPid, '02-before-quit')).toBe(0);
    await waitFor(() => w.last('hoymiles-ms-a2/bridge/state')?.payload === 'offline', 5_000, 'offline');
    expect(app.output()).not.toContain(TEST_ACCOUNT.password);
    await w.close();

    // A second start finds everything in place and writes nothing.
    const again = spawnSync(EXE, ['--version'], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, DEBUG: 'true' }, encoding: 'utf8' });
    expect(again.stdout.trim()).toBe(VERSION);
    expect(again.stderr).toMatch(/: 0 file\(s\) written, \d+ unchanged in /);
    console.log(`second start: ${again.stderr.match(/sea: .*/)?.[0]}`);
  }, 90_000);
}, requiredBecause('linux-x64'));
