/** A real bridge reading the fake firmware's feed on a test broker, with fast timings and memory stores. */
import { afterEach, beforeEach } from 'vitest';
import { createBridge, type Bridge, type BridgeDeps } from '../../src/app/bridge.js';
import { MemorySecretStore } from '../../src/config/secrets.js';
import { DEFAULTS, type Settings } from '../../src/config/app-settings.js';
import { memoryLogger } from '../../src/log/logger.js';
import { FakeFirmware, type FakeFirmwareOptions } from '../fake-firmware/firmware.js';
import { startBroker, type TestBroker } from './broker.js';
import { memoryState } from './stores.js';

export const MASTER_SN = '280024290529';
export const SLAVE_SN = '280024290530';

/** Fast feed timings: quick every 100 ms, slow every 500 ms, stale after 1.2 s / 3 s. */
export const FAST_FEED = { quickMs: 100, slowMs: 500, slowOnConnect: true } satisfies Partial<FakeFirmwareOptions>;
export const FAST_TUNING: NonNullable<BridgeDeps['tuning']> = {
  birthDelayMs: () => 200,
  reconnectMs: 200,
  maxBackoffMs: 300,
  staleAfterMs: 1_000,
  native: { liveStaleMs: 1_200, slowStaleMs: 3_000, tickMs: 100, malformedLogMs: 1_000, noBatteryAfterMs: 1_000 },
  nativeControls: { keepAliveMs: 300, echoGuardMs: 300, rateLimitMs: 200 },
};

export function useFeedFixture(): {
  readonly broker: TestBroker;
  readonly log: ReturnType<typeof memoryLogger>;
  firmware(opts?: Partial<FakeFirmwareOptions>): Promise<FakeFirmware>;
  bridge(over?: Partial<Settings>, deps?: Partial<BridgeDeps>): Bridge;
  stopBridges(): Promise<void>;
} {
  let broker: TestBroker;
  let log: ReturnType<typeof memoryLogger>;
  let firmwares: FakeFirmware[] = [];
  let bridges: Bridge[] = [];
  const stopBridges = async () => {
    for (const b of bridges) await b.stop().catch(() => undefined);
    bridges = [];
  };
  beforeEach(async () => {
    broker = await startBroker();
    log = memoryLogger();
  });
  afterEach(async () => {
    await stopBridges();
    for (const f of firmwares) await f.stop();
    firmwares = [];
    await broker.stop();
  });
  return {
    get broker() {
      return broker;
    },
    get log() {
      return log;
    },
    async firmware(opts = {}) {
      const f = await FakeFirmware.start({ url: broker.url, sn: MASTER_SN, ...FAST_FEED, ...opts });
      firmwares.push(f);
      return f;
    },
    bridge(over = {}, deps = {}) {
      const b = createBridge({
        settings: { ...DEFAULTS, source: 'native', mqttUrl: broker.url, nativePublishSec: 1, ...over },
        secrets: new MemorySecretStore(),
        state: memoryState(),
        logger: log.logger,
        configDir: `/tmp/test-native-${Math.random()}`,
        wrongPasswordRetryMs: null,
        ...deps,
        tuning: { ...FAST_TUNING, ...deps.tuning },
      });
      b.start();
      bridges.push(b);
      return b;
    },
    stopBridges,
  };
}
