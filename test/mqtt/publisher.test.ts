/**
 * The MQTT sink on its own, against a real broker (Mosquitto; aedes where it is missing): snapshots made by hand
 * go in, a second client watches what comes out (topics, payloads, retained flags, how often).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatteryReading, BridgeSnapshot } from '../../src/core/snapshot.js';
import { memoryLogger } from '../../src/log/logger.js';
import { MqttConnection } from '../../src/mqtt/connection.js';
import { MqttPublisher, type PublisherOptions } from '../../src/mqtt/publisher.js';
import { retained, startBroker, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { memoryState } from '../helpers/stores.js';

const SN = '280024290529';
const BASE = 'hoymiles-ms-a2';
const CONFIG = `homeassistant/device/hoymiles_msa2_${SN}/config`;
const STATE = `${BASE}/${SN}/state`;
const AVAIL = `${BASE}/${SN}/availability`;
const BRIDGE = `${BASE}/bridge/state`;
const T0 = Date.UTC(2026, 11, 1, 10);

type Watcher = Awaited<ReturnType<typeof watch>>;
let broker: TestBroker;
let log: ReturnType<typeof memoryLogger>;
let opened: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  broker = await startBroker();
  log = memoryLogger();
});
afterEach(async () => {
  for (const o of opened.reverse()) await o.close();
  opened = [];
  await broker.stop();
});

function reading(over: Partial<BatteryReading> = {}): BatteryReading {
  return {
    sn: SN,
    deviceId: 123,
    stationId: 1234567,
    stationName: 'Home',
    master: true,
    soc: 57,
    batteryPower: 245.8,
    status: 'discharge',
    pvPower: 0,
    gridPower: 6.2,
    loadPower: 252,
    powerToBattery: 0,
    powerFromBattery: 245.8,
    live: true,
    fresh: true,
    updatedAt: T0,
    firmware: '1.3.4',
    raw: { flow: '{"flow":[]}' },
    ...over,
  } as BatteryReading;
}
const snap = (...batteries: BatteryReading[]): BridgeSnapshot => ({ batteries, cycles: 1, lastSuccess: T0 });

/** A connected publisher; `clock.t` is the time it sees. */
async function publisher(over: Partial<PublisherOptions> = {}) {
  const connection = new MqttConnection({
    url: broker.url,
    clientId: `pub-${Math.random().toString(16).slice(2)}`,
    logger: log.logger,
    will: { topic: `${over.base ?? BASE}/bridge/state`, payload: 'offline' },
    reconnectMs: 100,
  });
  const clock = { t: T0 };
  const p = new MqttPublisher({ connection, base: BASE, prefix: 'homeassistant', discovery: true, nativeCompat: false, appVersion: '0.1.0', logger: log.logger, birthDelayMs: () => 100, now: () => clock.t, ...over });
  opened.push({ close: () => p.stop() });
  await waitFor(() => connection.connected, 10_000, 'connected');
  return { p, connection, clock };
}
async function watcher(): Promise<Watcher> {
  const w = await watch(broker.url);
  opened.push(w);
  return w;
}
const count = (w: Watcher, topic: string) => w.messages.filter((m) => m.topic === topic).length;
const payloads = (w: Watcher, topic: string) => w.messages.filter((m) => m.topic === topic).map((m) => m.payload);
/** Publishes are asynchronous: a marker published after them on the same connection arrives after them. */
async function flushed(connection: MqttConnection, w?: Watcher): Promise<void> {
  const own = !w;
  w ??= await watch(broker.url);
  const marker = `marker/${Math.random().toString(16).slice(2)}`;
  connection.publish(marker, 'x', { qos: 1 });
  await waitFor(() => w!.last(marker), 5_000, 'the marker');
  if (own) await w.close();
}

