/** A real bridge (createBridge) wired to a fake cloud and a test broker, with fast timings and memory stores. */
import { createBridge, type Bridge, type BridgeDeps } from '../../src/app/bridge.js';
import { MemorySecretStore } from '../../src/config/secrets.js';
import { DEFAULTS, type Settings } from '../../src/config/app-settings.js';
import { afterEach, beforeEach } from 'vitest';
import { memoryLogger, type Logger } from '../../src/log/logger.js';
import { FakeCloud, TEST_ACCOUNT } from '../fake-cloud/server.js';
import { startBroker, type TestBroker } from './broker.js';
import { memoryState } from './stores.js';

export function testSettings(cloud: FakeCloud, brokerUrl: string, over: Partial<Settings> = {}): Settings {
  return {
    ...DEFAULTS,
    hoymilesEmail: TEST_ACCOUNT.email,
    hoymilesPassword: TEST_ACCOUNT.password,
    apiUrl: cloud.url,
    mqttUrl: brokerUrl,
    intervalSec: 0.1,
    stationIntervalSec: 0.3,
    ...over,
  };
}

/** Creates and starts a bridge; the caller stops it. */
export function startTestBridge(
  env: { cloud: FakeCloud; brokerUrl: string; logger: Logger },
  over: Partial<Settings> = {},
  deps: Partial<BridgeDeps> = {},
): Bridge {
  const b = createBridge({
    settings: testSettings(env.cloud, env.brokerUrl, over),
    secrets: new MemorySecretStore(),
    state: memoryState(),
    logger: env.logger,
    configDir: '/tmp/test',
    wrongPasswordRetryMs: null,
    ...deps,
    tuning: { staleAfterMs: 1_000, birthDelayMs: () => 200, reconnectMs: 200, maxBackoffMs: 300, ...deps.tuning },
  });
  b.start();
  return b;
}

/**
 * Per-test fake cloud, broker and bridges, cleaned up after each test. Call inside a describe (or at the top
 * of a file); read the current values through the returned getters.
 */
export function useBridgeFixture(): {
  readonly cloud: FakeCloud;
  readonly broker: TestBroker;
  readonly log: ReturnType<typeof memoryLogger>;
  bridge(over?: Partial<Settings>, deps?: Partial<BridgeDeps>): Bridge;
  /** Stop every bridge started so far (e.g. before a restart within a test). */
  stopAll(): Promise<void>;
} {
  let cloud: FakeCloud;
  let broker: TestBroker;
  let log: ReturnType<typeof memoryLogger>;
  let bridges: Bridge[] = [];
  const stopAll = async () => {
    for (const b of bridges) await b.stop().catch(() => undefined);
    bridges = [];
  };
  beforeEach(async () => {
    cloud = await FakeCloud.start();
    broker = await startBroker();
    log = memoryLogger();
  });
  afterEach(async () => {
    await stopAll();
    await broker.stop();
    await cloud.close();
  });
  return {
    get cloud() {
      return cloud;
    },
    get broker() {
      return broker;
    },
    get log() {
      return log;
    },
    bridge(over = {}, deps = {}) {
      const b = startTestBridge({ cloud, brokerUrl: broker.url, logger: log.logger }, over, deps);
      bridges.push(b);
      return b;
    },
    stopAll,
  };
}
