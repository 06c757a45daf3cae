/**
 * Opt-in compatibility with the MS-A2 firmware's own MQTT: the same JSON shapes on the same state topics,
 * so YAML written for the firmware keeps working. Numbers, firmware key names, keys omitted when unknown;
 * the firmware's discovery configs are never published.
 */
import type { BatteryReading } from '../core/snapshot.js';

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** `bat_p`: + = discharge, like the firmware and Home Assistant. */
export function quickState(b: BatteryReading): Record<string, unknown> {
  return defined({
    bat_sts: b.status,
    bat_p: b.batteryPower,
    soc: b.soc,
    sys_pv_p: b.pvPower,
    sys_bat_p: b.batteryPower,
    sys_grid_p: b.gridPower,
    sys_load_p: b.loadPower,
    sys_soc: b.soc,
  });
}

export function deviceState(b: BatteryReading): Record<string, unknown> {
  return defined({ bat_sts: b.status, bat_p: b.batteryPower, bat_temp: b.temperature, soc: b.soc });
}

export function systemState(b: BatteryReading): Record<string, unknown> {
  return defined({
    pv_p: b.pvPower,
    bat_p: b.batteryPower,
    grid_p: b.gridPower,
    load_p: b.loadPower,
    soc: b.soc,
    chg_e: b.chargedToday,
    dchg_e: b.dischargedToday,
  });
}
