/**
 * The battery's settings, one row each: the table every other place reads (the cloud's and the feed's
 * controllers, the Home Assistant entities, the tray menu, the settings page, the demo cloud). A row has the
 * key, the Home Assistant platform, the label (an i18n key; its English text names the Home Assistant entity and
 * the log lines), the unit, the range and step, the options, and, for the cloud's settings, how the `station_ctl`
 * job reads and writes it (reference hoymiles-cloud-api.md §7.2). Two sources, one row shape:
 * - CLOUD_CONTROLS: grid charging, on-grid input power, reserve SoC (cloud jobs) and "refresh now";
 * - FEED_CONTROLS: the EMS mode and the power setpoint through the battery's own MQTT feed
 *   (ms-a2-native-mqtt.md §5.1–5.2), and the button that clears the setpoint.
 * Pure: no I/O.
 */
import { isObject, num } from '../cloud/parse.js';
import { t, type Language, type MessageKey } from '../i18n/index.js';
import { parseButton, parseChoice, parseNumber, parseSwitch, type NumberRange, type Parsed } from './command-parse.js';

export { parseButton, parseChoice, parseNumber, parseSwitch, quote, type NumberRange, type Parsed } from './command-parse.js';

export type Platform = 'switch' | 'number' | 'select' | 'button';
export type SettingValue = boolean | number;

export interface ControlDef<K extends string = string> {
  key: K;
  source: 'cloud' | 'feed';
  /** Its Home Assistant platform; also what its commands look like (ON/OFF, a number, an option, a press). */
  platform: Platform;
  /** The name on the settings page and in notices, in the current language ("On-grid input power"). */
  label: MessageKey;
  /** The shorter name in the tray menu ("Input power"); default: the label. */
  short?: MessageKey;
  unit: '' | 'W' | '%';
  /** number: the range and step (a station or the firmware's own config may narrow it). */
  range?: NumberRange;
  /** select: the options, each with its words. */
  options?: readonly string[];
  optionLabels?: Readonly<Record<string, MessageKey>>;
  /** button: the payload of a press. */
  press?: string;
  /** The command topic's level when not the key (the clear button writes the setpoint's topic). */
  topicKey?: string;
  /** Home Assistant presentation. */
  deviceClass?: 'power' | 'battery';
  icon?: string;
}

// ---- the cloud's settings ----------------------------------------------------------------------------------

export const ACTIONS = { gridCharging: 1503, inputPower: 1513, workMode: 83 } as const;
/** App work mode 2 = self-consumption, the only mode whose reserve SoC (`k_2.soc_l`) is known (§7.2). */
export const SELF_CONSUMPTION_MODE = 2;
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

/** How the cloud reads and writes a setting: its `station_ctl` action, the read result, the write body. */
export interface CloudJob {
  action: number;
  read(result: Record<string, unknown>): ReadOutcome;
  writeData(sid: number, value: SettingValue): Record<string, unknown>;
}

export type SettingKey = 'grid_charging' | 'input_power' | 'reserve_soc';
export type ControlKey = SettingKey | 'refresh';
export type CloudSettingDef = ControlDef<SettingKey> & { platform: 'switch' | 'number'; job: CloudJob };

const numberJob = (action: number, field: string): CloudJob => ({
  action,
  read: (r) => {
    const n = num(r[field]);
    return n === undefined ? {} : { value: n };
  },
  writeData: (sid, value) => ({ [field]: Number(value), sid }),
});

export const CLOUD_CONTROLS: { readonly [K in SettingKey]: CloudSettingDef & { key: K } } & { readonly refresh: ControlDef<'refresh'> } = {
  grid_charging: {
    key: 'grid_charging',
    source: 'cloud',
    platform: 'switch',
    label: 'control.grid_charging',
    unit: '',
    icon: 'mdi:transmission-tower-import',
    job: {
      action: ACTIONS.gridCharging,
      read: (r) => {
        const v = r.enable;
        if (typeof v === 'boolean') return { value: v };
        const n = num(v);
        return n === 1 || n === 0 ? { value: n === 1 } : {};
      },
      // Exactly the app's bodies (KR Bruno): enabling names target and type, disabling does not.
      writeData: (sid, value) => (value ? { enable: 1, sid, target: 2, type: 1 } : { enable: 0, sid }),
    },
  },
  input_power: {
    key: 'input_power',
    source: 'cloud',
    platform: 'number',
    label: 'control.input_power',
    short: 'control.input_power.short',
    unit: 'W',
    range: DEFAULT_INPUT_POWER,
    deviceClass: 'power',
    job: numberJob(ACTIONS.inputPower, 'power'),
  },
  reserve_soc: {
    key: 'reserve_soc',
    source: 'cloud',
    platform: 'number',
    label: 'control.reserve_soc',
    short: 'control.reserve_soc.short',
    unit: '%',
    range: RESERVE_SOC,
    deviceClass: 'battery',
    job: {
      action: ACTIONS.workMode,
      read: (r) => {
        const mode = num(r.mode);
        const k2 = isObject(r.k_2) ? r.k_2 : undefined;
        const soc = k2 ? num(k2.soc_l) : undefined;
        if (mode !== undefined && mode !== SELF_CONSUMPTION_MODE) return { mode };
        return soc === undefined ? { mode } : { value: soc, mode };
      },
      // As the issue specifies: self-consumption with the new reserve, maximum 100 %.
      writeData: (sid, value) => ({ sid, mode: SELF_CONSUMPTION_MODE, soc_l: Number(value), soc_h: 100 }),
    },
  },
  refresh: { key: 'refresh', source: 'cloud', platform: 'button', label: 'control.refresh', unit: '', press: 'PRESS', icon: 'mdi:refresh' },
};

