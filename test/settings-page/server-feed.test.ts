/**
 * The settings page and the battery's own feed, in Chromium: "Test connection" against a real broker where the
 * fake firmware publishes says which batteries it found, and the Source fields are saved and checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testMqtt } from '../../src/app/connection-tests.js';
import { MemorySecretStore } from '../../src/config/secrets.js';
import { ConfigStore } from '../../src/config/store.js';
import { memoryLogger } from '../../src/log/logger.js';
import { startSettingsServer, type SettingsServer } from '../../src/settings-page/server.js';
import { FakeFirmware } from '../fake-firmware/firmware.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { hasChromium, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { MASTER_SN } from '../helpers/native.js';

describe.skipIf(!hasChromium())('settings page: the source', () => {
  let browser: TestBrowser;
  let broker: TestBroker;
  let firmware: FakeFirmware;
  let server: SettingsServer;
  let store: ConfigStore;
  let dir: string;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    broker = await startBroker();
    firmware = await FakeFirmware.start({ url: broker.url, sn: MASTER_SN, quickMs: 200 });
    dir = mkdtempSync(join(tmpdir(), 'hoymiles-settings-feed-'));
    store = new ConfigStore({ dir, logger: memoryLogger().logger });
    server = await startSettingsServer({
      store,
      secrets: new MemorySecretStore(),
      logger: memoryLogger().logger,
      testLogin: async () => ({ stations: [] }),
      testMqtt,
      onSaved: () => undefined,
    });
  });
  afterEach(async () => {
    await server?.close();
    await firmware?.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Test connection finds the battery on the broker; Source native is saved, a bad value refused', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    // Without a stored login the page starts with the first-run flow: skip to the full form.
    if (await page.locator('#wz-skip').isVisible()) await page.click('#wz-skip');
    await page.fill('#f-mqttUrl', broker.url);
    await page.click('#test-mqtt');
    await expect.poll(() => page.locator('#test-mqtt-result').textContent(), { timeout: 10_000 }).toContain('Connected');
    expect(await page.locator('#test-mqtt-result').textContent()).toContain(`Found MSA-${MASTER_SN} on your broker: set Source to native`);

    await page.fill('#f-source', 'feed');
    await page.click('#save');
    await expect.poll(() => page.locator('#err-source').textContent()).toContain('One of cloud, native or both');
    await page.fill('#f-source', 'native');
    await page.fill('#f-nativeDevices', `MSA-${MASTER_SN}`);
    await page.fill('#f-nativePublishSec', '2');
    await page.click('#save');
    await expect.poll(() => page.locator('#status').textContent()).toContain('Settings stored');
    expect(store.load()).toMatchObject({ source: 'native', nativeDevices: `MSA-${MASTER_SN}`, nativePublishSec: 2, mqttUrl: broker.url });
    await page.close();
  });

  it('first run: after a tested login, a broker with the feed offers both; choosing it stores the source and the login', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.fill('#wz-email', 'owner@example.com');
    await page.fill('#wz-password', 'pw-for-the-test');
    await page.click('#wz-test-login');
    await expect.poll(() => page.locator('#wz-next-1').isEnabled(), { timeout: 10_000 }).toBe(true);
    await page.click('#wz-next-1');
    expect(await page.locator('#wz-tray-only').isVisible()).toBe(true);
    await page.fill('#wz-url', broker.url);
    await page.click('#wz-test-mqtt');
    await expect.poll(() => page.locator('#wz-mqtt-result').textContent(), { timeout: 10_000 }).toContain(`Found MSA-${MASTER_SN} on your broker`);
    expect(await page.locator('#wz-use-native').isVisible()).toBe(true);
    expect(await page.locator('#wz-use-both').isVisible()).toBe(true);
    expect(await page.locator('#wz-use-broker').isEnabled()).toBe(true);
    await page.click('#wz-use-both');
    await expect.poll(() => store.load().source, { timeout: 10_000 }).toBe('both');
    expect(store.load()).toMatchObject({ hoymilesEmail: 'owner@example.com', mqttUrl: broker.url, publishEnabled: true });
    await page.close();
  });

  it('an empty broker: connected, nothing found', async () => {
    const empty = await startBroker();
    try {
      expect((await testMqtt(empty.url, '', '', 500)).found).toEqual([]);
      expect((await testMqtt(broker.url, '', '', 1_000)).found).toEqual([`MSA-${MASTER_SN}`]);
    } finally {
      await empty.stop();
    }
  });
});
