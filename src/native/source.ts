/**
 * The battery's own MQTT feed as a reading source (reference ms-a2-native-mqtt.md §3, §7): subscribes on the
 * configured broker, finds batteries from the firmware's retained configs and its state topics, parses
 * quick/device/system state strictly, keeps the last good value per battery, and emits snapshots like the cloud
 * poller does, so every sink behaves the same. Live values go out at most every `publishMs`; a change of status
 * or freshness at once. Malformed messages are counted and logged once per minute; they never change a reading.
 */
import { EventEmitter } from 'node:events';
import type { IPublishPacket } from 'mqtt';
import { STANDBY_DEADBAND_W } from '../core/readings.js';
import { EnergyCounters } from '../core/energy-counters.js';
import type { BatteryReading, BridgeSnapshot, Problem } from '../core/snapshot.js';
import { emitSnapshot, type ReadingSource } from '../core/source.js';
import type { Logger } from '../log/logger.js';
import type { EmsMode } from '../controls/battery-settings.js';
import { parseDevice, parsePowerRange, parseQuick, parseSystem, type Parsed } from './parse.js';
import { classifyTopic, nativeTopics, serialOf, wanted, type FeedKind } from './topics.js';

/** What the source needs of an MQTT connection (MqttConnection fits). */
export interface FeedConnection {
  readonly connected: boolean;
  subscribe(filter: string | string[], qos?: 0 | 1): void;
  on(event: 'connect', listener: () => void): unknown;
  on(event: 'message', listener: (topic: string, payload: Buffer, packet: IPublishPacket) => void): unknown;
  off(event: 'connect', listener: () => void): unknown;
  off(event: 'message', listener: (topic: string, payload: Buffer, packet: IPublishPacket) => void): unknown;
}

export interface NativeSourceOptions {
  connection: FeedConnection;
  /** NATIVE_DEVICES: serials or device ids; empty = every battery found. */
  devices?: readonly string[];
  /** Live values at most this often (NATIVE_PUBLISH_SECONDS × 1000). */
  publishMs: number;
  counters?: EnergyCounters;
  logger: Logger;
  now?: () => number;
  /** quick/state older than this is not fresh (default 2 min, as Home Assistant integrations use). */
  liveStaleMs?: number;
  /** device/state and system/state older than this are not fresh (default 11 min: two 5-minute rounds missed). */
  slowStaleMs?: number;
  /** How often freshness is re-checked and the malformed count logged (default 5 s). */
  tickMs?: number;
  /** Malformed messages are logged at most this often (default 1 min). */
  malformedLogMs?: number;
  /** After this long without any battery, the snapshot says so (default 30 s). */
  noBatteryAfterMs?: number;
}

/** A system holds at most 6 units; anything beyond this many device ids is not followed (bounded memory). */
export const MAX_UNITS = 16;

export interface NativeUnit {
  dev: string;
  sn: string;
  /** Sends system values / offers control: the master or a standalone unit. */
  master: boolean;
  /** The setpoint range from the retained power_ctrl config, when it came. */
  powerRange?: { min: number; max: number };
  reading: BatteryReading;
  quickAt?: number;
  deviceAt?: number;
  systemAt?: number;
}

export declare interface NativeSource {
  on(event: 'snapshot', listener: (s: BridgeSnapshot) => void): this;
  /** A quick/state of `sn` was taken (every second on a real battery): for the controls' confirmation. */
  on(event: 'quick', listener: (unit: NativeUnit) => void): this;
  /** A system/state of `sn` reported its EMS mode. */
  on(event: 'ems-mode', listener: (unit: NativeUnit, mode: EmsMode) => void): this;
  /** Someone (maybe us) published on the firmware's command topics. */
  on(event: 'command-seen', listener: (dev: string, what: 'mode-command' | 'setpoint-command', payload: string) => void): this;
}

export class NativeSource extends EventEmitter implements ReadingSource {
  readonly counters: EnergyCounters;
  /** Malformed messages since start (all of them, logged or not). */
  malformedTotal = 0;
  /** Messages taken from the feed since start. */
  acceptedTotal = 0;
  private readonly units = new Map<string, NativeUnit>();
  private readonly ignoredDevs = new Set<string>();
  private readonly now: () => number;
  private readonly log: Logger;
  private started = false;
  private startedAt = 0;
  private lastEmitAt = 0;
  private lastEmitKey = '';
  private emitTimer?: NodeJS.Timeout;
  private tickTimer?: NodeJS.Timeout;
  private malformed = { count: 0, example: '', loggedAt: 0 };
  private tooMany = false;
  private readonly onConnect = () => this.opts.connection.subscribe(nativeTopics.filters, 1);
  private readonly onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => this.take(topic, payload, packet);

