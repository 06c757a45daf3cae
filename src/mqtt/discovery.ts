/**
 * Home Assistant device-based discovery (one retained config per battery) and the state JSON. Pure: builds the
 * payloads only. Rules (reference mqtt-home-assistant.md §2–3): origin with a name, stable unique ids,
 * default_entity_id instead of the deprecated object_id. The entities and their state keys come from one table
 * (sensors.ts); the controls add theirs (controls/ha-components.ts) through `extraComponents` and the state's
 * `extra`.
 */
import type { BatteryReading } from '../core/snapshot.js';
import type { Language } from '../i18n/index.js';
import { feedSensorKeys, sensorComponents, sensorState } from './sensors.js';
import { topics } from './topics.js';

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

/** What discoveryPayload reads from a reading, as a short string: the publisher rebuilds discovery only when it changes. */
export function discoveryInputs(b: Pick<BatteryReading, 'stationName' | 'firmware'> & Partial<BatteryReading>): string {
  return `${b.firmware ?? ''}|${b.stationName}|${feedSensorKeys(b)}`;
}

export function discoveryPayload(
  b: Pick<BatteryReading, 'sn' | 'stationName' | 'firmware'> & Partial<BatteryReading>,
  ctx: DiscoveryContext,
): Record<string, unknown> {
  const sn = b.sn;
  const id = topics.deviceId(sn);
  const components = { ...sensorComponents(b, ctx.base, ctx.language ?? 'en'), ...(ctx.extraComponents?.(sn) ?? {}) };
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

/** The per-battery state JSON: the sensors' values (sensors.ts), then the controls' confirmed ones. */
export function statePayload(b: BatteryReading, extra?: Record<string, unknown>): Record<string, unknown> {
  const state: Record<string, unknown> = sensorState(b);
  return extra ? Object.assign(state, extra) : state;
}
