/** The settings page in a real (headless) Chromium, plus the server's access rules over raw HTTP. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/config/secrets.js';
import { DEFAULTS, type Settings } from '../../src/config/app-settings.js';
import { ConfigStore } from '../../src/config/store.js';
import { memoryLogger, redact } from '../../src/log/logger.js';
import type { SettingView, StationControlsView } from '../../src/controls/battery-controls.js';
import type { SettingKey, SettingValue } from '../../src/controls/battery-settings.js';
import { controlAnchor } from '../../src/controls/views.js';
import { withFragment } from '../../src/settings-page/browser.js';
import { startSettingsServer, type SettingsServer, type SettingsServerOptions } from '../../src/settings-page/server.js';
import { hasChromium, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { useTempDirs } from '../helpers/temp.js';

const HOY_PW = 'Hoy-Secret-pw-4711';
const MQTT_PW = 'Mqtt-Secret-pw-0815';
const STATIONS = [
  { sid: 1234, name: 'Garage', batteries: ['MSA-1A2B3C', 'MSA-4D5E6F'] },
  { sid: 5678, name: 'Garden shed', batteries: [] },
];

const SN = 'MSA-1A2B3C';

/** A stand-in for BatteryControls: one station; set() waits for `release()` when gated, then confirms or throws. */
function stubControls() {
  const views: StationControlsView[] = [
    {
      sid: 1234,
      sn: SN,
      stationName: 'Garage',
      settings: [
        { key: 'grid_charging', label: 'Grid charging', supported: true, value: false, writing: false },
        { key: 'input_power', label: 'On-grid input power', supported: true, value: 800, range: { min: 0, max: 2000, step: 1 }, writing: false },
        { key: 'reserve_soc', label: 'Reserve state of charge', supported: true, value: 10, range: { min: 10, max: 100, step: 1 }, writing: false },
      ],
    },
  ];
  const calls: { sn: string; key: SettingKey; value: SettingValue }[] = [];
  let failWith: string | undefined;
  let gate: Promise<void> | undefined;
  let open: () => void = () => undefined;
  const setting = (key: SettingKey) => views[0]!.settings.find((v) => v.key === key) as SettingView;
  return {
    views,
    calls,
    setting,
    failNext: (message: string) => (failWith = message),
    hold: () => (gate = new Promise<void>((r) => (open = r))),
    release: () => open(),
    controls: {
      stations: () => structuredClone(views),
      async set(sn: string, key: SettingKey, value: SettingValue) {
        calls.push({ sn, key, value });
        await gate;
        gate = undefined;
        if (failWith) {
          const m = failWith;
          failWith = undefined;
          throw new Error(m);
        }
        setting(key).value = value;
      },
    },
  };
}

/** Opens the page; without a stored login it starts with the first-run flow, which these tests skip. */
async function visit(page: import('playwright-core').Page, url: string): Promise<void> {
  await page.goto(url);
  if (await page.locator('#wz-skip').isVisible()) await page.click('#wz-skip');
}

let dir: string;
let store: ConfigStore;
let secrets: MemorySecretStore;
let server: SettingsServer;
let saved: Settings[];
let loginCalls: { email: string; password: string }[];
let mqttCalls: { url: string; user: string; password: string }[];
let loginResult: () => Promise<{ stations: typeof STATIONS }>;

