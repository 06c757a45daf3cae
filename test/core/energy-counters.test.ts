import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../src/config/store.js';
import { waitFor, watch } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { useTempDirs } from '../helpers/temp.js';
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

describe('stored energy counters', () => {
  const today = new Date(2026, 11, 1, 12, 0, 0).getTime();
  const at = (d: string) => `${d} 12:00:00`;

  it.each([['x'], [42], [['a']], [{ 'SN:charged': 'x' }], [{ 'SN:charged': { value: '100', date: '2026-12-01' } }], [{ 'SN:charged': { value: -5, date: '2026-12-01' } }]])(
    'a wrong-typed value (%j) is dropped with a plain-words note, and the cloud value is taken',
    (stored) => {
      const c = new EnergyCounters({ load: () => stored as never, save: () => undefined }, { now: () => today });
      expect(c.loadProblem).toMatch(/stored energy counters were unreadable/);
      expect(c.offer('SN:charged', 285, at('2026-12-01'))).toBe('accepted');
      expect(c.get('SN:charged')).toBe(285);
    },
  );

  it.each([['2099-01-01'], ['2026-12-02']])('a counter dated %s (after the station’s today) is discarded', (date) => {
    const c = new EnergyCounters({ load: () => ({ 'SN:charged': { value: 100, date } }), save: () => undefined }, { now: () => today });
    expect(c.offer('SN:charged', 285, at('2026-12-01'))).not.toBe('held');
    expect(c.get('SN:charged')).toBe(285);
    expect(c.offer('SN:charged', 290, at('2026-12-01'))).toBe('accepted');
  });

  it('late data from yesterday is still held (the stored day is today)', () => {
    const c = new EnergyCounters(undefined, { now: () => today });
    c.offer('k', 10, '2026-12-01 00:30:00');
    expect(c.offer('k', 900, '2026-11-30 23:59:00')).toBe('held');
  });
});

const SN = '280024290529';
const BASE = 'hoymiles-ms-a2';
const stateOf = (w: Awaited<ReturnType<typeof watch>>) => {
  const m = w.last(`${BASE}/${SN}/state`);
  return m ? JSON.parse(m.payload) : undefined;
};

describe('stored energy counters that are wrong', () => {
  const fx = useBridgeFixture();
  const tempDir = useTempDirs();
  it.each([
    ['of the wrong type', '"x"'],
    ['with wrong-typed entries', JSON.stringify({ [`${SN}:charged`]: { value: 'lots', date: 1 }, [`${SN}:discharged`]: 7 })],
    ['dated in the future', JSON.stringify({ [`${SN}:charged`]: { value: 100, date: '2099-01-01' }, [`${SN}:discharged`]: { value: 100, date: '2099-01-01' } })],
  ])('counters %s are dropped; the cloud values are published, also after a restart', async (what, json) => {
    const dir = tempDir('hardening-counters-');
    writeFileSync(join(dir, 'state.json'), `{"energy.counters":${json}}`);
    const w = await watch(fx.broker.url);
    const state = () => new StateStore({ dir, logger: fx.log.logger });
    fx.bridge({}, { state: state() });
    await waitFor(() => stateOf(w)?.charge_energy_today === 285 && stateOf(w)?.discharge_energy_today === 641, 10_000, `cloud energy (${what})`);
    expect(fx.log.lines.some((l) => /stored energy counters (could not be read|were unreadable)/.test(l))).toBe(true);
    expect(fx.log.lines.some((l) => /Held back|Could not read the energy/.test(l))).toBe(false);
    await fx.stopAll();
    w.messages.length = 0;
    fx.cloud.station().chargedToday = 290;
    fx.bridge({}, { state: state() });
    await waitFor(() => stateOf(w)?.charge_energy_today === 290, 10_000, 'energy after a restart');
    await w.close();
  });
});
