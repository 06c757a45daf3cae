/** The firmware-compatible payloads: the firmware's key names, its signs, unknown values left out (never 0). */
import { describe, expect, it } from 'vitest';
import type { BatteryReading } from '../../src/core/snapshot.js';
import { deviceState, quickState, systemState } from '../../src/mqtt/compat.js';

const b: BatteryReading = {
  sn: '2800',
  deviceId: 1,
  stationId: 1,
  stationName: 'Home',
  master: true,
  live: true,
  fresh: true,
  raw: {},
  soc: 57,
  batteryPower: -310, // charging: − in Home Assistant's sign, as the firmware's bat_p
  status: 'charge',
  pvPower: 420,
  gridPower: 0,
  loadPower: 110,
  temperature: 22,
  chargedToday: 285,
};

describe('firmware-compatible payloads', () => {
  it('quick, device and system state with the firmware’s keys', () => {
    expect(quickState(b)).toEqual({ bat_sts: 'charge', bat_p: -310, soc: 57, sys_pv_p: 420, sys_bat_p: -310, sys_grid_p: 0, sys_load_p: 110, sys_soc: 57 });
    expect(deviceState(b)).toEqual({ bat_sts: 'charge', bat_p: -310, bat_temp: 22, soc: 57 });
    expect(systemState(b)).toEqual({ pv_p: 420, bat_p: -310, grid_p: 0, load_p: 110, soc: 57, chg_e: 285 });
  });
  it('an unknown value is left out, not sent as 0 or null', () => {
    const bare: BatteryReading = { sn: '2800', deviceId: 1, stationId: 1, stationName: '', master: true, live: false, fresh: false, raw: {} };
    expect(quickState(bare)).toEqual({});
    expect(deviceState(bare)).toEqual({});
    expect(systemState({ ...bare, dischargedToday: 0 })).toEqual({ dchg_e: 0 });
  });
});
