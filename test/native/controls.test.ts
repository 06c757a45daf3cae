/**
 * Control through the battery's own feed against the fake firmware on a real broker: EMS mode, the power
 * setpoint and its keep-alive against the firmware's fallback watchdog (1 s here instead of a minute), the stop
 * on a foreign writer, on a mode change and on clearing, strict command checks, and state only once confirmed.
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { topics } from '../../src/mqtt/topics.js';
import { waitFor, watch } from '../helpers/broker.js';
import { MASTER_SN, SLAVE_SN, useFeedFixture } from '../helpers/native.js';

const BASE = 'hoymiles-ms-a2';
const DEV = `MSA-${MASTER_SN}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function commander(url: string) {
  const c = await mqtt.connectAsync(url, { clientId: `ha-${Math.random().toString(16).slice(2)}` });
  return {
    send: (sn: string, key: string, payload: string, retain = false) => c.publishAsync(topics.command(BASE, sn, key), payload, { qos: 1, retain }),
    raw: (topic: string, payload: string) => c.publishAsync(topic, payload, { qos: 1 }),
    close: () => c.endAsync(true),
  };
}

describe('battery control through the feed', () => {
  const fx = useFeedFixture();
  const stateOf = (w: Awaited<ReturnType<typeof watch>>) => JSON.parse(w.last(topics.state(BASE, MASTER_SN))?.payload ?? '{}');

  it('keeps a setpoint alive past the firmware fallback, confirms it from the feed, and stops on a foreign writer', async () => {
    // The watchdog ignores an identical repeated value: only the 0.1 W nudge keeps it alive.
    const fw = await fx.firmware({ fallbackMs: 1_000, repeatResetsWatchdog: false, slowMs: 300 });
    const w = await watch(fx.broker.url, `${BASE}/#`);
    fx.bridge();
    await waitFor(() => stateOf(w).ems_mode === 'general', 10_000, 'mode general from the feed');
    const ha = await commander(fx.broker.url);

    // A setpoint outside mqtt_ctrl is refused: it would do nothing.
    await ha.send(MASTER_SN, 'power_setpoint', '-500');
    await waitFor(() => fx.log.lines.find((l) => /Refused power_setpoint .*only in EMS mode mqtt_ctrl/.test(l)), 5_000, 'refusal');

    await ha.send(MASTER_SN, 'ems_mode', 'mqtt_ctrl');
    await waitFor(() => fw.state.emsMode === 'mqtt_ctrl', 5_000, 'firmware in mqtt_ctrl');
    await sleep(250); // the rate limit (200 ms here)
    await ha.send(MASTER_SN, 'power_setpoint', '-500');
    await waitFor(() => fw.state.setpoint === -500 || fw.state.setpoint === -499.9, 5_000, 'setpoint applied');
    // State only once the feed confirms: the mode from system/state, the setpoint once bat_p follows it.
    await waitFor(() => stateOf(w).ems_mode === 'mqtt_ctrl' && stateOf(w).power_setpoint === -500, 5_000, 'confirmed state');
    expect(stateOf(w).battery_power).toBeLessThan(-490);

    // Three fallback periods later the battery is still following the setpoint.
    await sleep(3_200);
    expect(fw.fallbacks).toBe(0);
    expect(fw.state.emsMode).toBe('mqtt_ctrl');
    const sent = fw.commands.filter((c) => c.topic.endsWith('/power_ctrl/set'));
    expect(sent.length).toBeGreaterThanOrEqual(8);
    expect(new Set(sent.map((c) => c.payload))).toEqual(new Set(['-500.0', '-499.9']));
    expect(sent.every((c) => !c.retain)).toBe(true);

    // Another client writes the setpoint: we stop re-sending, say so once, and the firmware's fallback runs.
    await ha.raw(`homeassistant/number/${DEV}/power_ctrl/set`, '200');
    await waitFor(() => fx.log.lines.find((l) => /Another MQTT client wrote the power setpoint "200"/.test(l)), 5_000, 'foreign writer noticed');
    await waitFor(() => fw.fallbacks === 1, 5_000, 'firmware fell back (nobody re-sends)');
    const after = fw.commands.filter((c) => c.topic.endsWith('/power_ctrl/set') && c.payload !== '200').length;
    await sleep(1_000);
    expect(fw.commands.filter((c) => c.topic.endsWith('/power_ctrl/set') && c.payload !== '200').length).toBe(after);
    expect(fx.log.lines.filter((l) => /Another MQTT client/.test(l))).toHaveLength(1);
    await waitFor(() => stateOf(w).ems_mode === 'general' && stateOf(w).power_setpoint === null, 5_000, 'state back to general');
    await ha.close();
    await w.close();
  });

  it('stops the keep-alive on a mode change and on clearing the setpoint', async () => {
    const fw = await fx.firmware({ fallbackMs: 1_000, slowMs: 300 });
    const b = fx.bridge();
    await waitFor(() => b.nativeControls?.view(MASTER_SN)?.mode === 'general', 10_000, 'mode known');
    const ha = await commander(fx.broker.url);
    const setpoints = () => fw.commands.filter((c) => c.topic.endsWith('/power_ctrl/set')).length;

    await ha.send(MASTER_SN, 'ems_mode', 'mqtt_ctrl');
    await sleep(250);
    await ha.send(MASTER_SN, 'power_setpoint', '300');
    await waitFor(() => fw.state.setpoint !== undefined && fw.state.setpoint >= 300, 5_000, 'discharging 300 W');
    await ha.send(MASTER_SN, 'power_setpoint', 'CLEAR');
    await waitFor(() => fx.log.lines.find((l) => /Stopped re-sending the power setpoint .*cleared/.test(l)), 5_000, 'cleared');
    const n = setpoints();
    await waitFor(() => fw.fallbacks === 1, 5_000, 'fallback after clearing');
    expect(setpoints()).toBe(n);

    await sleep(250);
    await ha.send(MASTER_SN, 'ems_mode', 'mqtt_ctrl');
    await waitFor(() => fw.state.emsMode === 'mqtt_ctrl', 5_000, 'mqtt_ctrl again');
    await sleep(250);
    await ha.send(MASTER_SN, 'power_setpoint', '-200');
    await waitFor(() => fw.state.setpoint !== undefined && fw.state.setpoint <= -199.9, 5_000, 'charging 200 W');
    await sleep(250);
    await ha.send(MASTER_SN, 'ems_mode', 'general');
    await waitFor(() => fw.state.emsMode === 'general', 5_000, 'general');
    await waitFor(() => fx.log.lines.find((l) => /Stopped re-sending the power setpoint .*EMS mode is now general/.test(l)), 5_000, 'stopped on mode change');
    const m = setpoints();
    await sleep(1_000);
    expect(setpoints()).toBe(m);
    await ha.close();
  });

  it('checks commands strictly: retained, unknown, out of range, too soon, slave, nothing reaches the firmware', async () => {
    const fw = await fx.firmware({ slowMs: 300 });
    await fx.firmware({ sn: SLAVE_SN, master: false });
    const ha = await commander(fx.broker.url);
    // A retained command is what the broker hands every new subscriber: stored before the bridge starts.
    await ha.send(MASTER_SN, 'ems_mode', 'mqtt_ctrl', true);
    const b = fx.bridge({}, { tuning: { nativeControls: { rateLimitMs: 5_000 } } });
    await waitFor(() => b.nativeControls?.view(MASTER_SN)?.mode === 'general' && b.source.snapshot().batteries.length === 2, 10_000, 'both units');
    await ha.send(MASTER_SN, 'ems_mode', 'turbo');
    await ha.send(MASTER_SN, 'ems_mode', 'mqtt_ctrl');
    await ha.send(MASTER_SN, 'ems_mode', 'general'); // within the rate limit
    await ha.send(MASTER_SN, 'power_setpoint', '1500');
    await ha.send(MASTER_SN, 'power_setpoint', '1e3');
    await ha.send(MASTER_SN, 'power_setpoint', '12.5');
    await ha.send(SLAVE_SN, 'ems_mode', 'general');
    await waitFor(() => fx.log.lines.filter((l) => /Refused|Ignored the retained/.test(l)).length >= 7, 5_000, 'seven refusals');
    const text = fx.log.lines.join('\n');
    expect(text).toMatch(/Ignored the retained command "mqtt_ctrl"/);
    expect(text).toMatch(/"turbo" is not one of general, mqtt_ctrl, tou_plan/);
    expect(text).toMatch(/too soon/);
    expect(text).toMatch(/1500 W is outside -1000–1000 W/);
    expect(text).toMatch(/"1e3" is not a number/);
    expect(text).toMatch(/12.5 W is not a multiple of the step 1 W/);
    expect(text).toMatch(/is not the master unit/);
    await sleep(300);
    // The one good command went out, once, not retained; the slave got nothing.
    const modeCommands = fw.commands.filter((c) => c.topic.endsWith('/ems_mode/command'));
    expect(modeCommands.map((c) => [c.payload, c.retain])).toEqual([['mqtt_ctrl', false]]);
    await ha.raw(topics.command(BASE, MASTER_SN, 'ems_mode'), ''); // clear the retained command
    await ha.close();
  });
});
