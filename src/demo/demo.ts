/**
 * Demo mode: the real app against a simulated battery (the test suite's fake Hoymiles cloud, in process)
 * and an embedded MQTT broker on loopback. Nothing leaves the machine; no account and no broker needed.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecretStore } from '../config/secrets.js';
import { DEFAULTS, type Settings } from '../config/settings.js';
import { ConfigStore, StateStore } from '../config/store.js';
import type { Logger } from '../log/logger.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { defaultStation, FakeCloud, TEST_ACCOUNT } from '../../test/fake-cloud/server.js';

/** Simulated time runs this much faster, so the state of charge visibly moves. */
const SPEED = 60;

export async function runDemo(opts: { logger: Logger; headless: boolean }): Promise<void> {
  const log = opts.logger;
  const cloud = await FakeCloud.start({ stations: [defaultStation({ name: 'Demo home', soc: 57 })] });
  const station = cloud.station();
  const started = Date.now() / 1000;
  const tick = setInterval(() => cloud.simulate(station, 2 * SPEED, started + (Date.now() / 1000 - started) * SPEED), 2_000);
  tick.unref();
  const brokerPort = Number(process.env.DEMO_MQTT_PORT ?? 0);
  const broker = await startEmbeddedBroker(Number.isInteger(brokerPort) ? brokerPort : 0);

  const dir = process.env.HOYMILES_TRAY_CONFIG_DIR || join(tmpdir(), 'hoymiles-tray-demo');
  mkdirSync(dir, { recursive: true });
  const config = new ConfigStore({ dir, logger: log.child('config') });
  const state = new StateStore({ dir, logger: log.child('config') });
  const secrets = new MemorySecretStore();
  const settings: Settings = {
    ...DEFAULTS,
    hoymilesEmail: TEST_ACCOUNT.email,
    hoymilesPassword: TEST_ACCOUNT.password,
    apiUrl: cloud.url,
    mqttUrl: broker.url,
    intervalSec: 3,
    stationIntervalSec: 20,
    publishEnabled: config.load().publishEnabled,
  };
  log.info(`Demo: simulated Hoymiles cloud at ${cloud.url}, embedded MQTT broker at ${broker.url}`);
  log.info(`Demo: watch it with  mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t '#' -v`);
  const cleanup = async () => {
    clearInterval(tick);
    await broker.close().catch(() => undefined);
    await cloud.close().catch(() => undefined);
  };

  if (opts.headless) {
    const { runHeadless } = await import('../headless/run.js');
    const bridge = await runHeadless({ settings, secrets, state, logger: log, configDir: dir, wrongPasswordRetryMs: null });
    const stop = bridge.stop;
    bridge.stop = async () => {
      await stop();
      await cleanup();
    };
    return;
  }
  const { startDesktopApp } = await import('../app/desktop.js');
  await startDesktopApp({
    instanceName: 'hoymiles-tray-demo',
    logger: log,
    stores: { config, state, secrets, dir, settings, warnings: [] },
    settings,
    fromEnv: new Set(),
    demo: { cleanup, describe: `Demo: simulated battery, broker ${broker.url}` },
  });
}
