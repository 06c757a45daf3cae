/**
 * The firmware's state payloads → values, strictly and boundedly (reference ms-a2-native-mqtt.md §3). Pure.
 * A payload that is too big, not JSON, not an object, or has a known key with a value of the wrong type or out
 * of any plausible range is refused whole, with the reason: it never changes a reading. Unknown keys are
 * ignored (the key set grows with firmware versions); a missing key (or null) stays missing, never 0.
 */
import { EMS_MODES, type EmsMode } from '../controls/battery-settings.js';
import type { BatteryStatus, LiveValues } from '../core/readings.js';


/** The largest payload looked at: device/state with 4 packs and PV inputs is well under 2 KiB. */
export const MAX_PAYLOAD_BYTES = 8 * 1024;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The live values the feed's quick/state gives (signs as in LiveValues: + = discharging, + = import). */
export interface QuickState extends Pick<LiveValues, 'soc' | 'batteryPower' | 'status' | 'pvPower' | 'gridPower' | 'loadPower'> {
  /** Any `sys_*` key present: this unit is the master or standalone (only then are pv/grid/load sent). */
  master: boolean;
}

export interface DeviceState extends Pick<LiveValues, 'soc' | 'batteryPower' | 'status'> {
  temperature?: number;
  voltage?: number;
  current?: number;
  rssi?: number;
}

export interface SystemState {
  soc?: number;
  chargedToday?: number;
  dischargedToday?: number;
  emsMode?: EmsMode;
  pvPower?: number;
  gridPower?: number;
  loadPower?: number;
}

type Check = (v: unknown) => boolean;
const numIn = (min: number, max: number): Check => (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const POWER = numIn(-100_000, 100_000);
const SOC = numIn(0, 100);
const ENERGY = numIn(0, 1e9);
const BOOL: Check = (v) => typeof v === 'boolean';
const STATUS: Check = (v) => v === 'standby' || v === 'charge' || v === 'discharge' || v === 'lock';
const MODE: Check = (v) => typeof v === 'string' && (EMS_MODES as readonly string[]).includes(v);

const QUICK: Record<string, Check> = {
  grid_on_p: POWER, grid_off_p: POWER, bat_sts: STATUS, bat_p: POWER, soc: SOC, heat: BOOL, pv_p: POWER,
  sys_pv_p: POWER, sys_plug_p: POWER, sys_bat_p: POWER, sys_grid_p: POWER, sys_load_p: POWER, sys_sp_p: POWER,
  sys_soc: SOC, sys_heat: BOOL, sys_pv2_p: POWER, sys_eps_p: POWER,
};
const GRID_ENTRY: Record<string, Check> = {
  type: (v) => v === 'grid_on' || v === 'grid_off' || v === 'inv',
  v: numIn(0, 1000), i: numIn(-1000, 1000), f: numIn(0, 100), p: POWER, q: POWER,
  ein: ENERGY, eout: ENERGY, etin: ENERGY, etout: ENERGY,
};
const DEVICE: Record<string, Check> = {
  bat_sts: STATUS, bat_v: numIn(0, 1000), bat_i: numIn(-1000, 1000), bat_p: POWER, bat_temp: numIn(-60, 120),
  soc: SOC, rssi: numIn(-150, 0), pv_num: numIn(0, 16), pack_num: numIn(0, 16),
  grid: (v) => Array.isArray(v) && v.length <= 8 && v.every((e) => isPlainObject(e) && checkKeys(e, GRID_ENTRY) === undefined),
  pvs: (v) => Array.isArray(v) && v.length <= 16,
  packs: (v) => Array.isArray(v) && v.length <= 16,
};
const SYSTEM: Record<string, Check> = {
  pv_p: POWER, pv2_p: POWER, plug_p: POWER, bat_p: POWER, grid_p: POWER, load_p: POWER, sp_p: POWER, eps_p: POWER,
  soc: SOC, pv_e: ENERGY, pv2_e: ENERGY, dchg_e: ENERGY, chg_e: ENERGY, plug_out_e: ENERGY, plug_in_e: ENERGY,
  eps_out_e: ENERGY, eps_in_e: ENERGY, ems_mode: MODE,
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The first known key whose value fails its check (null counts as missing). */
function checkKeys(o: Record<string, unknown>, spec: Record<string, Check>): string | undefined {
  for (const [key, check] of Object.entries(spec)) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (!check(v)) return `"${key}" has the value ${JSON.stringify(v)?.slice(0, 40)}, which is not valid`;
  }
  return undefined;
}

function object(payload: Buffer | string, spec: Record<string, Check>): Parsed<Record<string, unknown>> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size === 0) return { ok: false, reason: 'empty payload' };
  if (size > MAX_PAYLOAD_BYTES) return { ok: false, reason: `payload of ${size} bytes (at most ${MAX_PAYLOAD_BYTES})` };
  let v: unknown;
  try {
    v = JSON.parse(payload.toString());
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isPlainObject(v)) return { ok: false, reason: 'not a JSON object' };
  const bad = checkKeys(v, spec);
  return bad ? { ok: false, reason: bad } : { ok: true, value: v };
}

