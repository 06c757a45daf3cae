/** The built command line with the battery's own feed: `--once`, and the settings it refuses. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeFirmware } from '../fake-firmware/firmware.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { MASTER_SN } from '../helpers/native.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(root, 'dist/app/main.cjs');
let broker: TestBroker;
const dirs: string[] = [];

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'cli-native-'));
  dirs.push(dir);
  // No Hoymiles account at all: the feed needs none.
  return { PATH: process.env.PATH, HOME: dir, HOYMILES_TRAY_CONFIG_DIR: dir, HOYMILES_TRAY_SECRETS: 'file', MQTT_URL: broker.url, HOYMILES_SOURCE: 'native', ...over };
}

function run(args: string[], e: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BUNDLE, ...args], { env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b) => (out += b));
    p.stderr.on('data', (b) => (err += b));
    const timer = setTimeout(() => p.kill('SIGKILL'), 25_000);
    p.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(BUNDLE)) spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('hoymiles-tray --once with HOYMILES_SOURCE=native', () => {
  it('waits for the first full reading from the feed and prints the same JSON as with the cloud', async () => {
    const fw = await FakeFirmware.start({ url: broker.url, sn: MASTER_SN, quickMs: 200, slowMs: 2_000, slowOnConnect: true });
    try {
      const r = await run(['--once'], env());
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(r.out);
      expect(json.ok).toBe(true);
      expect(json.batteries).toHaveLength(1);
      expect(json.batteries[0]).toMatchObject({ sn: MASTER_SN, soc: 57, batteryPower: 310, status: 'discharge', temperature: 22.5, chargedToday: 285, master: true, fresh: true });
      expect(typeof json.batteries[0].updatedAt).toBe('string');
      // A one-off reader publishes nothing: no bridge state, no discovery, no will.
      expect(r.err).not.toMatch(/Configuration error/);
    } finally {
      await fw.stop();
    }
  });
  it('exits 1 after 15 s when no battery sends its feed', async () => {
    const r = await run(['--once'], env());
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out);
    expect(json.ok).toBe(false);
    expect(json.problem).toMatch(/MQTT Service/);
  }, 30_000);
});

describe('configuration errors of the source', () => {
  it.each([
    [{ MQTT_NATIVE_COMPAT: 'true' }, /HOYMILES_SOURCE=native and MQTT_NATIVE_COMPAT=true exclude each other/],
    [{ HOYMILES_SOURCE: 'both', MQTT_NATIVE_COMPAT: 'true' }, /HOYMILES_SOURCE=both and MQTT_NATIVE_COMPAT=true exclude each other/],
    [{ HOYMILES_SOURCE: 'feed' }, /HOYMILES_SOURCE="feed" is not valid: One of cloud, native or both/],
    [{ NATIVE_PUBLISH_SECONDS: '0.5' }, /NATIVE_PUBLISH_SECONDS="0.5" is not valid/],
    [{ HOYMILES_SOURCE: 'both' }, /Set HOYMILES_USER and HOYMILES_PASSWORD/],
  ])('%o stops start-up with exit code 2 and says why', async (over, message) => {
    const r = await run(['--headless'], env(over));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
