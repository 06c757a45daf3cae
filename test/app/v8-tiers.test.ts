/**
 * src/app/v8-tiers.ts, as a user runs the app: the bundle in its own process, a fast poll so functions get hot,
 * and V8's own --trace-opt telling whether anything was handed to an optimising compiler.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASELINE_TIER_FLAGS, KEEP_JIT_ENV, useBaselineTiers } from '../../src/app/v8-tiers.js';
import { FakeCloud, TEST_ACCOUNT } from '../fake-cloud/server.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { BUNDLE, ensureBundle } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/temp.js';

let cloud: FakeCloud;
let broker: TestBroker;
const tempDir = useTempDirs();

beforeAll(async () => {
  ensureBundle();
  cloud = await FakeCloud.start();
  broker = await startBroker();
});
afterAll(async () => {
  await broker?.stop();
  await cloud?.close();
});

/** Runs the headless app polling every 10 ms until `cycles` live reads reached the fake cloud; its stdout. */
function runHot(extraEnv: Record<string, string>, cycles = 300): Promise<{ out: string; code: number | null }> {
  const dir = tempDir('v8-tiers-');
  const from = cloud.count('/rds/api/0/burst/get');
  const p = spawn(process.execPath, ['--trace-opt', BUNDLE, '--headless'], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      HOYMILES_USER: TEST_ACCOUNT.email,
      HOYMILES_PASSWORD: TEST_ACCOUNT.password,
      HOYMILES_API_URL: cloud.url,
      HOYMILES_TRAY_CONFIG_DIR: dir,
      HOYMILES_TRAY_SECRETS: 'file',
      MQTT_URL: broker.url,
      MQTT_TOPIC: `v8-tiers-${Object.keys(extraEnv).length}`,
      REQUEST_INTERVAL_SECONDS: '0.01',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (b) => (out += b));
  p.stderr.resume();
  const poll = setInterval(() => {
    if (cloud.count('/rds/api/0/burst/get') - from >= cycles) p.kill('SIGTERM');
  }, 50);
  const deadline = setTimeout(() => p.kill('SIGKILL'), 40_000);
  return new Promise((resolve) =>
    p.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(deadline);
      resolve({ out, code });
    }),
  );
}

const OPTIMISED = /for optimization to (TURBOFAN|MAGLEV)|compiling method .*(TURBOFAN|MAGLEV)/i;

/**
 * What V8 optimised once the bridge runs (after its first "Connected" line; V8 prints on the same stdout). Node 24's
 * Maglev picks a few of Node's own start-up functions before the app's first line runs: those are not the bridge.
 */
function optimisedWhileRunning(out: string): string[] {
  const lines = out.split('\n');
  const from = lines.findIndex((l) => l.includes('Connected to the MQTT broker'));
  expect(from, 'the bridge connected to the broker').toBeGreaterThan(-1);
  return lines.slice(from).filter((l) => OPTIMISED.test(l));
}

describe('V8 tiers of a long-running process', () => {
  it('hot code of the headless bridge is never handed to TurboFan or Maglev', async () => {
    const r = await runHot({});
    expect(r.code).toBe(0);
    expect(cloud.count('/rds/api/0/burst/get')).toBeGreaterThanOrEqual(300);
    expect(optimisedWhileRunning(r.out)).toEqual([]);
  }, 60_000);

  it(`with ${KEEP_JIT_ENV}=1 V8 keeps its defaults: the same run optimises`, async () => {
    const r = await runHot({ [KEEP_JIT_ENV]: '1' });
    expect(r.code).toBe(0);
    expect(optimisedWhileRunning(r.out).length).toBeGreaterThan(0);
  }, 60_000);

  it('the switch: flags set unless the environment keeps the defaults', () => {
    expect(useBaselineTiers({ [KEEP_JIT_ENV]: '1' })).toEqual([]);
    expect(BASELINE_TIER_FLAGS).toEqual(['--no-turbofan', '--no-maglev', '--liftoff-only']);
  });
});
