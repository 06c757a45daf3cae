/**
 * The seam between where readings come from (the Hoymiles cloud, the battery's own MQTT feed, or both) and the
 * sinks. A source emits a complete snapshot whenever something worth showing changed; sinks never ask a source
 * anything else. The cloud Poller, the NativeSource and the CombinedSource all fit it.
 */
import type { BridgeSnapshot } from './snapshot.js';

export interface ReadingSource {
  on(event: 'snapshot', listener: (s: BridgeSnapshot) => void): this;
  off(event: 'snapshot', listener: (s: BridgeSnapshot) => void): this;
  start(): void;
  stop(): Promise<void>;
  /** The current readings (freshness computed now). */
  snapshot(): BridgeSnapshot;
  /** Read again now where the source can (the cloud polls; the feed just re-emits what it has). */
  refreshNow(): Promise<BridgeSnapshot>;
}

/** Calls every listener on its own: one sink's bug must neither stop the source nor starve the other sinks. */
export function emitSnapshot(
  emitter: { listeners(event: 'snapshot'): Function[] },
  snap: BridgeSnapshot,
  onError: (e: unknown) => void,
): void {
  for (const listener of emitter.listeners('snapshot') as ((s: BridgeSnapshot) => void)[]) {
    try {
      listener(snap);
    } catch (e) {
      onError(e);
    }
  }
}
