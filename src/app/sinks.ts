/**
 * The one list of sinks (src/core/sink.ts) the composition runs: fed by one source at a time, each sink on its
 * own. A sink that throws or rejects in start, stop or onSnapshot (or whose stop hangs) is named in the log once
 * per kind of failure, in plain words and bounded; the others go on. A sink whose start failed gets no more
 * snapshots; one that failed on a snapshot gets the next one.
 *
 * Order: snapshots go to the sinks in list order; sinks start all at once (a slow start, the tray's helper,
 * delays no other sink) and stop one after another, the last in the list first.
 */
import type { Sink } from '../core/sink.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { ReadingSource } from '../core/source.js';
import type { Logger } from '../log/logger.js';
import { clip } from '../log/mask.js';

/** How long one sink's stop may take before the others are stopped without waiting for it. */
export const SINK_STOP_TIMEOUT_MS = 5_000;
/** Different failures logged per sink; more go to the debug level only. */
const LOGGED_FAILURES = 3;

type Phase = 'idle' | 'starting' | 'running' | 'failed' | 'stopped';

interface Entry {
  readonly sink: Sink;
  phase: Phase;
  /** The failures already logged (their words), so a sink failing on every snapshot logs it once. */
  readonly logged: Set<string>;
}

export class SinkList {
  /** Replaced, never changed in place: a delivery going on keeps the list it started with. */
  private entries: readonly Entry[] = [];
  private running = false;
  private source?: ReadingSource;
  private last: BridgeSnapshot = { batteries: [], cycles: 0 };
  private readonly listener = (s: BridgeSnapshot) => this.deliver(s);

  constructor(
    private readonly log: Logger,
    private readonly stopTimeoutMs = SINK_STOP_TIMEOUT_MS,
  ) {}

  /** The last snapshot handed out (or the attached source's current one). */
  get latest(): BridgeSnapshot {
    return this.last;
  }

  /** The sinks in list order. */
  get sinks(): Sink[] {
    return this.entries.map((e) => e.sink);
  }

  /** Takes snapshots from `source` from now on (and from the one before no more). */
  attach(source: ReadingSource): void {
    this.source?.off('snapshot', this.listener);
    this.source = source;
    source.on('snapshot', this.listener);
    this.last = source.snapshot();
  }

  detach(): void {
    this.source?.off('snapshot', this.listener);
    this.source = undefined;
  }

  /**
   * Puts sinks into the list at `at` (default: the end); when the list runs they start at once. Resolves when
   * they started, with the ones that failed to.
   */
  add(sinks: readonly Sink[], at = this.entries.length): Promise<Sink[]> {
    const added: Entry[] = sinks.map((sink) => ({ sink, phase: 'idle', logged: new Set() }));
    this.entries = [...this.entries.slice(0, at), ...added, ...this.entries.slice(at)];
    return this.running ? this.startAll(added) : Promise.resolve([]);
  }

  /** Starts every sink not started yet; resolves with the ones that failed to (already logged). */
  start(): Promise<Sink[]> {
    this.running = true;
    return this.startAll(this.entries.filter((e) => e.phase === 'idle'));
  }

  /** Stops the given sinks (the last first) and takes them out; resolves with where the first one was. */
  async remove(sinks: readonly Sink[]): Promise<number> {
    const gone = this.entries.filter((e) => sinks.includes(e.sink));
    const at = gone.length ? this.entries.indexOf(gone[0]!) : this.entries.length;
    this.entries = this.entries.filter((e) => !gone.includes(e));
    for (const e of gone.reverse()) await this.stopOne(e);
    return at;
  }

  /** Stops every sink, the last in the list first, each on its own; no snapshot reaches them afterwards. */
  async stop(): Promise<void> {
    this.running = false;
    this.detach();
    for (const e of [...this.entries].reverse()) await this.stopOne(e);
  }

  /** Hands a snapshot to every starting or running sink in list order. */
  deliver(snap: BridgeSnapshot): void {
    this.last = snap;
    for (const e of this.entries) {
      if (e.phase !== 'starting' && e.phase !== 'running') continue;
      try {
        e.sink.onSnapshot(snap);
      } catch (err) {
        this.failed(e, 'snapshot', err);
      }
    }
  }

  private async startAll(entries: Entry[]): Promise<Sink[]> {
    const ok = await Promise.all(entries.map((e) => this.startOne(e)));
    return entries.filter((_, i) => !ok[i]).map((e) => e.sink);
  }

  private async startOne(e: Entry): Promise<boolean> {
    e.phase = 'starting';
    try {
      await e.sink.start();
    } catch (err) {
      if (e.phase === 'starting') e.phase = 'failed';
      this.failed(e, 'start', err);
      return false;
    }
    if (e.phase === 'starting') e.phase = 'running';
    return true;
  }

  private async stopOne(e: Entry): Promise<void> {
    if (e.phase === 'stopped') return;
    e.phase = 'stopped';
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), this.stopTimeoutMs);
      timer.unref?.();
    });
    try {
      // Through a promise, so a stop that throws at once counts like one that rejects.
      const r = await Promise.race([Promise.resolve().then(() => e.sink.stop()), hung]);
      if (r === 'hung') this.failed(e, 'stop', new Error(`it did not finish within ${this.stopTimeoutMs / 1000} s`));
    } catch (err) {
      this.failed(e, 'stop', err);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(e: Entry, phase: 'start' | 'stop' | 'snapshot', err: unknown): void {
    const why = clip(err instanceof Error ? err.message : String(err), 400);
    const name = clip(e.sink.name, 40);
    const line =
      phase === 'start'
        ? `The ${name} could not start (${why}); everything else runs without it`
        : phase === 'stop'
          ? `The ${name} did not stop cleanly (${why}); stopping the rest`
          : `The ${name} failed on a reading (${why}); the others got it, and it gets the next ones`;
    const key = `${phase}|${why}`;
    if (e.logged.has(key) || e.logged.size >= LOGGED_FAILURES) {
      this.log.debug(line);
      return;
    }
    e.logged.add(key);
    if (phase === 'start') this.log.error(line);
    else this.log.warn(line);
  }
}
