/**
 * The settings page as a new user meets it: the built app in a real tray (Xvfb), the fake Hoymiles cloud, a real
 * broker, and Debian's Chromium. The app opens URLs through BROWSER, here a small script that records them, so
 * the test opens exactly what a browser would have been given.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeCloud, TEST_ACCOUNT, defaultStation } from '../fake-cloud/server.js';
import { FakeFirmware } from '../fake-firmware/firmware.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { normaliseOcr, quitThroughMenu, startDesktop, trayHelperPid, type AppProcess, type Desktop } from '../helpers/desktop.js';
import { BUNDLE, ensureBundle } from '../helpers/cli.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SN = '280024290529';
const SHOTS = process.env.SCREENSHOT_DIR ?? join(root, 'e2e-artifacts', 'settings-flow');
/** One poll of the page's status panel (STATUS_POLL_MS) plus the time a request takes under load. */
const ONE_POLL_MS = 2_000 + 1_500;

describe.skipIf(process.platform !== 'linux')('first run, status panel, --settings and the demo, in the real app', () => {
  let cloud: FakeCloud;
  let broker: TestBroker;
  let desktop: Desktop;
  let browser: TestBrowser;
  let work: string;
  let urlFile: string;
  let browserScript: string;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    ensureBundle();
    mkdirSync(SHOTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'settings-flow-'));
    urlFile = join(work, 'urls.txt');
    writeFileSync(urlFile, '');
    browserScript = join(work, 'record-url.sh');
    writeFileSync(browserScript, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${urlFile}'\n`);
    chmodSync(browserScript, 0o755);
    cloud = await FakeCloud.start({ stations: [defaultStation({ soc: 57, batteryPower: -245 })] });
    broker = await startBroker();
    desktop = await startDesktop({ name: 'settings-flow' });
    browser = await launchBrowser({ viewport: { width: 900, height: 1400 } });
  }, 60_000);
  afterAll(async () => {
    for (const a of apps) a.kill('SIGKILL');
    await browser?.close();
    await desktop?.stop();
    await broker?.stop();
    await cloud?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const urls = () => readFileSync(urlFile, 'utf8').split('\n').filter(Boolean);
  /** The next URL the app hands to BROWSER after `seen` earlier ones. */
  const nextUrl = (seen: number, timeoutMs = 15_000) => waitFor(() => urls()[seen], timeoutMs, 'a URL given to BROWSER');

  function appEnv(configDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      ...desktop.env,
      E2E: '1',
      BROWSER: browserScript,
      HOYMILES_API_URL: cloud.url,
      HOYMILES_TRAY_CONFIG_DIR: configDir,
      HOYMILES_TRAY_LOG_DIR: join(configDir, 'logs'),
      HOYMILES_TRAY_SECRETS: 'file',
      REQUEST_INTERVAL_SECONDS: '0.5',
      STATION_DATA_INTERVAL: '2',
      ...extra,
    };
  }

  async function openPage(url: string): Promise<Page> {
    const page = await browser.newPage();
    const res = await page.goto(url);
    expect(res?.status()).toBe(200);
    return page;
  }

  const text = (page: Page, sel: string) => page.locator(sel).innerText();

  let configDir: string;
  let app: AppProcess;
  let page: Page;

  test('first run: account, batteries, bare broker address, done; the tray shows the battery', async () => {
    configDir = join(work, 'real-config');
    const w = await watch(broker.url, `hoymiles-ms-a2/${SN}/state`);
    app = desktop.run(process.execPath, [BUNDLE], { cwd: tmpdir(), name: 'first-run', env: appEnv(configDir) });
    apps.push(app);
    await desktop.waitForIcon(20_000);
    const url = await nextUrl(0);
    // One calm line, and no ERROR before the user did anything.
    await app.waitForOutput('Waiting for the settings: no Hoymiles login is saved yet');
    expect(app.output()).not.toMatch(/\bERROR\b/);
    expect(app.output()).not.toContain(url.split('k=')[1]!);

    page = await openPage(url);
    await expect.poll(() => page.locator('#wizard').isVisible()).toBe(true);
    expect(await page.locator('#full').isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, '01-first-run.png'), fullPage: true });

    // 1. A wrong password: the cloud's reason.
    await page.fill('#wz-email', TEST_ACCOUNT.email);
    await page.fill('#wz-password', 'not-the-password');
    await page.click('#wz-test-login');
    await expect.poll(() => text(page, '#wz-login-result'), { timeout: 15_000 }).toContain('Login failed. Please check your account and password.');
    expect(await page.locator('#wz-next-1').isDisabled()).toBe(true);
    // 2. The right one lists the battery.
    await page.fill('#wz-password', TEST_ACCOUNT.password);
    await page.click('#wz-test-login');
    await expect.poll(() => text(page, '#wz-login-result'), { timeout: 15_000 }).toContain(`MS-A2 ${SN}`);
    expect(await text(page, '#wz-login-result')).toContain('Found 1 battery');
    await page.screenshot({ path: join(SHOTS, '02-login-ok.png'), fullPage: true });
    await page.click('#wz-next-1');

    // 3. A bare host:port is taken and shown as an mqtt:// URL.
    await page.fill('#wz-url', `127.0.0.1:${broker.port}`);
    await page.click('#wz-test-mqtt');
    await expect.poll(() => text(page, '#wz-mqtt-result'), { timeout: 15_000 }).toContain(`Connected to mqtt://127.0.0.1:${broker.port}.`);
    await page.click('#wz-use-broker');
    await expect.poll(() => text(page, '#wz-done'), { timeout: 30_000 }).toMatch(/^Done\. Hoymiles login: Logged in.*MQTT broker: Connected/);
    await expect.poll(() => text(page, '#wz-tray'), { timeout: 10_000 }).toContain(`MS-A2 ${SN}: 57 %, charging 245 W`);
    await page.screenshot({ path: join(SHOTS, '03-done.png'), fullPage: true });

    // Stored where the real app keeps its settings, with the URL as shown; the password only in the secret store.
    const cfg = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'));
    expect(cfg.mqttUrl).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect(cfg.hoymilesEmail).toBe(TEST_ACCOUNT.email);
    expect(readFileSync(join(configDir, 'config.json'), 'utf8')).not.toContain(TEST_ACCOUNT.password);

    // The broker and the tray show the battery.
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 15_000, 'state on the broker');
    expect(JSON.parse(w.last(`hoymiles-ms-a2/${SN}/state`)!.payload).soc).toBe(57);
    await desktop.openMenu();
    const menu = normaliseOcr(await desktop.ocrMenu('first-run-menu'));
    expect(menu).toContain(`ms-a2...${SN.slice(-4)}`); // "Home · MS-A2 …0529"
    expect(menu).toContain('stateofcharge:57');
    await desktop.closeMenu();
    await w.close();
    expect(app.output()).not.toContain(TEST_ACCOUNT.password);
  }, 120_000);

  test('the status panel shows a wrong password, an unreachable broker and the good state, each within one poll', async () => {
    // A later visit: the normal page with its status panel.
    await page.reload();
    expect(await page.locator('#wizard').count()).toBe(0);
    await expect.poll(() => text(page, '#st-cloud'), { timeout: ONE_POLL_MS }).toContain('Logged in');
    await expect.poll(() => text(page, '#st-broker'), { timeout: ONE_POLL_MS }).toContain(`Connected to the broker 127.0.0.1:${broker.port}`);
    await expect.poll(() => text(page, '#st-batteries'), { timeout: ONE_POLL_MS }).toMatch(new RegExp(`MS-A2 ${SN} · 57 %, charging 245 W · \\d+ s ago`));
    expect(await text(page, '#st-version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(await text(page, '#st-log')).toBe(join(configDir, 'logs', 'hoymiles-tray.log'));
    await page.screenshot({ path: join(SHOTS, '04-status-good.png'), fullPage: true });

    // The account's password changes at Hoymiles; the token expires: the app's next login fails.
    const account = cloud.accounts[0]!;
    account.password = 'changed-at-hoymiles';
    cloud.expireTokens();
    await app.waitForOutput('Hoymiles rejected the e-mail or password', 15_000);
    await expect.poll(() => text(page, '#st-cloud'), { timeout: ONE_POLL_MS }).toBe('Wrong password: Hoymiles rejected the e-mail or password.');
    expect(await page.locator('#st-cloud').getAttribute('data-state')).toBe('wrong-password');
    await expect.poll(() => text(page, '#st-problem'), { timeout: ONE_POLL_MS }).toContain('Hoymiles rejected the e-mail or password');
    await page.screenshot({ path: join(SHOTS, '05-status-wrong-password.png'), fullPage: true });

    // Save the new password and a broker where nothing listens: the save says what happened next.
    await page.fill('#f-hoymilesPassword', 'changed-at-hoymiles');
    await page.fill('#f-mqttUrl', '127.0.0.1:1');
    await page.click('#save');
    await expect.poll(() => text(page, '#status'), { timeout: 30_000 }).toMatch(/^Settings stored\. Hoymiles login: Logged in.*MQTT broker: Refused/);
    expect(await page.locator('#f-mqttUrl').inputValue()).toBe('mqtt://127.0.0.1:1');
    await expect.poll(() => text(page, '#st-broker'), { timeout: ONE_POLL_MS }).toContain('Refused: nothing accepts connections at 127.0.0.1:1');
    expect(await page.locator('#st-broker').getAttribute('data-state')).toBe('refused');
    await page.screenshot({ path: join(SHOTS, '06-status-broker-refused.png'), fullPage: true });

    // And back to the good broker.
    await page.fill('#f-mqttUrl', `127.0.0.1:${broker.port}`);
    await page.click('#save');
    await expect.poll(() => text(page, '#status'), { timeout: 30_000 }).toMatch(/^Settings stored\. Hoymiles login: Logged in.*MQTT broker: Connected/);
    await expect.poll(() => text(page, '#st-broker'), { timeout: ONE_POLL_MS }).toContain('Connected');
    await expect.poll(() => text(page, '#st-cloud'), { timeout: ONE_POLL_MS }).toContain('Logged in');
  }, 120_000);

  test('hoymiles-tray --settings opens the running app\'s page; with nothing running it says so', async () => {
    const seen = urls().length;
    const r = await promisify(execFile)(process.execPath, [BUNDLE, '--settings'], { env: appEnv(configDir), timeout: 15_000 });
    expect(r.stdout).toContain('Asked the running hoymiles-tray to open its settings page');
    const url = await nextUrl(seen);
    const fresh = await openPage(url);
    await expect.poll(() => text(fresh, '#st-cloud'), { timeout: ONE_POLL_MS }).toContain('Logged in');
    expect(await fresh.locator('#f-hoymilesEmail').inputValue()).toBe(TEST_ACCOUNT.email);
    await fresh.close();

    const none = await promisify(execFile)(process.execPath, [BUNDLE, '--settings'], { env: appEnv(join(work, 'nobody-here')) }).catch((e) => e);
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('is not running');

    // The real app quits through its menu.
    expect(await quitThroughMenu(desktop, app, trayHelperPid(app), 'first-run-quit')).toBe(0);
    await page.close();
  }, 60_000);

  test('the demo is a sandbox: the page edits the demo, the battery stays, the real config is untouched', async () => {
    const listing = (d: string) =>
      readdirSync(d, { recursive: true })
        .map(String)
        .sort()
        .map((f) => {
          const st = statSync(join(d, f));
          return `${f} ${st.isFile() ? `${st.size} ${st.mtimeMs} ${readFileSync(join(d, f), 'utf8').length}` : 'dir'}`;
        });
    const before = listing(configDir);
    const env = appEnv(configDir, { HOYMILES_API_URL: '', REQUEST_INTERVAL_SECONDS: '', STATION_DATA_INTERVAL: '' });
    const demo = desktop.run(process.execPath, [BUNDLE, '--demo'], { cwd: tmpdir(), name: 'demo', env });
    apps.push(demo);
    const out = await demo.waitForOutput(/embedded MQTT broker at (mqtt:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const demoBroker = /embedded MQTT broker at (mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    await demo.waitForOutput('Tray started', 20_000);
    await desktop.waitForIcon(20_000); // the demo's own icon (the first app's is gone)
    const w = await watch(demoBroker, 'hoymiles-ms-a2/+/state');
    await waitFor(() => w.last('hoymiles-ms-a2/DEMO12345678/state'), 15_000, 'the simulated battery on the broker');

    // The tray: a Demo header and Start at login shown disabled, with the reason.
    await desktop.openMenu();
    let menu = normaliseOcr(await desktop.ocrMenu('demo-menu'));
    expect(menu).toContain('demo');
    expect(menu).toMatch(/^demo.demohome.ms-a2\.\.\.5678/); // "Demo · Demo home · MS-A2 …5678" (OCR reads · as - or :)
    expect(menu).toContain('startatlogin(notinthedemo)');
    await desktop.closeMenu();

    // Its page (through --demo --settings): the badge, the fixed account, and a chart with the simulated day.
    const seen = urls().length;
    const r = await promisify(execFile)(process.execPath, [BUNDLE, '--demo', '--settings'], { env, timeout: 15_000 });
    expect(r.stdout).toContain('demo');
    const demoPage = await openPage(await nextUrl(seen));
    expect(await text(demoPage, '#demo-badge')).toBe('Demo');
    expect(await demoPage.locator('#f-hoymilesEmail').isDisabled()).toBe(true);
    expect(await demoPage.locator('#f-mqttUrl').inputValue()).toBe(demoBroker);
    await expect.poll(() => demoPage.locator('#chart').getAttribute('data-soc-points'), { timeout: 10_000 }).not.toBe('0');
    expect(Number(await demoPage.locator('#chart').getAttribute('data-soc-points'))).toBeGreaterThanOrEqual(1400);
    // One point per sample of the last 24 hours, as the app serves them. A new minute's sample can land between the
    // page's fetch and ours: then the page is drawn afresh and compared again (a real mismatch stays one).
    let points = -1;
    let samples = -2;
    for (let attempt = 0; attempt < 3 && points !== samples; attempt++) {
      if (attempt > 0) {
        await demoPage.reload();
        await expect.poll(() => demoPage.locator('#chart').getAttribute('data-soc-points'), { timeout: 10_000 }).not.toBe('0');
      }
      const served = await demoPage.evaluate(() => fetch('/api/history').then((r) => r.json()));
      samples = served.batteries[0].samples.filter((x: [number, number | null]) => x[1] !== null).length;
      points = await demoPage.$$eval('#chart polyline.soc-line', (lines) => lines.reduce((n, l) => n + l.getAttribute('points')!.trim().split(/\s+/).length, 0));
    }
    expect(points).toBe(samples);
    expect(samples).toBeGreaterThanOrEqual(24 * 60 - 1);
    await expect.poll(() => text(demoPage, '#st-batteries'), { timeout: ONE_POLL_MS }).toContain('MS-A2 DEMO12345678');
    await demoPage.screenshot({ path: join(SHOTS, '07-demo.png'), fullPage: true });

    // Change the threshold and save: the demo keeps its battery and broker.
    await demoPage.fill('#f-lowSocThreshold', '30');
    await demoPage.click('#save');
    await expect.poll(() => text(demoPage, '#status'), { timeout: 30_000 }).toMatch(/^Settings stored\. Hoymiles login: Logged in.*MQTT broker: Connected/);
    const savedAt = Date.now();
    await waitFor(() => w.messages.some((m) => m.topic === 'hoymiles-ms-a2/DEMO12345678/state' && m.at > savedAt), 15_000, 'a state after the save');
    const demoCfg = JSON.parse(readFileSync(join(desktop.env.XDG_CACHE_HOME!, 'hoymiles-tray', 'demo', 'config.json'), 'utf8'));
    expect(demoCfg.lowSocThreshold).toBe(30);
    expect(demoCfg.hoymilesEmail).toBeUndefined();
    await desktop.openMenu();
    menu = normaliseOcr(await desktop.ocrMenu('demo-menu-after-save'));
    expect(menu).toMatch(/^demo.demohome.ms-a2\.\.\.5678/); // "Demo · Demo home · MS-A2 …5678" (OCR reads · as - or :)
    expect(menu).toContain('stateofcharge:');
    expect(menu).not.toContain('nohoymileslogin');
    await desktop.closeMenu();
    await demoPage.close();
    expect(await quitThroughMenu(desktop, demo, trayHelperPid(demo), 'demo-quit')).toBe(0);
    await w.close();

    // A restarted demo: no warnings (no held-back counters, nothing damaged).
    const again = desktop.run(process.execPath, [BUNDLE, '--demo'], { cwd: tmpdir(), name: 'demo-again', env });
    apps.push(again);
    const out2 = await again.waitForOutput(/embedded MQTT broker at (mqtt:\/\/127\.0\.0\.1:\d+)/, 20_000);
    const w2 = await watch(/embedded MQTT broker at (mqtt:\/\/127\.0\.0\.1:\d+)/.exec(out2)![1]!, 'hoymiles-ms-a2/DEMO12345678/state');
    await again.waitForOutput('Tray started', 20_000);
    await desktop.waitForIcon(20_000);
    // The first cycle reads the energy counters too (where a drop would be held back with a warning); then one more.
    await waitFor(() => w2.messages.length >= 2 && JSON.parse(w2.messages.at(-1)!.payload).charge_energy_today !== null, 15_000, 'two states with energy');
    await w2.close();
    expect(again.output()).not.toMatch(/\b(WARN|ERROR)\b/);
    // The history file survived: the first start filled a day, the restart only the minutes in between.
    expect(demo.output()).toMatch(/Demo: filled 14[34]\d minutes of simulated history/);
    const refill = /Demo: filled (\d+) minutes/.exec(again.output());
    expect(Number(refill?.[1] ?? 0)).toBeLessThan(10);
    expect(await quitThroughMenu(desktop, again, trayHelperPid(again), 'demo-again-quit')).toBe(0);

    // The real config folder: exactly as before.
    expect(listing(configDir)).toEqual(before);
  }, 150_000);

  test('in German when the system is (LANG=de_DE.UTF-8): first run, labels, status, chart; the Language setting switches to English', async () => {
    const deConfig = join(work, 'de-config');
    const seen = urls().length;
    const de = desktop.run(process.execPath, [BUNDLE], { cwd: tmpdir(), name: 'de', env: appEnv(deConfig, { LANG: 'de_DE.UTF-8', LC_ALL: '', LC_MESSAGES: '' }) });
    apps.push(de);
    const url = await nextUrl(seen, 20_000);
    const p = await openPage(url);
    expect(await p.locator('html').getAttribute('lang')).toBe('de');
    expect(await p.title()).toBe('Hoymiles Tray – Einstellungen');
    await expect.poll(() => p.locator('#wizard').isVisible()).toBe(true);
    expect(await text(p, '#wizard h2')).toBe('Willkommen: drei Schritte, und das Tray zeigt Ihre Batterie');
    // The account as the fake cloud has it now (the status panel test above changed its password).
    const account = cloud.accounts[0]!;
    await p.fill('#wz-email', account.email);
    await p.fill('#wz-password', account.password);
    await p.click('#wz-test-login');
    await expect.poll(() => text(p, '#wz-login-result'), { timeout: 15_000 }).toContain('Anmeldung funktioniert. 1 Batterie in 1 Anlage gefunden:');
    expect(await text(p, '#wz-login-result')).toContain('(Anlage ');
    expect(await text(p, '#st-updated')).toMatch(/^· Stand \d\d:\d\d:\d\d$/);
    await p.screenshot({ path: join(SHOTS, 'de-01-first-run.png'), fullPage: true });
    await p.click('#wz-next-1');
    await p.click('#wz-tray-only');
    await expect.poll(() => text(p, '#wz-done'), { timeout: 30_000 }).toMatch(/^Fertig\. Hoymiles-Anmeldung: Angemeldet/);
    await expect.poll(() => text(p, '#wz-tray'), { timeout: 10_000 }).toContain(`MS-A2 ${SN}: 57 %, lädt 245 W`);

    // The full page in German: sections, labels, status panel, the chart's caption with German decimals.
    await p.reload();
    expect(await text(p, '#sec-account h2')).toBe('Hoymiles-Konto');
    expect(await text(p, 'label[for="f-hoymilesPassword"]')).toBe('Passwort');
    expect(await text(p, '#save')).toBe('Speichern');
    expect(await text(p, '#sec-status dt >> nth=0')).toBe('Hoymiles-Anmeldung');
    await expect.poll(() => text(p, '#st-cloud'), { timeout: ONE_POLL_MS * 2 }).toBe('Angemeldet; die Batterie wird gelesen.');
    expect(await text(p, '#st-broker')).toBe('Senden ist aus: nur das Tray (kein Broker).');
    // (the chart reads the history once a minute: the energy may still be a dash here)
    await expect.poll(() => text(p, '#today'), { timeout: 10_000 }).toMatch(/^Heute: \+(–|\d+ Wh) geladen, −(–|\d+ Wh) entladen/);
    expect(await text(p, '.legend')).toContain('Ladezustand');
    // A field error in German.
    await p.fill('#f-lowSocThreshold', '250');
    await p.click('#save');
    await expect.poll(() => text(p, '#err-lowSocThreshold')).toBe('Ein ganzer Prozentwert von 0 bis 100.');
    expect(await text(p, '#status')).toBe('Nichts gespeichert: Bitte korrigieren Sie die markierten Felder.');
    await p.screenshot({ path: join(SHOTS, 'de-02-page.png'), fullPage: true });

    // The Language setting wins over the system: English after a save.
    await p.fill('#f-lowSocThreshold', '15');
    await p.selectOption('#f-language', 'en');
    await p.click('#save');
    await expect.poll(() => text(p, '#status'), { timeout: 30_000 }).toMatch(/^Einstellungen gespeichert\./);
    expect(JSON.parse(readFileSync(join(deConfig, 'config.json'), 'utf8')).language).toBe('en');
    await p.reload();
    expect(await p.locator('html').getAttribute('lang')).toBe('en');
    expect(await text(p, '#sec-account h2')).toBe('Hoymiles account');
    await p.close();
    de.kill('SIGTERM');
    await de.exited;
  }, 150_000);

  test('first run without a Hoymiles account: Test connection finds the battery, native, the tray shows it', async () => {
    const firmware = await FakeFirmware.start({ url: broker.url, sn: SN, quickMs: 500, slowMs: 1_000, initial: { soc: 63, ownPower: -245 } });
    try {
      const nativeDir = join(work, 'native-config');
      const seen = urls().length;
      const native = desktop.run(process.execPath, [BUNDLE], { cwd: tmpdir(), name: 'first-run-native', env: appEnv(nativeDir) });
      apps.push(native);
      await desktop.waitForIcon(20_000);
      await native.waitForOutput('Waiting for the settings: no Hoymiles login is saved yet');
      const p = await openPage(await nextUrl(seen));
      await expect.poll(() => p.locator('#wizard').isVisible()).toBe(true);
      await p.screenshot({ path: join(SHOTS, '19-native-first-run.png'), fullPage: true });
      await p.click('#wz-no-account');
      expect(await p.locator('#wz-2').isVisible()).toBe(true);
      expect(await p.locator('#wz-tray-only').isVisible()).toBe(false);
      await p.fill('#wz-url', `127.0.0.1:${broker.port}`);
      await p.click('#wz-test-mqtt');
      await expect.poll(() => text(p, '#wz-mqtt-result'), { timeout: 15_000 }).toContain(`Found MSA-${SN} on your broker`);
      expect(await p.locator('#wz-use-native').isVisible()).toBe(true);
      // No login tested: "both" is not offered, and a broker without the feed is no choice either.
      expect(await p.locator('#wz-use-both').isVisible()).toBe(false);
      expect(await p.locator('#wz-use-broker').isVisible()).toBe(false);
      await p.screenshot({ path: join(SHOTS, '20-native-found.png'), fullPage: true });
      await p.click('#wz-use-native');
      await expect.poll(() => text(p, '#wz-done'), { timeout: 30_000 }).toMatch(/^Done\. Hoymiles login: Not needed.*MQTT broker: Connected/);
      await expect.poll(() => text(p, '#wz-tray'), { timeout: 15_000 }).toContain(`MS-A2 ${SN}: 63 %`);
      await p.screenshot({ path: join(SHOTS, '21-native-done.png'), fullPage: true });

      const cfg = JSON.parse(readFileSync(join(nativeDir, 'config.json'), 'utf8'));
      expect(cfg).toMatchObject({ source: 'native', mqttUrl: `mqtt://127.0.0.1:${broker.port}` });
      expect(cfg.hoymilesEmail ?? '').toBe('');
      // A later visit shows the normal page: the first run is done without a login.
      await p.reload();
      expect(await p.locator('#wizard').count()).toBe(0);
      await expect.poll(() => text(p, '#st-batteries'), { timeout: ONE_POLL_MS }).toContain(`MS-A2 ${SN} · 63 %`);
      await p.close();

      await desktop.openMenu();
      const menu = normaliseOcr(await desktop.ocrMenu('first-run-native-menu'));
      expect(menu).toContain('stateofcharge:63');
      await desktop.closeMenu();
      expect(await quitThroughMenu(desktop, native, trayHelperPid(native), 'first-run-native-quit')).toBe(0);
    } finally {
      await firmware.stop();
    }
  }, 150_000);
});