describe('topics and retained flags', () => {
  it('bridge online, availability, state, discovery and the original topics, all retained', async () => {
    const { p, connection } = await publisher();
    p.onSnapshot(snap(reading()));
    await flushed(connection);
    const kept = await retained(broker.url, '#');
    expect(kept.get(BRIDGE)).toBe('online');
    expect(kept.get(AVAIL)).toBe('online');
    expect(JSON.parse(kept.get(STATE)!)).toMatchObject({ soc: 57, battery_power: 245.8, battery_status: 'discharge', last_update: new Date(T0).toISOString() });
    const config = JSON.parse(kept.get(CONFIG)!);
    expect(config.state_topic).toBe(STATE);
    expect(config.device.sw_version).toBe('1.3.4');
    // The original script's topics: power-battery is + into the battery, − out of it.
    expect(kept.get(`${BASE}/soc`)).toBe('57');
    expect(kept.get(`${BASE}/power-battery`)).toBe('-245.8');
    expect(kept.get(`${BASE}/flow`)).toBe('{"flow":[]}');
  });

  it('a second battery gets its own topics; only the master feeds the original flat topics', async () => {
    const { p, connection } = await publisher();
    const w = await watcher();
    p.onSnapshot(snap(reading(), reading({ sn: '280011112222', master: false, soc: 80 })));
    await flushed(connection, w);
    expect(JSON.parse(w.last(`${BASE}/280011112222/state`)!.payload).soc).toBe(80);
    expect(w.last(`${BASE}/280011112222/availability`)?.payload).toBe('online');
    expect(payloads(w, `${BASE}/soc`)).toEqual(['57']);
  });

  it('the firmware-compatible topics only in compatibility mode, and not retained', async () => {
    const { p, connection } = await publisher({ nativeCompat: true });
    const w = await watcher();
    p.onSnapshot(snap(reading({ temperature: 22 })));
    await flushed(connection, w);
    expect(JSON.parse(w.last(`homeassistant/sensor/MSA-${SN}/quick/state`)!.payload)).toMatchObject({ soc: 57, bat_p: 245.8, sys_grid_p: 6.2 });
    expect(JSON.parse(w.last(`homeassistant/sensor/MSA-${SN}/device/state`)!.payload)).toMatchObject({ bat_temp: 22 });
    const kept = await retained(broker.url, 'homeassistant/sensor/#');
    expect(kept.size).toBe(0);

    const plain = await publisher({ base: 'plain' });
    const w2 = await watcher();
    plain.p.onSnapshot(snap(reading()));
    await flushed(plain.connection, w2);
    expect(w2.messages.some((m) => m.topic.includes('/MSA-'))).toBe(false);
  });
});

describe('availability', () => {
  it('online while fresh, offline when the values turn stale, each sent once per change', async () => {
    const { p, connection } = await publisher();
    const w = await watcher();
    for (let i = 0; i < 3; i++) p.onSnapshot(snap(reading()));
    for (let i = 0; i < 3; i++) p.onSnapshot(snap(reading({ fresh: false })));
    p.onSnapshot(snap(reading()));
    await flushed(connection, w);
    expect(payloads(w, AVAIL)).toEqual(['online', 'offline', 'online']);
  });

  it('stale values stay off the original topics; a battery never read gets no state', async () => {
    const { p, connection } = await publisher();
    const w = await watcher();
    p.onSnapshot(snap(reading({ fresh: false, soc: 12 }), reading({ sn: '280099999999', master: false, updatedAt: undefined, fresh: false })));
    await flushed(connection, w);
    expect(w.last(`${BASE}/soc`)).toBeUndefined();
    expect(JSON.parse(w.last(STATE)!.payload).soc).toBe(12);
    expect(w.last(`${BASE}/280099999999/availability`)?.payload).toBe('offline');
    expect(w.last(`${BASE}/280099999999/state`)).toBeUndefined();
  });

  it('shutdown says offline for the bridge, retained (a clean disconnect fires no will)', async () => {
    const { p } = await publisher();
    p.onSnapshot(snap(reading()));
    await p.stop();
    expect((await retained(broker.url, BRIDGE)).get(BRIDGE)).toBe('offline');
  });
});

describe('only what changed', () => {
  it('discovery goes out once, and again only when it changes (here: the firmware)', async () => {
    const { p, connection } = await publisher();
    const w = await watcher();
    for (let soc = 50; soc < 55; soc++) p.onSnapshot(snap(reading({ soc })));
    await flushed(connection, w);
    expect(count(w, CONFIG)).toBe(1);
    expect(count(w, STATE)).toBe(5);
    p.onSnapshot(snap(reading({ firmware: '1.4.0' })));
    await flushed(connection, w);
    expect(count(w, CONFIG)).toBe(2);
    expect(JSON.parse(w.last(CONFIG)!.payload).device.sw_version).toBe('1.4.0');
  });

  it('an unchanged state is sent again only after heartbeatMs', async () => {
    const { p, connection, clock } = await publisher({ heartbeatMs: 60_000 });
    const w = await watcher();
    p.onSnapshot(snap(reading()));
    clock.t += 59_000;
    p.onSnapshot(snap(reading()));
    await flushed(connection, w);
    expect(count(w, STATE)).toBe(1);
    clock.t += 1_000;
    p.onSnapshot(snap(reading()));
    await flushed(connection, w);
    expect(count(w, STATE)).toBe(2);
  });

  it('Home Assistant coming online makes everything go out again, once for repeated births', async () => {
    const { p, connection } = await publisher();
    const w = await watcher();
    p.onSnapshot(snap(reading()));
    await flushed(connection, w);
    expect(count(w, CONFIG)).toBe(1);
    w.client.publish('homeassistant/status', 'offline'); // not a birth: nothing within the 100 ms birth delay
    await new Promise((r) => setTimeout(r, 400));
    await flushed(connection, w);
    expect(count(w, CONFIG)).toBe(1);
    w.client.publish('homeassistant/status', 'online');
    w.client.publish('homeassistant/status', 'online');
    await waitFor(() => count(w, CONFIG) === 2, 5_000, 'discovery again');
    await new Promise((r) => setTimeout(r, 300)); // a second re-publish would follow 100 ms after the first
    await flushed(connection, w);
    expect(count(w, CONFIG)).toBe(2);
    expect(count(w, STATE)).toBe(2);
    expect(count(w, AVAIL)).toBe(2);
  });
});

