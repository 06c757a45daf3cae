import { describe, expect, it } from 'vitest';
import { num } from '../../src/cloud/parse.js';
import { parseInverter, parseLive, parseStationEnergy } from '../../src/core/readings.js';
import { parseStation } from '../../src/cloud/stations.js';

describe('number parsing', () => {
  it('accepts the cloud string numbers and never turns a missing value into 0', () => {
    expect(num('285')).toBe(285);
    expect(num('12.0')).toBe(12);
    expect(num(' 10.5 ')).toBe(10.5);
    expect(num(53)).toBe(53);
    expect(num('-')).toBeUndefined();
    expect(num('')).toBeUndefined();
    expect(num(null)).toBeUndefined();
    expect(num(undefined)).toBeUndefined();
    expect(num('abc')).toBeUndefined();
    expect(num('-5')).toBe(-5);
  });
});

describe('live data (reference §5)', () => {
  // The reference's real MS-A2 sample: discharging 245.8 W into a 252 W load.
  const sample = {
    flow: [
      { i: 40, o: 20, v: 245.8 },
      { i: 1, o: 40, v: 252.0 },
      { i: 40, o: 2, v: 6.2 },
      { i: 20, o: 10, v: 245.8 },
    ],
    dly: 3000,
    con: 1,
    soc: 53.0,
    power: { pv: 0.0, bat: 245.8, grid: 6.2, load: 252.0, sp: 0.0 },
    brs: 2,
    bhs: 0,
    ems: 0,
  };
  it('direction from the flow edges; HA sign + = discharge', () => {
    const l = parseLive(sample);
    expect(l).toMatchObject({ soc: 53, batteryPower: 245.8, status: 'discharge', powerFromBattery: 245.8, powerToBattery: 0, gridPower: 6.2, loadPower: 252, live: true });
  });
  it('charging edge 40 → 20', () => {
    const l = parseLive({ ...sample, flow: [{ o: 40, i: 20, v: 300 }], brs: 1 });
    expect(l).toMatchObject({ batteryPower: -300, status: 'charge', powerToBattery: 300, powerFromBattery: 0 });
  });
  it('the flow wins over a power.bat sign that disagrees', () => {
    expect(parseLive({ ...sample, power: { ...sample.power, bat: -245.8 } }).batteryPower).toBe(245.8);
  });
  it('falls back to brs when there is no flow', () => {
    const { flow: _f, ...noFlow } = sample;
    expect(parseLive({ ...noFlow, brs: 1 }).batteryPower).toBe(-245.8);
    expect(parseLive({ ...noFlow, brs: 2 }).status).toBe('discharge');
    expect(parseLive({ ...noFlow, brs: undefined }).batteryPower).toBeUndefined();
  });
  it('empty battery: edges absent → 0 W standby, not a stuck old value', () => {
    const l = parseLive({ flow: [{ i: 1, o: 40, v: 773.6 }], soc: 10.0, con: 1, power: { bat: 0, load: 773.6 } });
    expect(l).toMatchObject({ batteryPower: 0, status: 'standby', powerToBattery: 0, powerFromBattery: 0 });
  });
  it('a few watts are standby', () => {
    expect(parseLive({ ...sample, flow: [{ o: 20, i: 40, v: 3 }] }).status).toBe('standby');
  });
  it('con != 1 is not live; garbage is harmless', () => {
    expect(parseLive({ ...sample, con: 0 }).live).toBe(false);
    expect(parseLive('nonsense')).toEqual({ live: false });
    expect(parseLive({ flow: 'x', power: null }).soc).toBeUndefined();
  });
});

describe('station energy and inverter', () => {
  it('reads today charge/discharge Wh from real_g_c strings', () => {
    const e = parseStationEnergy({ data_time: '2025-02-06 15:12:30', reflux_station_data: { bms_in_eq: '285', bms_out_eq: '641', bms_soc: '10.0' } });
    expect(e).toEqual({ chargedToday: 285, dischargedToday: 641, dataTime: '2025-02-06 15:12:30', soc: 10 });
    expect(parseStationEnergy({ reflux_station_data: { bms_in_eq: '-' } }).chargedToday).toBeUndefined();
  });
  it('reads the battery temperature from find_c', () => {
    expect(parseInverter({ dsp_sw: 10304, wifi_sw: 4870, real_data: { bms_soc: '10.0', bms_temp: '22.0', bms_state: 0 } })).toEqual({ temperature: 22, soc: 10, firmware: '10304/4870' });
  });
  it('finds type-6 devices at any depth, master first', () => {
    const s = parseStation({
      sid: 1,
      name: 'x',
      devices: [{ id: 1, type: 1, devices: [{ id: 2, type: 6, sn: 'B', extend_data: { role: 1 }, devices: [{ id: 3, type: 1, devices: [{ id: 4, type: 6, sn: 'A', extend_data: { role: 0 } }] }] }] }],
    });
    expect(s!.batteries.map((b) => b.sn)).toEqual(['A', 'B']);
  });
});