export const SETTING_KEYS: readonly SettingKey[] = ['grid_charging', 'input_power', 'reserve_soc'];
export const CONTROL_KEYS: readonly ControlKey[] = [...SETTING_KEYS, 'refresh'];

export function isControlKey(key: string): key is ControlKey {
  return (CONTROL_KEYS as readonly string[]).includes(key);
}

// ---- the feed's controls -----------------------------------------------------------------------------------

export const EMS_MODES = ['general', 'mqtt_ctrl', 'tou_plan'] as const;
export type EmsMode = (typeof EMS_MODES)[number];
/** The guide's V0.3 range; a retained power_ctrl config with other limits narrows it. */
export const SETPOINT_RANGE: NumberRange = { min: -1000, max: 1000, step: 1 };
/** The payload that clears the setpoint (the Home Assistant button sends it on the setpoint's topic). */
export const CLEAR = 'CLEAR';

export type FeedControlKey = 'ems_mode' | 'power_setpoint' | 'power_setpoint_clear';

export const FEED_CONTROLS: { readonly [K in FeedControlKey]: ControlDef<K> } = {
  ems_mode: {
    key: 'ems_mode',
    source: 'feed',
    platform: 'select',
    label: 'control.ems_mode',
    unit: '',
    options: EMS_MODES,
    optionLabels: { general: 'control.ems_mode.general', mqtt_ctrl: 'control.ems_mode.mqtt_ctrl', tou_plan: 'control.ems_mode.tou_plan' },
    icon: 'mdi:home-battery',
  },
  power_setpoint: {
    key: 'power_setpoint',
    source: 'feed',
    platform: 'number',
    label: 'control.power_setpoint',
    unit: 'W',
    range: SETPOINT_RANGE,
    deviceClass: 'power',
  },
  power_setpoint_clear: {
    key: 'power_setpoint_clear',
    source: 'feed',
    platform: 'button',
    label: 'control.power_setpoint_clear',
    unit: '',
    press: CLEAR,
    topicKey: 'power_setpoint',
    icon: 'mdi:close-circle-outline',
  },
};

/** The command topic levels the feed's controls listen on (the clear button shares the setpoint's). */
export const FEED_COMMAND_KEYS = [...new Set(Object.values(FEED_CONTROLS).map((d) => d.topicKey ?? d.key))] as ('ems_mode' | 'power_setpoint')[];

// ---- derived: names, words, parsing, state -----------------------------------------------------------------

/** The label in a language (English: the Home Assistant entity's name and the log lines). */
export function controlName(def: ControlDef, lang?: Language): string {
  return t(def.label, undefined, lang);
}

/** The tray's name of a control in the current language. */
export function shortName(def: ControlDef): string {
  return t(def.short ?? def.label);
}

/** A select option in words ("MQTT control"); the option itself when it has none. */
export function optionWords(def: ControlDef, option: string): string {
  const key = def.optionLabels?.[option];
  return key ? t(key) : option;
}

/** "800 W", "10 %": a number of a setting with its unit. */
export function valueWithUnit(def: ControlDef, value: number): string {
  return `${value} ${def.unit}`.trimEnd();
}

/** A command payload for `def` → its value: strictly by its platform (and `range`, default the row's own). */
export function parseControl(def: ControlDef, payload: string, range = def.range): Parsed<SettingValue | string> {
  switch (def.platform) {
    case 'switch':
      return parseSwitch(payload);
    case 'number':
      return parseNumber(payload, range!, def.unit);
    case 'button':
      return parseButton(payload, def.press);
    case 'select':
      return parseChoice(payload, def.options!);
  }
}

/** The command payload for a cloud control → the value to write (refresh: true). */
export function parseCommand(key: ControlKey, payload: string, inputPower: NumberRange = DEFAULT_INPUT_POWER): Parsed<SettingValue> {
  return parseControl(CLOUD_CONTROLS[key], payload, key === 'input_power' ? inputPower : undefined) as Parsed<SettingValue>;
}

/** The value as it goes into the state JSON: ON/OFF for a switch, the number, null while unknown. */
export function stateValue(def: ControlDef, value: SettingValue | string | undefined): string | number | null {
  if (value === undefined) return null;
  if (def.platform === 'switch') return value ? 'ON' : 'OFF';
  return def.platform === 'number' ? Number(value) : String(value);
}

/** English words for log lines and messages: "switch grid charging on", "set the on-grid input power to 800 W". */
export function describeChange(def: ControlDef, value: SettingValue): string {
  const name = controlName(def, 'en').toLowerCase();
  return def.platform === 'switch' ? `switch ${name} ${value ? 'on' : 'off'}` : `set the ${name} to ${valueWithUnit(def, Number(value))}`;
}

/** English words for a kept value: "grid charging on", "the on-grid input power at 800 W", "… unknown". */
export function describeValue(def: ControlDef, value: SettingValue | undefined): string {
  const name = controlName(def, 'en').toLowerCase();
  if (value === undefined) return `the ${name} unknown`;
  return def.platform === 'switch' ? `${name} ${value ? 'on' : 'off'}` : `the ${name} at ${valueWithUnit(def, Number(value))}`;
}
