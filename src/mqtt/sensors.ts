/**
 * The Home Assistant sensors of a battery, one row each: the table both the discovery components and the state
 * JSON are made from (reference mqtt-home-assistant.md §10.2–10.3), so an entity and its state key cannot drift
 * apart. Valid pairs only (§3): battery `%`, power `W`, temperature `°C` → measurement; energy `Wh` →
 * total_increasing; the enum sensor has options and no unit; no `config` category on a sensor. Pure.
 */
import type { BatteryReading } from '../core/snapshot.js';
import { t, type Language, type MessageKey } from '../i18n/index.js';
import { sanitizeId, topics } from './topics.js';

export type StateValue = number | string | boolean | null;
type Component = Record<string, unknown>;

export interface SensorDef {
  /** The `components` key and the unique id's suffix. */
  key: string;
  platform: 'sensor' | 'binary_sensor';
  /** The entity's name (in the entity language of the first discovery). */
  name: MessageKey;
  deviceClass?: string;
  unit?: string;
  stateClass?: 'measurement' | 'total_increasing';
  /** suggested_display_precision. */
  precision?: number;
  category?: 'diagnostic';
  /** false: the entity starts disabled in Home Assistant. */
  enabledByDefault?: false;
  /** enum sensors: the values. */
  options?: readonly string[];
  icon?: string;
  /** The key in the state JSON, when not `key`. */
  stateKey?: string;
  /** Home Assistant's value_template, when not `{{ value_json.<stateKey> }}`. */
  template?: string;
  /** Reads only the bridge's availability: shows *why* the other entities are unavailable. */
  bridgeAvailability?: boolean;
  /**
   * Only the battery's own feed has it: the entity and its state key exist once a reading has the value (absent,
   * not null, for a cloud battery).
   */
  feedOnly?: boolean;
  /** The value in the state JSON; undefined = unknown (null in the JSON, or absent for feedOnly rows). */
  read(b: Partial<BatteryReading>): StateValue | undefined;
}

const MEASUREMENT = { stateClass: 'measurement' } as const;
const POWER = { deviceClass: 'power', unit: 'W', ...MEASUREMENT, precision: 0 } as const;
const ENERGY = { deviceClass: 'energy', unit: 'Wh', stateClass: 'total_increasing', precision: 0 } as const;
const FEED_DIAGNOSTIC = { ...MEASUREMENT, category: 'diagnostic', feedOnly: true } as const;

export const SENSORS: readonly SensorDef[] = [
  { key: 'soc', platform: 'sensor', name: 'ha.soc', deviceClass: 'battery', unit: '%', ...MEASUREMENT, precision: 0, read: (b) => b.soc },
  { key: 'battery_power', platform: 'sensor', name: 'ha.battery_power', ...POWER, read: (b) => b.batteryPower },
  { key: 'battery_status', platform: 'sensor', name: 'ha.battery_status', deviceClass: 'enum', options: ['standby', 'charge', 'discharge', 'lock'], read: (b) => b.status },
  { key: 'battery_temperature', platform: 'sensor', name: 'ha.battery_temperature', deviceClass: 'temperature', unit: '°C', ...MEASUREMENT, precision: 1, category: 'diagnostic', read: (b) => b.temperature },
  { key: 'charge_energy_today', platform: 'sensor', name: 'ha.charge_energy_today', ...ENERGY, read: (b) => b.chargedToday },
  { key: 'discharge_energy_today', platform: 'sensor', name: 'ha.discharge_energy_today', ...ENERGY, read: (b) => b.dischargedToday },
  { key: 'pv_power', platform: 'sensor', name: 'ha.pv_power', ...POWER, read: (b) => b.pvPower },
  { key: 'grid_power', platform: 'sensor', name: 'ha.grid_power', ...POWER, read: (b) => b.gridPower },
  { key: 'load_power', platform: 'sensor', name: 'ha.load_power', ...POWER, read: (b) => b.loadPower },
  {
    key: 'cloud',
    platform: 'binary_sensor',
    name: 'ha.cloud',
    deviceClass: 'connectivity',
    category: 'diagnostic',
    bridgeAvailability: true,
    stateKey: 'cloud_online',
    template: "{{ 'ON' if value_json.cloud_online else 'OFF' }}",
    read: (b) => b.fresh === true && b.live === true,
  },
  {
    key: 'last_update',
    platform: 'sensor',
    name: 'ha.last_update',
    deviceClass: 'timestamp',
    category: 'diagnostic',
    enabledByDefault: false,
    read: (b) => (b.updatedAt ? new Date(b.updatedAt).toISOString() : undefined),
  },
  { key: 'battery_voltage', platform: 'sensor', name: 'ha.battery_voltage', deviceClass: 'voltage', unit: 'V', precision: 1, ...FEED_DIAGNOSTIC, read: (b) => b.batteryVoltage },
  { key: 'battery_current', platform: 'sensor', name: 'ha.battery_current', deviceClass: 'current', unit: 'A', precision: 1, ...FEED_DIAGNOSTIC, read: (b) => b.batteryCurrent },
  { key: 'wifi_signal', platform: 'sensor', name: 'ha.wifi_signal', deviceClass: 'signal_strength', unit: 'dBm', enabledByDefault: false, ...FEED_DIAGNOSTIC, read: (b) => b.signal },
];

