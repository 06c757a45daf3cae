/**
 * The built app in a real tray (Xvfb, trayer, dunst) with HOYMILES_SOURCE=native: no Hoymiles account, the
 * fake firmware publishing its feed on a real broker. The menu shows the battery's state of charge from the feed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeFirmware } from '../fake-firmware/firmware.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { normaliseOcr, quitThroughMenu, startDesktop, trayHelperPid, type AppProcess, type Desktop } from '../helpers/desktop.js';
import { BUNDLE, ensureBundle } from '../helpers/cli.js';

const SN = '280024290529';

describe.skipIf(process.platform !== 'linux')('the tray app on the battery’s own feed', () => {
  let broker: TestBroker;
  let desktop: Desktop;
  let firmware: FakeFirmware;
  let app: AppProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    ensureBundle();
    broker = await startBroker();
    firmware = await FakeFirmware.start({ url: broker.url, sn: SN, quickMs: 500, slowMs: 1_000, initial: { soc: 63, ownPower: -245 } });
    desktop = await startDesktop({ name: 'tray-native' });
    dir = mkdtempSync(join(tmpdir(), 'tray-native-e2e-'));
  });
  afterAll(async () => {
    app?.kill('SIGKILL');
    await desktop?.stop();
    await firmware?.stop();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('shows the state of charge from the feed, follows it, and quits cleanly', async () => {
    const w = await watch(broker.url, 'hoymiles-ms-a2/#');
    app = desktop.run(process.execPath, [BUNDLE], {
      cwd: tmpdir(),
      name: 'app',
      env: {
        ...desktop.env,
        E2E: '1',
        HOYMILES_SOURCE: 'native',
        NATIVE_PUBLISH_SECONDS: '1',
        HOYMILES_TRAY_CONFIG_DIR: dir,
        HOYMILES_TRAY_LOG_DIR: join(dir, 'logs'),
        HOYMILES_TRAY_SECRETS: 'file',
        MQTT_URL: broker.url,
      },
    });
    await desktop.waitForIcon(15_000);
    await app.waitForOutput('Tray started');
    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 15_000, 'first state');
    // No account: the settings page must not have opened by itself for credentials.
    expect(app.output()).not.toContain('No Hoymiles credentials yet');

    await desktop.openMenu();
    let text = normaliseOcr(await desktop.ocrMenu('01-native'));
    expect(text).toContain('stateofcharge:63');
    expect(text).toContain('charging245w');
    await desktop.closeMenu();

    firmware.state.soc = 64;
    await waitFor(() => JSON.parse(w.last(`hoymiles-ms-a2/${SN}/state`)?.payload ?? '{}').soc === 64, 10_000, 'soc 64 on the broker');
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('02-native-changed'));
    expect(text).toContain('stateofcharge:64');

    // Battery control through the feed: the EMS mode the feed reports is ticked; a click on another one only
    // asks, "Switch to MQTT control" sends it.
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('02b-native-battery-control'));
    expect(text).toContain(`emsmodeofmsa-${SN}`);
    expect(text).toContain('self-consumption(general)(v)');
    expect(text).toContain('powersetpoint:none');
    const modeCommands = () => firmware.commands.filter((c) => c.topic.includes('ems_mode'));
    expect(await desktop.clickLabel('MQTT')).toBe(true);
    await app.waitForOutput(`tray: EMS mode mqtt_ctrl for ${SN}? waiting for the confirming click`);
    await desktop.openMenu();
    await desktop.ocrMenu('02c-native-main');
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('02c-native-confirm'));
    expect(text).toContain('switchtomqttcontrol');
    // No mode command before the confirmation (the menu has been open and read meanwhile).
    expect(modeCommands()).toEqual([]);
    expect(firmware.state.emsMode).toBe('general');
    expect(await desktop.clickLabel('Switch')).toBe(true);
    await waitFor(() => firmware.state.emsMode === 'mqtt_ctrl', 5_000, 'firmware in mqtt_ctrl');
    await app.waitForOutput('Set the EMS mode of MSA-280024290529 to mqtt_ctrl');
    expect(modeCommands().map((c) => c.payload)).toEqual(['mqtt_ctrl']);
    // The confirmed result: a notification once the feed reports the new mode.
    await app.waitForOutput('notification: EMS mode MQTT control: ');

    const helperPid = trayHelperPid(app);
    expect(await quitThroughMenu(desktop, app, helperPid, '03-native-before-quit')).toBe(0);
    await waitFor(() => w.last('hoymiles-ms-a2/bridge/state')?.payload === 'offline', 5_000, 'offline');
    await w.close();
  }, 90_000);
});
