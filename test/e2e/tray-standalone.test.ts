/**
 * End to end: the real TrayApp + systray2 helper on a private headless desktop (Xvfb, trayer, dunst).
 * The fixture is bundled to CommonJS like the real app (dist layout: <dir>/fixture.cjs, <dir>/traybin; the icons
 * are drawn at run time) and started from another working directory, so the bundle-relative lookups are exercised;
 * the copied helper keeps npm's 0644 mode, so TrayApp's own chmod is exercised too.
 */
import { bundleCjs } from '../../scripts/bundle.mjs';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { boxTicked, normaliseOcr, startDesktop, type AppProcess, type Desktop, processAlive } from '../helpers/desktop.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');


async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(process.platform !== 'linux')('tray standalone (Linux, Xvfb + trayer)', () => {
  let work: string;
  let appDir: string;
  let desktop: Desktop;
  let app: AppProcess | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tray-e2e-'));
    appDir = join(work, 'app');
    mkdirSync(join(appDir, 'traybin'), { recursive: true });
    await bundleCjs({
      entryPoints: [join(root, 'test/e2e/fixtures/tray-fixture.ts')],
      outfile: join(appDir, 'fixture.cjs'),
      logLevel: 'error',
      external: ['@napi-rs/keyring'],
    });
    const helper = join(appDir, 'traybin', 'tray_linux_release');
    copyFileSync(join(root, 'node_modules/systray2/traybin/tray_linux_release'), helper);
    chmodSync(helper, 0o644); // as npm ships it: TrayApp must fix this itself
    desktop = await startDesktop({ name: 'tray-standalone' });
  });

  afterAll(async () => {
    app?.kill('SIGKILL');
    await desktop?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('shows the state, updates, drives the Battery control submenu, toggles publishing, quits with its helper', async () => {
    const t0 = Date.now();
    app = desktop.run(process.execPath, [join(appDir, 'fixture.cjs')], { cwd: work, env: { ...desktop.env, E2E: '1' }, name: 'fixture' });
    await desktop.waitForIcon(15_000);
    const dockMs = Date.now() - t0;
    const ready = await app.waitForOutput(/fixture: ready helper=(\d+)/);
    const helperPid = Number(/fixture: ready helper=(\d+)/.exec(ready)![1]);
    console.log(`tray icon docked ${dockMs} ms after launch (helper pid ${helperPid})`);
    expect(helperPid).toBeGreaterThan(0);

    // 1. The initial state, read off the screen.
    await desktop.openMenu();
    let text = normaliseOcr(await desktop.ocrMenu('01-initial'));
    expect(text).toContain('stateofcharge:57');
    expect(text).toContain('discharging310w');
    expect(text).toContain('publishtomqtt');
    expect(text).toContain('batterycontrol');
    expect(text).toContain('startatlogin');
    expect(text).not.toContain('(v)');
    // Toggles: ☑/☐ in the title (OCR cannot read them; their pixels can be told apart).
    expect(boxTicked((await desktop.pixelsLeftOf('Publish'))!)).toBe(true);
    expect(boxTicked((await desktop.pixelsLeftOf('Start'))!)).toBe(false);
    // The digits in the icon.
    expect((await desktop.ocrIcon('01-icon')).digits).toBe('57');
    expect(text).toContain('openlog');
    expect(text).toContain('quit');

    // 1b. The Battery control submenu: its rows; a click on grid charging only asks, "Turn on" does it.
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('01b-battery-control'));
    expect(text).toContain('gridcharging:off');
    expect(boxTicked((await desktop.pixelsLeftOf('Grid'))!)).toBe(false);
    expect(text).toContain('inputpower:800w');
    expect(text).toContain('reserve:10%');
    expect(await desktop.clickLabel('Grid')).toBe(true);
    await app.waitForOutput('tray: grid charging on? waiting for the confirming click');
    await desktop.openMenu();
    await desktop.ocrMenu('01c-main');
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('01c-confirm'));
    expect(text).toContain('turnongridcharging');
    expect(app.output()).not.toContain('fixture: toggleGridCharging');
    expect(await desktop.clickLabel('Turn')).toBe(true);
    await app.waitForOutput('fixture: toggleGridCharging HMSA2TEST01');
    await app.waitForOutput('grid charging on');
    await desktop.openMenu();
    await desktop.ocrMenu('01d-main');
    await desktop.openSubmenu('Battery');
    text = normaliseOcr(await desktop.ocrMenu('01d-battery-control'));
    expect(text).toContain('gridcharging:on');
    expect(text).not.toContain('turnon');
    expect(boxTicked((await desktop.pixelsLeftOf('Grid'))!)).toBe(true);
    // A number opens the settings page at its field.
    expect(await desktop.clickLabel('Input')).toBe(true);
    await app.waitForOutput('fixture: openSettings control-HMSA2TEST01-input_power');

    // 2. An update reaches the open-able menu.
    app.write('charge\n');
    await app.waitForOutput('fixture: updated icon=58-charge');
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('02-updated'));
    expect(text).toContain('stateofcharge:58');
    expect(text).toContain('charging245w');
    expect(text).not.toContain('discharging');
    // The second battery's rows, hidden until now.
    expect(text).toContain('stateofcharge:40');
    expect(text).toContain('standby');
    expect(text).toMatch(/temperature:[-–—]/);

    expect((await desktop.ocrIcon('02-icon')).digits).toBe('58');

    // 3. Mouse on the OCR'd label: the app gets the click, the box is emptied.
    expect(await desktop.clickLabel('Publish')).toBe(true);
    await app.waitForOutput('tray: clicked ☑ Publish to MQTT');
    await app.waitForOutput('publishing off');
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('03-unchecked'));
    expect(text).toContain('publishtomqtt');
    expect(boxTicked((await desktop.pixelsLeftOf('Publish'))!)).toBe(false);

    // 4. Keyboard: the readings are normal rows now (6 per battery, two batteries; the gap row between them is
    //    disabled and skipped), then "Battery control", then "Publish to MQTT".
    await desktop.key(...Array<string>(14).fill('Down'), 'Return');
    await app.waitForOutput('publishing on');
    await desktop.openMenu();
    text = normaliseOcr(await desktop.ocrMenu('04-checked-again'));
    expect(boxTicked((await desktop.pixelsLeftOf('Publish'))!)).toBe(true);
    expect(text).not.toContain('(v)');

    // 5. Quit through the menu: the app and its helper both end.
    expect(await desktop.clickLabel('Quit')).toBe(true);
    await app.waitForOutput('fixture: bye', 5_000);
    await Promise.race([app.exited, new Promise((_, rej) => setTimeout(() => rej(new Error(`node still running:\n${app!.output()}`)), 5_000))]);
    expect(await app.exited).toBe(0);
    await until('the tray helper to exit', () => !processAlive(helperPid), 5_000);
    expect(app.output()).not.toMatch(/SyntaxError|Unhandled|fixture: start failed/);
  }, 60_000);
});
