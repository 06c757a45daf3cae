/**
 * The Windows executable's tray, run for real under Wine in a fresh Windows 10 prefix, on the private headless
 * desktop (Xvfb + trayer): Wine's explorer docks the notification-area icon into the XEmbed tray, the systray2
 * Windows helper draws a real Win32 menu, read by OCR like the Linux tray tests. Fed by the fake cloud,
 * publishing to a real Mosquitto.
 */
import { readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RUN_KEY } from '../../src/platform/autostart.js';
import { FakeCloud, TEST_ACCOUNT, defaultStation } from '../fake-cloud/server.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { normaliseOcr, processAlive, quitThroughMenu, startDesktop, type AppProcess, type Desktop } from '../helpers/desktop.js';
import { createPrefix, describeWine, WIN_EXE, winPath, type WinePrefix } from '../helpers/wine.js';

const SN = '280024290529';
const RUN_VALUE = 'HoymilesTray';

/** What the OCR read between "Refresh now" and "Start at login" (the rows above each other): the check mark, if any. */
function checkMark(text: string): string | undefined {
  return /refreshnow(.{0,3}?)startatlogin/.exec(text)?.[1];
}

describeWine('the Windows executable under Wine: tray', () => {
  let prefix: WinePrefix;
  let cloud: FakeCloud;
  let broker: TestBroker;
  let desktop: Desktop;
  let app: AppProcess | undefined;
  let configDir: string;
  let logFile: string;
  const t0 = performance.now();

  beforeAll(async () => {
    prefix = await createPrefix();
    console.log(`wine: fresh Windows 10 prefix in ${prefix.bootSeconds.toFixed(1)} s`);
    cloud = await FakeCloud.start({ stations: [defaultStation({ soc: 57, batteryPower: 310 })] });
    broker = await startBroker();
    desktop = await startDesktop({ name: 'wine-tray', trayClasses: { icon: '^explorer\\.exe$', menu: '^tray_windows_release\\.exe$' } });
    configDir = mkdtempSync(join(tmpdir(), 'wine-tray-config-'));
    logFile = join(prefix.localAppData, 'hoymiles-tray', 'Logs', 'hoymiles-tray.log');
  }, 300_000);
  afterAll(async () => {
    app?.kill('SIGKILL');
    await desktop?.stop();
    await broker?.stop();
    await cloud?.close();
    await prefix?.dispose();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
    console.log(`wine: tray tests took ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
  }, 60_000);

  /** Opens the menu and reads the "Start at login" mark until `done` says so (10 s at most); the last mark read. */
  async function menuMark(artifact: string, done: (mark: string | undefined) => boolean): Promise<string | undefined> {
    const end = Date.now() + 10_000;
    for (let i = 1; ; i++) {
      await desktop.openMenu();
      const mark = checkMark(normaliseOcr(await desktop.ocrMenu(`${artifact}-${i}`)));
      await desktop.closeMenu();
      if (done(mark) || Date.now() > end) return mark;
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  it('docks its icon, shows the battery, writes and removes the Run value, quits cleanly, logs to %LOCALAPPDATA%', async () => {
    const w = await watch(broker.url, '#');
    const started = performance.now();
    // Output through a file: under Wine the app cannot use a Linux pipe as stdout/stderr (test/helpers/wine.ts).
    app = prefix.startOnDesktop(desktop, WIN_EXE, [], {
      E2E: '1',
      HOYMILES_USER: TEST_ACCOUNT.email,
      HOYMILES_PASSWORD: TEST_ACCOUNT.password,
      HOYMILES_API_URL: cloud.url,
      HOYMILES_TRAY_CONFIG_DIR: winPath(configDir),
      HOYMILES_TRAY_SECRETS: 'file',
      MQTT_URL: broker.url,
      REQUEST_INTERVAL_SECONDS: '0.5',
      STATION_DATA_INTERVAL: '2',
    });
    await desktop.waitForIcon(30_000);
    console.log(`wine: tray icon docked ${((performance.now() - started) / 1000).toFixed(1)} s after launch`);
    await app.waitForOutput('Tray started', 15_000);
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 15_000, 'first state');

    // 1. What the cloud says is in the menu.
    await desktop.openMenu();
    let text = normaliseOcr(await desktop.ocrMenu('01-menu'));
    expect(text).toContain('stateofcharge:57');
    expect(text).toContain('discharging310w');
    await desktop.closeMenu();
    // The .ico drawn for Windows, as docked: its digits are the menu's state of charge.
    expect((await desktop.ocrIcon('01-icon')).digits).toBe('57');
    await desktop.openMenu();
    await desktop.ocrMenu('01b-menu');

    // 2. Start at login: the Run value names the executable itself, quoted, without --demo.
    expect(await prefix.regValue(RUN_KEY, RUN_VALUE)).toBeUndefined();
    expect(await desktop.clickLabel('Start')).toBe(true);
    await app.waitForOutput('Start at login on', 10_000);
    const data = await prefix.regValue(RUN_KEY, RUN_VALUE);
    expect(data).toBe(`"${winPath(WIN_EXE)}"`);
    expect(data).not.toContain('--demo');
    // The app reads the value back (reg.exe again) before it redraws the menu: ask until the mark is there.
    // Win32's check mark reads as "¥" (or "v"): whatever it is, something now stands before the label.
    expect(await menuMark('02-autostart-on', (m) => !!m)).not.toBe('');

    // 3. Unticked: the value is gone, and so is the mark.
    await desktop.openMenu();
    await desktop.ocrMenu('03-untick');
    expect(await desktop.clickLabel('Start')).toBe(true);
    await app.waitForOutput('Start at login off', 10_000);
    expect(await prefix.regValue(RUN_KEY, RUN_VALUE)).toBeUndefined();
    expect(await menuMark('03-autostart-off', (m) => m === '')).toBe('');

    // 4. Quit: the app and its tray helper end, and the bridge says offline itself (not through the will).
    const [helperPid] = prefix.pids('tray_windows_release.exe');
    expect(helperPid).toBeGreaterThan(0);
    expect(await quitThroughMenu(desktop, app, helperPid!, '04-before-quit')).toBe(0);
    expect(processAlive(helperPid!)).toBe(false);
    expect(app.output()).toContain('Quit: publishing offline');
    await waitFor(() => w.last('hoymiles-ms-a2/bridge/state')?.payload === 'offline', 5_000, 'offline');
    expect(app.output()).not.toContain(TEST_ACCOUNT.password);
    await w.close();

    // 5. The log file is where Windows users are told to look, with the same lines, minus the secrets.
    const log = readFileSync(logFile, 'utf8');
    expect(app.output()).toContain(`Log file: C:\\users\\${prefix.user}\\AppData\\Local\\hoymiles-tray\\Logs\\hoymiles-tray.log`);
    expect(log).toContain('Start at login on');
    expect(log).toContain('Quit: publishing offline');
    expect(log).not.toContain(TEST_ACCOUNT.password);
  }, 120_000);

  // Shown, not silently left out: what Wine cannot tell us about real Windows.
  // Both seen by hand under Wine 8.0: a second tray start also says "Tray started"; `explorer.exe <file>.log`
  // shows Wine's file browser on its Desktop folder.
  it.skip('one instance per user: not testable under Wine 8.0, which lets two servers listen on one named pipe', () => undefined);
  it.skip('"Open log" (explorer.exe opens the .log file with its program, Notepad): not testable under Wine, whose explorer opens a file browser instead', () => undefined);
});
