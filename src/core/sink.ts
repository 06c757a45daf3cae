/**
 * The other end of the seam in source.ts: where snapshots go. The MQTT publisher, the tray, the notifications,
 * the history and the log's summary line are sinks. The composition (src/app/sinks.ts) keeps them in one list,
 * starts and stops them and hands each snapshot to each, one by one, so that one failing sink never stops the
 * others.
 */
import type { BridgeSnapshot } from './snapshot.js';

export interface Sink {
  /** A short name for the log: "MQTT publisher", "tray", "notifications", "history". */
  readonly name: string;
  /** Called once before the first snapshot; may take a while (the tray's helper). A throw or rejection: the sink is left out. */
  start(): void | Promise<void>;
  /**
   * Called once at the end, started or not (a publisher's connection exists from its construction), and for the
   * bridge's own sinks at every rebuild; no snapshot comes after it.
   */
  stop(): void | Promise<void>;
  /** Every snapshot the source emits, while the sink is starting or running. */
  onSnapshot(snapshot: BridgeSnapshot): void;
}
