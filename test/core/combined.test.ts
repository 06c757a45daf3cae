/** Source "both": merging the cloud's and the feed's snapshots, and the combined source's switch between them. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CombinedSource, mergeSnapshots } from '../../src/core/combined.js';
import type { BatteryReading, BridgeSnapshot } from '../../src/core/snapshot.js';
import type { ReadingSource } from '../../src/core/source.js';
import { memoryLogger } from '../../src/log/logger.js';

describe('source both', () => {
  const base: BatteryReading = { sn: '1', deviceId: 5, stationId: 9, stationName: 'Home', master: true, live: true, fresh: true, raw: {}, soc: 40, batteryPower: -100, status: 'charge', temperature: 20, firmware: 'V1', updatedAt: 1 };
  it('a fresh feed gives the live values, the cloud the names; one battery per serial', () => {
    const feed: BatteryReading = { ...base, deviceId: 0, stationId: 0, stationName: 'MSA-1', soc: 63, batteryPower: 410, status: 'discharge', temperature: undefined, firmware: undefined, updatedAt: 2, source: 'native' };
    const m = mergeSnapshots({ batteries: [base], cycles: 1 }, { batteries: [feed], cycles: 1 });
    expect(m.batteries).toHaveLength(1);
    expect(m.batteries[0]).toMatchObject({ soc: 63, batteryPower: 410, status: 'discharge', stationName: 'Home', stationId: 9, temperature: 20, firmware: 'V1', source: 'native', updatedAt: 2 });
  });
  it('a stale feed leaves the cloud values', () => {
    const feed: BatteryReading = { ...base, soc: 63, fresh: false, source: 'native' };
    expect(mergeSnapshots({ batteries: [base], cycles: 1 }, { batteries: [feed], cycles: 1 }).batteries[0]).toMatchObject({ soc: 40, fresh: true });
  });
});

describe('mergeSnapshots', () => {
  const reading = (over: Partial<BatteryReading>): BatteryReading => ({ sn: '1', deviceId: 5, stationId: 9, stationName: 'Home', master: true, live: true, fresh: true, raw: {}, ...over });
  it('a stale feed still adds what it knows better (temperature, voltage); a feed-only battery is kept', () => {
    const cloud = reading({ soc: 40, temperature: 20 });
    const feed = reading({ fresh: false, soc: 63, temperature: 24.5, batteryVoltage: 51.2 });
    const other = reading({ sn: '2', soc: 70 });
    const m = mergeSnapshots({ batteries: [cloud], cycles: 2 }, { batteries: [feed, other], cycles: 3 });
    expect(m.batteries.map((b) => b.sn)).toEqual(['1', '2']);
    expect(m.batteries[0]).toMatchObject({ soc: 40, temperature: 24.5, batteryVoltage: 51.2 });
    expect(m.batteries[0]!.source).toBeUndefined();
    expect(m.cycles).toBe(5);
  });
  it('the cloud’s problem stays visible; the feed’s only when there is no battery at all', () => {
    const problem = { code: 'cloud-unreachable' as const, message: 'down', since: 1 };
    const feedProblem = { code: 'cloud-error' as const, message: 'no feed', since: 2 };
    expect(mergeSnapshots({ batteries: [reading({})], cycles: 1, problem }, { batteries: [], cycles: 1, problem: feedProblem }).problem).toBe(problem);
    expect(mergeSnapshots({ batteries: [reading({})], cycles: 1 }, { batteries: [], cycles: 1, problem: feedProblem }).problem).toBeUndefined();
    expect(mergeSnapshots({ batteries: [], cycles: 1 }, { batteries: [], cycles: 1, problem: feedProblem }).problem).toBe(feedProblem);
    expect(mergeSnapshots({ batteries: [], cycles: 1, lastSuccess: 5 }, { batteries: [], cycles: 1, lastSuccess: 9 }).lastSuccess).toBe(9);
  });
});

/** A source whose snapshot the test sets; counts refreshes. */
class StubSource extends EventEmitter implements ReadingSource {
  current: BridgeSnapshot = { batteries: [], cycles: 0 };
  refreshes = 0;
  started = 0;
  stopped = 0;
  start(): void {
    this.started++;
  }
  async stop(): Promise<void> {
    this.stopped++;
  }
  snapshot(): BridgeSnapshot {
    return this.current;
  }
  async refreshNow(): Promise<BridgeSnapshot> {
    this.refreshes++;
    return this.current;
  }
  set(batteries: BatteryReading[]): void {
    this.current = { batteries, cycles: this.current.cycles + 1 };
    this.emit('snapshot', this.current);
  }
}

describe('CombinedSource', () => {
  const reading = (over: Partial<BatteryReading>): BatteryReading => ({ sn: 'SN1', deviceId: 5, stationId: 9, stationName: 'Home', master: true, live: true, fresh: true, raw: {}, soc: 40, ...over });

  it('emits the merged snapshot on either source; a stale feed asks the cloud at once, and says so once', async () => {
    const cloud = new StubSource();
    const feed = new StubSource();
    const { logger, lines } = memoryLogger();
    const both = new CombinedSource(cloud, feed, logger);
    const seen: BridgeSnapshot[] = [];
    both.on('snapshot', (s) => seen.push(s));
    both.start();
    expect([cloud.started, feed.started]).toEqual([1, 1]);
    cloud.set([reading({ soc: 40 })]);
    expect(seen.at(-1)!.batteries[0]!.soc).toBe(40);
    expect(both.feedFresh('SN1')).toBe(false);
    feed.set([reading({ soc: 63, source: 'native' })]);
    expect(seen.at(-1)!.batteries[0]).toMatchObject({ soc: 63, source: 'native', stationName: 'Home' });
    expect(both.feedFresh('SN1')).toBe(true);
    feed.set([reading({ soc: 63, source: 'native' })]);
    expect(lines.filter((l) => l.includes('feed is fresh for SN1'))).toHaveLength(1);
    expect(cloud.refreshes).toBe(0);
    feed.set([reading({ soc: 63, fresh: false, source: 'native' })]);
    expect(seen.at(-1)!.batteries[0]!.soc).toBe(40);
    expect(cloud.refreshes).toBe(1);
    expect(lines.filter((l) => l.includes('WARN') && l.includes('went stale for SN1'))).toHaveLength(1);
    await both.stop();
    const n = seen.length;
    cloud.set([reading({ soc: 41 })]);
    expect(seen.length).toBe(n); // no longer listening
    expect([cloud.stopped, feed.stopped]).toEqual([1, 1]);
  });
});
