/**
 * Turning cloud answers into readings. Pure functions, no I/O.
 *
 * Battery power sign: the cloud's `power.bat` is a magnitude whose sign sources disagree on, so the direction
 * comes from the flow edges (o = from, i = to): MS-A2 node 20 (battery inverter) ↔ 40 (AC bus), or the
 * portal's battery node 10; `brs` (1 charge, 2 discharge) is the fallback.
 */
import { isObject, num, str } from '../cloud/parse.js';

/** `lock` comes only from the battery's own feed (its meaning is not documented). */
export type BatteryStatus = 'charge' | 'discharge' | 'standby' | 'lock';

/** Below this many watts the battery counts as standing by (the cloud reports a few W of noise). */
export const STANDBY_DEADBAND_W = 5;

export interface LiveValues {
  soc?: number;
  /** Home Assistant convention: + = discharging, − = charging. */
  batteryPower?: number;
  status?: BatteryStatus;
  pvPower?: number;
  /** + = import from the grid, − = export. */
  gridPower?: number;
  loadPower?: number;
  /** Power flowing into / out of the battery, ≥ 0 (the original script's two topics). */
  powerToBattery?: number;
  powerFromBattery?: number;
  /** `con === 1`: the device is streaming live. */
  live: boolean;
}

interface Edge {
  o: number;
  i: number;
  v: number;
}

function edges(flow: unknown): Edge[] {
  if (!Array.isArray(flow)) return [];
  const out: Edge[] = [];
  for (const e of flow) {
    if (!isObject(e)) continue;
    const o = num(e.o);
    const i = num(e.i);
    const v = num(e.v);
    if (o !== undefined && i !== undefined && v !== undefined) out.push({ o, i, v: Math.abs(v) });
  }
  return out;
}

export function parseLive(data: unknown): LiveValues {
  if (!isObject(data)) return { live: false };
  const power = isObject(data.power) ? data.power : {};
  const flow = edges(data.flow);
  const haveFlow = Array.isArray(data.flow);
  const magnitude = num(power.bat) !== undefined ? Math.abs(num(power.bat)!) : undefined;

  // Direction and size from the flow graph.
  const find = (o: number, i: number) => flow.find((e) => e.o === o && e.i === i)?.v;
  let into = find(40, 20) ?? flow.find((e) => e.i === 10)?.v;
  let outOf = find(20, 40) ?? flow.find((e) => e.o === 10)?.v;
  if (haveFlow) {
    // An absent edge means no power that way: publish 0, never leave the last value stuck (KR issue #14).
    into ??= 0;
    outOf ??= 0;
  }

  let batteryPower: number | undefined;
  if (into !== undefined && outOf !== undefined && (into > 0 || outOf > 0)) {
    batteryPower = outOf - into;
  } else if (magnitude !== undefined) {
    const brs = num(data.brs);
    if (brs === 1) batteryPower = -magnitude;
    else if (brs === 2) batteryPower = magnitude;
    else if (haveFlow || magnitude === 0) batteryPower = 0;
    // No flow and no brs: the direction is unknown, so the power is too.
  }
  if (batteryPower !== undefined && into === undefined) {
    into = batteryPower < 0 ? -batteryPower : 0;
    outOf = batteryPower > 0 ? batteryPower : 0;
  }

  let status: BatteryStatus | undefined;
  if (batteryPower !== undefined) {
    status = Math.abs(batteryPower) < STANDBY_DEADBAND_W ? 'standby' : batteryPower > 0 ? 'discharge' : 'charge';
  }

  // Grid: import is the edge out of node 2, export the edge into it.
  const gridIn = flow.find((e) => e.o === 2)?.v;
  const gridOut = flow.find((e) => e.i === 2)?.v;
  const gridMag = num(power.grid);
  const gridPower =
    gridIn !== undefined || gridOut !== undefined ? (gridIn ?? 0) - (gridOut ?? 0) : gridMag !== undefined ? gridMag : undefined;

  return {
    soc: num(data.soc),
    batteryPower: round1(batteryPower),
    status,
    pvPower: round1(num(power.pv)),
    gridPower: round1(gridPower),
    loadPower: round1(num(power.load)),
    powerToBattery: round1(into),
    powerFromBattery: round1(outOf),
    live: num(data.con) === 1,
  };
}

export interface StationEnergy {
  /** Wh charged into / discharged from the battery today (station-local day). */
  chargedToday?: number;
  dischargedToday?: number;
  /** Station-local "YYYY-MM-DD HH:mm:ss" of the data. */
  dataTime?: string;
  soc?: number;
}

export function parseStationEnergy(data: unknown): StationEnergy {
  if (!isObject(data)) return {};
  const r = isObject(data.reflux_station_data) ? data.reflux_station_data : {};
  return {
    chargedToday: num(r.bms_in_eq),
    dischargedToday: num(r.bms_out_eq),
    dataTime: str(data.data_time) ?? str(data.last_data_time),
    soc: num(r.bms_soc),
  };
}

export interface InverterDetails {
  temperature?: number;
  soc?: number;
  firmware?: string;
}

export function parseInverter(data: unknown): InverterDetails {
  if (!isObject(data)) return {};
  const real = isObject(data.real_data) ? data.real_data : {};
  const fw = [data.dsp_sw, data.wifi_sw].map((v) => str(v)).filter(Boolean);
  return { temperature: num(real.bms_temp), soc: num(real.bms_soc), firmware: fw.length ? fw.join('/') : undefined };
}

function round1(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v * 10) / 10;
}