const n = (v: unknown): number | undefined => (typeof v === 'number' ? Math.round(v * 100) / 100 : undefined);
/** The sum of the present values, undefined when none is. */
function sum(...vs: unknown[]): number | undefined {
  const known = vs.filter((v): v is number => typeof v === 'number');
  return known.length ? Math.round(known.reduce((a, b) => a + b, 0) * 10) / 10 : undefined;
}
const status = (v: unknown) => (STATUS(v) ? (v as BatteryStatus) : undefined);

export function parseQuick(payload: Buffer | string): Parsed<QuickState> {
  const r = object(payload, QUICK);
  if (!r.ok) return r;
  const o = r.value;
  const master = Object.keys(o).some((k) => k.startsWith('sys_'));
  return {
    ok: true,
    value: {
      soc: n(o.soc),
      batteryPower: n(o.bat_p),
      status: status(o.bat_sts),
      // Solar 1 (off-grid port) + Solar 2 (house grid); a unit's own PV (V0.5.1) when there are no system values.
      pvPower: master ? sum(o.sys_pv_p, o.sys_pv2_p) : undefined,
      gridPower: n(o.sys_grid_p),
      loadPower: n(o.sys_load_p),
      master,
    },
  };
}

export function parseDevice(payload: Buffer | string): Parsed<DeviceState> {
  const r = object(payload, DEVICE);
  if (!r.ok) return r;
  const o = r.value;
  return {
    ok: true,
    value: { soc: n(o.soc), batteryPower: n(o.bat_p), status: status(o.bat_sts), temperature: n(o.bat_temp), voltage: n(o.bat_v), current: n(o.bat_i), rssi: n(o.rssi) },
  };
}

export function parseSystem(payload: Buffer | string): Parsed<SystemState> {
  const r = object(payload, SYSTEM);
  if (!r.ok) return r;
  const o = r.value;
  return {
    ok: true,
    value: {
      soc: n(o.soc),
      chargedToday: n(o.chg_e),
      dischargedToday: n(o.dchg_e),
      emsMode: MODE(o.ems_mode) ? (o.ems_mode as EmsMode) : undefined,
      pvPower: sum(o.pv_p, o.pv2_p),
      gridPower: n(o.grid_p),
      loadPower: n(o.load_p),
    },
  };
}

/** The retained power_ctrl config's range, when it is sane (the reader must not hard-code it, §5.2). */
export function parsePowerRange(payload: Buffer | string): { min: number; max: number } | undefined {
  const r = object(payload, { min: numIn(-10_000, 0), max: numIn(0, 10_000) });
  if (!r.ok) return undefined;
  const min = r.value.min;
  const max = r.value.max;
  return typeof min === 'number' && typeof max === 'number' && min < max ? { min, max } : undefined;
}
