/** The demo battery's day: plausible values, and today's counters never go down within a day. */
import { describe, expect, it } from 'vitest';
import { CAPACITY_WH, simulatedState } from '../../src/demo/simulation.js';

describe('simulatedState', () => {
  it('charges by day, discharges at night, counters only grow until midnight', () => {
    const day = new Date(2026, 5, 1, 0, 0, 0).getTime();
    let prev = simulatedState(day);
    let charging = 0;
    let discharging = 0;
    for (let m = 1; m < 24 * 60; m++) {
      const s = simulatedState(day + m * 60_000);
      expect(s.soc).toBeGreaterThanOrEqual(15);
      expect(s.soc).toBeLessThanOrEqual(95);
      expect(s.chargedToday).toBeGreaterThanOrEqual(prev.chargedToday);
      expect(s.dischargedToday).toBeGreaterThanOrEqual(prev.dischargedToday);
      if (s.batteryPower < -1) charging++;
      if (s.batteryPower > 1) discharging++;
      prev = s;
    }
    expect(charging).toBeGreaterThan(8 * 60);
    expect(discharging).toBeGreaterThan(12 * 60);
    // A whole day charges 15 → 95 % once and discharges the same.
    expect(prev.chargedToday).toBeCloseTo(0.8 * CAPACITY_WH, -1);
    expect(prev.dischargedToday).toBeCloseTo(0.8 * CAPACITY_WH, -1);
    expect(simulatedState(day + 24 * 3_600_000).chargedToday).toBe(0);
  });
});
