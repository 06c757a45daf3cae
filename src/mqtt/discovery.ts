/**
 * Home Assistant device-based discovery (one retained config per battery). Pure: builds the payload only.
 * Rules (reference mqtt-home-assistant.md §2–3): origin with a name, stable unique ids, default_entity_id
 * instead of the deprecated object_id, valid device_class/unit/state_class pairs, enum sensors with options
 * and no unit, no `config` category on sensors.
 */
import type { BatteryReading } from '../core/snapshot.js';
import { sanitizeId, topics } from './topics.js';
import { t, type Language, type MessageKey } from '../i18n/index.js';

export interface DiscoveryContext {
  base: string;
  appVersion: string;
  /**
   * The language of the entity names: the one of the first discovery, kept in the state store by the app (a
   * later change of the OS language must not rename entities in Home Assistant). Default English.
   */
  language?: Language;
  /** Extra components (controls) contributed by other features. */
  extraComponents?: (sn: string) => Record<string, Record<string, unknown>>;
}

type Component = Record<string, unknown>;

function sensor(sn: string, key: string, name: string, extra: Component): Component {
  return {
    platform: 'sensor',
    unique_id: `${topics.deviceId(sn)}_${key}`,
    default_entity_id: `sensor.msa2_${sanitizeId(sn)}_${key}`,
    name,
    value_template: `{{ value_json.${key} }}`,
    ...extra,
  };
}

const POWER = { device_class: 'power', state_class: 'measurement', unit_of_measurement: 'W', suggested_display_precision: 0 };
const ENERGY = { device_class: 'energy', state_class: 'total_increasing', unit_of_measurement: 'Wh', suggested_display_precision: 0 };

/** Diagnostics only the battery's own feed gives: announced once a battery has them. */
const FEED_SENSORS = [
  ['batteryVoltage', 'battery_voltage', 'ha.battery_voltage', { device_class: 'voltage', unit_of_measurement: 'V', suggested_display_precision: 1 }],
  ['batteryCurrent', 'battery_current', 'ha.battery_current', { device_class: 'current', unit_of_measurement: 'A', suggested_display_precision: 1 }],
  ['signal', 'wifi_signal', 'ha.wifi_signal', { device_class: 'signal_strength', unit_of_measurement: 'dBm', enabled_by_default: false }],
] as const;

/** What discoveryPayload reads from a reading, as a short string: the publisher rebuilds discovery only when it changes. */
export function discoveryInputs(b: Pick<BatteryReading, 'stationName' | 'firmware'> & Partial<Pick<BatteryReading, 'batteryVoltage' | 'batteryCurrent' | 'signal'>>): string {
  return `${b.firmware ?? ''}|${b.stationName}|${FEED_SENSORS.filter(([field]) => b[field] !== undefined).map(([, key]) => key).join()}`;
}

export function discoveryPayload(
  b: Pick<BatteryReading, 'sn' | 'stationName' | 'firmware'> & Partial<Pick<BatteryReading, 'batteryVoltage' | 'batteryCurrent' | 'signal'>>,
  ctx: DiscoveryContext,
): Record<string, unknown> {
  const sn = b.sn;
  const id = topics.deviceId(sn);
  const n = (key: MessageKey) => t(key, undefined, ctx.language ?? 'en');
  const components: Record<string, Component> = {
    soc: sensor(sn, 'soc', n('ha.soc'), { device_class: 'battery', state_class: 'measurement', unit_of_measurement: '%', suggested_display_precision: 0 }),
    battery_power: sensor(sn, 'battery_power', n('ha.battery_power'), POWER),
    battery_status: sensor(sn, 'battery_status', n('ha.battery_status'), { device_class: 'enum', options: ['standby', 'charge', 'discharge', 'lock'] }),
    battery_temperature: sensor(sn, 'battery_temperature', n('ha.battery_temperature'), {
      device_class: 'temperature',
      state_class: 'measurement',
      unit_of_measurement: '°C',
      suggested_display_precision: 1,
      entity_category: 'diagnostic',
    }),
    charge_energy_today: sensor(sn, 'charge_energy_today', n('ha.charge_energy_today'), ENERGY),
    discharge_energy_today: sensor(sn, 'discharge_energy_today', n('ha.discharge_energy_today'), ENERGY),
    pv_power: sensor(sn, 'pv_power', n('ha.pv_power'), POWER),
    grid_power: sensor(sn, 'grid_power', n('ha.grid_power'), POWER),
    load_power: sensor(sn, 'load_power', n('ha.load_power'), POWER),
    cloud: {
      platform: 'binary_sensor',
      unique_id: `${id}_cloud`,
      default_entity_id: `binary_sensor.msa2_${sanitizeId(sn)}_cloud`,
      name: n('ha.cloud'),
      device_class: 'connectivity',
      entity_category: 'diagnostic',
      // Only the bridge's availability: shows *why* the other entities are unavailable.
      availability: [{ topic: topics.bridgeState(ctx.base) }],
      value_template: "{{ 'ON' if value_json.cloud_online else 'OFF' }}",
    },
    last_update: sensor(sn, 'last_update', n('ha.last_update'), { device_class: 'timestamp', entity_category: 'diagnostic', enabled_by_default: false }),
    ...Object.fromEntries(
      FEED_SENSORS.filter(([field]) => b[field] !== undefined).map(([, key, name, extra]) => [
        key,
        sensor(sn, key, n(name), { state_class: 'measurement', entity_category: 'diagnostic', ...extra }),
      ]),
    ),
    ...(ctx.extraComponents?.(sn) ?? {}),
  };
  return {
    device: {
      identifiers: [id],
      name: `MS-A2 ${sn}`,
      manufacturer: 'Hoymiles',
      model: 'MS-A2',
      serial_number: sn,
      ...(b.firmware ? { sw_version: b.firmware } : {}),
    },
    origin: { name: 'hoymiles-tray', sw_version: ctx.appVersion, support_url: 'https://github.com/hoymiles-tray/hoymiles-tray' },
    availability: [{ topic: topics.bridgeState(ctx.base) }, { topic: topics.availability(ctx.base, sn) }],
    availability_mode: 'all',
    state_topic: topics.state(ctx.base, sn),
    qos: 1,
    components,
  };
}

/** The per-battery state JSON: numbers (never strings), null for unknown (never 0 for missing). */
export function statePayload(b: BatteryReading, extra?: Record<string, unknown>): Record<string, unknown> {
  const v = (x: number | undefined) => (x === undefined ? null : x);
  return {
    soc: v(b.soc),
    battery_power: v(b.batteryPower),
    battery_status: b.status ?? null,
    battery_temperature: v(b.temperature),
    charge_energy_today: v(b.chargedToday),
    discharge_energy_today: v(b.dischargedToday),
    pv_power: v(b.pvPower),
    grid_power: v(b.gridPower),
    load_power: v(b.loadPower),
    cloud_online: b.fresh && b.live,
    last_update: b.updatedAt ? new Date(b.updatedAt).toISOString() : null,
    // Only the battery's own feed has these: absent (not null) for a cloud battery, like their entities.
    ...Object.fromEntries(FEED_SENSORS.filter(([field]) => b[field] !== undefined).map(([field, key]) => [key, b[field]])),
    ...extra,
  };
}
