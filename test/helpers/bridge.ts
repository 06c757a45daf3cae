/** A real bridge (createBridge) wired to a fake cloud and a test broker, with fast timings and memory stores. */
import { createBridge, type Bridge, type BridgeDeps } from '../../src/app/bridge.js';
import { MemorySecretStore } from '../../src/config/secrets.js';
import { DEFAULTS, type Settings } from '../../src/config/settings.js';
import type { Logger } from '../../src/log/logger.js';
import { TEST_ACCOUNT, type FakeCloud } from '../fake-cloud/server.js';
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
