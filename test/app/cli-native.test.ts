/** The built command line with the battery's own feed: `--once`, and the settings it refuses. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeFirmware } from '../fake-firmware/firmware.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { MASTER_SN } from '../helpers/native.js';
import { ensureBundle, runCli } from '../helpers/cli.js';

let broker: TestBroker;
const dirs: string[] = [];

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'cli-native-'));
  dirs.push(dir);
  // No Hoymiles account at all: the feed needs none.
  return { PATH: process.env.PATH, HOME: dir, HOYMILES_TRAY_CONFIG_DIR: dir, HOYMILES_TRAY_SECRETS: 'file', MQTT_URL: broker.url, HOYMILES_SOURCE: 'native', ...over };
}

const run = (args: string[], e: NodeJS.ProcessEnv) => runCli(args, e, 25_000);

beforeAll(async () => {
  ensureBundle();
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