async function start(extra: Partial<SettingsServerOptions> = {}): Promise<SettingsServer> {
  const { logger } = memoryLogger();
  server = await startSettingsServer({
    store,
    secrets,
    logger,
    testLogin: async (email, password) => {
      loginCalls.push({ email, password });
      return loginResult();
    },
    testMqtt: async (url, user, password) => {
      mqttCalls.push({ url, user, password });
      if (url.includes('unreachable')) throw new Error('The broker at unreachable:1883 did not answer.');
    },
    onSaved: (s) => void saved.push(s),
    ...extra,
  });
  return server;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoymiles-settings-'));
  store = new ConfigStore({ dir, logger: memoryLogger().logger });
  secrets = new MemorySecretStore();
  saved = [];
  loginCalls = [];
  mqttCalls = [];
  loginResult = async () => ({ stations: STATIONS });
});
afterEach(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasChromium())('settings page in Chromium', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('saves values to the store and passwords to the SecretStore, and never shows them again', async () => {
    await start({ secretStorageNote: 'Passwords are stored in a file readable only by you (no keychain found).' });
    const page = await browser.newPage();
    await visit(page, server.url);
    // The secret left the address bar for a cookie.
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/`);
    await expect(page.title()).resolves.toContain('Settings');
    expect(await page.locator('.note').textContent()).toContain('no keychain found');

    await page.fill('#f-hoymilesEmail', 'owner@example.com');
    await page.fill('#f-hoymilesPassword', HOY_PW);
    await page.fill('#f-mqttUrl', 'mqtt://192.168.1.10:1883');
    await page.fill('#f-mqttUser', 'ha');
    await page.fill('#f-mqttPassword', MQTT_PW);
    await page.fill('#f-baseTopic', 'home/battery');
    await page.fill('#f-discoveryPrefix', 'homeassistant');
    await page.fill('#f-intervalSec', '20');
    await page.fill('#f-stationIntervalSec', '600');
    await page.fill('#f-lowSocThreshold', '25');
    await page.locator('label[for="f-notifyLogin"]').click(); // on → off
    await page.locator('label[for="f-nativeCompat"]').click(); // off → on
    await page.locator('label[for="f-publishEnabled"]').click(); // on → off
    await page.click('#test-login');
    await expect.poll(() => page.locator('#test-login-result').textContent()).toContain('Garage');
    await page.screenshot({ path: '/tmp/hoymiles-settings-page.png', fullPage: true });

    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Settings stored.');

    expect(store.load()).toMatchObject({
      hoymilesEmail: 'owner@example.com',
      mqttUrl: 'mqtt://192.168.1.10:1883',
      mqttUser: 'ha',
      baseTopic: 'home/battery',
      intervalSec: 20,
      stationIntervalSec: 600,
      lowSocThreshold: 25,
      notifyLogin: false,
      notifyLowSoc: true,
      nativeCompat: true,
      publishEnabled: false,
      hoymilesPassword: '',
      mqttPassword: '',
    });
    expect(store.publishEnabled).toBe(false);
    expect(await secrets.get('hoymilesPassword')).toBe(HOY_PW);
    expect(await secrets.get('mqttPassword')).toBe(MQTT_PW);
    const file = readFileSync(store.path, 'utf8');
    expect(file).not.toContain(HOY_PW);
    expect(file).not.toContain(MQTT_PW);
    // Registered with the logger: redacted from now on.
    expect(redact(`x ${HOY_PW} ${MQTT_PW}`)).toBe('x *** ***');
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ hoymilesPassword: HOY_PW, mqttPassword: MQTT_PW, baseTopic: 'home/battery' });
    // The password inputs were emptied and say "stored".
    expect(await page.inputValue('#f-hoymilesPassword')).toBe('');
    expect(await page.getAttribute('#f-mqttPassword', 'placeholder')).toContain('stored');

    await page.reload();
    const html = await page.content();
    expect(html).not.toContain(HOY_PW);
    expect(html).not.toContain(MQTT_PW);
    expect(await page.inputValue('#f-hoymilesEmail')).toBe('owner@example.com');
    expect(await page.getAttribute('#f-hoymilesPassword', 'placeholder')).toBe('•••• stored');
    expect(await page.isChecked('#f-nativeCompat')).toBe(true);

    // Saving again with empty password fields keeps the stored passwords.
    await page.fill('#f-intervalSec', '30');
    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Settings stored.');
    expect(store.load().intervalSec).toBe(30);
    expect(await secrets.get('hoymilesPassword')).toBe(HOY_PW);
    expect(await secrets.get('mqttPassword')).toBe(MQTT_PW);
    expect(saved[1]?.mqttPassword).toBe(MQTT_PW);
    await page.close();
  });

  it('shows errors next to the fields and saves nothing', async () => {
    await start();
    const page = await browser.newPage();
    await visit(page, server.url);
    await page.fill('#f-hoymilesPassword', HOY_PW);
    await page.fill('#f-baseTopic', 'home/#');
    await page.fill('#f-intervalSec', '0');
    await page.fill('#f-mqttUrl', 'http://broker');
    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent()).toContain('Nothing was saved');

    expect(await page.locator('#err-baseTopic').textContent()).toContain('without spaces, # or +');
    expect(await page.locator('#err-intervalSec').textContent()).toContain('more than 0');
    expect(await page.locator('#err-mqttUrl').textContent()).toContain('mqtt://192.168.1.10:1883');
    expect(await page.getAttribute('#f-baseTopic', 'aria-invalid')).toBe('true');
    // Each message sits in the same row as its input.
    const sameRow = await page.evaluate(() => document.getElementById('err-intervalSec')!.closest('.row') === document.getElementById('f-intervalSec')!.closest('.row'));
    expect(sameRow).toBe(true);
    expect(await page.locator('#err-hoymilesEmail').textContent()).toBe('');

    expect(store.load()).toEqual(DEFAULTS);
    expect(await secrets.get('hoymilesPassword')).toBeUndefined();
    expect(saved).toHaveLength(0);

    // Typing into a field clears its message.
    await page.fill('#f-intervalSec', '10');
    expect(await page.locator('#err-intervalSec').textContent()).toBe('');
    await page.close();
  });

  it('Test login lists the stations; a failure shows its message; the stored password is used when the field is empty', async () => {
    await secrets.set('hoymilesPassword', HOY_PW);
    await start();
    const page = await browser.newPage();
    await visit(page, server.url);
    await page.fill('#f-hoymilesEmail', 'owner@example.com');
    await page.click('#test-login');
    const result = page.locator('#test-login-result');
    await expect.poll(() => result.textContent()).toContain('Login works');
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('2 stations, 2 batteries');
    expect(text).toContain('Garage (station 1234)');
    expect(text).toContain('MSA-1A2B3C, MSA-4D5E6F');
    expect(text).toContain('Garden shed');
    expect(text).toContain('No battery in this station');
    expect(loginCalls).toEqual([{ email: 'owner@example.com', password: HOY_PW }]);

    loginResult = async () => {
      throw new Error('The e-mail or password is wrong.');
    };
    await page.click('#test-login');
    await expect.poll(() => result.textContent()).toContain('The e-mail or password is wrong.');
    expect(await result.getAttribute('class')).toContain('fail');

    await page.fill('#f-mqttUrl', 'mqtt://unreachable:1883');
    await page.fill('#f-mqttUser', 'ha');
    await page.click('#test-mqtt');
    await expect.poll(() => page.locator('#test-mqtt-result').textContent()).toContain('did not answer');
    await page.fill('#f-mqttUrl', 'mqtt://broker:1883');
    await page.fill('#f-mqttPassword', MQTT_PW);
    await page.click('#test-mqtt');
    await expect.poll(() => page.locator('#test-mqtt-result').textContent()).toContain('Connected');
    expect(mqttCalls.at(-1)).toEqual({ url: 'mqtt://broker:1883', user: 'ha', password: MQTT_PW });
    // Testing saves nothing.
    expect(store.load()).toEqual(DEFAULTS);
    expect(await secrets.get('mqttPassword')).toBeUndefined();
    await page.close();
  });

  it('fields set by environment variables are read-only with a note, and a save leaves them alone', async () => {
    store.save({ baseTopic: 'stored-topic' });
    await start({ envOverrides: new Set<keyof Settings>(['baseTopic', 'mqttPassword']), env: { MQTT_TOPIC: 'env-topic', MQTT_PASSWORD: 'env-pw' } });
    const page = await browser.newPage();
    await visit(page, server.url);
    expect(await page.isDisabled('#f-baseTopic')).toBe(true);
    expect(await page.inputValue('#f-baseTopic')).toBe('env-topic');
    expect(await page.locator('#hint-baseTopic').textContent()).toContain('MQTT_TOPIC');
    expect(await page.isDisabled('#f-mqttPassword')).toBe(true);
    expect(await page.content()).not.toContain('env-pw');
    await page.fill('#f-intervalSec', '45');
    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Settings stored.');
    expect(store.load()).toMatchObject({ baseTopic: 'stored-topic', intervalSec: 45 });
    expect(await secrets.get('mqttPassword')).toBeUndefined();
    await page.close();
  });

  it('Battery control: confirmed values, Apply with applying… then the confirmed value or the error, range checked', async () => {
    const stub = stubControls();
    await start({ controls: stub.controls });
    const page = await browser.newPage();
    // The tray opens the page at a field: the fragment survives the secret-for-cookie redirect.
    const anchor = controlAnchor(SN, 'input_power');
    expect(anchor).toBe('control-MSA-1A2B3C-input_power');
    await visit(page, withFragment(server.url, anchor));
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/#${anchor}`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe(anchor);
    expect(await page.evaluate((id) => document.getElementById(id)!.closest('.row')!.classList.contains('highlight'), anchor)).toBe(true);
    expect(await page.locator('.highlight').count()).toBe(1);
    const inView = await page.evaluate((id) => {
      const r = document.getElementById(id)!.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    }, anchor);
    expect(inView).toBe(true);

    const section = page.locator('#sec-controls');
    const text = (await section.textContent()) ?? '';
    expect(text).toContain('Battery control');
    expect(text).toContain('MS-A2 MSA-1A2B3C · Garage');
    expect(text).toContain('Now: Off');
    expect(text).toContain('Now: 800 W · allowed 0–2000 W');
    expect(text).toContain('Now: 10 % · allowed 10–100 %');
    expect(await page.inputValue(`#${anchor}`)).toBe('800');
    await page.screenshot({ path: '/tmp/hoymiles-settings-controls.png', fullPage: true });

    const rowOf = (key: SettingKey) => page.locator(`.ctl[data-key="${key}"]`);
    const result = (key: SettingKey) => page.locator(`#${controlAnchor(SN, key)}-result`);

    // Apply: "Applying…" until the battery confirmed, then the confirmed value.
    stub.hold();
    await page.fill(`#${anchor}`, '950');
    await rowOf('input_power').locator('button.apply').click();
    await expect.poll(() => result('input_power').textContent()).toBe('Applying…');
    expect(stub.calls).toEqual([{ sn: SN, key: 'input_power', value: 950 }]);
    stub.release();
    await expect.poll(() => result('input_power').textContent()).toBe('Confirmed by the battery: 950 W.');
    expect(await rowOf('input_power').locator('.ctl-now').textContent()).toBe('950 W');
    expect(await result('input_power').getAttribute('class')).toContain('ok');

    // Out of range: refused by the server with the range, nothing sent to the battery.
    await page.fill(`#${anchor}`, '5000');
    await page.press(`#${anchor}`, 'Enter');
    await expect.poll(() => result('input_power').textContent()).toContain('5000 W is outside 0–2000 W');
    expect(await result('input_power').getAttribute('class')).toContain('fail');
    expect(await page.getAttribute(`#${anchor}`, 'aria-invalid')).toBe('true');
    await page.fill(`#${controlAnchor(SN, 'reserve_soc')}`, '5');
    await rowOf('reserve_soc').locator('button.apply').click();
    await expect.poll(() => result('reserve_soc').textContent()).toContain('5 % is outside 10–100 %');
    expect(stub.calls).toHaveLength(1);

    // Grid charging: on.
    await page.selectOption(`#${controlAnchor(SN, 'grid_charging')}`, 'on');
    await rowOf('grid_charging').locator('button.apply').click();
    await expect.poll(() => result('grid_charging').textContent()).toBe('Confirmed by the battery: On.');
    expect(stub.calls.at(-1)).toEqual({ sn: SN, key: 'grid_charging', value: true });

    // The battery refuses: its message next to the field, the old value stays.
    stub.failNext('The battery could not set the reserve state of charge to 20 %: device offline.');
    await page.fill(`#${controlAnchor(SN, 'reserve_soc')}`, '20');
    await rowOf('reserve_soc').locator('button.apply').click();
    await expect.poll(() => result('reserve_soc').textContent()).toBe('The battery could not set the reserve state of charge to 20 %: device offline.');
    expect(await rowOf('reserve_soc').locator('.ctl-now').textContent()).toBe('10 %');
    expect(stub.calls.at(-1)).toEqual({ sn: SN, key: 'reserve_soc', value: 20 });

    // The settings form is not affected by the controls.
    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Settings stored.');
    expect(saved).toHaveLength(1);
    await page.close();
  });

  it('Battery control without controls says it is unavailable; unsupported settings say so', async () => {
    await start();
    let page = await browser.newPage();
    await visit(page, server.url);
    expect(await page.locator('#sec-controls').textContent()).toContain('Battery control is not available right now.');
    expect(await page.locator('#sec-controls input, #sec-controls button').count()).toBe(0);
    await page.close();
    await server.close();

    const stub = stubControls();
    Object.assign(stub.setting('reserve_soc'), { supported: false, value: undefined });
    Object.assign(stub.setting('input_power'), { blocked: 'the on-grid input power of station 1234 has not been read yet' });
    await start({ controls: stub.controls });
    page = await browser.newPage();
    await visit(page, server.url);
    const text = (await page.locator('#sec-controls').textContent()) ?? '';
    expect(text).toContain('Not offered for this station');
    expect(text).toContain('The on-grid input power of station 1234 has not been read yet.');
    expect(await page.isDisabled(`#${controlAnchor(SN, 'input_power')}`)).toBe(true);
    expect(await page.locator(`#${controlAnchor(SN, 'reserve_soc')}`).count()).toBe(1); // the anchor still exists
    await page.close();
  });

  it('the demo: a badge, its fixed account and broker read-only and never saved; the status panel; a chart point per sample', async () => {
    const now = Date.now();
    const samples: [number, number | null, number | null][] = Array.from({ length: 300 }, (_, i) => [now - (300 - i) * 60_000, 40 + i / 10, i % 2 ? -200 : 150]);
    samples.splice(100, 10); // a 10-minute gap: two lines, still one point per sample
    const status = {
      version: '9.8.7',
      demo: true,
      generation: 0,
      settled: true,
      cloud: { state: 'ok' as const, text: 'Logged in; reading the battery.' },
      broker: { state: 'refused' as const, text: 'Refused: nothing accepts connections at 127.0.0.1:1. Is the broker running?' },
      batteries: [{ sn: 'SN-DEMO', station: 'Home', text: '57 %, charging 245 W', age: '3 s ago', fresh: true }],
      lastProblem: { text: 'Cannot reach the MQTT broker 127.0.0.1:1', at: '10:15' },
      logPath: '/tmp/x/hoymiles-tray.log',
    };
    let opened = 0;
    await start({
      fixed: { values: { hoymilesEmail: 'demo@example.com', hoymilesPassword: 'demo-pw', mqttUrl: 'mqtt://127.0.0.1:1' }, reason: 'Fixed in the demo.' },
      status: () => status,
      history: () => ({ from: now - 86_400_000, to: now, batteries: [{ sn: 'SN-DEMO', station: 'Home', samples, chargedToday: 1234, dischargedToday: 56 }] }),
      openLog: () => opened++,
      onSaved: (s) => {
        saved.push(s);
        return 0; // the generation the status already reports
      },
    });
    const page = await browser.newPage();
    await page.goto(server.url);
    expect(await page.locator('#wizard').count()).toBe(0); // the demo has its login
    expect(await page.locator('#demo-badge').textContent()).toBe('Demo');
    expect(await page.locator('#f-hoymilesEmail').isDisabled()).toBe(true);
    expect(await page.locator('#f-hoymilesEmail').inputValue()).toBe('demo@example.com');
    expect(await page.locator('#hint-mqttUrl').textContent()).toBe('Fixed in the demo.');
    await expect.poll(() => page.locator('#st-broker').textContent(), { timeout: 5_000 }).toBe(status.broker.text);
    expect(await page.locator('#st-broker').getAttribute('data-state')).toBe('refused');
    expect(await page.locator('#st-batteries').textContent()).toBe('MS-A2 SN-DEMO · 57 %, charging 245 W · 3 s ago');
    expect(await page.locator('#st-problem').textContent()).toBe('10:15 – Cannot reach the MQTT broker 127.0.0.1:1');
    expect(await page.locator('#st-version').textContent()).toBe('9.8.7 (demo)');
    await page.click('#open-log');
    await expect.poll(() => opened).toBe(1);

    await expect.poll(() => page.locator('#chart').getAttribute('data-soc-points'), { timeout: 5_000 }).toBe('290');
    const lines = await page.$$eval('#chart polyline.soc-line', (ls) => ls.map((l) => l.getAttribute('points')!.trim().split(/\s+/).length));
    expect(lines).toEqual([100, 190]);
    // Charge (negative, Home Assistant's sign) above the zero line, discharge below.
    const ys = await page.$$eval('#chart polyline.power-line', (ls) => ls[0]!.getAttribute('points')!.trim().split(/\s+/).slice(0, 2).map((p) => Number(p.split(',')[1])));
    const zero = await page.$eval('#chart line.zero', (l) => Number(l.getAttribute('y1')));
    expect(ys[0]).toBeGreaterThan(zero); // 150 W discharging
    expect(ys[1]).toBeLessThan(zero); // 200 W charging
    expect(await page.locator('#today').textContent()).toBe('Today: +1.23 kWh charged, −56 Wh discharged (MS-A2 SN-DEMO)');
    await page.screenshot({ path: join(tmpdir(), 'hoymiles-settings-demo-panel.png'), fullPage: true });

    await page.fill('#f-lowSocThreshold', '30');
    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 6_000 }).toMatch(/^Settings stored\. Hoymiles login: Logged in.*MQTT broker: Refused/);
    const raw = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(raw).toEqual({ lowSocThreshold: 30 });
    expect(await secrets.get('hoymilesPassword')).toBeUndefined();
  });

  it('first run, tray only: the account is tested, then stored with publishing off and no broker', async () => {
    const status = {
      version: '1.0.0',
      demo: false,
      generation: 0,
      settled: true,
      cloud: { state: 'no-credentials' as const, text: 'No Hoymiles login saved yet.' },
      broker: { state: 'off' as const, text: 'Publishing is off: the tray only (no broker).' },
      batteries: [] as { sn: string; station: string; text: string; age: string; fresh: boolean }[],
    };
    await start({
      status: () => status,
      onSaved: (s) => {
        saved.push(s);
        // The app applies it: logged in, the battery read.
        Object.assign(status, { generation: 1, cloud: { state: 'ok', text: 'Logged in; reading the battery.' }, batteries: [{ sn: 'MSA-1A2B3C', station: 'Garage', text: '40 %, standby', age: '1 s ago', fresh: true }] });
        return 1;
      },
    });
    const page = await browser.newPage();
    await page.goto(server.url);
    expect(await page.locator('#wizard').isVisible()).toBe(true);
    // Next stays off until a login worked.
    expect(await page.locator('#wz-next-1').isDisabled()).toBe(true);
    await page.fill('#wz-email', 'me@example.com');
    await page.fill('#wz-password', HOY_PW);
    await page.click('#wz-test-login');
    await expect.poll(() => page.locator('#wz-login-result').textContent()).toContain('Found 2 batteries in 2 stations');
    expect(await page.locator('#wz-login-result').textContent()).toContain('MS-A2 MSA-1A2B3C, MS-A2 MSA-4D5E6F');
    await page.click('#wz-next-1');
    expect(await page.locator('#wz-2').isVisible()).toBe(true);
    await page.click('#wz-tray-only');
    await expect.poll(() => page.locator('#wz-done').textContent(), { timeout: 6_000 }).toBe(
      'Done. Hoymiles login: Logged in; reading the battery. MQTT broker: Publishing is off: the tray only (no broker).',
    );
    expect(await page.locator('#wz-tray').textContent()).toContain('MS-A2 MSA-1A2B3C: 40 %, standby');
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({ hoymilesEmail: 'me@example.com', publishEnabled: false });
    expect(await secrets.get('hoymilesPassword')).toBe(HOY_PW);
    expect(mqttCalls).toEqual([]);
    expect(saved).toHaveLength(1);
    // A later visit: the normal page.
    await page.goto(server.url);
    expect(await page.locator('#wizard').count()).toBe(0);
    expect(await page.locator('#full').isVisible()).toBe(true);
  });

  it('shows the warning about a damaged settings file', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(store.path, '{oops');
    store = new ConfigStore({ dir, logger: memoryLogger().logger });
    await start();
    const page = await browser.newPage();
    await visit(page, server.url);
    expect(await page.locator('.note.warn').textContent()).toContain('The settings file was damaged');
    await page.close();
  });
});

