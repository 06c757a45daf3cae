/**
 * What runs: one bridge (its source and its own sinks: the controls' snapshot feed, the MQTT publisher, the
 * feed's controls) and the app's sinks (tray, notifications, history, the summary line), all in ONE list
 * (sinks.ts), the bridge's first, so they see each snapshot first.
 *
 * A rebuild (settings saved) goes through the same list: the old bridge's sinks are stopped and taken out, its
 * source stopped, and the new bridge's sinks take their place; the app's sinks stay and simply get the new
 * source's snapshots. Stopping: the bridge first (its sinks, the last first, so `offline` is published before
 * anything waits on the cloud; then its source), then the app's sinks, the last first.
 */
import type { Sink } from '../core/sink.js';
import type { ReadingSource } from '../core/source.js';
import type { Logger } from '../log/logger.js';
import { SinkList } from './sinks.js';

/** What the pipeline needs of a bridge (bridge.ts builds them): its source, its own sinks, and how to stop the source. */
export interface PipelineBridge {
  readonly source: ReadingSource;
  readonly sinks: readonly Sink[];
  stopSource(): Promise<void>;
}

export class Pipeline<Bridge extends PipelineBridge = PipelineBridge> {
  readonly sinks: SinkList;
  private current: Bridge;

  constructor(
    bridge: Bridge,
    private readonly log: Logger,
    appSinks: readonly Sink[] = [],
  ) {
    this.current = bridge;
    this.sinks = new SinkList(log);
    void this.sinks.add([...bridge.sinks, ...appSinks]);
  }

  get bridge(): Bridge {
    return this.current;
  }

  /** Starts the sinks, then the source; resolves once the sinks are up, with those that could not start. */
  start(): Promise<Sink[]> {
    this.sinks.attach(this.current.source);
    const started = this.sinks.start();
    this.current.source.start();
    return started;
  }

  /** Stops the running bridge and puts the one `make` builds in its place (in the list too); the app's sinks stay. */
  async rebuild(make: (old: Bridge) => Bridge): Promise<Bridge> {
    const old = this.current;
    const at = await this.stopBridge(old);
    const next = make(old);
    this.current = next;
    this.sinks.attach(next.source);
    await this.sinks.add(next.sinks, at);
    next.source.start();
    return next;
  }

  /** The bridge first (offline published), then the app's sinks. */
  async stop(): Promise<void> {
    await this.stopBridge(this.current);
    await this.sinks.stop();
  }

  private async stopBridge(b: Bridge): Promise<number> {
    const at = await this.sinks.remove(b.sinks);
    await b.stopSource().catch((e) => this.log.warn('The bridge did not stop cleanly', e));
    return at;
  }
}