  constructor(private readonly opts: NativeSourceOptions) {
    super();
    this.counters = opts.counters ?? new EnergyCounters();
    this.now = opts.now ?? Date.now;
    this.log = opts.logger;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.startedAt = this.now();
    this.opts.connection.on('connect', this.onConnect);
    this.opts.connection.on('message', this.onMessage);
    if (this.opts.connection.connected) this.onConnect();
    this.tickTimer = setInterval(() => this.tick(), this.opts.tickMs ?? 5_000);
    this.tickTimer.unref?.();
    this.log.info(`Reading the battery's own MQTT feed (${nativeTopics.filters[0]} …)${this.opts.devices?.length ? ` for ${this.opts.devices.join(', ')}` : ''}`);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.emitTimer);
    clearInterval(this.tickTimer);
    this.opts.connection.off('connect', this.onConnect);
    this.opts.connection.off('message', this.onMessage);
  }

  async refreshNow(): Promise<BridgeSnapshot> {
    this.emitNow();
    return this.snapshot();
  }

  /** The unit of a serial (sanitized or not), for the controls. */
  unit(sn: string): NativeUnit | undefined {
    for (const u of this.units.values()) if (u.sn === sn || u.dev === sn) return u;
    return undefined;
  }

  /** Device ids seen on the broker (followed or not): "Found MSA-… on your broker". */
  get found(): string[] {
    return [...new Set([...this.units.keys(), ...this.ignoredDevs])];
  }

  snapshot(): BridgeSnapshot {
    const now = this.now();
    const batteries = [...this.units.values()].filter((u) => u.quickAt !== undefined || u.deviceAt !== undefined).map((u) => ({ ...u.reading, fresh: this.isFresh(u, now) }));
    const problem = !batteries.length && now - this.startedAt >= (this.opts.noBatteryAfterMs ?? 30_000) ? this.noBatteryProblem() : undefined;
    const last = Math.max(0, ...batteries.map((b) => b.updatedAt ?? 0));
    return { batteries, problem, lastSuccess: last || undefined, cycles: this.acceptedTotal };
  }

  /** What to say while no battery sends its feed to the broker. */
  noBatteryProblem(): Problem {
    return {
      code: 'no-battery',
      message:
        "No MS-A2 battery sends its own MQTT feed to this broker. In S-Miles Home switch on MQTT Service (firmware V01.05 or newer) with this broker's address" +
        (this.opts.devices?.length ? `, or check the battery list (${this.opts.devices.join(', ')})` : '') +
        '.',
      since: this.startedAt,
    };
  }

  // ---- freshness ------------------------------------------------------------------------------------------

  private isFresh(u: NativeUnit, now: number): boolean {
    const live = this.opts.liveStaleMs ?? 120_000;
    const slow = this.opts.slowStaleMs ?? 660_000;
    if (u.quickAt === undefined || now - u.quickAt > live) return false;
    // The slow topics may come up to 5 minutes after a start: until then their age counts from the start.
    if (now - (u.deviceAt ?? this.startedAt) > slow) return false;
    if (u.master && now - (u.systemAt ?? this.startedAt) > slow) return false;
    return true;
  }

  /** What a change of must go out at once: the units, their status and freshness. */
  private statusKey(now: number): string {
    return [...this.units.values()].map((u) => `${u.sn}:${u.reading.status}:${this.isFresh(u, now)}:${u.master}`).join('|');
  }

  // ---- messages -------------------------------------------------------------------------------------------

  private take(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (!this.started) return;
    const t = classifyTopic(topic);
    if (!t) return;
    if (t.what === 'mode-command' || t.what === 'setpoint-command') {
      // Commands are not readings; a retained one is what the broker replays, not a writer at work.
      if (!packet.retain && payload.length <= 64) this.emit('command-seen', t.dev, t.what, payload.toString());
      return;
    }
    if (!wanted(t.dev, this.opts.devices ?? [])) {
      if (!this.ignoredDevs.has(t.dev) && this.ignoredDevs.size < MAX_UNITS) {
        this.ignoredDevs.add(t.dev);
        this.log.info(`Found ${t.dev} on the broker; not following it (not in the battery list)`);
      }
      return;
    }
    if (t.what === 'announce') {
      // A retained config cleared (empty payload) announces nothing.
      if (payload.length > 0) this.unitFor(t.dev);
      return;
    }
    if (t.what === 'power-config') {
      if (payload.length === 0) return;
      const u = this.unitFor(t.dev);
      if (!u) return;
      u.master = true; // only the master (or a standalone unit) announces the setpoint
      u.reading.master = true;
      u.powerRange = parsePowerRange(payload) ?? u.powerRange;
      return;
    }
    this.takeState(t.dev, t.kind, topic, payload);
  }

  private takeState(dev: string, kind: FeedKind, topic: string, payload: Buffer): void {
    const parsed: Parsed<unknown> = kind === 'quick' ? parseQuick(payload) : kind === 'device' ? parseDevice(payload) : parseSystem(payload);
    if (!parsed.ok) return this.countMalformed(topic, parsed.reason);
    const u = this.unitFor(dev);
    if (!u) return;
    const now = this.now();
    const r = u.reading;
    const firstData = u.quickAt === undefined && u.deviceAt === undefined;
    this.acceptedTotal++;
    if (kind === 'quick') {
      const q = (parsed as Extract<ReturnType<typeof parseQuick>, { ok: true }>).value;
      if (q.master && !u.master) u.master = r.master = true;
      const bp = q.batteryPower;
      Object.assign(r, {
        soc: q.soc,
        batteryPower: bp,
        status: q.status ?? (bp === undefined ? undefined : Math.abs(bp) < STANDBY_DEADBAND_W ? 'standby' : bp > 0 ? 'discharge' : 'charge'),
        // System values come from the master only: a slave's stay missing rather than count twice.
        pvPower: u.master ? q.pvPower : undefined,
        gridPower: u.master ? q.gridPower : undefined,
        loadPower: u.master ? q.loadPower : undefined,
        powerToBattery: bp === undefined ? undefined : bp < 0 ? -bp : 0,
        powerFromBattery: bp === undefined ? undefined : bp > 0 ? bp : 0,
        live: true,
        updatedAt: now,
      });
      u.quickAt = now;
      this.emit('quick', u);
    } else if (kind === 'device') {
      const d = (parsed as Extract<ReturnType<typeof parseDevice>, { ok: true }>).value;
      r.temperature = d.temperature;
      r.batteryVoltage = d.voltage;
      r.batteryCurrent = d.current;
      r.signal = d.rssi;
      if (r.soc === undefined) r.soc = d.soc;
      u.deviceAt = now;
    } else {
      const s = (parsed as Extract<ReturnType<typeof parseSystem>, { ok: true }>).value;
      u.master = r.master = true;
      for (const [key, value] of [
        ['charged', s.chargedToday],
        ['discharged', s.dischargedToday],
      ] as const) {
        const verdict = this.counters.offer(`${u.sn}:${key}`, value, localDateTime(now));
        if (verdict === 'held') this.log.warn(`Held back a drop of the ${key}-today counter of ${u.sn} (${value} Wh < ${this.counters.get(`${u.sn}:${key}`)} Wh)`);
      }
      if (s.chargedToday !== undefined) r.chargedToday = this.counters.get(`${u.sn}:charged`);
      if (s.dischargedToday !== undefined) r.dischargedToday = this.counters.get(`${u.sn}:discharged`);
      r.emsMode = s.emsMode ?? r.emsMode;
      u.systemAt = now;
      if (s.emsMode) this.emit('ems-mode', u, s.emsMode);
    }
    if (firstData) this.log.info(`Found ${dev} on the broker: reading its feed`);
    // Every value waits for the throttle, unless a status changed (then at once).
    this.schedule(firstData);
  }

  private unitFor(dev: string): NativeUnit | undefined {
    let u = this.units.get(dev);
    if (u) return u;
    if (this.units.size >= MAX_UNITS) {
      if (!this.tooMany) this.log.warn(`More than ${MAX_UNITS} battery ids on the broker: not following ${dev} and any further ones`);
      this.tooMany = true;
      return undefined;
    }
    const sn = serialOf(dev);
    u = {
      dev,
      sn,
      master: false,
      reading: { sn, deviceId: 0, stationId: 0, stationName: dev, master: false, live: false, fresh: false, raw: {}, source: 'native' },
    };
    this.units.set(dev, u);
    return u;
  }

  private countMalformed(topic: string, reason: string): void {
    this.malformedTotal++;
    this.malformed.count++;
    this.malformed.example = `${topic.slice(0, 120)}: ${reason}`;
    this.logMalformed();
  }

  private logMalformed(): void {
    const m = this.malformed;
    const now = this.now();
    if (m.count === 0 || now - m.loggedAt < (this.opts.malformedLogMs ?? 60_000)) return;
    this.log.warn(`Ignored ${m.count} malformed message(s) from the battery's MQTT feed${m.loggedAt ? ' in the last minute' : ''} (last one: ${m.example})`);
    m.count = 0;
    m.loggedAt = now;
  }

  // ---- emitting -------------------------------------------------------------------------------------------

  private schedule(urgent: boolean): void {
    const now = this.now();
    const publishMs = this.opts.publishMs;
    if (urgent || this.statusKey(now) !== this.lastEmitKey || now - this.lastEmitAt >= publishMs) return this.emitNow();
    this.emitTimer ??= setTimeout(() => this.emitNow(), this.lastEmitAt + publishMs - now);
  }

  private emitNow(): void {
    clearTimeout(this.emitTimer);
    this.emitTimer = undefined;
    if (!this.started) return;
    const now = this.now();
    this.lastEmitAt = now;
    this.lastEmitKey = this.statusKey(now);
    emitSnapshot(this, this.snapshot(), (e) => this.log.error('A consumer of the readings failed', e));
  }

  private tick(): void {
    this.logMalformed();
    const now = this.now();
    const noneYet = this.units.size === 0 && now - this.startedAt >= (this.opts.noBatteryAfterMs ?? 30_000);
    // Going stale is a change of status: it goes out at once, and so does the "no battery" problem.
    if (this.statusKey(now) !== this.lastEmitKey || (noneYet && this.lastEmitAt < this.startedAt + (this.opts.noBatteryAfterMs ?? 30_000))) this.emitNow();
  }
}

/** Local "YYYY-MM-DD HH:mm:ss": the feed's daily counters follow the battery's (= the owner's) day. */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
