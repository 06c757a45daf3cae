/**
 * The core loop: poll the cloud, turn answers into readings and a status, and emit a snapshot after every
 * cycle. It knows nothing about MQTT, trays or notifications; those subscribe to 'snapshot'.
 */
import { EventEmitter } from 'node:events';
import { hasFlow, LiveStream } from '../cloud/burst.js';
import type { CloudClient } from '../cloud/client.js';
import { CloudError } from '../cloud/errors.js';
import type { Station } from '../cloud/stations.js';
import type { Logger } from '../log/logger.js';
import { EnergyCounters } from './energy-counters.js';
import { parseInverter, parseLive, parseStationEnergy } from './readings.js';
import type { BatteryReading, BridgeSnapshot, Problem, ProblemCode } from './snapshot.js';
import { emitSnapshot, type ReadingSource } from './source.js';

export interface PollerOptions {
  intervalMs: number;
  stationIntervalMs: number;
  /** Station ids to follow; empty = all stations of the account. */
  stationIds?: number[];
  counters?: EnergyCounters;
  logger: Logger;
  now?: () => number;
  /** Longest wait between retries while the cloud is failing. */
  maxBackoffMs?: number;
  /** Data older than this is stale (default: max(3 × interval, 2 min)). */
  staleAfterMs?: number;
  /**
   * Asked before every live read: false skips it (the battery's own feed is fresh, source "both"). Station
   * list, energy and temperature reads go on at their slower rhythm.
   */
  liveWanted?: (masterSn: string) => boolean;
}

/** The station list rarely changes: re-read it this often (and after errors that hint it changed). */
const STATION_LIST_TTL_MS = 6 * 3_600_000;

export declare interface Poller {
  on(event: 'snapshot', listener: (s: BridgeSnapshot) => void): this;
}

export class Poller extends EventEmitter implements ReadingSource {
  private stations?: Station[];
  private stationsAt = 0;
  private readonly streams = new Map<number, LiveStream>();
  private readonly readings = new Map<string, BatteryReading>();
  /** Station reads (energy, temperature) in flight, per station: they run beside the live reads, never ahead. */
  private readonly details = new Map<number, Promise<unknown>>();
  private nextSlowAt = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  /** stop() was called (not merely never started, as for --once): a request the stop ended is no problem. */
  private stopping = false;
  private failures = 0;
  private problem?: Problem;
  private lastSuccess?: number;
  private cycles = 0;
  readonly counters: EnergyCounters;
  private readonly now: () => number;

  constructor(
    private readonly cloud: CloudClient,
    private readonly opts: PollerOptions,
  ) {
    super();
    this.counters = opts.counters ?? new EnergyCounters();
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    await Promise.all(this.details.values());
  }

  /** Poll now (tray "Refresh now", HA button), including the slow station reads (waited for). */
  async refreshNow(): Promise<BridgeSnapshot> {
    this.nextSlowAt = 0;
    clearTimeout(this.timer);
    await this.running;
    const next = await this.runCycle(true);
    this.schedule(next); // the regular rhythm goes on from here
    return this.snapshot();
  }

  /** One full cycle with station reads (waited for), for `--once`. */
  async pollOnce(): Promise<BridgeSnapshot> {
    this.nextSlowAt = 0;
    await this.runCycle(true);
    return this.snapshot();
  }

  /** Credentials changed: forget what depended on the old account. */
  resetAccount(): void {
    this.stations = undefined;
    this.streams.clear();
    this.readings.clear();
  }

