/**
 * Source "both": the battery's own feed for live values while it is fresh, the cloud for what the feed lacks
 * (station names, the cloud-only controls, firmware version) and as the fallback when the feed goes stale. A
 * feed battery and a cloud battery with the same serial are one battery. The cloud's live polling pauses while
 * the feed is fresh (see Poller's liveWanted), so the account sees far fewer requests.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log/logger.js';
import type { BatteryReading, BridgeSnapshot } from './snapshot.js';
import { emitSnapshot, type ReadingSource } from './source.js';

/** The values the feed replaces while it is fresh. */
const FEED_KEYS = [
  'soc',
  'batteryPower',
  'status',
  'pvPower',
  'gridPower',
  'loadPower',
  'powerToBattery',
  'powerFromBattery',
  'live',
  'updatedAt',
  'fresh',
] as const satisfies readonly (keyof BatteryReading)[];
/** Values the feed has more often or more exactly; the cloud's stay when the feed has none. */
const FEED_PREFERRED = ['temperature', 'chargedToday', 'dischargedToday', 'batteryVoltage', 'batteryCurrent', 'signal', 'emsMode'] as const satisfies readonly (keyof BatteryReading)[];

export function mergeSnapshots(cloud: BridgeSnapshot, feed: BridgeSnapshot): BridgeSnapshot {
  const feedBySn = new Map(feed.batteries.map((b) => [b.sn, b]));
  const used = new Set<string>();
  const batteries = cloud.batteries.map((c): BatteryReading => {
    const n = feedBySn.get(c.sn);
    if (!n) return c;
    used.add(c.sn);
    const out: BatteryReading = { ...c };
    const o = out as unknown as Record<string, unknown>;
    const f = n as unknown as Record<string, unknown>;
    for (const k of FEED_PREFERRED) if (f[k] !== undefined) o[k] = f[k];
    if (!n.fresh) return out;
    for (const k of FEED_KEYS) o[k] = f[k];
    out.source = 'native';
    return out;
  });
  for (const n of feed.batteries) if (!used.has(n.sn)) batteries.push(n);
  // The cloud's trouble is still worth showing, but a fresh feed keeps the battery available.
  const lastSuccess = Math.max(cloud.lastSuccess ?? 0, feed.lastSuccess ?? 0) || undefined;
  return { batteries, problem: cloud.problem ?? (batteries.length ? undefined : feed.problem), lastSuccess, cycles: cloud.cycles + feed.cycles };
}

export class CombinedSource extends EventEmitter implements ReadingSource {
  private wasFresh = new Set<string>();
  private readonly onAny = () => this.emitMerged();

  constructor(
    readonly cloud: ReadingSource,
    readonly feed: ReadingSource,
    private readonly log: Logger,
  ) {
    super();
  }

  /** For the poller's liveWanted: the feed of this serial is fresh right now. */
  feedFresh(sn: string): boolean {
    return this.feed.snapshot().batteries.some((b) => b.sn === sn && b.fresh);
  }

  start(): void {
    this.cloud.on('snapshot', this.onAny);
    this.feed.on('snapshot', this.onAny);
    this.feed.start();
    this.cloud.start();
  }

  async stop(): Promise<void> {
    this.cloud.off('snapshot', this.onAny);
    this.feed.off('snapshot', this.onAny);
    await Promise.all([this.feed.stop(), this.cloud.stop()]);
  }

  snapshot(): BridgeSnapshot {
    return mergeSnapshots(this.cloud.snapshot(), this.feed.snapshot());
  }

  async refreshNow(): Promise<BridgeSnapshot> {
    await Promise.all([this.cloud.refreshNow(), this.feed.refreshNow()]);
    return this.snapshot();
  }

  private emitMerged(): void {
    const feed = this.feed.snapshot();
    const fresh = new Set(feed.batteries.filter((b) => b.fresh).map((b) => b.sn));
    const lost = [...this.wasFresh].filter((sn) => !fresh.has(sn));
    const gained = [...fresh].filter((sn) => !this.wasFresh.has(sn));
    this.wasFresh = fresh;
    if (gained.length) this.log.info(`The battery's own feed is fresh for ${gained.join(', ')}: live values from it, cloud live polling paused`);
    if (lost.length) {
      this.log.warn(`The battery's own feed went stale for ${lost.join(', ')}: live values from the cloud again`);
      // Do not wait a whole interval for the fallback.
      void this.cloud.refreshNow().catch((e) => this.log.warn('Cloud refresh after the feed went stale failed', e));
    }
    emitSnapshot(this, mergeSnapshots(this.cloud.snapshot(), feed), (e) => this.log.error('A consumer of the readings failed', e));
  }
}
