/**
 * The Windows executable from the command line, run for real under Wine (test/helpers/wine.ts) in a fresh
 * Windows 10 prefix: --help, --version, --once and --headless against the fake cloud on 127.0.0.1 and a real
 * Mosquitto, and the launcher's own error report. The tray under Wine is test/e2e/wine-tray.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeCloud, TEST_ACCOUNT } from '../fake-cloud/server.js';
import { retained, startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { createPrefix, describeWine, WIN_EXE, WIN_EXE_NAME, winPath, type WinePrefix } from '../helpers/wine.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERSION = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
const SN = '280024290529';

describeWine('the Windows executable under Wine: command line', () => {
  let prefix: WinePrefix;
  let cloud: FakeCloud;
  let broker: TestBroker;
  const dirs: string[] = [];
  const t0 = performance.now();

  /** A fresh config folder per run (a stored token would hide a wrong password), as a Windows path. */
  const appEnv = (over: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const dir = mkdtempSync(join(tmpdir(), 'wine-cli-config-'));
    dirs.push(dir);
    return {
      HOYMILES_USER: TEST_ACCOUNT.email,
      HOYMILES_PASSWORD: TEST_ACCOUNT.password,
      HOYMILES_API_URL: cloud.url,
      HOYMILES_TRAY_CONFIG_DIR: winPath(dir),
      MQTT_URL: broker.url,
      ...over,
    };
  };

  beforeAll(async () => {
    prefix = await createPrefix();
    console.log(`wine: fresh Windows 10 prefix in ${prefix.bootSeconds.toFixed(1)} s`);
    cloud = await FakeCloud.start();
    broker = await startBroker();
  }, 300_000);
  afterAll(async () => {
    await broker?.stop();
    await cloud?.close();
    await prefix?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    console.log(`wine: command-line tests took ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
  }, 60_000);

  it('--help exits 0 with the usage; --version prints the version; both unpack to %LOCALAPPDATA%', async () => {
    const help = await prefix.run(WIN_EXE, ['--help']);
    expect(help.code, help.err).toBe(0);
    expect(help.out).toMatch(/^Usage: hoymiles-tray \[--headless \| --once \| --demo\]/m);
    const version = await prefix.run(WIN_EXE, ['--version']);
    expect(version.code, version.err).toBe(0);
    expect(version.out.trim()).toBe(VERSION);
    const app = join(prefix.localAppData, 'hoymiles-tray', 'Cache', VERSION, 'app');
    expect(existsSync(join(app, 'main.cjs'))).toBe(true);
    expect(existsSync(join(app, 'traybin', 'tray_windows_release.exe'))).toBe(true);
  }, 60_000);

  it('--once prints the readings JSON from the cloud and exits 0; no keychain is said in our words', async () => {
    // auto: the keychain addon does not load under Wine (bcryptprimitives.dll is missing), so the file is used.
    const r = await prefix.run(WIN_EXE, ['--once'], appEnv({ HOYMILES_TRAY_SECRETS: 'auto' }));
    expect(r.code, r.out + r.err).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.ok).toBe(true);
    expect(json.batteries[0]).toMatchObject({ sn: SN, soc: 57, batteryPower: 245.8, status: 'discharge', temperature: 22 });
    expect(cloud.count('login')).toBeGreaterThan(0);
    expect(r.err).toMatch(/No usable system keychain was found \(.+\); passwords are kept in Z:\\.*\\secrets\.json instead/);
    expect(r.err).not.toMatch(/npm|optional dependencies/);
    expect(r.out + r.err).not.toContain(TEST_ACCOUNT.password);
  }, 60_000);

  it('--once with a wrong password exits 1 with the readable reason, without echoing the password', async () => {
    const r = await prefix.run(WIN_EXE, ['--once'], appEnv({ HOYMILES_PASSWORD: 'not-the-password', HOYMILES_TRAY_SECRETS: 'file' }));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).problem).toMatch(/Hoymiles rejected the e-mail or password/);
    expect(r.out + r.err).not.toContain('not-the-password');
  }, 60_000);

  it('--headless publishes the state and the Home Assistant discovery; terminated, the broker says offline', async () => {
    const w = await watch(broker.url, '#');
    const p = prefix.start(WIN_EXE, ['--headless'], appEnv({ HOYMILES_TRAY_SECRETS: 'file', REQUEST_INTERVAL_SECONDS: '0.5' }));
    const out = () => p.stdout() + p.stderr();
    const exited = new Promise<void>((r) => p.proc.once('exit', () => r()));
    try {
      const state = await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 30_000, 'state').catch((e: Error) => Promise.reject(new Error(`${e.message}\n${out()}`)));
      expect(JSON.parse(state.payload)).toMatchObject({ soc: 57, battery_power: 245.8, battery_status: 'discharge' });
      const discovery = await waitFor(() => w.last(`homeassistant/device/hoymiles_msa2_${SN}/config`), 10_000, 'discovery');
      expect(JSON.parse(discovery.payload).device.identifiers).toContain(`hoymiles_msa2_${SN}`);
      // Both are kept by the broker for Home Assistant's next start.
      const kept = await retained(broker.url, '#');
      expect([...kept.keys()]).toEqual(expect.arrayContaining([`hoymiles-ms-a2/${SN}/state`, `homeassistant/device/hoymiles_msa2_${SN}/config`]));
      expect(w.last('hoymiles-ms-a2/bridge/state')?.payload).toBe('online');
      expect(out()).toMatch(/280024290529: 57 %, discharging 245\.8 W/);
      // A windowless Windows program has no Ctrl+C and no WM_CLOSE to answer: it is ended the way Task Manager
      // ends it (TerminateProcess), and the broker publishes the last will.
      const kill = await prefix.run('taskkill', ['/F', '/IM', WIN_EXE_NAME]);
      expect(kill.code, kill.out + kill.err).toBe(0);
      await exited;
      await waitFor(() => w.last('hoymiles-ms-a2/bridge/state')?.payload === 'offline', 10_000, 'offline');
      expect(out()).not.toContain(TEST_ACCOUNT.password);
    } finally {
      p.proc.kill('SIGKILL');
      p.cleanup();
      await w.close();
    }
  }, 90_000);

  it('a start-up failure is written to launcher.log, with stack frames relative to the bundle', async () => {
    // Both unpack folders made unusable: a file where the per-version cache wants a folder, and one where the
    // fallback under %TEMP% would go.
    const cache = join(prefix.localAppData, 'hoymiles-tray', 'Cache', VERSION, 'app', 'traybin');
    const temp = join(dirname(dirname(prefix.localAppData)), 'Temp');
    const blocker = join(temp, `hoymiles-tray-${prefix.user}`);
    const log = join(prefix.localAppData, 'hoymiles-tray', 'Logs', 'launcher.log');
    rmSync(log, { force: true });
    renameSync(cache, `${cache}.away`);
    mkdirSync(temp, { recursive: true });
    try {
      writeFileSync(cache, 'not a folder');
      writeFileSync(blocker, 'not a folder');
      const r = await prefix.run(WIN_EXE, ['--version']);
      expect(r.code).toBe(1);
      const text = readFileSync(log, 'utf8');
      expect(text).toMatch(/hoymiles-tray could not start: Error: Cannot unpack the app/);
      expect(text).toMatch(/^\s+at runFromSea \(sea-main\.cjs:\d+:\d+\)$/m);
      expect(text).not.toContain(root);
    } finally {
      rmSync(cache, { force: true });
      rmSync(blocker, { force: true });
      renameSync(`${cache}.away`, cache);
    }
  }, 60_000);
});