describe('settings server access rules (raw HTTP)', () => {
  const base = () => `http://127.0.0.1:${server.port}`;

  /** Trade the URL secret for the cookie, then read the CSRF token from the page. */
  async function session(): Promise<{ cookie: string; csrf: string }> {
    const r = await fetch(server.url, { redirect: 'manual' });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/');
    const setCookie = r.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const page = await fetch(`${base()}/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1];
    expect(csrf).toBeTruthy();
    return { cookie, csrf: csrf! };
  }

  const post = (path: string, headers: Record<string, string>, body: unknown = { intervalSec: '42' }) =>
    request(`${base()}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('listens on 127.0.0.1 with a 32-byte secret in the URL', async () => {
    await start();
    const u = new URL(server.url);
    expect(u.hostname).toBe('127.0.0.1');
    expect(u.searchParams.get('k')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses requests without the secret or cookie', async () => {
    await start();
    expect((await fetch(`${base()}/`)).status).toBe(403);
    expect((await fetch(`${base()}/?k=wrong`)).status).toBe(403);
    expect((await fetch(`${base()}/`, { headers: { cookie: `hoymiles_tray_${server.port}=guess` } })).status).toBe(403);
    const r = await post('/api/save', {});
    expect(r.statusCode).toBe(403);
    await r.body.dump();
  });

  it('a link works once: its key cannot be used a second time', async () => {
    await start();
    const link = server.url;
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(303);
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(403);
    expect(server.url).not.toBe(link); // every read of url is a new link
  });

  it('Test connection never sends the stored MQTT password to a broker typed in on the page', async () => {
    await start();
    store.save({ mqttUrl: 'mqtt://home.lan:1883', mqttUser: 'ha' });
    await secrets.set('mqttPassword', 'stored-broker-secret');
    const { cookie, csrf } = await session();
    const h = { cookie, 'x-csrf-token': csrf };
    await (await post('/api/test-mqtt', h, { url: 'mqtt://attacker.example:1883', user: 'ha', password: '' })).body.dump();
    await (await post('/api/test-mqtt', h, { url: 'mqtt://home.lan:1883', user: 'ha', password: '' })).body.dump();
    expect(mqttCalls.map((c) => c.password)).toEqual(['', 'stored-broker-secret']);
  });

  it('refuses a foreign Host header, even with the secret (DNS rebinding)', async () => {
    await start();
    const r = await request(server.url, { headers: { host: `evil.example:${server.port}` } });
    expect(r.statusCode).toBe(403);
    await r.body.dump();
    const ok = await request(server.url.replace('127.0.0.1', 'localhost'), { headers: { host: `localhost:${server.port}` } });
    expect(ok.statusCode).toBe(303);
    await ok.body.dump();
    const wrongPort = await request(server.url, { headers: { host: `127.0.0.1:${server.port + 1}` } });
    expect(wrongPort.statusCode).toBe(403);
    await wrongPort.body.dump();
  });

  it('every POST needs the CSRF token; a foreign Origin is refused', async () => {
    await start();
    const { cookie, csrf } = await session();

    const noToken = await post('/api/save', { cookie });
    expect(noToken.statusCode).toBe(403);
    await noToken.body.dump();
    const badToken = await post('/api/test-login', { cookie, 'x-csrf-token': 'nope' }, { email: 'a@b.c', password: 'x' });
    expect(badToken.statusCode).toBe(403);
    await badToken.body.dump();
    const noTokenMqtt = await post('/api/test-mqtt', { cookie }, { url: 'mqtt://x:1883' });
    expect(noTokenMqtt.statusCode).toBe(403);
    await noTokenMqtt.body.dump();

    const foreign = await post('/api/save', { cookie, 'x-csrf-token': csrf, origin: 'http://evil.example' });
    expect(foreign.statusCode).toBe(403);
    await foreign.body.dump();
    const crossSite = await post('/api/save', { cookie, 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.statusCode).toBe(403);
    await crossSite.body.dump();
    const formPost = await request(`${base()}/api/save`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'intervalSec=42',
    });
    expect(formPost.statusCode).toBe(403);
    await formPost.body.dump();
    // The secret in the URL does not replace cookie + token for a POST.
    const keyOnly = await post(`/api/save${new URL(server.url).search}`, { 'x-csrf-token': csrf });
    expect(keyOnly.statusCode).toBe(403);
    await keyOnly.body.dump();
    expect(store.load().intervalSec).toBe(DEFAULTS.intervalSec);

    // With everything right it works (same origin allowed).
    const ok = await post('/api/save', { cookie, 'x-csrf-token': csrf, origin: base() });
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.json()).toMatchObject({ ok: true });
    expect(store.load().intervalSec).toBe(42);
  });

  it('validation errors come back as {errors: {field: message}} and passwords never come back', async () => {
    await secrets.set('mqttPassword', MQTT_PW);
    await start();
    const { cookie, csrf } = await session();
    const bad = await post('/api/save', { cookie, 'x-csrf-token': csrf }, { baseTopic: 'a#', intervalSec: '0', mqttUrl: 'no such broker', hoymilesPassword: HOY_PW });
    expect(bad.statusCode).toBe(422);
    const j = (await bad.body.json()) as { errors: Record<string, string> };
    expect(Object.keys(j.errors).sort()).toEqual(['baseTopic', 'intervalSec', 'mqttUrl']);
    expect(await secrets.get('hoymilesPassword')).toBeUndefined();

    const page = await fetch(`${base()}/`, { headers: { cookie } });
    const html = await page.text();
    expect(html).not.toContain(MQTT_PW);
    expect(html).toContain('•••• stored');
  });

  it('POST /api/control: CSRF-protected, validated with the ranges before anything is sent, then written', async () => {
    const stub = stubControls();
    await start({ controls: stub.controls });
    const { cookie, csrf } = await session();
    const control = async (body: unknown, headers: Record<string, string> = { cookie, 'x-csrf-token': csrf }) => {
      const r = await post('/api/control', headers, body);
      return { status: r.statusCode, json: (await r.body.text().then((t) => (t.startsWith('{') ? JSON.parse(t) : t))) as { ok?: boolean; error?: string; value?: unknown; text?: string } };
    };

    // Without the token (or the cookie) nothing happens.
    expect((await control({ sn: SN, key: 'input_power', value: '900' }, { cookie })).status).toBe(403);
    expect((await control({ sn: SN, key: 'input_power', value: '900' }, { cookie, 'x-csrf-token': 'nope' })).status).toBe(403);
    expect((await control({ sn: SN, key: 'input_power', value: '900' }, { 'x-csrf-token': csrf })).status).toBe(403);
    expect(stub.calls).toEqual([]);

    // Refused before set(): out of range, off the step, not a number, unknown key/battery, unsupported.
    const refused: [unknown, RegExp][] = [
      [{ sn: SN, key: 'input_power', value: '2001' }, /2001 W is outside 0–2000 W/],
      [{ sn: SN, key: 'input_power', value: -5 }, /outside 0–2000 W/],
      [{ sn: SN, key: 'reserve_soc', value: '9' }, /9 % is outside 10–100 %/],
      [{ sn: SN, key: 'reserve_soc', value: '50.5' }, /not a multiple of the step 1 %/],
      [{ sn: SN, key: 'input_power', value: '1e3' }, /not a number/],
      [{ sn: SN, key: 'input_power', value: '' }, /Enter a number/],
      [{ sn: SN, key: 'grid_charging', value: 'maybe' }, /on or off/],
      [{ sn: SN, key: 'work_mode', value: '1' }, /no such battery setting/],
      [{ sn: 'OTHER', key: 'input_power', value: '900' }, /OTHER has no controls/],
    ];
    for (const [body, error] of refused) {
      const r = await control(body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.json.ok).toBe(false);
      expect(r.json.error).toMatch(error);
    }
    stub.setting('reserve_soc').supported = false;
    expect((await control({ sn: SN, key: 'reserve_soc', value: '20' })).json.error).toMatch(/not offered/);
    expect(stub.calls).toEqual([]);

    // Accepted: the parsed value goes to set(); the answer carries the confirmed value.
    expect(await control({ sn: SN, key: 'input_power', value: ' 900 ' })).toEqual({ status: 200, json: { ok: true, value: 900, text: '900 W' } });
    expect(await control({ sn: SN, key: 'grid_charging', value: true })).toEqual({ status: 200, json: { ok: true, value: true, text: 'On' } });
    expect(await control({ sn: SN, key: 'grid_charging', value: 'off' })).toMatchObject({ status: 200, json: { ok: true, value: false } });
    expect(stub.calls).toEqual([
      { sn: SN, key: 'input_power', value: 900 },
      { sn: SN, key: 'grid_charging', value: true },
      { sn: SN, key: 'grid_charging', value: false },
    ]);
    // A failed write: its message, redacted like every message of this server.
    stub.failNext('Too soon: at most one change of this setting per 10 s (try again in 3.2 s).');
    expect(await control({ sn: SN, key: 'input_power', value: '901' })).toEqual({
      status: 200,
      json: { ok: false, error: 'Too soon: at most one change of this setting per 10 s (try again in 3.2 s).' },
    });
  });

  it('POST /api/control without controls: 409, nothing written', async () => {
    await start();
    const { cookie, csrf } = await session();
    const r = await post('/api/control', { cookie, 'x-csrf-token': csrf }, { sn: SN, key: 'input_power', value: '900' });
    expect(r.statusCode).toBe(409);
    expect(await r.body.json()).toMatchObject({ ok: false, error: 'Battery control is not available right now.' });
  });

  it('the page URL with a field to scroll to', () => {
    const url = 'http://127.0.0.1:4000/?k=abc_DEF-123';
    expect(withFragment(url)).toBe(url);
    expect(withFragment(url, 'control-MSA-1A2B3C-input_power')).toBe(`${url}#control-MSA-1A2B3C-input_power`);
    expect(withFragment(`${url}#old`, 'sec-controls')).toBe(`${url}#sec-controls`);
    expect(() => withFragment(url, 'x" & calc')).toThrow(/unusual page anchor/);
    expect(controlAnchor('SN/with space', 'reserve_soc')).toBe('control-SN_with_space-reserve_soc');
  });

  it('sends no-store, a strict CSP and X-Frame-Options DENY', async () => {
    await start();
    const { cookie } = await session();
    const r = await fetch(`${base()}/`, { headers: { cookie } });
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'nonce-[^']+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const forbidden = await fetch(`${base()}/`);
    expect(forbidden.headers.get('cache-control')).toBe('no-store');
  });

  it('close() stops the server', async () => {
    await start();
    const url = server.url;
    await server.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('settings page against hostile URLs and passwords in URLs', () => {
  const tempDir = useTempDirs();
  let server: SettingsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  async function start(store: ConfigStore, secrets = new MemorySecretStore(), extra: Partial<Parameters<typeof startSettingsServer>[0]> = {}) {
    server = await startSettingsServer({
      store,
      secrets,
      logger: memoryLogger().logger,
      testLogin: async () => ({ stations: [] }),
      testMqtt: async () => undefined,
      onSaved: () => undefined,
      ...extra,
    });
    return server;
  }
  const key = (s: SettingsServer) => new URL(s.url).searchParams.get('k')!;
  async function page(s: SettingsServer): Promise<{ cookie: string; html: string; csrf: string }> {
    const r = await request(s.url);
    await r.body.dump();
    const cookie = String(r.headers['set-cookie']).split(';')[0]!;
    const html = await (await request(`http://127.0.0.1:${s.port}/`, { headers: { cookie } })).body.text();
    return { cookie, html, csrf: /<meta name="csrf-token" content="([^"]+)"/.exec(html)![1]! };
  }

  it.each(['/.//evil.example/x', '//evil.example/x', '/%2F%2Fevil.example', '/nothing-here'])('trading the key at %s redirects to / only', async (path) => {
    const s = await start(new ConfigStore({ dir: tempDir('hardening-page-'), logger: memoryLogger().logger }));
    const r = await request(`http://127.0.0.1:${s.port}${path}?k=${key(s)}`, { headers: { host: `127.0.0.1:${s.port}` } });
    await r.body.dump();
    expect(r.statusCode).toBe(303);
    expect(r.headers.location).toBe('/');
  });

  it('a password inside MQTT_URL never reaches the page; the URL is shown without it', async () => {
    const store = new ConfigStore({ dir: tempDir('hardening-page-'), logger: memoryLogger().logger });
    const s = await start(store, undefined, {
      envOverrides: new Set(['mqttUrl', 'mqttPassword']),
      env: { MQTT_URL: 'mqtt://ha:Pw-In-Url-4711@broker.lan:1883' },
    });
    const { html } = await page(s);
    expect(html).not.toContain('Pw-In-Url-4711');
    expect(html).toContain('mqtt://ha@broker.lan:1883');
    expect(/id="hint-mqttPassword">Set by the environment variable <code>([^<]+)<\/code>/.exec(html)?.[1]).toBe('MQTT_URL');
  });

  it('a stored URL with a password is shown without it, and a save keeps the password in the secret store only', async () => {
    const dir = tempDir('hardening-page-');
    const store = new ConfigStore({ dir, logger: memoryLogger().logger });
    store.save({ mqttUrl: 'mqtt://ha:Stored-Pw-0815@broker.lan:1883' });
    const secrets = new MemorySecretStore();
    const s = await start(store, secrets);
    const { html, cookie, csrf } = await page(s);
    expect(html).not.toContain('Stored-Pw-0815');
    const shown = /id="f-mqttUrl"[^>]*value="([^"]*)"/.exec(html)?.[1];
    expect(shown).toBe('mqtt://ha@broker.lan:1883');
    const r = await request(`http://127.0.0.1:${s.port}/api/save`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ mqttUrl: shown, intervalSec: '20' }),
    });
    expect(r.statusCode).toBe(200);
    await r.body.dump();
    expect(await secrets.get('mqttPassword')).toBe('Stored-Pw-0815');
    expect(readFileSync(store.path, 'utf8')).not.toContain('Stored-Pw-0815');
    expect(store.load().mqttUrl).toBe('mqtt://ha@broker.lan:1883');
  });
});
