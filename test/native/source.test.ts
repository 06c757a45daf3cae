/**
 * Source "native" end to end: the fake firmware (a real MQTT client) publishes the guide's shapes on a real
 * Mosquitto; the real bridge reads them and publishes our topics and discovery on the same broker.
 */
import { describe, expect, it } from 'vitest';
import { discoveryPayload } from '../../src/mqtt/discovery.js';
import { topics } from '../../src/mqtt/topics.js';
import { memoryState } from '../helpers/stores.js';
import { retained, waitFor, watch } from '../helpers/broker.js';
import { discoveryProblems } from '../helpers/ha-rules.js';
import { MASTER_SN, SLAVE_SN, useFeedFixture } from '../helpers/native.js';

const BASE = 'hoymiles-ms-a2';
const stateOf = (w: Awaited<ReturnType<typeof watch>>, sn: string) => {
  const m = w.last(topics.state(BASE, sn));
  return m ? (JSON.parse(m.payload) as Record<string, unknown>) : undefined;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('source native', () => {
  const fx = useFeedFixture();

  it('reads a master and a slave unit and publishes the same topics and discovery as the cloud path', async () => {
    const w = await watch(fx.broker.url, `${BASE}/#`);
    // The firmware's defects: legacy text configs, a switch without command_topic on the slave.
    await fx.firmware({ legacyText: true });
    await fx.firmware({ sn: SLAVE_SN, master: false, oldSwitch: true, initial: { soc: 41, ownPower: -120, temperature: 19.5 } });
    fx.bridge();

    const master = await waitFor(() => {
      const s = stateOf(w, MASTER_SN);
      return s && s.battery_temperature !== null && s.charge_energy_today !== null ? s : undefined;
    }, 10_000, 'master state with slow values');
    expect(master).toMatchObject({ soc: 57, battery_power: 310, battery_status: 'discharge', pv_power: 120.4, grid_power: 6.2, load_power: 436.6, battery_temperature: 22.5, battery_voltage: 51.2, battery_current: -6.05, wifi_signal: -61 });
    expect(master.charge_energy_today).toBeGreaterThanOrEqual(285);
    expect(master.discharge_energy_today).toBeGreaterThanOrEqual(641);

    // The slave: its own SoC, power and temperature; the system values stay unknown (they are the master's).
    const slave = await waitFor(() => {
      const s = stateOf(w, SLAVE_SN);
      return s && s.battery_temperature !== null ? s : undefined;
    }, 10_000, 'slave state');
    expect(slave).toMatchObject({ soc: 41, battery_power: -120, battery_status: 'charge', battery_temperature: 19.5, pv_power: null, grid_power: null, load_power: null, charge_energy_today: null });

    await waitFor(() => w.last(topics.availability(BASE, MASTER_SN))?.payload === 'online', 5_000, 'master online');
    const configs = await retained(fx.broker.url, 'homeassistant/device/+/config');
    const cfg = JSON.parse(configs.get(topics.discovery('homeassistant', MASTER_SN))!);
    expect(discoveryProblems(topics.discovery('homeassistant', MASTER_SN), cfg)).toEqual([]);
    // The unique ids are the ones the cloud path announces for this serial: switching source keeps the history.
    const cloudCfg = discoveryPayload({ sn: MASTER_SN, stationName: 'Home' }, { base: BASE, appVersion: 'x' }) as { components: Record<string, { unique_id: string }> };
    for (const [key, c] of Object.entries(cloudCfg.components)) expect(cfg.components[key]?.unique_id, key).toBe(c.unique_id);
    expect(cfg.device.identifiers).toEqual([`hoymiles_msa2_${MASTER_SN}`]);
    // Controls through the feed on the master only.
    expect(cfg.components.ems_mode).toMatchObject({ platform: 'select', options: ['general', 'mqtt_ctrl', 'tou_plan'] });
    expect(cfg.components.power_setpoint).toMatchObject({ platform: 'number', min: -1000, max: 1000, unit_of_measurement: 'W' });
    const slaveCfg = JSON.parse(configs.get(topics.discovery('homeassistant', SLAVE_SN))!);
    expect(discoveryProblems(topics.discovery('homeassistant', SLAVE_SN), slaveCfg)).toEqual([]);
    expect(slaveCfg.components.ems_mode).toBeUndefined();
    // The original script's flat topics come from the master.
    await waitFor(() => w.last(`${BASE}/soc`)?.payload === '57', 5_000, 'legacy soc');
    await w.close();
  });

  it('marks the battery unavailable when the feed goes stale, and available again when it comes back', async () => {
    const w = await watch(fx.broker.url, `${BASE}/#`);
    const fw = await fx.firmware();
    const b = fx.bridge();
    await waitFor(() => w.last(topics.availability(BASE, MASTER_SN))?.payload === 'online', 10_000, 'online');
    fw.setSilent(true);
    await waitFor(() => w.last(topics.availability(BASE, MASTER_SN))?.payload === 'offline', 5_000, 'offline when stale');
    expect(b.source.snapshot().batteries[0]!.fresh).toBe(false);
    fw.setSilent(false);
    await waitFor(() => w.last(topics.availability(BASE, MASTER_SN))?.payload === 'online', 5_000, 'online again');

    // Live values fresh but the 5-minute values missing for longer than their window: not fresh either.
    fw.publishSlow = () => undefined;
    await waitFor(() => w.last(topics.availability(BASE, MASTER_SN))?.payload === 'offline', 6_000, 'offline when slow values are stale');
    expect(fw.sent.quick).toBeGreaterThan(0);
    await w.close();
  });

  it('keeps the day counters from going down, from becoming 0 on a missing key, and across a restart', async () => {
    const w = await watch(fx.broker.url, `${BASE}/#`);
    const fw = await fx.firmware({ initial: { chargedToday: 900, dischargedToday: 400, ownPower: 0 } });
    const state = memoryState();
    fx.bridge({}, { state });
    await waitFor(() => stateOf(w, MASTER_SN)?.charge_energy_today === 900, 10_000, 'counter 900');

    // A glitch: the firmware reports less within the same day. Held back.
    fw.state.chargedToday = 100;
    fw.publishSlow();
    await sleep(600);
    // A system/state without the counters: they stay as they were.
    fw.publishRaw('system', JSON.stringify({ soc: 57, ems_mode: 'general' }));
    await sleep(600);
    expect(stateOf(w, MASTER_SN)?.charge_energy_today).toBe(900);
    expect(fx.log.lines.some((l) => /Held back a drop of the charged-today counter/.test(l))).toBe(true);

    // Restart with the same state store: the counter survives, a low value is still held back.
    await fx.stopBridges();
    w.messages.length = 0;
    fx.bridge({}, { state });
    await waitFor(() => stateOf(w, MASTER_SN)?.charge_energy_today, 10_000, 'counter after restart');
    expect(stateOf(w, MASTER_SN)?.charge_energy_today).toBe(900);
    fw.state.chargedToday = 950;
    await waitFor(() => stateOf(w, MASTER_SN)?.charge_energy_today === 950, 5_000, 'counter rises again');
    await w.close();
  });

  it('counts malformed messages, logs them once per minute (1 s here) and never lets them change a reading', async () => {
    const w = await watch(fx.broker.url, `${BASE}/#`);
    const fw = await fx.firmware({ quickMs: 200 });
    const b = fx.bridge();
    await waitFor(() => stateOf(w, MASTER_SN)?.soc === 57, 10_000, 'soc 57');
    fw.setSilent(true);
    for (const bad of ['not json', '', '[1,2]', '{"soc":"12"}', '{"soc":150}', '{"bat_p":1e999}', JSON.stringify({ soc: 1, pad: 'x'.repeat(10_000) }), '{"bat_sts":"exploded"}']) {
      fw.publishRaw('quick', bad);
    }
    fw.publishRaw('device', '{"bat_temp":"hot"}');
    fw.publishRaw('system', '{"chg_e":-5}');
    await waitFor(() => b.native!.malformedTotal === 10, 5_000, '10 malformed');
    await sleep(1_300);
    const lines = fx.log.lines.filter((l) => /malformed message/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines.join('\n')).not.toContain('x'.repeat(200)); // bounded
    const r = b.source.snapshot().batteries[0]!;
    expect(r.soc).toBe(57);
    expect(r.status).toBe('discharge');
    expect(r.chargedToday).toBeGreaterThanOrEqual(285);
    await w.close();
  });

  it('re-publishes live values at most every NATIVE_PUBLISH_SECONDS, a change of status at once', async () => {
    const fw = await fx.firmware({ quickMs: 50 });
    let tick = 0;
    const realQuick = fw.publishQuick.bind(fw);
    fw.publishQuick = () => {
      fw.state.ownPower = 300 + (tick++ % 7); // a new value every message
      realQuick();
    };
    const w = await watch(fx.broker.url, topics.state(BASE, MASTER_SN));
    fx.bridge({ nativePublishSec: 1 });
    await waitFor(() => w.messages.length > 0, 10_000, 'first state');
    const from = Date.now();
    const sentBefore = fw.sent.quick;
    await sleep(3_000);
    const published = w.messages.filter((m) => m.at >= from).length;
    expect(fw.sent.quick - sentBefore).toBeGreaterThan(30);
    expect(published).toBeGreaterThanOrEqual(2);
    expect(published).toBeLessThanOrEqual(5);

    // Discharging → charging: out at once, not after the throttle.
    await sleep(100);
    const flip = Date.now();
    fw.publishQuick = () => {
      fw.state.ownPower = -250;
      realQuick();
    };
    const charging = await waitFor(() => w.messages.find((m) => m.at >= flip && JSON.parse(m.payload).battery_status === 'charge'), 3_000, 'charge state');
    expect(charging.at - flip).toBeLessThan(600);
    await w.close();
  });

  it('follows only the batteries in NATIVE_DEVICES', async () => {
    await fx.firmware();
    await fx.firmware({ sn: SLAVE_SN, master: false });
    const b = fx.bridge({ nativeDevices: `MSA-${SLAVE_SN}` });
    await waitFor(() => b.source.snapshot().batteries.length === 1 && b.source.snapshot().batteries[0]!.fresh, 10_000, 'one battery');
    await sleep(500);
    expect(b.source.snapshot().batteries.map((x) => x.sn)).toEqual([SLAVE_SN]);
    expect(fx.log.lines.some((l) => l.includes(`Found MSA-${MASTER_SN} on the broker; not following it`))).toBe(true);
  });

  it('says so when no battery sends its feed to the broker', async () => {
    const b = fx.bridge();
    const snap = await waitFor(() => (b.source.snapshot().problem ? b.source.snapshot() : undefined), 5_000, 'no battery problem');
    expect(snap.problem!.code).toBe('no-battery');
    expect(snap.problem!.message).toMatch(/MQTT Service/);
  });
});