describe('the publish switch', () => {
  it('off: batteries unavailable and no states; on: online and the latest state again', async () => {
    const { p, connection } = await publisher();
    const w = await watcher();
    p.onSnapshot(snap(reading()));
    await flushed(connection, w);
    p.setEnabled(false);
    expect(p.isEnabled).toBe(false);
    for (let soc = 60; soc < 63; soc++) p.onSnapshot(snap(reading({ soc })));
    await flushed(connection, w);
    expect(w.last(AVAIL)?.payload).toBe('offline');
    expect(count(w, STATE)).toBe(1);
    expect(payloads(w, `${BASE}/soc`)).toEqual(['57']);
    expect(payloads(w, BRIDGE)).not.toContain('offline'); // the bridge itself stays online
    p.setEnabled(true);
    await flushed(connection, w);
    expect(w.last(AVAIL)?.payload).toBe('online');
    expect(JSON.parse(w.last(STATE)!.payload).soc).toBe(62);
    expect(log.lines.filter((l) => /Publishing to MQTT switched (off|on)/.test(l))).toHaveLength(2);
  });
});

describe('commands and old announcements', () => {
  it('a message on <base>/<sn>/<key>/set reaches onCommand; other topics do not', async () => {
    const got: string[] = [];
    const { connection } = await publisher({ onCommand: (sn, key, payload) => got.push(`${sn} ${key} ${payload}`) });
    const w = await watcher();
    await flushed(connection, w); // subscribed by now: the subscription went out before the marker
    w.client.publish(`${BASE}/${SN}/input_power`, '1');
    w.client.publish(`${BASE}/${SN}/a/b/set`, '2');
    w.client.publish(`${BASE}/${SN}/input_power/set`, '300');
    await waitFor(() => got.length >= 1, 5_000, 'the command');
    expect(got).toEqual([`${SN} input_power 300`]);
  });

  it('a new base topic and prefix remove what was announced under the old ones (noted in the store)', async () => {
    const store = memoryState();
    const first = await publisher({ store });
    first.p.onSnapshot(snap(reading()));
    expect(store.get('mqtt.announced')).toEqual({ base: BASE, prefix: 'homeassistant', sns: [SN] });
    await flushed(first.connection);
    await first.p.stop();
    const moved = await publisher({ store, base: 'battery', prefix: 'ha' });
    moved.p.onSnapshot(snap(reading()));
    await flushed(moved.connection);
    const kept = await retained(broker.url, '#');
    expect(kept.has(CONFIG)).toBe(false);
    expect(kept.has(STATE)).toBe(false);
    expect(kept.has(AVAIL)).toBe(false);
    expect(kept.has(BRIDGE)).toBe(false);
    expect(JSON.parse(kept.get(`ha/device/hoymiles_msa2_${SN}/config`)!).state_topic).toBe(`battery/${SN}/state`);
    expect(store.get('mqtt.announced')).toEqual({ base: 'battery', prefix: 'ha', sns: [SN] });
  });

  it('discovery switched off takes the announced devices out of Home Assistant', async () => {
    const store = memoryState();
    const first = await publisher({ store });
    first.p.onSnapshot(snap(reading()));
    await flushed(first.connection);
    await first.p.stop();
    const off = await publisher({ store, discovery: false });
    off.p.onSnapshot(snap(reading()));
    await flushed(off.connection);
    const kept = await retained(broker.url, '#');
    expect(kept.has(CONFIG)).toBe(false);
    expect(kept.get(AVAIL)).toBe('online');
    expect(log.lines.some((l) => /Discovery is off: removed 1 Home Assistant config/.test(l))).toBe(true);
  });
});

describe('while the broker is away', () => {
  it('only the latest snapshot is kept and goes out on reconnect; nothing older is replayed', async () => {
    const { p, connection } = await publisher();
    p.onSnapshot(snap(reading({ soc: 50 })));
    await flushed(connection);
    await broker.stop();
    await waitFor(() => !connection.connected, 10_000, 'disconnected');
    const sent = connection.publishedCount;
    p.onSnapshot(snap(reading({ soc: 51 })));
    p.onSnapshot(snap(reading({ soc: 52 })));
    expect(connection.publishedCount).toBe(sent); // nothing sent, nothing queued
    await broker.start();
    await waitFor(() => connection.connected, 10_000, 'reconnected');
    await flushed(connection);
    // Mosquitto runs without persistence here: whatever is retained now came after the reconnect.
    expect(JSON.parse((await retained(broker.url, STATE)).get(STATE)!).soc).toBe(52);
    expect(log.lines.filter((l) => /Connected to the MQTT broker/.test(l))).toHaveLength(2);
  });
});
