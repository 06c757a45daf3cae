/**
 * The whole app in a real tray: the built bundle (dist/app/main.cjs) on a private headless desktop
 * (Xvfb, trayer, dunst), fed by the fake Hoymiles cloud and publishing to a real broker. Read like a user
 * would: click the icon, OCR the menu, click items; check the broker and the notification bus.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeCloud, TEST_ACCOUNT, defaultStation } from '../fake-cloud/server.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { boxTicked, normaliseOcr, startDesktop, type AppProcess, type Desktop, quitThroughMenu, trayHelperPid } from '../helpers/desktop.js';
import { BUNDLE, ensureBundle } from '../helpers/cli.js';

const SN = '280024290529';


describe.skipIf(process.platform !== 'linux')('the tray app end to end', () => {
  let cloud: FakeCloud;
  let broker: TestBroker;
  let desktop: Desktop;
  let app: AppProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    ensureBundle();
    cloud = await FakeCloud.start({ stations: [defaultStation({ name: 'Home East', soc: 57, batteryPower: 310 })] });
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

  /** The icon's digits by OCR, once they read `want` (the icon follows the cloud a poll later). */
  async function iconReads(want: string, name: string): Promise<string> {
    let last = '';
    for (let i = 0; i < 20; i++) {
      last = (await desktop.ocrIcon(`${name}-${i}`)).digits;
      if (last === want) return last;
      await new Promise((r) => setTimeout(r, 300));
    }
    return last;
  }
  /** Share of the docked icon's pixels near a colour. */
  async function iconShare(rgb: readonly number[]): Promise<number> {
    const { rgba } = await desktop.iconPixels();
    let hit = 0;
    for (let i = 0; i < rgba.length; i += 4) if (Math.abs(rgba[i]! - rgb[0]!) + Math.abs(rgba[i + 1]! - rgb[1]!) + Math.abs(rgba[i + 2]! - rgb[2]!) < 40) hit++;
    return hit / (rgba.length / 4);
  }

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

    // 1. What the cloud says is in the menu, and its state of charge is in the icon itself (read by OCR).
    await desktop.openMenu();
    let text = normaliseOcr(await desktop.ocrMenu('01-initial'));
    await desktop.screenshot(join(desktop.artifacts, '01-screen.png'));
    expect(text).toContain('homeeast-ms-a2');
    expect(text).toContain('stateofcharge:57');
    expect(text).toContain('discharging310w');
    expect(text).toMatch(/solar0w-grid6w-house252w/);
    expect(text).toContain('today:+0.29kwhcharged,-0.64kwhdischarged');
    // Toggles are drawn as ☑/☐ in both states (OCR cannot read them: compare their pixels instead).
    const boxOn = (await desktop.pixelsLeftOf('Publish'))!;
    const boxOff = (await desktop.pixelsLeftOf('Start'))!; // Start at login: off here
    expect(boxTicked(boxOn)).toBe(true);
    expect(boxTicked(boxOff)).toBe(false);
    expect(text).not.toContain('(v)');
    await desktop.closeMenu();
    expect(await iconReads('57', '01-icon')).toBe('57');
    expect(await iconShare([224, 40, 31])).toBe(0); // not low: no red

    // 2. The cloud's values change; so do the menu and the icon (red below 15 %). A notification goes out,
    //    under the app's name and icon, naming the battery as the menu does.
    Object.assign(cloud.station(), { soc: 12, batteryPower: -245 });
    await app.waitForOutput('notification: Battery low: 12 %', 10_000);
    await waitFor(() => desktop.notificationsLog().includes('Battery low: 12 %'), 10_000, 'Notify on the D-Bus');
    const notify = desktop.notificationsLog();
    const call = notify.slice(notify.lastIndexOf('member=Notify', notify.indexOf('Battery low: 12 %')));
    expect(call).toMatch(/member=Notify\s+string "Hoymiles Tray"/); // app_name: not "notify-send"
    expect(call).toMatch(/string "[^"]*notify-12-charge-low\.png"/); // the icon, as drawn for this state
    expect(call).toContain('Home East · MS-A2 …0529 is below 15 % state of charge.');
    // The popup sits where the menu opens (top right): close it, or it covers rows of the menu's screenshot.
    await promisify(execFile)('dunstctl', ['close-all'], { env: desktop.env }).catch(() => undefined);
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('02-changed'));
    expect(text).toContain('stateofcharge:12');
    expect(text).toContain('charging245w');
    await desktop.closeMenu();
    expect(await iconReads('12', '02-icon')).toBe('12');
    expect(await iconShare([224, 40, 31])).toBeGreaterThan(0.4); // red dominates
    await desktop.openMenu();
    await desktop.ocrMenu('02b-changed');

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
    expect(text).toContain('publishtomqtt');
    // Off: an empty box like "Start at login" (off), not the ticked one.
    expect(boxTicked((await desktop.pixelsLeftOf('Publish'))!)).toBe(false);

    // 4. On again: states flow.
    expect(await desktop.clickLabel('Publish')).toBe(true);
    await app.waitForOutput('publishing on');
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/availability`)?.payload === 'online', 5_000, 'availability online');
    await waitFor(() => JSON.parse(w.last(`hoymiles-ms-a2/${SN}/state`)?.payload ?? '{}').soc === 13, 5_000, 'state with soc 13');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).publishEnabled).toBe(true);

    // 4b. Grid charging from the tray takes a confirming click: the first click writes nothing to the cloud.
    await waitFor(() => 'grid_charging' in JSON.parse(w.last(`hoymiles-ms-a2/${SN}/state`)?.payload ?? '{}'), 15_000, 'battery settings read');
    const gridWrites = () => cloud.jobLog.filter((j) => j.kind === 'write' && j.action === 1503).length;
    await desktop.openMenu();
    await desktop.ocrMenu('04b-menu');
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('04b-battery-control'));
    expect(text).toContain('gridcharging:off');
    expect(text).not.toContain('turnon');
    expect(await desktop.clickLabel('Grid')).toBe(true);
    await app.waitForOutput('tray: grid charging on? waiting for the confirming click');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(gridWrites()).toBe(0);
    await desktop.openMenu();
    await desktop.ocrMenu('04c-menu');
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('04c-confirm'));
    expect(text).toContain('turnongridcharging');
    expect(text).toContain('cancel');
    expect(gridWrites()).toBe(0);
    expect(await desktop.clickLabel('Turn')).toBe(true);
    // Confirmed: one write, the result as a notification and as a menu line.
    await waitFor(() => gridWrites() === 1, 15_000, 'the grid charging write');
    await app.waitForOutput('notification: Grid charging on: Home East · MS-A2 …0529 confirmed the change.', 20_000);
    await waitFor(() => desktop.notificationsLog().includes('Grid charging on'), 10_000, 'Notify on the D-Bus');
    await promisify(execFile)('dunstctl', ['close-all'], { env: desktop.env }).catch(() => undefined);
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('04d-confirmed'));
    expect(text).toContain('gridchargingon-confirmedbythebatteryat');
    await desktop.closeMenu();
    expect(gridWrites()).toBe(1);

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

  test('speaks German with HOYMILES_TRAY_LANG=de: menu, numbers, notification', async () => {
    // One app on the desktop: an English one left over (a failed run above) would answer the clicks.
    if (app && app.proc.exitCode === null && app.proc.signalCode === null) {
      app.kill('SIGTERM'); // the app quits and takes its tray helper along
      await app.exited;
    }
    Object.assign(cloud.station(), { soc: 57, batteryPower: 310 });
    const deDir = mkdtempSync(join(tmpdir(), 'tray-app-e2e-de-'));
    const env = {
      ...desktop.env,
      E2E: '1',
      HOYMILES_TRAY_LANG: 'de',
      HOYMILES_USER: TEST_ACCOUNT.email,
      HOYMILES_PASSWORD: TEST_ACCOUNT.password,
      HOYMILES_API_URL: cloud.url,
      HOYMILES_TRAY_CONFIG_DIR: deDir,
      HOYMILES_TRAY_LOG_DIR: join(deDir, 'logs'),
      HOYMILES_TRAY_SECRETS: 'file',
      MQTT_URL: broker.url,
      REQUEST_INTERVAL_SECONDS: '0.5',
      STATION_DATA_INTERVAL: '2',
    };
    try {
      app = desktop.run(process.execPath, [BUNDLE], { cwd: tmpdir(), name: 'app-de', env });
      await desktop.waitForIcon(15_000);
      await app.waitForOutput('Tray started');
      // The eng model reads German letters except umlauts: the checks avoid them. The first reading may come a
      // poll after the icon, and the station's energy a read after that (a busy machine): read the menu again
      // until it has the charge and today's energy.
      let text = '';
      for (let i = 0; i < 10; i++) {
        await desktop.openMenu();
        text = normaliseOcr(await desktop.ocrMenu('de-01-menu'));
        if ((text.includes('ladezustand:57') && text.includes('heute:+')) || i === 9) break;
        await desktop.closeMenu();
        await new Promise((r) => setTimeout(r, 700));
      }
      await desktop.screenshot(join(desktop.artifacts, 'de-01-screen.png'));
      expect(text).toContain('ladezustand:57%');
      expect(text).toMatch(/entl.dt310w/);
      expect(text).toMatch(/solar[0o]w.netz6w.haus252w/);
      expect(text).toMatch(/heute:\+0,29kwhgeladen,-0,64kwh/);
      expect(text).toContain('temperatur:');
      expect(text).toContain('anmqttsenden');
      expect(text).toContain('einstellungen');
      expect(text).not.toContain('stateofcharge');
      await desktop.closeMenu();
      // A notification in German; the log line says what was shown.
      Object.assign(cloud.station(), { soc: 12, batteryPower: -245 });
      await waitFor(() => desktop.notificationsLog().includes('Batterie schwach: 12 %'), 10_000, 'German notification on the D-Bus');
      expect(desktop.notificationsLog()).toContain('Home East · MS-A2 …0529 liegt unter 15 % Ladezustand.');
      await app.waitForOutput('notification: Battery low: 12 %: Home East · MS-A2 …0529 is below 15 % state of charge.', 5_000); // the log: English
      const helperPid = trayHelperPid(app);
      expect(await quitThroughMenu(desktop, app, helperPid, 'de-02-before-quit', 'Beenden')).toBe(0);
      // Log lines stay English.
      const logFile = readFileSync(join(deDir, 'logs', 'hoymiles-tray.log'), 'utf8');
      expect(logFile).toContain('Tray started');
    } finally {
      rmSync(deDir, { recursive: true, force: true });
    }
  }, 60_000);
});
