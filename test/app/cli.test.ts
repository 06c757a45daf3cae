/** The built command line as a user runs it: `--once`, `--headless`, bad configuration. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCloud, TEST_ACCOUNT } from '../fake-cloud/server.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { useTempDirs } from '../helpers/temp.js';
import { BUNDLE, ensureBundle, runCli } from '../helpers/cli.js';

let cloud: FakeCloud;
let broker: TestBroker;
const dirs: string[] = [];

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  dirs.push(dir);
  return {
    PATH: process.env.PATH,
    HOME: dir,
    HOYMILES_USER: TEST_ACCOUNT.email,
    HOYMILES_PASSWORD: TEST_ACCOUNT.password,
    HOYMILES_API_URL: cloud.url,
    HOYMILES_TRAY_CONFIG_DIR: dir,
    HOYMILES_TRAY_SECRETS: 'file',
    MQTT_URL: broker.url,
    ...over,
  };
}

const run = (args: string[], e: NodeJS.ProcessEnv) => runCli(args, e, 20_000);

beforeAll(async () => {
  ensureBundle();
  cloud = await FakeCloud.start();
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
  await cloud?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('hoymiles-tray --once', () => {
  it('prints the readings as JSON (and nothing else) on stdout and exits 0', async () => {
    const r = await run(['--once'], env());
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.ok).toBe(true);
    expect(json.batteries[0]).toMatchObject({ sn: '280024290529', soc: 57, batteryPower: 245.8, status: 'discharge', chargedToday: 285, temperature: 22 });
  });
  it('exits 1 with a readable problem on a wrong password, without printing it', async () => {
    const r = await run(['--once'], env({ HOYMILES_PASSWORD: 'not-the-password' }));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).problem).toMatch(/rejected the e-mail or password/);
    expect(r.out + r.err).not.toContain('not-the-password');
  });
});

describe('configuration errors', () => {
  it.each([
    [{ REQUEST_INTERVAL_SECONDS: 'often' }, /REQUEST_INTERVAL_SECONDS="often" is not a number/],
    [{ MQTT_TOPIC: 'bad/#' }, /MQTT_TOPIC="bad\/#" is not valid/],
    [{ HOYMILES_USER: '' }, /Set HOYMILES_USER and HOYMILES_PASSWORD/],
  ])('%o stops start-up with exit code 2 and says why', async (over, message) => {
    const r = await run(['--headless'], env(over));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
  it('an unknown option is refused', async () => {
    expect((await run(['--fast'], env())).code).toBe(2);
  });
});

describe('hoymiles-tray --headless', () => {
  it('publishes, then on SIGTERM publishes offline and exits 0', async () => {
    const w = await watch(broker.url, 'hoymiles-ms-a2/#');
    const e = env({ REQUEST_INTERVAL_SECONDS: '0.5', MQTT_TOPIC: 'hoymiles-ms-a2' });
    const p = spawn(process.execPath, [BUNDLE, '--headless'], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (out += b));
    await waitFor(() => w.last('hoymiles-ms-a2/280024290529/state'), 15_000, 'state');
    expect(out).toMatch(/280024290529: 57 %, discharging 245\.8 W/);
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    p.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(() => w.last('hoymiles-ms-a2/bridge/state')?.payload === 'offline', 5_000, 'offline');
    expect(out).not.toContain(TEST_ACCOUNT.password);
    // The token was kept for the next start.
    expect(readFileSync(join(e.HOYMILES_TRAY_CONFIG_DIR!, 'secrets.json'), 'utf8')).toContain('cloudToken');
    await w.close();
  });
});

describe('hoymiles-tray --headless, stopped while the cloud does not answer', () => {
  it('ends the hung request and exits 0 at once, offline published, instead of waiting for its 15 s timeout', async () => {
    const hung = await FakeCloud.start();
    const w = await watch(broker.url, 'hung-cloud/#');
    try {
      const e = env({ HOYMILES_API_URL: hung.url, REQUEST_INTERVAL_SECONDS: '1', MQTT_TOPIC: 'hung-cloud' });
      const p = spawn(process.execPath, [BUNDLE, '--headless'], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (b) => (out += b));
      p.stderr.on('data', (b) => (out += b));
      const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
      await waitFor(() => w.last('hung-cloud/280024290529/state'), 15_000, 'state');
      // From now on the live reads get no answer: the next one hangs until the app's 15 s timeout.
      hung.fault = 'slow';
      hung.faultPath = '/rds/api/0/burst/get';
      const before = hung.count('/rds/api/0/burst/get');
      await waitFor(() => hung.count('/rds/api/0/burst/get') > before, 5_000, 'a live read that hangs');
      const t0 = Date.now();
      p.kill('SIGTERM');
      // Without the stop ending the request, the 8 s grace runs out and the exit code is 1.
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(5_000);
      await waitFor(() => w.last('hung-cloud/bridge/state')?.payload === 'offline', 5_000, 'offline');
      expect(out).not.toMatch(/Stopping took longer|did not answer in time|did not stop cleanly/);
    } finally {
      await w.close();
      await hung.close();
    }
  });
});

describe('hoymiles-tray --settings', () => {
  it('with nothing running it says so, exits 1 and starts nothing', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'cli-run-'));
    dirs.push(runtime);
    const e = env({ XDG_RUNTIME_DIR: runtime });
    const r = await run(['--settings'], e);
    expect(r.code).toBe(1);
    expect(r.out).toContain('hoymiles-tray is not running, so there is no settings page to open');
    // Nothing was created in the config folder: no store opened, no log written.
    expect(existsSync(join(e.HOYMILES_TRAY_CONFIG_DIR!, 'config.json'))).toBe(false);
    const help = await run(['--help'], e);
    expect(help.out).toContain('--settings');
  });
});

describe('the login hash helper (the built app hashes Argon2id in a child of itself)', () => {
  it('answers the reference vector for a password on stdin, and refuses garbage', () => {
    const ok = spawnSync(process.execPath, [BUNDLE, '--argon2-child'], {
      input: JSON.stringify({ password: 'testpassword123', salt: 'd5e3f019748d7a36d69840fdfd873d15' }),
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim()).toBe('3c5d1ece590f242aa94b901f3940ebfd89b7bd0fdd21132a69e4321d6436a409');
    const bad = spawnSync(process.execPath, [BUNDLE, '--argon2-child'], { input: 'not json', encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

describe('hoymiles-tray --help in the user language', () => {
  it('German from HOYMILES_TRAY_LANG or LANG, English otherwise; a language without a catalog is a configuration error', async () => {
    const de = await run(['--help'], env({ HOYMILES_TRAY_LANG: 'de' }));
    expect(de.code).toBe(0);
    expect(de.out).toContain('Aufruf: hoymiles-tray');
    expect(de.out).toContain('--once       einmal abfragen');
    const fromLang = await run(['--help'], env({ LANG: 'de_AT.UTF-8' }));
    expect(fromLang.out).toContain('Aufruf: hoymiles-tray');
    const en = await run(['--help'], env({ LANG: 'fr_FR.UTF-8' }));
    expect(en.out).toContain('Usage: hoymiles-tray');
    const bad = await run(['--once'], env({ HOYMILES_TRAY_LANG: 'fr' }));
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('HOYMILES_TRAY_LANG="fr" is not valid');
  });
});

describe('the command line in a broken environment', () => {
  const fx = useBridgeFixture(); // a fake cloud and a broker of its own per test, nothing retained from above
  const tempDir = useTempDirs();
  const stateOf = (w: Awaited<ReturnType<typeof watch>>) => {
    const m = w.last(`hoymiles-ms-a2/280024290529/state`);
    return m ? JSON.parse(m.payload) : undefined;
  };
  function runUntil(cmd: string, args: string[], env: NodeJS.ProcessEnv, until?: (out: string) => boolean) {
    return new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const check = () => {
        if (until?.(out)) p.kill('SIGTERM');
      };
      p.stdout.on('data', (b) => ((out += b), check()));
      p.stderr.on('data', (b) => ((out += b), check()));
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000);
      p.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }
  const baseEnv = (dir: string): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: dir,
    HOYMILES_USER: TEST_ACCOUNT.email,
    HOYMILES_PASSWORD: TEST_ACCOUNT.password,
    HOYMILES_API_URL: fx.cloud.url,
    HOYMILES_TRAY_SECRETS: 'file',
    MQTT_URL: fx.broker.url,
    REQUEST_INTERVAL_SECONDS: '0.5',
    STATION_DATA_INTERVAL: '1',
  });

  it('a config folder under /proc is refused at once with a clear message', async () => {
    const r = await runUntil(process.execPath, [BUNDLE, '--headless'], { ...baseEnv(tempDir('hardening-home-')), HOYMILES_TRAY_CONFIG_DIR: '/proc/hoymiles-tray-test/config' });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/configuration folder \/proc\/hoymiles-tray-test\/config is on the kernel's proc file system, which cannot hold files/);
  });

  it('a read-only config folder: says what is wrong with it and what still works, and publishes the energy', async () => {
    const dir = tempDir('hardening-ro-');
    const cfg = join(dir, 'config');
    mkdirSync(cfg);
    const w = await watch(fx.broker.url);
    // A private mount namespace (unshare, as the user's own root) in which the folder is mounted read-only.
    const probe = spawnSync('unshare', ['-rm', 'true'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error(`This test needs unshare (util-linux) with user namespaces: ${probe.error?.message ?? probe.stderr}`);
    const script = `mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"`;
    const r = await runUntil('unshare', ['-rm', 'sh', '-c', script, 'sh', cfg, process.execPath, BUNDLE, '--headless'], { ...baseEnv(dir), HOYMILES_TRAY_CONFIG_DIR: cfg }, () => stateOf(w)?.charge_energy_today === 285);
    expect(r.out).toMatch(/Cannot save to the configuration folder .*: it is on a read-only file system\. The app goes on/);
    expect(r.out).toMatch(/Could not save the login token; the app keeps it in memory .*read-only file system/);
    expect(r.out).not.toMatch(/Could not read the energy|\*\*\*/);
    expect(stateOf(w)?.charge_energy_today).toBe(285);
    expect(readdirSync(cfg)).toEqual([]);
    expect(statSync(cfg).isDirectory()).toBe(true);
    await w.close();
  });
});
