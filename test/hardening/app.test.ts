/**
 * Issue 15: what a hostile or broken world sends, against the real parts (fake cloud, broker, state files,
 * settings server, the built command line).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { argon2Challenge, legacyPasswordHash } from '../../src/cloud/auth.js';
import { MemorySecretStore, FileSecretStore } from '../../src/config/secrets.js';
import { ConfigStore, StateStore } from '../../src/config/store.js';
import { createFileSink } from '../../src/log/file-sink.js';
import { MAX_LINE_CHARS, memoryLogger } from '../../src/log/logger.js';
import { startSettingsServer, type SettingsServer } from '../../src/settings-page/server.js';
import { cloudProblemLine } from '../../src/tray/menu-model.js';
import { TEST_ACCOUNT } from '../fake-cloud/server.js';
import { waitFor, watch } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';

const SN = '280024290529';
const BASE = 'hoymiles-ms-a2';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(root, 'dist/app/main.cjs');

const dirs: string[] = [];
const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const fx = useBridgeFixture();
const stateOf = (w: Awaited<ReturnType<typeof watch>>) => {
  const m = w.last(`${BASE}/${SN}/state`);
  return m ? JSON.parse(m.payload) : undefined;
};

describe('junk on a command topic', () => {
  it('four 1 MB values are refused in bounded lines; the log keeps its start-up lines', async () => {
    const logDir = tempDir('hardening-log-');
    const file = createFileSink({ dir: logDir });
    fx.log.logger.addSink(file.sink);
    fx.log.logger.info('start-up line that must survive');
    const w = await watch(fx.broker.url);
    fx.bridge();
    await waitFor(() => stateOf(w), 10_000, 'state');
    const huge = '9'.repeat(1024 * 1024);
    for (let i = 0; i < 4; i++) w.client.publish(`${BASE}/${SN}/input_power/set`, `${huge}${i}`);
    await waitFor(() => fx.log.lines.filter((l) => l.includes('Refused the command')).length >= 4, 10_000, 'four refusals');
    file.close();
    const text = readFileSync(file.path, 'utf8');
    expect(text).toContain('start-up line that must survive');
    expect(readdirSync(logDir)).toEqual(['hoymiles-tray.log']); // nothing rotated away
    const longest = Math.max(...text.split('\n').map((l) => l.length));
    expect(longest).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(fx.log.lines.filter((l) => l.includes('Refused the command')).every((l) => l.length < 300)).toBe(true);
    expect(fx.cloud.jobLog.filter((j) => j.kind === 'write')).toEqual([]);
    await w.close();
  });
});

describe('a cloud that answers with junk', () => {
  it('a 1 MB refusal message reaches the status and the log cut short', async () => {
    fx.cloud.fault = 'huge-message';
    fx.cloud.faultPath = '/pvmc/api/0/station/select_by_page_c';
    const b = fx.bridge();
    const snap = await waitFor(() => b.poller!.snapshot().problem?.code === 'cloud-error' && b.poller!.snapshot(), 10_000, 'the refusal');
    expect(snap.problem!.message).toMatch(/^The Hoymiles cloud refused the station list: Refused x+…\.$/);
    expect(snap.problem!.message.length).toBeLessThan(300);
    expect(Math.max(...fx.log.lines.map((l) => l.length))).toBeLessThan(400);
  });
});

describe('a cloud that keeps revoking tokens', () => {
  it('logs in three times, then waits (said once in the log, shown in the status); refreshes add no logins', async () => {
    fx.cloud.tokenLifetimeMs = 300;
    const b = fx.bridge();
    const snap = await waitFor(() => b.poller!.snapshot().problem?.code === 'login-paused' && b.poller!.snapshot(), 15_000, 'logins paused');
    expect(fx.cloud.loginCount).toBe(3); // the first login and two re-logins within 10 minutes
    expect(snap.problem!.retryAt! - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(cloudProblemLine(snap.problem!).text).toMatch(/^⚠ Logins paused – next try after \d\d:\d\d$/);
    for (let i = 0; i < 5; i++) await b.poller!.refreshNow();
    expect(fx.cloud.loginCount).toBe(3);
    expect(b.cloud!.loginBlock?.kind).toBe('login-paused');
    const said = fx.log.lines.filter((l) => /logs in again less often/.test(l) && !/DEBUG/.test(l));
    expect(said).toHaveLength(1);
  });
});

describe('nothing derived from a password outside the secret store', () => {
  it('after a wrong password and the daily limit, no file but secrets.json holds anything of it', async () => {
    const dir = tempDir('hardening-cfg-');
    // An older version's state: the login block carried `email#<length>:<hash>`.
    writeFileSync(
      join(dir, 'state.json'),
      JSON.stringify({ 'cloud.loginBlock': { until: Date.now() + 3_600_000, kind: 'daily-limit', message: 'limit', email: `${TEST_ACCOUNT.email}#15:1x2y3z` } }),
    );
    const logger = fx.log.logger;
    const state = new StateStore({ dir, logger });
    const secrets = new FileSecretStore(dir);
    const blocked = fx.bridge({}, { state, secrets });
    await waitFor(() => blocked.poller!.snapshot().problem?.code === 'daily-limit', 10_000, 'stored daily limit');
    await fx.stopAll();
    state.delete('cloud.loginBlock');

    const wrong = fx.bridge({ hoymilesPassword: 'Wrong-Password-42' }, { state, secrets });
    await waitFor(() => wrong.poller!.snapshot().problem?.code === 'wrong-password', 10_000, 'wrong password');
    await fx.stopAll();
    fx.cloud.dailyLimit = true;
    const limited = fx.bridge({}, { state, secrets });
    await waitFor(() => limited.poller!.snapshot().problem?.code === 'daily-limit', 10_000, 'daily limit');
    await fx.stopAll();

    const pw = TEST_ACCOUNT.password;
    const fnv = (s: string) => {
      let h = 2166136261;
      for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
      return (h >>> 0).toString(36);
    };
    const derived = [
      pw,
      'Wrong-Password-42',
      fnv(pw),
      fnv('Wrong-Password-42'),
      `#${pw.length}:`,
      '#17:',
      '1x2y3z',
      legacyPasswordHash(pw).split('.')[0]!,
      createHash('sha256').update(pw).digest('hex'),
      await argon2Challenge(pw, TEST_ACCOUNT.salt!),
    ];
    const files = readdirSync(dir).filter((f) => f !== 'secrets.json');
    expect(files).toContain('state.json');
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      for (const d of derived) expect(text, `${f} holds ${d}`).not.toContain(d);
    }
    expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))['cloud.loginBlock'].email).toBe(TEST_ACCOUNT.email);
  });
});

describe('stored energy counters that are wrong', () => {
  it.each([
    ['of the wrong type', '"x"'],
    ['with wrong-typed entries', JSON.stringify({ [`${SN}:charged`]: { value: 'lots', date: 1 }, [`${SN}:discharged`]: 7 })],
    ['dated in the future', JSON.stringify({ [`${SN}:charged`]: { value: 100, date: '2099-01-01' }, [`${SN}:discharged`]: { value: 100, date: '2099-01-01' } })],
  ])('counters %s are dropped; the cloud values are published, also after a restart', async (what, json) => {
    const dir = tempDir('hardening-counters-');
    writeFileSync(join(dir, 'state.json'), `{"energy.counters":${json}}`);
    const w = await watch(fx.broker.url);
    const state = () => new StateStore({ dir, logger: fx.log.logger });
    fx.bridge({}, { state: state() });
    await waitFor(() => stateOf(w)?.charge_energy_today === 285 && stateOf(w)?.discharge_energy_today === 641, 10_000, `cloud energy (${what})`);
    expect(fx.log.lines.some((l) => /stored energy counters (could not be read|were unreadable)/.test(l))).toBe(true);
    expect(fx.log.lines.some((l) => /Held back|Could not read the energy/.test(l))).toBe(false);
    await fx.stopAll();
    w.messages.length = 0;
    fx.cloud.station().chargedToday = 290;
    fx.bridge({}, { state: state() });
    await waitFor(() => stateOf(w)?.charge_energy_today === 290, 10_000, 'energy after a restart');
    await w.close();
  });
});

describe('a station read that hangs', () => {
  it('does not hold up the live values', async () => {
    fx.cloud.fault = 'slow'; // never answers: only the client's 15 s timeout ends it
    fx.cloud.faultPath = '/pvmc/api/0/station_data/';
    const w = await watch(fx.broker.url);
    fx.bridge();
    await waitFor(() => stateOf(w), 10_000, 'first state');
    fx.cloud.station().soc = 61;
    await waitFor(() => stateOf(w)?.soc === 61, 10_000, 'the new SoC while the station read hangs');
    // Still unanswered: the energy is unknown, and the live values came anyway.
    expect(fx.cloud.count('/station_data/real_g_c')).toBeGreaterThanOrEqual(1);
    expect(stateOf(w).charge_energy_today).toBeNull();
    await w.close();
  });
});

describe('settings page', () => {
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

describe('the command line in a broken environment', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  });

  function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, until?: (out: string) => boolean) {
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
    const r = await run(process.execPath, [BUNDLE, '--headless'], { ...baseEnv(tempDir('hardening-home-')), HOYMILES_TRAY_CONFIG_DIR: '/proc/hoymiles-tray-test/config' });
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
    const r = await run('unshare', ['-rm', 'sh', '-c', script, 'sh', cfg, process.execPath, BUNDLE, '--headless'], { ...baseEnv(dir), HOYMILES_TRAY_CONFIG_DIR: cfg }, () => stateOf(w)?.charge_energy_today === 285);
    expect(r.out).toMatch(/Cannot save to the configuration folder .*: it is on a read-only file system\. The app goes on/);
    expect(r.out).toMatch(/Could not save the login token; the app keeps it in memory .*read-only file system/);
    expect(r.out).not.toMatch(/Could not read the energy|\*\*\*/);
    expect(stateOf(w)?.charge_energy_today).toBe(285);
    expect(readdirSync(cfg)).toEqual([]);
    expect(statSync(cfg).isDirectory()).toBe(true);
    await w.close();
  });
});
