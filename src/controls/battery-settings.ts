/**
 * The battery settings the bridge can change through `station_ctl` jobs (reference hoymiles-cloud-api.md §7.2),
 * each with its action, how its read result and write body look, its range, its Home Assistant entity and
 * its strict command parser. Pure: no I/O.
 */
import { isObject, num } from '../cloud/parse.js';
import { sanitizeId, topics } from '../mqtt/topics.js';

export type SettingKey = 'grid_charging' | 'input_power' | 'reserve_soc';
export type ControlKey = SettingKey | 'refresh';
export type SettingValue = boolean | number;

export const SETTING_KEYS: readonly SettingKey[] = ['grid_charging', 'input_power', 'reserve_soc'];
export const CONTROL_KEYS: readonly ControlKey[] = [...SETTING_KEYS, 'refresh'];

export const ACTIONS = { gridCharging: 1503, inputPower: 1513, workMode: 83 } as const;
/** App work mode 2 = self-consumption, the only mode whose reserve SoC (`k_2.soc_l`) is known (§7.2). */
export const SELF_CONSUMPTION_MODE = 2;

export interface NumberRange {
  min: number;
  max: number;
  step: number;
}

/** The reference gives no range for the on-grid input power; one MS-A2 handles well under 2 kW. */
export const DEFAULT_INPUT_POWER: NumberRange = { min: 0, max: 2000, step: 1 };
/** Reserve SoC as the reference's Home Assistant design has it (mqtt-home-assistant.md §10.3). */
export const RESERVE_SOC: NumberRange = { min: 10, max: 100, step: 1 };

/** What a `read_c` result says about a setting. */
export interface ReadOutcome {
  /** undefined = the cloud answered, but without a value we understand. */
  value?: SettingValue;
  /** Action 83: the app work mode the station is in. */
  mode?: number;
}

export interface SettingDef {
  key: SettingKey;
  action: number;
  label: string;
  read(result: Record<string, unknown>): ReadOutcome;
  writeData(sid: number, value: SettingValue): Record<string, unknown>;
  /** Words for messages: "switch grid charging on", "set the on-grid input power to 800 W". */
  describe(value: SettingValue): string;
  /** The value as it goes into the state JSON. */
  stateValue(value: SettingValue | undefined): string | number | null;
}

export function settingDefs(inputPower: NumberRange = DEFAULT_INPUT_POWER): Record<SettingKey, SettingDef & { range?: NumberRange }> {
  return {
    grid_charging: {
      key: 'grid_charging',
      action: ACTIONS.gridCharging,
      label: 'Grid charging',
      read: (r) => {
        const v = r.enable;
        if (typeof v === 'boolean') return { value: v };
        const n = num(v);
        return n === 1 || n === 0 ? { value: n === 1 } : {};
      },
      // Exactly the app's bodies (KR Bruno): enabling names target and type, disabling does not.
      writeData: (sid, value) => (value ? { enable: 1, sid, target: 2, type: 1 } : { enable: 0, sid }),
      describe: (value) => `switch grid charging ${value ? 'on' : 'off'}`,
      stateValue: (value) => (value === undefined ? null : value ? 'ON' : 'OFF'),
    },
    input_power: {
      key: 'input_power',
      action: ACTIONS.inputPower,
      label: 'On-grid input power',
      range: inputPower,
      read: (r) => {
        const n = num(r.power);
        return n === undefined ? {} : { value: n };
      },
      writeData: (sid, value) => ({ power: Number(value), sid }),
      describe: (value) => `set the on-grid input power to ${Number(value)} W`,
      stateValue: (value) => (value === undefined ? null : Number(value)),
    },
    reserve_soc: {
      key: 'reserve_soc',
      action: ACTIONS.workMode,
      label: 'Reserve state of charge',
      range: RESERVE_SOC,
      read: (r) => {
        const mode = num(r.mode);
        const k2 = isObject(r.k_2) ? r.k_2 : undefined;
        const soc = k2 ? num(k2.soc_l) : undefined;
        if (mode !== undefined && mode !== SELF_CONSUMPTION_MODE) return { mode };
        return soc === undefined ? { mode } : { value: soc, mode };
      },
      // As the issue specifies: self-consumption with the new reserve, maximum 100 %.
      writeData: (sid, value) => ({ sid, mode: SELF_CONSUMPTION_MODE, soc_l: Number(value), soc_h: 100 }),
      describe: (value) => `set the reserve state of charge to ${Number(value)} %`,
      stateValue: (value) => (value === undefined ? null : Number(value)),
    },
  };
}

// ---- strict command parsing (mqtt-home-assistant.md §10.7) -------------------------------------------------

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A plain decimal number: optional minus, digits, optional fraction; nothing else (no "1e3", "0x10", " 8", "+8"). */
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
/** Longer than any value of any setting: refused before anything else looks at it. */
const MAX_NUMBER_CHARS = 24;

/**
 * A plain decimal number, within the range and exactly on the step; nothing else. One trailing newline is
 * allowed (`mosquitto_pub -s`, `echo 800 | …`); spaces, a second line, "1e3", "0x10", "", "NaN" and
 * 800.0000000001 (off the step, however little) are refused.
 */
