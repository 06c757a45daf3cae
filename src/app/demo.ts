/**
 * Demo mode: the real app against a simulated battery (sim-cloud.ts, in process) and an embedded MQTT broker on
 * loopback. Nothing leaves the machine; no account and no broker needed.
 *
 * The demo is a sandbox: its settings, state, history, log and secrets live in its own folder under the OS cache
 * (`<cache>/hoymiles-tray/demo`), never in the real config folder, even when HOYMILES_TRAY_CONFIG_DIR is set.
 * Its settings page edits the demo: the simulated account and the embedded broker are fixed, the rest (threshold,
 * intervals, topics, …) is saved in the demo's folder.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemorySecretStore } from '../config/secrets.js';
import type { Settings } from '../config/app-settings.js';
import { ConfigStore, StateStore } from '../config/store.js';
import type { Logger } from '../log/logger.js';
import { startEmbeddedBroker } from '../mqtt/embedded-broker.js';
import { cacheDir } from '../platform/paths.js';
import { DEMO_INSTANCE } from '../platform/single-instance.js';
import { DEMO_ACCOUNT, DEMO_SN, startSimCloud } from '../demo/sim-cloud.js';
import { simulatedState } from '../demo/simulation.js';

const DEMO_STATION = 'Demo home';

/** The demo's own folder (settings, state, history, log). */
export function demoDir(): string {
  return join(cacheDir(), 'demo');
}

/** What the demo starts with before its page changed anything: fast enough to watch. */
const DEMO_DEFAULTS: Partial<Settings> = { intervalSec: 3, stationIntervalSec: 20 };

export async function runDemo(opts: { logger: Logger; headless: boolean }): Promise<void> {
  const log = opts.logger;
  const dir = demoDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cloud = await startSimCloud({ clock: Date.now, stationName: DEMO_STATION });
  const brokerPort = Number(process.env.DEMO_MQTT_PORT ?? 0);
  const broker = await startEmbeddedBroker(Number.isInteger(brokerPort) ? brokerPort : 0);

  const config = new ConfigStore({ dir, logger: log.child('config') });
  const state = new StateStore({ dir, logger: log.child('config') });
  // A first start of the demo stores its own defaults, so the page shows what runs.
  const stored = config.load();
  const fresh = Object.fromEntries(Object.entries(DEMO_DEFAULTS).filter(([k]) => !config.has(k as keyof Settings)));
  config.save(fresh as Partial<Settings>);
  const secrets = new MemorySecretStore();
  await secrets.set('hoymilesPassword', DEMO_ACCOUNT.password);
  /** Fixed by the demo on every start (the ports change), never saved. */
  const fixed: Partial<Settings> = {
    hoymilesEmail: DEMO_ACCOUNT.email,
    hoymilesPassword: DEMO_ACCOUNT.password,
    apiUrl: cloud.url,
    mqttUrl: broker.url,
    mqttUser: '',
    mqttPassword: '',
    mqttCaFile: '',
    mqttInsecure: false,
  };
  const settings: Settings = { ...stored, ...fresh, ...fixed };
  log.info(`Demo: simulated Hoymiles cloud at ${cloud.url}, embedded MQTT broker at ${broker.url}, demo folder ${dir}`);
  log.info(`Demo: watch it with  mosquitto_sub -h 127.0.0.1 -p ${broker.port} -t '#' -v`);
  const cleanup = async () => {
    await broker.close().catch(() => undefined);
    await cloud.close().catch(() => undefined);
  };

  if (opts.headless) {
    const { runHeadless } = await import('./headless.js');
    await runHeadless({ settings, secrets, state, logger: log, configDir: dir, wrongPasswordRetryMs: null }, cleanup);
    return;
  }
  const { startDesktopApp } = await import('./desktop.js');
  await startDesktopApp({
    instanceName: DEMO_INSTANCE,
    logDir: join(dir, 'logs'),
    logger: log,
    stores: { config, state, secrets, dir, settings, warnings: [] },
    settings,
    fromEnv: new Set(),
    demo: {
      cleanup,
      describe: `Demo: simulated battery, broker ${broker.url}`,
      fixed,
      // The chart shows the simulated last day at once; live samples follow minute by minute.
      backfill: (history) => {
        const n = history.backfill(DEMO_SN, DEMO_STATION, (ms) => {
          const s = simulatedState(ms);
          return { soc: s.soc, power: s.batteryPower, charged: s.chargedToday, discharged: s.dischargedToday };
        });
        if (n) log.info(`Demo: filled ${n} minutes of simulated history`);
      },
    },
  });
}