const FEED_ONLY = SENSORS.filter((s) => s.feedOnly);

/** Whether battery `b` has the entity of row `s` (feed-only rows: once a reading has the value). */
const has = (s: SensorDef, b: Partial<BatteryReading>) => !s.feedOnly || s.read(b) !== undefined;

/** The feed-only sensors battery `b` has, as a short string (the publisher's "rebuild discovery?" input). */
export function feedSensorKeys(b: Partial<BatteryReading>): string {
  // Asked on every cycle: a loop, no arrays (a cloud battery has none of them: the empty string, nothing built).
  let keys = '';
  for (const s of FEED_ONLY) if (s.read(b) !== undefined) keys = keys ? `${keys},${s.key}` : s.key;
  return keys;
}

export function sensorComponent(s: SensorDef, sn: string, base: string, language: Language): Component {
  const c: Component = {
    platform: s.platform,
    unique_id: `${topics.deviceId(sn)}_${s.key}`,
    default_entity_id: `${s.platform}.msa2_${sanitizeId(sn)}_${s.key}`,
    name: t(s.name, undefined, language),
    value_template: s.template ?? `{{ value_json.${s.stateKey ?? s.key} }}`,
  };
  if (s.icon) c.icon = s.icon;
  if (s.deviceClass) c.device_class = s.deviceClass;
  if (s.options) c.options = [...s.options];
  if (s.stateClass) c.state_class = s.stateClass;
  if (s.unit) c.unit_of_measurement = s.unit;
  if (s.precision !== undefined) c.suggested_display_precision = s.precision;
  if (s.category) c.entity_category = s.category;
  if (s.enabledByDefault === false) c.enabled_by_default = false;
  if (s.bridgeAvailability) c.availability = [{ topic: topics.bridgeState(base) }];
  return c;
}

/** The sensors' discovery components of battery `b`, in table order. */
export function sensorComponents(b: Pick<BatteryReading, 'sn'> & Partial<BatteryReading>, base: string, language: Language): Record<string, Component> {
  const out: Record<string, Component> = {};
  for (const s of SENSORS) if (has(s, b)) out[s.key] = sensorComponent(s, b.sn, base, language);
  return out;
}

/** What sensorState walks each cycle, worked out once. */
const STATE_ROWS = SENSORS.map((s) => ({ key: s.stateKey ?? s.key, read: s.read, keep: !s.feedOnly }));

/** The sensors' part of the state JSON: numbers (never strings), null for unknown (never 0 for missing). */
export function sensorState(b: BatteryReading): Record<string, StateValue> {
  const out: Record<string, StateValue> = {};
  for (const r of STATE_ROWS) {
    const v = r.read(b);
    if (v !== undefined) out[r.key] = v;
    else if (r.keep) out[r.key] = null;
  }
  return out;
}