  snapshot(): BridgeSnapshot {
    const now = this.now();
    const staleAfter = this.opts.staleAfterMs ?? Math.max(3 * this.opts.intervalMs, 120_000);
    const authBroken = this.problem !== undefined && ['wrong-password', 'daily-limit', 'login-rejected', 'no-credentials'].includes(this.problem.code);
    // Fresh = read recently, and the cloud says the device is streaming (con 1): otherwise the values are old.
    const batteries = [...this.readings.values()].map((r) => ({
      ...r,
      fresh: !authBroken && r.live && r.updatedAt !== undefined && now - r.updatedAt <= staleAfter,
    }));
    return { batteries, problem: this.problem, lastSuccess: this.lastSuccess, cycles: this.cycles };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      void this.runCycle().then(
        (next) => this.schedule(next),
        (e) => {
          this.opts.logger.error('Poll cycle failed unexpectedly', e);
          this.schedule(this.opts.intervalMs);
        },
      );
    }, delayMs);
  }

  /** Runs one cycle (never two at once) and returns the delay before the next. */
  private runCycle(waitForDetails = false): Promise<number> {
    if (this.running) return this.running.then(() => this.opts.intervalMs);
    const p = this.cycle(waitForDetails).finally(() => (this.running = undefined));
    this.running = p.then(() => undefined);
    return p;
  }

  private async cycle(waitForDetails: boolean): Promise<number> {
    this.cycles++;
    let delay = this.opts.intervalMs;
    try {
      await this.pollAll(waitForDetails);
      if (this.problem) this.opts.logger.info('Cloud connection restored');
      this.problem = undefined;
      this.failures = 0;
      this.lastSuccess = this.now();
    } catch (e) {
      if (this.stopping) return delay; // a request ended by the stop (bridge.ts closes the cloud): no problem to report
      delay = this.onFailure(e);
    }
    this.emitSnapshot();
    return delay;
  }

  private emitSnapshot(): void {
    emitSnapshot(this, this.snapshot(), (e) => this.opts.logger.error('A consumer of the readings failed', e));
  }

  private async pollAll(waitForDetails: boolean): Promise<void> {
    const now = this.now();
    if (!this.stations || now - this.stationsAt > STATION_LIST_TTL_MS) await this.loadStations();
    const slowDue = now >= this.nextSlowAt;
    let firstError: unknown;
    const started: Promise<unknown>[] = [];
    for (const station of this.stations!) {
      try {
        await this.pollStation(station);
        if (slowDue) started.push(this.startDetails(station));
      } catch (e) {
        firstError ??= e;
      }
    }
    if (firstError) throw firstError;
    if (slowDue) this.nextSlowAt = now + this.opts.stationIntervalMs;
    if (waitForDetails) {
      // `--once` and "Refresh now" want the energy too; a login problem found there is the cycle's problem.
      const authError = (await Promise.all(started)).find((e) => e !== undefined);
      if (authError) throw authError;
    }
  }

  /**
   * Energy and temperature of a station, beside the live reads: a slow station read (up to the 15 s timeout)
   * must not hold up the live values. One at a time per station; when it ends, the sinks get a new snapshot.
   * Resolves with a login problem it met (the next live read meets it too), else undefined.
   */
  private startDetails(station: Station): Promise<unknown> {
    const running = this.details.get(station.sid);
    if (running) return running;
    const p = this.pollStationDetails(station).then(
      () => {
        if (!this.stopped) this.emitSnapshot();
        return undefined;
      },
      (e: unknown) => {
        this.nextSlowAt = 0; // read them again once the login works
        this.opts.logger.debug(`Station reads of ${station.sid} stopped: ${(e as Error)?.message ?? e}`);
        return e;
      },
    );
    const tracked = p.finally(() => this.details.delete(station.sid));
    this.details.set(station.sid, tracked);
    return tracked;
  }

  private async loadStations(): Promise<void> {
    const all = await this.cloud.listStations();
    const wanted = this.opts.stationIds?.length ? all.filter((s) => this.opts.stationIds!.includes(s.sid)) : all;
    const withBattery = wanted.filter((s) => s.batteries.length > 0);
    if (withBattery.length === 0) {
      const names = all.map((s) => `${s.name} (${s.sid})`).join(', ') || 'none';
      throw new CloudError('no-battery', `No MS-A2 battery found in the selected stations. Stations of this account: ${names}.`);
    }
    this.stations = withBattery;
    this.stationsAt = this.now();
    for (const s of withBattery) {
      s.batteries.forEach((b, index) => {
        if (!this.readings.has(b.sn)) {
          this.readings.set(b.sn, { sn: b.sn, deviceId: b.id, stationId: s.sid, stationName: s.name, master: index === 0, live: false, fresh: false, raw: {} });
        }
      });
      if (!this.streams.has(s.sid)) this.streams.set(s.sid, new LiveStream(this.cloud, s.sid, this.now));
    }
    const count = withBattery.reduce((n, s) => n + s.batteries.length, 0);
    this.opts.logger.info(`Following ${withBattery.length} station(s) with ${count} battery(ies): ${withBattery.map((s) => `${s.name} (${s.sid})`).join(', ')}`);
  }

  private async pollStation(station: Station): Promise<void> {
    // Source "both": no live read while the battery's own feed is fresh (energy and temperature still come, beside).
    if (this.opts.liveWanted && !this.opts.liveWanted(station.batteries[0]!.sn)) return;
    const env = await this.streams.get(station.sid)!.read();
    const master = this.readings.get(station.batteries[0]!.sn)!;
    if (!hasFlow(env.data)) {
      // Even a fresh live-data address gave no flow: the battery is not streaming. Keep the last values
      // (they turn stale) rather than overwrite them with nothing.
      master.live = false;
      return;
    }
    const live = parseLive(env.data);
    Object.assign(master, {
      soc: live.soc ?? master.soc,
      batteryPower: live.batteryPower,
      status: live.status,
      pvPower: live.pvPower,
      gridPower: live.gridPower,
      loadPower: live.loadPower,
      powerToBattery: live.powerToBattery,
      powerFromBattery: live.powerFromBattery,
      live: live.live,
    });
    master.raw.flow = env.raw;
    const at = this.now();
    for (const b of station.batteries) this.readings.get(b.sn)!.updatedAt = at;
  }

  /** Energy and temperature: slower, and a failure here must not hide the live values. */
  private async pollStationDetails(station: Station): Promise<void> {
    const master = this.readings.get(station.batteries[0]!.sn)!;
    try {
      const env = await this.cloud.stationEnergy(station.sid);
      const energy = parseStationEnergy(env.data);
      master.raw.station = env.raw;
      for (const [key, value] of [
        ['charged', energy.chargedToday],
        ['discharged', energy.dischargedToday],
      ] as const) {
        const verdict = this.counters.offer(`${master.sn}:${key}`, value, energy.dataTime);
        const kept = this.counters.get(`${master.sn}:${key}`);
        if (verdict === 'held' && value !== undefined && kept !== undefined && value < kept) {
          this.opts.logger.warn(`Held back a drop of the ${key}-today counter of ${master.sn} (${value} Wh < ${kept} Wh)`);
        } else if (verdict === 'held') {
          this.opts.logger.warn(`Ignored the ${key}-today counter of ${master.sn} from ${energy.dataTime?.slice(0, 10) ?? 'an unknown day'}: an earlier day than the one already counted`);
        }
      }
      master.chargedToday = this.counters.get(`${master.sn}:charged`);
      master.dischargedToday = this.counters.get(`${master.sn}:discharged`);
      if (master.soc === undefined) master.soc = energy.soc;
    } catch (e) {
      if (e instanceof CloudError && e.isAuthProblem) throw e;
      this.opts.logger.warn(`Could not read the energy of station ${station.sid}`, e);
    }
    for (const b of station.batteries) {
      const r = this.readings.get(b.sn)!;
      try {
        const env = await this.cloud.inverter(b.id, station.sid);
        const details = parseInverter(env.data);
        r.temperature = details.temperature ?? r.temperature;
        r.firmware = details.firmware ?? r.firmware;
        // The master's SoC comes from the live data; a second battery has only its own BMS reading.
        if (!r.master && details.soc !== undefined) r.soc = details.soc;
        r.raw.inverter = env.raw;
      } catch (e) {
        if (e instanceof CloudError && e.isAuthProblem) throw e;
        this.opts.logger.warn(`Could not read the temperature of battery ${b.sn}`, e);
      }
    }
  }

  private onFailure(e: unknown): number {
    const err = e instanceof CloudError ? e : new CloudError('api', `Unexpected error: ${(e as Error)?.message ?? e}`);
    this.failures++;
    const code = problemCode(err);
    const now = this.now();
    let delay = Math.min(this.opts.intervalMs * 2 ** Math.min(this.failures, 10), this.opts.maxBackoffMs ?? 300_000);
    delay = Math.max(delay, Math.min(this.opts.intervalMs, 5_000));
    const block = this.cloud.loginBlock;
    let retryAt: number | undefined;
    if (block) {
      retryAt = block.detail?.retryAt?.getTime();
      // Nothing to do until the block lifts; check again now and then in case credentials change.
      delay = Math.max(1_000, Math.min(retryAt !== undefined ? retryAt - now : 60_000, 60_000));
    } else {
      retryAt = now + delay;
    }
    if (err.kind === 'no-battery') this.stations = undefined;
    if (err.kind === 'token-expired') this.streams.forEach((s) => s.reset());
    const changed = this.problem?.code !== code || this.problem?.message !== err.message;
    // Missing credentials are the normal state before the first setup, not an error; a problem that was
    // logged where it arose (a pause of logins) is not repeated.
    if (changed && !err.detail?.logged) this.opts.logger[code === 'no-credentials' ? 'info' : 'error'](err.message);
    else this.opts.logger.debug(`Still failing: ${err.message}`);
    this.problem = { code, message: err.message, since: changed ? now : this.problem!.since, retryAt: retryAt && retryAt < 8.64e15 ? retryAt : undefined };
    return delay;
  }
}

function problemCode(e: CloudError): ProblemCode {
  switch (e.kind) {
    case 'wrong-password':
    case 'unknown-account':
      return 'wrong-password';
    case 'daily-limit':
      return 'daily-limit';
    case 'app-rejected':
    case 'locked':
      return 'login-rejected';
    case 'no-credentials':
      return 'no-credentials';
    case 'login-paused':
      return 'login-paused';
    case 'network':
    case 'timeout':
      return 'cloud-unreachable';
    case 'no-battery':
      return 'no-battery';
    default:
      return 'cloud-error';
  }
}
