/**
 * What Home Assistant sees, pinned: the discovery config and the state JSON of fixed readings (a cloud battery
 * with the cloud's controls, a feed battery with the feed's diagnostics and controls in German, a sparse one with
 * an odd serial), compared with golden files written from the code before the sensor and control tables existed.
 * Unique ids, default entity ids, topics, keys and values must never change: users' entities hang on them.
 * The discovery config is compared as JSON (every key and value, nothing more, nothing less); the order of keys
 * inside it is not part of the contract (the app re-sends its config at every start anyway). The state JSON is
 * compared byte for byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoveryInputs, discoveryPayload, statePayload } from '../../src/mqtt/discovery.js';
import { topics } from '../../src/mqtt/topics.js';
import { discoveryProblems } from '../helpers/ha-rules.js';
import type { BatteryReading } from '../../src/core/snapshot.js';
import type { Language } from '../../src/i18n/index.js';
import { CLOUD_READING, FEED_READING, haCases } from './ha-cases.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const golden = (name: string) => readFileSync(join(GOLDEN, name), 'utf8');

describe('Home Assistant discovery and state, pinned', async () => {
  const cases = await haCases();

  for (const c of cases) {
    it(`${c.name}: the discovery config is exactly the pinned one`, () => {
      const payload = discoveryPayload(c.reading, { base: c.base, appVersion: '1.2.3', language: c.language, extraComponents: c.extraComponents });
      expect(topics.discovery(c.prefix, c.reading.sn)).toBe(c.discoveryTopic);
      expect(JSON.parse(JSON.stringify(payload))).toStrictEqual(JSON.parse(golden(`${c.name}.discovery.json`)));
      expect(discoveryProblems(c.discoveryTopic, payload, c.prefix)).toEqual([]);
    });

    it(`${c.name}: the state JSON is byte for byte the pinned one`, () => {
      expect(topics.state(c.base, c.reading.sn)).toBe(c.stateTopic);
      expect(`${JSON.stringify(statePayload(c.reading, c.extraState))}\n`).toBe(golden(`${c.name}.state.json`));
    });
  }

  it('what discovery is built from changes whenever the discovery config does (never a missed change)', () => {
    const config = (b: BatteryReading, language?: Language) => JSON.stringify(discoveryPayload(b, { base: 'b', appVersion: '1', language }));
    const variants: BatteryReading[] = [
      CLOUD_READING,
      { ...CLOUD_READING, soc: 12, batteryPower: -3, updatedAt: 1, fresh: false }, // live values: same config
      { ...CLOUD_READING, firmware: 'V9' },
      { ...CLOUD_READING, stationName: 'Other' },
      { ...CLOUD_READING, batteryVoltage: 50 }, // a feed-only value appears: its entity is announced
      { ...CLOUD_READING, batteryVoltage: 50, signal: -70 },
      FEED_READING,
      { ...FEED_READING, batteryVoltage: 1, batteryCurrent: 2, signal: 3 },
    ];
    const distinct = new Set(variants.map((v) => discoveryInputs(v)));
    expect(distinct.size, 'firmware, feed-only values and the feed battery each change the inputs').toBeGreaterThanOrEqual(6);
    for (const a of variants) {
      for (const b of variants) {
        const sameInputs = discoveryInputs(a) === discoveryInputs(b);
        // The serial is the publisher's map key, not an input.
        const sameConfig = config(a) === config({ ...b, sn: a.sn });
        if (sameInputs) expect(sameConfig, `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(true);
      }
    }
  });

  it('a state key for every announced entity that reads one, and no stray keys', () => {
    for (const c of cases) {
      const payload = discoveryPayload(c.reading, { base: c.base, appVersion: '1.2.3', extraComponents: c.extraComponents });
      const state = statePayload(c.reading, c.extraState);
      const read = Object.values(payload.components as Record<string, { value_template?: string }>)
        .map((x) => /value_json\.(\w+)/.exec(x.value_template ?? '')?.[1])
        .filter((k): k is string => !!k);
      expect(new Set(read), c.name).toEqual(new Set(Object.keys(state)));
    }
  });
});
