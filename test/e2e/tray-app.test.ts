/**
 * The whole app in a real tray: the built bundle (dist/app/main.cjs) on a private headless desktop
 * (Xvfb, trayer, dunst), fed by the fake Hoymiles cloud and publishing to a real broker. Read like a user
 * would: click the icon, OCR the menu, click items; check the broker and the notification bus.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeCloud, TEST_ACCOUNT, defaultStation } from '../fake-cloud/server.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { normaliseOcr, startDesktop, type AppProcess, type Desktop, quitThroughMenu, trayHelperPid } from '../helpers/desktop.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(root, 'dist/app/main.cjs');
const SN = '280024290529';


describe.skipIf(process.platform !== 'linux')('the tray app end to end', () => {
  let cloud: FakeCloud;
  let broker: TestBroker;
  let desktop: Desktop;
  let app: AppProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    cloud = await FakeCloud.start({ stations: [defaultStation({ soc: 57, batteryPower: 310 })] });
    broker = await startBroker();
    desktop = await startDesktop({ name: 'tray-app' });
    dir = mkdtempSync(join(tmpdir(), 'tray-app-e2e-'));
  });
  afterAll(async () => {
    app?.kill('SIGKILL');
    await desktop?.stop();
    await broker?.stop();
    await cloud?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('shows the battery, follows the cloud, toggles publishing, notifies, quits cleanly', async () => {
    const w = await watch(broker.url, '#');
    const t0 = Date.now();
    const appEnv = {
      ...desktop.env,
      E2E: '1',
      HOYMILES_USER: TEST_ACCOUNT.email,
      HOYMILES_PASSWORD: TEST_ACCOUNT.password,
      HOYMILES_API_URL: cloud.url,
      HOYMILES_TRAY_CONFIG_DIR: dir,
      HOYMILES_TRAY_LOG_DIR: join(dir, 'logs'),
      HOYMILES_TRAY_SECRETS: 'file',
      MQTT_URL: broker.url,
      REQUEST_INTERVAL_SECONDS: '0.5',
      STATION_DATA_INTERVAL: '2',
    };
    app = desktop.run(process.execPath, [BUNDLE], { cwd: tmpdir(), name: 'app', env: appEnv });
    await desktop.waitForIcon(15_000);
    console.log(`tray icon docked ${Date.now() - t0} ms after launch`);
    await app.waitForOutput('Tray started');
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 10_000, 'first state');

    // 1. What the cloud says is in the menu.
    await desktop.openMenu();
    let text = normaliseOcr(await desktop.ocrMenu('01-initial'));
    expect(text).toContain('stateofcharge:57');
    expect(text).toContain('discharging310w');
    expect(text).toContain('publishtomqtt(v)');
    await desktop.closeMenu();

    // 2. The cloud's values change; so does the menu. Below 15 % a notification goes out.
    Object.assign(cloud.station(), { soc: 12, batteryPower: -245 });
    await app.waitForOutput('notification: Battery low: 12 %', 10_000);
    await waitFor(() => desktop.notificationsLog().includes('Battery low: 12 %'), 10_000, 'Notify on the D-Bus');
    // The popup sits where the menu opens (top right): close it, or it covers rows of the menu's screenshot.
    await promisify(execFile)('dunstctl', ['close-all'], { env: desktop.env }).catch(() => undefined);
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('02-changed'));
    expect(text).toContain('stateofcharge:12');
    expect(text).toContain('charging245w');

    // 3. "Publish to MQTT" off: the battery goes unavailable and states stop; the choice is stored.
    expect(await desktop.clickLabel('Publish')).toBe(true);
    await app.waitForOutput('publishing off');
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/availability`)?.payload === 'offline', 5_000, 'availability offline');
    const quietFrom = Date.now();
    cloud.station().soc = 13;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(w.messages.filter((m) => m.at > quietFrom + 200 && m.topic.endsWith('/state') && m.topic !== 'hoymiles-ms-a2/bridge/state')).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).publishEnabled).toBe(false);
    // The tray keeps updating while publishing is off.
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('03-publishing-off'));
    expect(text).toContain('stateofcharge:13');
    expect(text).not.toContain('publishtomqtt(v)');

    // 4. On again: states flow.
    expect(await desktop.clickLabel('Publish')).toBe(true);
    await app.waitForOutput('publishing on');
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/availability`)?.payload === 'online', 5_000, 'availability online');
    await waitFor(() => JSON.parse(w.last(`hoymiles-ms-a2/${SN}/state`)?.payload ?? '{}').soc === 13, 5_000, 'state with soc 13');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).publishEnabled).toBe(true);

    // 5. A second start does not run twice: it asks the running app for its settings page and exits.
    // (Not spawnSync: the fake cloud lives in this process and must keep answering the first instance.)
    const second = await promisify(execFile)(process.execPath, [BUNDLE], { env: appEnv, timeout: 15_000 });
    expect(second.stdout).toContain('already running');
    await app.waitForOutput('Another start of hoymiles-tray asked for the settings page', 5_000);

    // 6. Quit: the app and its helper end, and the bridge says offline.
    const helperPid = trayHelperPid(app);
    expect(helperPid).toBeGreaterThan(0);
    expect(await quitThroughMenu(desktop, app, helperPid, '05-before-quit')).toBe(0);
    await waitFor(() => w.last('hoymiles-ms-a2/bridge/state')?.payload === 'offline', 5_000, 'offline');
    expect(app.output()).not.toContain(TEST_ACCOUNT.password);
    // The log file has the same lines, minus the secrets.
    const logFile = readFileSync(join(dir, 'logs', 'hoymiles-tray.log'), 'utf8');
    expect(logFile).toContain('publishing off');
    expect(logFile).not.toContain(TEST_ACCOUNT.password);
    await w.close();
  }, 90_000);
});
