/** The sensors table: complete rows, and both the discovery components and the state JSON made from it. */
import { describe, expect, it } from 'vitest';
import { CATALOGS } from '../../src/i18n/index.js';
import { feedSensorKeys, SENSORS, sensorComponents, sensorState } from '../../src/mqtt/sensors.js';
import { CLOUD_READING, FEED_READING } from './ha-cases.js';

describe('the sensors table', () => {
  it('every row is complete: unique keys and state keys, a name in every language, valid pairs', () => {
    expect(new Set(SENSORS.map((s) => s.key)).size).toBe(SENSORS.length);
    expect(new Set(SENSORS.map((s) => s.stateKey ?? s.key)).size).toBe(SENSORS.length);
    for (const s of SENSORS) {
      for (const [lang, cat] of Object.entries(CATALOGS)) expect((cat as Record<string, string>)[s.name], `${s.key} in ${lang}`).toBeTruthy();
      if (s.deviceClass === 'enum') expect(s.options?.length && !s.unit && !s.stateClass, s.key).toBeTruthy();
      if (s.deviceClass === 'energy') expect(s.stateClass, s.key).toBe('total_increasing');
      if (['battery', 'power', 'temperature'].includes(s.deviceClass ?? '')) expect(s.stateClass, s.key).toBe('measurement');
      if (s.stateKey || s.template) expect(s.template, `${s.key}: a template that reads its state key`).toContain(`value_json.${s.stateKey}`);
    }
  });

  it('one entity and one state key per row (feed-only rows only once a reading has the value)', () => {
    const comps = sensorComponents(CLOUD_READING, 'b', 'en');
    const state = sensorState(CLOUD_READING);
    const shared = SENSORS.filter((s) => !s.feedOnly);
    expect(Object.keys(comps)).toEqual(shared.map((s) => s.key));
    expect(Object.keys(state)).toEqual(shared.map((s) => s.stateKey ?? s.key));
    expect(feedSensorKeys(CLOUD_READING)).toBe('');
    const feed = sensorState(FEED_READING);
    expect(Object.keys(sensorComponents(FEED_READING, 'b', 'en'))).toEqual(SENSORS.map((s) => s.key));
    expect(Object.keys(feed)).toEqual(SENSORS.map((s) => s.stateKey ?? s.key));
    expect(feedSensorKeys(FEED_READING)).toBe('battery_voltage,battery_current,wifi_signal');
    expect(feed).toMatchObject({ battery_voltage: 51.2, battery_current: -9.8, wifi_signal: -61, soc: 71.5, battery_power: -500 });
  });

  it('unknown is null, never 0; a stale battery is not online', () => {
    const state = sensorState({ ...CLOUD_READING, soc: undefined, chargedToday: undefined, updatedAt: undefined, fresh: false });
    expect(state).toMatchObject({ soc: null, charge_energy_today: null, last_update: null, cloud_online: false });
    expect(sensorState({ ...CLOUD_READING, live: false }).cloud_online).toBe(false);
    expect(sensorState(CLOUD_READING).cloud_online).toBe(true);
  });
});
