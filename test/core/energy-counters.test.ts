import { describe, expect, it } from 'vitest';
import { EnergyCounters, type CounterSnapshot } from '../../src/core/energy-counters.js';

describe('energy counter hygiene', () => {
  it('rises, holds dips, ignores missing values', () => {
    const c = new EnergyCounters();
    expect(c.offer('k', 100, '2026-11-24 10:00:00')).toBe('accepted');
    expect(c.offer('k', 150, '2026-11-24 11:00:00')).toBe('accepted');
    expect(c.offer('k', 140, '2026-11-24 12:00:00')).toBe('held');
    expect(c.offer('k', undefined, '2026-11-24 12:00:00')).toBe('missing');
    expect(c.offer('k', 0, '2026-11-24 12:00:00')).toBe('held');
    expect(c.get('k')).toBe(150);
  });
  it('resets at the station-local day change', () => {
    const c = new EnergyCounters();
    c.offer('k', 900, '2026-11-24 23:50:00');
    expect(c.offer('k', 3, '2026-11-25 00:05:00')).toBe('reset');
    expect(c.get('k')).toBe(3);
  });
  it('accepts a collapse near midnight even before the date flips, not at noon', () => {
    const c = new EnergyCounters();
    c.offer('k', 900, '2026-11-24 23:40:00');
    expect(c.offer('k', 20, '2026-11-24 23:55:00')).toBe('reset');
    const d = new EnergyCounters();
    d.offer('k', 900, '2026-11-24 12:00:00');
    expect(d.offer('k', 20, '2026-11-24 12:05:00')).toBe('held');
  });
  it('late data from an earlier day is ignored', () => {
    const c = new EnergyCounters();
    c.offer('k', 10, '2026-11-25 00:30:00');
    expect(c.offer('k', 900, '2026-11-24 23:59:00')).toBe('held');
    expect(c.get('k')).toBe(10);
  });
  it('survives a restart through its persistence', () => {
    let saved: CounterSnapshot = {};
    const p = { load: () => JSON.parse(JSON.stringify(saved)), save: (s: CounterSnapshot) => (saved = JSON.parse(JSON.stringify(s))) };
    new EnergyCounters(p).offer('k', 500, '2026-11-24 10:00:00');
    const again = new EnergyCounters(p);
    expect(again.get('k')).toBe(500);
    expect(again.offer('k', 0, '2026-11-24 10:05:00')).toBe('held');
  });
});
