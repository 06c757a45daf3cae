/**
 * The headless bridge end to end: fake Hoymiles cloud (real HTTP on 127.0.0.1) → core → real MQTT broker
 * (Mosquitto, or aedes where Mosquitto is absent), observed by a second MQTT client.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/log/logger.js';
import { defaultStation, FakeCloud, localDateTime, TEST_ACCOUNT } from '../fake-cloud/server.js';
import { startBroker, retained, waitFor, watch, type TestBroker } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { discoveryProblems } from '../helpers/ha-rules.js';
import { memoryState } from '../helpers/stores.js';

const SN = '280024290529';
const BASE = 'hoymiles-ms-a2';
const fx = useBridgeFixture();
const bridge = fx.bridge;
let cloud: FakeCloud;
let broker: TestBroker;
let log: ReturnType<typeof memoryLogger>;
beforeEach(() => {
  ({ cloud, broker, log } = fx);
});

const stateOf = (w: Awaited<ReturnType<typeof watch>>) => {
  const m = w.last(`${BASE}/${SN}/state`);
  return m ? JSON.parse(m.payload) : undefined;
};

describe('topics and Home Assistant discovery', () => {
  it('publishes the state, the original topics and a valid retained discovery config', async () => {
    const w = await watch(broker.url);
    bridge();
    await waitFor(() => stateOf(w)?.charge_energy_today !== undefined && stateOf(w)?.battery_temperature !== null, 10_000, 'state with energy');
    const s = stateOf(w);
    expect(s).toMatchObject({ soc: 57, battery_power: 245.8, battery_status: 'discharge', battery_temperature: 22, charge_energy_today: 285, discharge_energy_today: 641, load_power: 252, cloud_online: true });
    expect(new Date(s.last_update).getTime()).toBeGreaterThan(Date.now() - 10_000);

    // The original script's topics: power-battery is + into the battery, − out of it.
    expect(w.last(`${BASE}/soc`)?.payload).toBe('57');
    expect(w.last(`${BASE}/power-battery`)?.payload).toBe('-245.8');
    expect(w.last(`${BASE}/power-from-battery`)?.payload).toBe('245.8');
    expect(w.last(`${BASE}/power-to-battery`)?.payload).toBe('0');
    expect(JSON.parse(w.last(`${BASE}/flow`)!.payload).data.flow.length).toBeGreaterThan(0);
    expect(JSON.parse(w.last(`${BASE}/station`)!.payload).data.reflux_station_data.bms_in_eq).toBe('285');
    expect(JSON.parse(w.last(`${BASE}/inverter`)!.payload).data.real_data.bms_temp).toBe('22');

    const kept = await retained(broker.url, '#');
    expect(kept.get(`${BASE}/bridge/state`)).toBe('online');
    expect(kept.get(`${BASE}/${SN}/availability`)).toBe('online');
    expect(JSON.parse(kept.get(`${BASE}/${SN}/state`)!).soc).toBe(57);
    const config = JSON.parse(kept.get(`homeassistant/device/hoymiles_msa2_${SN}/config`)!);
    expect(discoveryProblems(`homeassistant/device/hoymiles_msa2_${SN}/config`, config)).toEqual([]);
    // The sensors; controls join once the station's settings have been read (test/app/bridge-controls.test.ts).
    expect(Object.keys(config.components)).toEqual(
      expect.arrayContaining(['battery_power', 'battery_status', 'battery_temperature', 'charge_energy_today', 'cloud', 'discharge_energy_today', 'grid_power', 'last_update', 'load_power', 'pv_power', 'soc']),
    );
    expect(config.components.last_update.enabled_by_default).toBe(false);
    expect(config.components.cloud.entity_category).toBe('diagnostic');
    expect(config.availability_mode).toBe('all');
    await w.close();
  });

  it('follows a charging battery with the right signs', async () => {
    Object.assign(cloud.station(), { batteryPower: -310, soc: 42 });
    const w = await watch(broker.url);
    bridge();
    await waitFor(() => stateOf(w)?.battery_status === 'charge', 10_000, 'charging state');
    expect(stateOf(w).battery_power).toBe(-310);
    expect(w.last(`${BASE}/power-battery`)?.payload).toBe('310');
    expect(w.last(`${BASE}/power-to-battery`)?.payload).toBe('310');
    await w.close();
  });

  it('publishes every battery of every station', async () => {
    cloud.stations = [
      defaultStation(),
      defaultStation({ sid: 7654321, name: 'Cabin', batteries: [{ id: 555, sn: '280011112222', temperature: 18, depth: 3 }], soc: 80, batteryPower: 0 }),
    ];
    const w = await watch(broker.url);
    bridge();
    await waitFor(() => w.last(`${BASE}/280011112222/state`) && w.last(`${BASE}/${SN}/state`), 10_000, 'two batteries');
    expect(JSON.parse(w.last(`${BASE}/280011112222/state`)!.payload)).toMatchObject({ soc: 80, battery_status: 'standby' });
    expect(w.last(`homeassistant/device/hoymiles_msa2_280011112222/config`)).toBeDefined();
    await w.close();
  });

  it('re-publishes discovery, availability and state a moment after Home Assistant comes online', async () => {
    const w = await watch(broker.url);
    bridge();
    const cfg = `homeassistant/device/hoymiles_msa2_${SN}/config`;
    await waitFor(() => w.last(cfg), 10_000, 'discovery');
    await new Promise((r) => setTimeout(r, 500));
    const before = w.messages.filter((m) => m.topic === cfg).length;
    const t0 = Date.now();
    w.client.publish('homeassistant/status', 'online');
    w.client.publish('homeassistant/status', 'online'); // repeated births are debounced
    await waitFor(() => w.messages.filter((m) => m.topic === cfg).length > before, 5_000, 'discovery again');
    const again = w.messages.filter((m) => m.topic === cfg && m.at >= t0);
    expect(again[0]!.at - t0).toBeGreaterThanOrEqual(150);
    await new Promise((r) => setTimeout(r, 500));
    expect(w.messages.filter((m) => m.topic === cfg && m.at >= t0).length).toBe(1);
    expect(w.messages.some((m) => m.topic === `${BASE}/${SN}/availability` && m.at >= t0)).toBe(true);
    await w.close();
  });

  it('a changed base topic or prefix removes the old retained configs', async () => {
    const state = memoryState();
    const first = bridge({}, { state });
    const w0 = await watch(broker.url);
    await waitFor(() => w0.last(`homeassistant/device/hoymiles_msa2_${SN}/config`), 10_000, 'first config');
    await w0.close();
    // The restart below finds the old configs through what the first run noted as announced.
    await waitFor(() => (state.get<{ sns: string[] }>('mqtt.announced')?.sns ?? []).includes(SN), 10_000, 'the announcement noted');
    await first.stop();
    bridge({ baseTopic: 'battery', discoveryPrefix: 'ha' }, { state });
    const w = await watch(broker.url);
    await waitFor(() => w.last(`ha/device/hoymiles_msa2_${SN}/config`), 10_000, 'new config');
    await new Promise((r) => setTimeout(r, 300));
    const kept = await retained(broker.url, '#');
    expect(kept.has(`homeassistant/device/hoymiles_msa2_${SN}/config`)).toBe(false);
    expect(kept.has(`${BASE}/${SN}/state`)).toBe(false);
    expect(kept.has(`ha/device/hoymiles_msa2_${SN}/config`)).toBe(true);
    expect(JSON.parse(kept.get(`ha/device/hoymiles_msa2_${SN}/config`)!).state_topic).toBe(`battery/${SN}/state`);
    await w.close();
  });

  it('compatibility mode publishes the firmware JSON shapes on the native topics', async () => {
    const w = await watch(broker.url);
    bridge({ nativeCompat: true });
    const quick = `homeassistant/sensor/MSA-${SN}/quick/state`;
    // The temperature comes from the station reads, which run beside the live ones (and may end later).
    const device = () => w.last(`homeassistant/sensor/MSA-${SN}/device/state`);
    await waitFor(() => w.last(`homeassistant/sensor/MSA-${SN}/system/state`) && device() && JSON.parse(device()!.payload).bat_temp !== undefined, 10_000, 'native topics');
    expect(JSON.parse(w.last(quick)!.payload)).toMatchObject({ soc: 57, bat_p: 245.8, bat_sts: 'discharge' });
    expect(JSON.parse(w.last(`homeassistant/sensor/MSA-${SN}/device/state`)!.payload)).toMatchObject({ bat_temp: 22 });
    expect(w.messages.some((m) => m.topic.startsWith('homeassistant/sensor/MSA-') && m.topic.endsWith('/config'))).toBe(false);
    await w.close();
  });
});

describe('availability, will and clean exit', () => {
  it('the broker publishes the retained will when the bridge dies, and online again on reconnect', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await waitFor(() => w.last(`${BASE}/bridge/state`)?.payload === 'online', 10_000, 'online');
    b.connection!.client.stream.destroy();
    await waitFor(() => w.last(`${BASE}/bridge/state`)?.payload === 'offline', 10_000, 'will');
    await waitFor(() => w.last(`${BASE}/bridge/state`)?.payload === 'online', 10_000, 'online again');
    await w.close();
  });

  it('a clean stop publishes offline before disconnecting', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await waitFor(() => stateOf(w), 10_000, 'state');
    await b.stop();
    await waitFor(() => w.last(`${BASE}/bridge/state`)?.payload === 'offline', 5_000, 'offline');
    expect((await retained(broker.url, `${BASE}/bridge/state`)).get(`${BASE}/bridge/state`)).toBe('offline');
    await w.close();
  });

  it('publishing off marks the batteries unavailable and stops states; on resumes', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await waitFor(() => stateOf(w), 10_000, 'state');
    b.publisher!.setEnabled(false);
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'offline', 5_000, 'offline');
    await new Promise((r) => setTimeout(r, 100));
    const n = w.messages.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(w.messages.slice(n).filter((m) => m.topic.endsWith('/state') || m.topic === `${BASE}/soc`)).toEqual([]);
    b.publisher!.setEnabled(true);
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'online', 5_000, 'online');
    await w.close();
  });
});

describe('faults and recovery', () => {
  it('cloud down: battery unavailable, readable problem, backoff; recovers by itself', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'online', 10_000, 'online');
    cloud.fault = 'down';
    const snap = await waitFor(() => (b.poller!.snapshot().problem ? b.poller!.snapshot() : undefined), 5_000, 'problem');
    expect(snap.problem!.code).toBe('cloud-unreachable');
    expect(snap.problem!.message).toMatch(/Cannot reach the Hoymiles cloud/);
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'offline', 5_000, 'offline when stale');
    // Backoff: far fewer requests than the 10 per second of the normal interval.
    const n0 = cloud.requests.length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(cloud.requests.length - n0).toBeLessThanOrEqual(6);
    // Energy counters keep their last value; they never fall to 0 or null because reads fail.
    expect(stateOf(w)?.charge_energy_today ?? 285).toBe(285);
    cloud.fault = 'none';
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'online', 5_000, 'online again');
    expect(b.poller!.snapshot().problem).toBeUndefined();
    await w.close();
  });

  it('malformed JSON and HTTP 500 become problems, not crashes', async () => {
    const b = bridge();
    await waitFor(() => b.poller!.snapshot().lastSuccess, 10_000, 'first success');
    cloud.fault = 'malformed';
    await waitFor(() => b.poller!.snapshot().problem?.message.match(/not JSON/), 5_000, 'malformed problem');
    cloud.fault = 'http500';
    await waitFor(() => b.poller!.snapshot().problem?.message.match(/HTTP 500/), 5_000, 'http 500 problem');
    cloud.fault = 'none';
    await waitFor(() => !b.poller!.snapshot().problem, 5_000, 'recovered');
  });

  it('an expired token is renewed without user-visible trouble', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await waitFor(() => stateOf(w), 10_000, 'state');
    cloud.expireTokens();
    cloud.station().soc = 61;
    await waitFor(() => stateOf(w)?.soc === 61, 5_000, 'new soc after re-login');
    expect(cloud.count('/auth/login')).toBe(2);
    expect(b.poller!.snapshot().problem).toBeUndefined();
    await w.close();
  });

  it('broker down: nothing queued, no stale backlog replayed; current state after it comes back', async () => {
    const w0 = await watch(broker.url);
    const b = bridge();
    await waitFor(() => stateOf(w0), 10_000, 'state');
    await w0.close();
    await broker.stop();
    await waitFor(() => b.connection!.problem, 5_000, 'broker problem');
    expect(b.connection!.problem).toMatch(/MQTT broker/);
    for (const soc of [58, 59, 60, 61]) {
      cloud.station().soc = soc;
      await new Promise((r) => setTimeout(r, 150));
    }
    expect(b.connection!.client.queue.length).toBe(0);
    await broker.start();
    const w = await watch(broker.url, `${BASE}/${SN}/state`);
    await waitFor(() => b.connection!.connected, 10_000, 'reconnect');
    await waitFor(() => w.messages.some((m) => JSON.parse(m.payload).soc === 61), 5_000, 'current state');
    // The stale socs 58–60 never arrive.
    expect(w.messages.map((m) => JSON.parse(m.payload).soc).filter((s: number) => s >= 58 && s <= 60)).toEqual([]);
    await w.close();
  });

  it('a wrong broker password is reported in words and not hammered', async () => {
    const authBroker = await startBroker({ users: { ha: 'right-secret' } });
    try {
      if (authBroker.kind !== 'mosquitto') return; // aedes has no password file
      const b = bridge({ mqttUrl: authBroker.url, mqttUser: 'ha', mqttPassword: 'wrong-secret-123' });
      await waitFor(() => b.connection!.problem?.includes('rejected'), 5_000, 'auth problem');
      let attempts = 0;
      b.connection!.client.on('reconnect', () => attempts++);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(attempts).toBe(0);
      expect(log.lines.join('\n')).not.toContain('wrong-secret-123');
      await fx.stopAll();
    } finally {
      await authBroker.stop();
    }
  });
});

describe('the loop keeps going', () => {
  it('after "Refresh now" the regular polling goes on', async () => {
    const b = bridge();
    await waitFor(() => b.poller!.snapshot().lastSuccess, 10_000, 'first poll');
    await b.poller!.refreshNow();
    const n = cloud.count('/rds/api/0/burst/get');
    // The loop keeps its rhythm after the extra poll: three more reads arrive (a busy machine may need longer).
    await waitFor(() => cloud.count('/rds/api/0/burst/get') - n >= 3 || undefined, 5_000, 'three more live reads after Refresh now');
  });

  it('a sink that throws does not stop the loop or the other sinks', async () => {
    const b = bridge();
    let seen = 0;
    b.poller!.prependListener('snapshot', () => {
      throw new Error('a broken sink');
    });
    b.poller!.on('snapshot', () => seen++);
    const w = await watch(broker.url);
    cloud.station().soc = 66;
    await waitFor(() => stateOf(w)?.soc === 66, 5_000, 'states still published');
    const before = seen;
    await new Promise((r) => setTimeout(r, 400));
    expect(seen).toBeGreaterThan(before);
    expect(log.lines.join('\n')).toMatch(/A consumer of the readings failed: a broken sink/);
    await w.close();
  });

  it('a battery that is not streaming (con 0, or no flow at all) goes unavailable instead of showing old values as live', async () => {
    const w = await watch(broker.url);
    bridge();
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'online', 10_000, 'online');
    cloud.station().con = 0;
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'offline', 5_000, 'offline with con 0');
    cloud.station().con = 1;
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'online', 5_000, 'online again');
    const real = stateOf(w).battery_power;
    cloud.burstWithoutFlow = true;
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'offline', 5_000, 'offline without flow');
    expect(stateOf(w).battery_power).toBe(real); // the last values are kept, not replaced by nulls
    cloud.burstWithoutFlow = false;
    await waitFor(() => w.last(`${BASE}/${SN}/availability`)?.payload === 'online', 5_000, 'back');
    await w.close();
  });

  it('switching discovery off removes the Home Assistant configs it had published', async () => {
    const state = memoryState();
    const first = bridge({}, { state });
    const w = await watch(broker.url);
    const cfg = `homeassistant/device/hoymiles_msa2_${SN}/config`;
    await waitFor(() => w.last(cfg), 10_000, 'config');
    await first.stop();
    bridge({ discoveryEnabled: false }, { state });
    await waitFor(() => w.last(cfg)?.payload === '', 5_000, 'config removed');
    expect((await retained(broker.url, 'homeassistant/#')).has(cfg)).toBe(false);
    await w.close();
  });
});

describe('energy counters', () => {
  it('never go down within a day, survive a restart, reset at the station day change', async () => {
    const state = memoryState();
    const w = await watch(broker.url);
    const st = cloud.station();
    st.dataTime = '2026-11-24 14:00:00';
    let b = bridge({}, { state });
    await waitFor(() => stateOf(w)?.charge_energy_today === 285, 10_000, '285');
    st.chargedToday = 250; // a dip within the day: held
    st.dataTime = '2026-11-24 14:05:00';
    await new Promise((r) => setTimeout(r, 800));
    expect(stateOf(w).charge_energy_today).toBe(285);
    st.chargedToday = null; // "-": missing, not 0
    await new Promise((r) => setTimeout(r, 800));
    expect(stateOf(w).charge_energy_today).toBe(285);
    await b.stop();
    st.chargedToday = 100;
    b = bridge({}, { state }); // restart: the persisted 285 holds against the lower value
    await new Promise((r) => setTimeout(r, 1_000));
    expect(stateOf(w).charge_energy_today).toBe(285);
    st.chargedToday = 4;
    st.dataTime = '2026-11-25 00:10:00';
    await waitFor(() => stateOf(w)?.charge_energy_today === 4, 5_000, 'reset at the new day');
    await w.close();
  });
});

describe('secrets', () => {
  it('never appear in logs or MQTT payloads', async () => {
    const w = await watch(broker.url);
    const b = bridge();
    await waitFor(() => stateOf(w)?.charge_energy_today !== undefined, 10_000, 'state');
    cloud.expireTokens();
    await waitFor(() => cloud.count('/auth/login') >= 2, 5_000, 'second login');
    await new Promise((r) => setTimeout(r, 300));
    const token = cloud.requests.at(-1)!.headers.authorization as string;
    const everything = log.lines.join('\n') + w.messages.map((m) => m.payload).join('\n');
    expect(token).toMatch(/^2\./);
    expect(everything).not.toContain(TEST_ACCOUNT.password);
    expect(everything).not.toContain(token);
    expect(b.poller!.snapshot().batteries.length).toBe(1);
    await w.close();
  });
});

export { localDateTime };
