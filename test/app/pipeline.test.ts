/**
 * The running composition with real parts: a real bridge (fake cloud on 127.0.0.1, real broker) and the app's
 * sinks in one list. A broken app sink does not keep the MQTT publisher from publishing; a rebuild swaps the
 * bridge's sinks in place and the app's sinks follow the new source; stopping publishes `offline` first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBridge, type Bridge } from '../../src/app/bridge.js';
import { Pipeline } from '../../src/app/pipeline.js';
import { MemorySecretStore } from '../../src/config/secrets.js';
import type { Settings } from '../../src/config/app-settings.js';
import type { Sink } from '../../src/core/sink.js';
import { memoryLogger } from '../../src/log/logger.js';
import { FakeCloud } from '../fake-cloud/server.js';
import { startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { testSettings } from '../helpers/bridge.js';
import { memoryState } from '../helpers/stores.js';

const SN = '280024290529';
let cloud: FakeCloud;
let broker: TestBroker;
let log: ReturnType<typeof memoryLogger>;
const state = memoryState();
beforeEach(async () => {
  cloud = await FakeCloud.start();
  broker = await startBroker();
  log = memoryLogger('info');
});
afterEach(async () => {
  await broker.stop();
  await cloud.close();
});

const build = (over: Partial<Settings> = {}) =>
  createBridge({
    settings: testSettings(cloud, broker.url, over),
    secrets: new MemorySecretStore(),
    state,
    logger: log.logger,
    configDir: '/tmp/test-pipeline',
    wrongPasswordRetryMs: null,
    tuning: { staleAfterMs: 1_000, birthDelayMs: () => 200, reconnectMs: 200, maxBackoffMs: 300 },
  });

function journalSink(name: string, journal: string[], socs: number[], broken = false, note = () => ''): Sink {
  return {
    name,
    start: () => void journal.push(`start ${name}`),
    stop: () => void journal.push(`stop ${name}${note()}`),
    onSnapshot(s) {
      if (broken) throw new Error('out of paper');
      const soc = s.batteries[0]?.soc;
      if (soc !== undefined) socs.push(soc);
    },
  };
}

describe('Pipeline', () => {
  it('publishes past a broken app sink, rebuilds through the same list, and stops the bridge first', async () => {
    const w = await watch(broker.url, 'hoymiles-ms-a2/#');
    const journal: string[] = [];
    const seen: number[] = [];
    const broken = journalSink('printer', journal, [], true);
    let p: Pipeline<Bridge> | undefined;
    // When the tray stops, the bridge has stopped already: its broker connection is closed.
    const tray = journalSink('tray icon', journal, seen, false, () => (p?.bridge.connection?.connected ? ' (broker still connected)' : ''));
    const first = build();
    p = new Pipeline(first, log.logger, [broken, tray]);
    expect(p.sinks.sinks.map((s) => s.name)).toEqual(['battery controls', 'MQTT publisher', 'printer', 'tray icon']);
    expect(await p.start()).toEqual([]);

    await waitFor(() => w.last(`hoymiles-ms-a2/${SN}/state`), 10_000, 'state from the first bridge');
    expect(seen.length).toBeGreaterThan(0);
    expect(log.lines.filter((l) => l.includes('The printer failed on a reading'))).toHaveLength(1);

    // A rebuild: another base topic, so the new publisher's topics tell the two bridges apart.
    const second = await p.rebuild((old) => {
      expect(old).toBe(first);
      return build({ baseTopic: 'second' });
    });
    expect(p.bridge).toBe(second);
    expect(p.sinks.sinks.map((s) => s.name)).toEqual(['battery controls', 'MQTT publisher', 'printer', 'tray icon']);
    expect(p.sinks.sinks[1]).toBe(second.publisher);
    // The old one said goodbye (the new one then clears the old base topic's retained state).
    await waitFor(() => w.messages.some((m) => m.topic === 'hoymiles-ms-a2/bridge/state' && m.payload === 'offline'), 5_000, 'offline from the old bridge');
    const w2 = await watch(broker.url, 'second/#');
    const before = seen.length;
    cloud.station().soc = 64;
    await waitFor(() => w2.last(`second/${SN}/state`) && JSON.parse(w2.last(`second/${SN}/state`)!.payload).soc === 64, 10_000, 'state from the new bridge');
    await waitFor(() => seen.length > before && seen.at(-1) === 64, 5_000, 'the tray follows the new source');
    // The app's sinks were never stopped or started again by the rebuild.
    expect(journal).toEqual(['start printer', 'start tray icon']);

    await p.stop();
    await waitFor(() => w2.last('second/bridge/state')?.payload === 'offline', 5_000, 'offline from the new bridge');
    expect(journal).toEqual(['start printer', 'start tray icon', 'stop tray icon', 'stop printer']);
    await w.close();
    await w2.close();
  });
});