export function parseNumber(payload: string, range: NumberRange, unit: string): Parsed<number> {
  const s = payload.endsWith('\n') ? payload.slice(0, -1) : payload;
  const m = s.length <= MAX_NUMBER_CHARS ? DECIMAL.exec(s) : null;
  if (!m) return { ok: false, reason: `${quote(payload)} is not a number` };
  const n = Number(s);
  if (n < range.min || n > range.max) return { ok: false, reason: `${s} ${unit} is outside ${range.min}–${range.max} ${unit}` };
  // On the step exactly: no digits beyond the step's own decimals (other than zeros), then a whole number of steps.
  const places = decimals(range.step);
  const frac = m[3] ?? '';
  const steps = (n - range.min) / range.step;
  if (/[1-9]/.test(frac.slice(places)) || Math.abs(steps - Math.round(steps)) > 1e-9) {
    return { ok: false, reason: `${s} ${unit} is not a multiple of the step ${range.step} ${unit}` };
  }
  // Snap away float noise from the division above (0.1 + 0.2 and the like).
  const value = Math.round(steps) * range.step + range.min;
  return { ok: true, value: Number(value.toFixed(places)) };
}

export function parseSwitch(payload: string): Parsed<boolean> {
  if (payload === 'ON') return { ok: true, value: true };
  if (payload === 'OFF') return { ok: true, value: false };
  return { ok: false, reason: `${quote(payload)} is neither ON nor OFF` };
}

export function parseButton(payload: string): Parsed<true> {
  return payload === 'PRESS' ? { ok: true, value: true } : { ok: false, reason: `${quote(payload)} is not PRESS` };
}

/** The command payload for `key` → the value to write. */
export function parseCommand(key: ControlKey, payload: string, inputPower: NumberRange = DEFAULT_INPUT_POWER): Parsed<SettingValue> {
  switch (key) {
    case 'grid_charging':
      return parseSwitch(payload);
    case 'input_power':
      return parseNumber(payload, inputPower, 'W');
    case 'reserve_soc':
      return parseNumber(payload, RESERVE_SOC, '%');
    case 'refresh':
      return parseButton(payload);
  }
}

export function isControlKey(key: string): key is ControlKey {
  return (CONTROL_KEYS as readonly string[]).includes(key);
}

/** A payload fit for a log line: quoted, control characters escaped, long ones cut. */
export function quote(payload: string): string {
  return JSON.stringify(payload.length > 40 ? `${payload.slice(0, 40)}…` : payload);
}

function decimals(step: number): number {
  const s = String(step);
  const i = s.indexOf('.');
  return i < 0 ? 0 : s.length - i - 1;
}

// ---- Home Assistant entities (mqtt-home-assistant.md §5, §10.3) ---------------------------------------------

function component(sn: string, base: string, key: ControlKey, platform: string, name: string, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    platform,
    unique_id: `${topics.deviceId(sn)}_${key}`,
    default_entity_id: `${platform}.msa2_${sanitizeId(sn)}_${key}`,
    name,
    command_topic: topics.command(base, sn, key),
    ...extra,
  };
}

/** Discovery components for the given controls of one battery (the station's master). */
export function controlComponents(
  sn: string,
  base: string,
  offered: readonly ControlKey[],
  inputPower: NumberRange = DEFAULT_INPUT_POWER,
): Record<string, Record<string, unknown>> {
  const all: Record<ControlKey, () => Record<string, unknown>> = {
    grid_charging: () =>
      component(sn, base, 'grid_charging', 'switch', 'Grid charging', {
        icon: 'mdi:transmission-tower-import',
        payload_on: 'ON',
        payload_off: 'OFF',
        state_on: 'ON',
        state_off: 'OFF',
        entity_category: 'config',
        value_template: '{{ value_json.grid_charging }}',
      }),
    input_power: () =>
      component(sn, base, 'input_power', 'number', 'On-grid input power', {
        device_class: 'power',
        unit_of_measurement: 'W',
        min: inputPower.min,
        max: inputPower.max,
        step: inputPower.step,
        mode: 'box',
        entity_category: 'config',
        value_template: '{{ value_json.input_power }}',
      }),
    reserve_soc: () =>
      component(sn, base, 'reserve_soc', 'number', 'Reserve state of charge', {
        device_class: 'battery',
        unit_of_measurement: '%',
        min: RESERVE_SOC.min,
        max: RESERVE_SOC.max,
        step: RESERVE_SOC.step,
        mode: 'box',
        entity_category: 'config',
        value_template: '{{ value_json.reserve_soc }}',
      }),
    refresh: () =>
      component(sn, base, 'refresh', 'button', 'Refresh now', {
        icon: 'mdi:refresh',
        payload_press: 'PRESS',
        entity_category: 'config',
      }),
  };
  const out: Record<string, Record<string, unknown>> = {};
  for (const key of CONTROL_KEYS) if (offered.includes(key)) out[key] = all[key]();
  return out;
}
