/** The history ring: one sample per minute, bounded on disk and in memory, kept across restarts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatteryReading, BridgeSnapshot } from '../../src/core/snapshot.js';
import { History } from '../../src/history/history.js';
import { MINUTE_MS } from '../../src/history/ring.js';
import { memoryLogger } from '../../src/log/logger.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'history-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
function snap(at: number, soc: number, power: number, over: Partial<BatteryReading> = {}): BridgeSnapshot {
  return {
    batteries: [{ sn: 'SN-1', deviceId: 1, stationId: 1, stationName: 'Home', master: true, live: true, fresh: true, raw: {}, updatedAt: at, soc, batteryPower: power, chargedToday: 100, dischargedToday: 50, ...over }],
    cycles: 1,
  };
}

describe('History', () => {
  it('one sample per minute (power averaged), the last 24 h as JSON, and the same after a restart', () => {
    const { logger } = memoryLogger();
    const h = new History({ dir, logger });
    // Three polls in one minute, then one per minute for two days.
    h.onSnapshot(snap(T0 + 1_000, 50, -100));
    h.onSnapshot(snap(T0 + 1_000, 50, -100)); // the same reading again: not counted twice
    h.onSnapshot(snap(T0 + 20_000, 51, -200));
    h.onSnapshot(snap(T0 + 40_000, 52, -600));
    for (let i = 1; i < 2 * 24 * 60; i++) h.onSnapshot(snap(T0 + i * MINUTE_MS + 5_000, 60, 300));
    const now = T0 + (2 * 24 * 60 - 1) * MINUTE_MS + 30_000; // within the last sampled minute
    const v = h.view(['SN-1'], 24, now);
    expect(v.batteries[0]!.samples).toHaveLength(24 * 60);
    expect(v.batteries[0]!.samples.every(([t]) => t >= v.from && t < v.to)).toBe(true);
    // Two days back: the first minute, power averaged over its three polls.
    const old = h.view(['SN-1'], 48, now).batteries[0]!.samples[0]!;
    expect(old).toEqual([T0, 52, -300]);
    h.close();

    const after = new History({ dir, logger });
    expect(after.view(['SN-1'], 24, now).batteries[0]!.samples).toEqual(v.batteries[0]!.samples);
    after.close();
  });

  it('skips stale readings and fills only empty minutes on backfill', () => {
    const { logger } = memoryLogger();
    const h = new History({ dir, logger });
    h.onSnapshot(snap(T0, 40, 0, { fresh: false }));
    expect(h.view(['SN-1'], 1, T0 + MINUTE_MS).batteries[0]!.samples).toEqual([]);
    h.onSnapshot(snap(T0 - 30 * MINUTE_MS, 41, 10));
    const filled = h.backfill('SN-1', 'Home', () => ({ soc: 10, power: 1 }), 1, T0);
    expect(filled).toBe(59); // 60 minutes, one of them already had a reading
    const samples = h.view(['SN-1'], 1, T0 - MINUTE_MS).batteries[0]!.samples;
    expect(samples).toHaveLength(60);
    expect(samples.find(([t]) => t === T0 - 30 * MINUTE_MS)).toEqual([T0 - 30 * MINUTE_MS, 41, 10]);
    h.close();
  });
});
