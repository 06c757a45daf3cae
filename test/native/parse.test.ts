import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../src/config/env.js';
import { parseDevice, parsePowerRange, parseQuick, parseSystem } from '../../src/native/parse.js';

describe("the firmware's state payloads", () => {
  it('quick/state of a master: signs as the firmware sends them, PV of both solar inputs', () => {
    const r = parseQuick(JSON.stringify({ grid_on_p: -250.3, bat_sts: 'charge', bat_p: -250.3, soc: 63.57, heat: false, sys_pv_p: 300.1, sys_pv2_p: 50, sys_grid_p: -12.5, sys_load_p: 99.9 }));
    expect(r).toEqual({ ok: true, value: { soc: 63.57, batteryPower: -250.3, status: 'charge', pvPower: 350.1, gridPower: -12.5, loadPower: 99.9, master: true } });
  });
  it('quick/state of a slave: no system values, missing keys stay missing (never 0)', () => {
    expect(parseQuick('{"bat_p":12,"soc":40}')).toEqual({ ok: true, value: { soc: 40, batteryPower: 12, status: undefined, pvPower: undefined, gridPower: undefined, loadPower: undefined, master: false } });
    expect(parseQuick('{"soc":null,"future_key":"x"}')).toMatchObject({ ok: true, value: { soc: undefined } });
  });
  it.each([
    ['', /empty/],
    ['soc=57', /not JSON/],
    ['57', /not a JSON object/],
    ['{"soc":"57"}', /"soc"/],
    ['{"soc":101}', /"soc"/],
    ['{"bat_sts":"on fire"}', /"bat_sts"/],
    ['{"heat":1}', /"heat"/],
    [JSON.stringify({ soc: 1, x: 'y'.repeat(9000) }), /bytes/],
  ])('refuses %j whole', (payload, reason) => {
    const r = parseQuick(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
  it('device/state and system/state', () => {
    expect(parseDevice(JSON.stringify({ grid: [{ type: 'grid_on', v: 230, i: 1, f: 50, p: 1, q: 0, ein: 1, eout: 2, etin: 3, etout: 4 }], bat_temp: 21.4, bat_v: 51.2, bat_i: -3.1, rssi: -70 }))).toMatchObject({
      ok: true,
      value: { temperature: 21.4, voltage: 51.2, current: -3.1, rssi: -70 },
    });
    expect(parseDevice('{"grid":[{"type":"mains"}]}').ok).toBe(false);
    expect(parseSystem('{"chg_e":285,"dchg_e":641,"ems_mode":"mqtt_ctrl"}')).toMatchObject({ ok: true, value: { chargedToday: 285, dischargedToday: 641, emsMode: 'mqtt_ctrl' } });
    expect(parseSystem('{"ems_mode":"turbo"}').ok).toBe(false);
    expect(parseSystem('{"chg_e":-1}').ok).toBe(false);
  });
  it("the setpoint range from the firmware's retained config", () => {
    expect(parsePowerRange('{"min":-800,"max":800,"unit_of_measurement":"w"}')).toEqual({ min: -800, max: 800 });
    expect(parsePowerRange('{"min":5,"max":1}')).toBeUndefined();
    expect(parsePowerRange('')).toBeUndefined();
  });
});

describe('Source settings', () => {
  it('HOYMILES_SOURCE, NATIVE_DEVICES, NATIVE_PUBLISH_SECONDS', () => {
    expect(settingsFromEnv({ HOYMILES_SOURCE: 'Native', NATIVE_DEVICES: 'MSA-1, 2', NATIVE_PUBLISH_SECONDS: '2' }).settings).toMatchObject({ source: 'native', nativeDevices: 'MSA-1, 2', nativePublishSec: 2 });
    expect(() => settingsFromEnv({ NATIVE_DEVICES: 'a b/c' })).toThrowError(/NATIVE_DEVICES/);
  });
});
