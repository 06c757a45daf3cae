/**
 * The MQTT sink: turns core snapshots into topics. Owns everything Home Assistant sees: the bridge's
 * availability, discovery (re-sent after Home Assistant's birth message), per-battery availability and state,
 * the original script's flat topics, and the opt-in firmware-compatible topics.
 */
import type { IPublishPacket } from 'mqtt';
import type { Sink } from '../core/sink.js';
import type { BatteryReading, BridgeSnapshot } from '../core/snapshot.js';
import type { Logger } from '../log/logger.js';
import { deviceState, quickState, systemState } from './compat.js';
import type { MqttConnection } from './connection.js';
import { discoveryInputs, discoveryPayload, statePayload, type DiscoveryContext } from './discovery.js';
import { topics } from './topics.js';

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}

export interface PublisherOptions {
  connection: MqttConnection;
  base: string;
  prefix: string;
  discovery: boolean;
  nativeCompat: boolean;
  appVersion: string;
  logger: Logger;
  store?: KeyValueStore;
  /** Publishing switched on (the tray's checkbox); off = batteries unavailable, no states. */
  enabled?: boolean;
  /** Delay before re-publishing after Home Assistant's birth message (default: random 1–5 s). */
  birthDelayMs?: () => number;
  /** Re-send an unchanged state at least this often. */
  heartbeatMs?: number;
  /** Controls add their entities and state keys here. */
  extraComponents?: DiscoveryContext['extraComponents'];
  /**
   * A short string that changes whenever extraComponents(sn) would: with it, discovery is built and compared only
   * when something it depends on changed, not on every cycle.
   */
  extraComponentsKey?: (sn: string) => string;
  /** The language of the entity names (see DiscoveryContext.language). */
  entityLanguage?: DiscoveryContext['language'];
  extraState?: (sn: string) => Record<string, unknown> | undefined;
  onCommand?: (sn: string, key: string, payload: string, packet: IPublishPacket) => void;
  now?: () => number;
}

/** What was last announced, so a change of base topic or prefix can clear the old retained configs. */
interface Announced {
  base: string;
  prefix: string;
  sns: string[];
}
const ANNOUNCED_KEY = 'mqtt.announced';
/** The original script's topics, in the order they go out. */
const LEGACY_NUMBERS = ['soc', 'power-battery', 'power-to-battery', 'power-from-battery'] as const;
const LEGACY_RAW = ['flow', 'station', 'inverter'] as const;
const NATIVE_SLOW_MS = 5 * 60_000;
const RETAINED = { retain: true } as const;

export class MqttPublisher implements Sink {
  readonly name = 'MQTT publisher';
  private snapshot?: BridgeSnapshot;
  private enabled: boolean;
  /** Retained topics (state, the original script's topics) as last sent, and when: see sendRetained. */
  private readonly sent = new Map<string, { payload: string; at: number }>();
  /** Each battery's state and availability topics, worked out once (not on every cycle). */
  private readonly batteryTopics = new Map<string, { state: string; availability: string }>();
  /** The original script's topics under this publisher's base, worked out once. */
  private readonly legacyTopics: Record<(typeof LEGACY_NUMBERS)[number] | (typeof LEGACY_RAW)[number], string>;
  private readonly lastAvailability = new Map<string, string>();
  private readonly lastDiscovery = new Map<string, string>();
  /** What the last discovery of each battery was built from (with extraComponentsKey only). */
  private readonly lastDiscoveryInputs = new Map<string, string>();
  private nativeSlowAt = 0;
  private birthTimer?: NodeJS.Timeout;
  private readonly now: () => number;
  private readonly heartbeatMs: number;

  constructor(private readonly o: PublisherOptions) {
    this.enabled = o.enabled ?? true;
    this.now = o.now ?? Date.now;
    this.heartbeatMs = o.heartbeatMs ?? 60_000;
    const legacy = [...LEGACY_NUMBERS, ...LEGACY_RAW].map((name) => [name, topics.legacy(o.base, name)]);
    this.legacyTopics = Object.fromEntries(legacy) as MqttPublisher['legacyTopics'];
    const c = o.connection;
    c.on('connect', () => this.onConnect());
    c.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  setEnabled(on: boolean): void {
    if (on === this.enabled) return;
    this.enabled = on;
    this.o.logger.info(on ? 'Publishing to MQTT switched on' : 'Publishing to MQTT switched off: batteries marked unavailable');
    this.sent.clear();
    if (this.snapshot) this.publishSnapshot(this.snapshot);
  }

  /** Sink entry point: called with every snapshot the core produces. */
  onSnapshot(s: BridgeSnapshot): void {
    this.snapshot = s;
    if (this.o.connection.connected) this.publishSnapshot(s);
    // While disconnected only the latest snapshot is kept; it goes out on reconnect.
  }

  /** Re-send everything (HA birth, reconnect). */
  republish(): void {
    this.sent.clear();
    this.lastAvailability.clear();
    this.lastDiscovery.clear();
    this.lastDiscoveryInputs.clear();
    this.nativeSlowAt = 0;
    if (this.snapshot) this.publishSnapshot(this.snapshot);
  }

  /** Nothing to start: the connection connects by itself, and each 'connect' announces the bridge (onConnect). */
  start(): void {}

  /** Publishes `offline` and closes the connection. */
  async stop(): Promise<void> {
    clearTimeout(this.birthTimer);
    // A clean disconnect does not fire the will: say offline ourselves.
    await this.o.connection.close([{ topic: topics.bridgeState(this.o.base), payload: 'offline' }]);
  }

  // ---- connection events ----------------------------------------------------------------------------------

  private onConnect(): void {
    const c = this.o.connection;
    c.publish(topics.bridgeState(this.o.base), 'online', { retain: true, qos: 1 });
    c.subscribe(topics.haStatus(this.o.prefix));
    if (this.o.onCommand) c.subscribe(topics.commandFilter(this.o.base));
    this.clearStaleAnnouncements();
    this.republish();
  }

  private onMessage(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (topic === topics.haStatus(this.o.prefix)) {
      if (payload.toString() !== 'online') return;
      if (this.birthTimer) return; // debounce repeated births
      const delay = this.o.birthDelayMs?.() ?? 1_000 + Math.random() * 4_000;
      this.o.logger.info(`Home Assistant came online; re-publishing discovery and states in ${(delay / 1000).toFixed(1)} s`);
      this.birthTimer = setTimeout(() => {
        this.birthTimer = undefined;
        this.republish();
      }, delay);
      return;
    }
    const prefix = `${this.o.base}/`;
    if (this.o.onCommand && topic.startsWith(prefix) && topic.endsWith('/set')) {
      const parts = topic.slice(prefix.length).split('/');
      if (parts.length === 3) this.o.onCommand(parts[0]!, parts[1]!, payload.toString(), packet);
    }
  }

  /** Base topic or prefix changed since the last run, or a battery is gone: clear the old retained topics. */
  private clearStaleAnnouncements(): void {
    const store = this.o.store;
    const before = store?.get<Announced>(ANNOUNCED_KEY);
    if (!before) return;
    if (!this.o.discovery) {
      // Discovery switched off: take our devices out of Home Assistant instead of leaving ghosts behind.
      for (const sn of before.sns) this.o.connection.publish(topics.discovery(before.prefix, sn), '', { retain: true, qos: 1 });
      if (before.sns.length) this.o.logger.info(`Discovery is off: removed ${before.sns.length} Home Assistant config(s)`);
      store!.set(ANNOUNCED_KEY, { base: this.o.base, prefix: this.o.prefix, sns: [] });
      return;
    }
    const current = new Set(this.snapshot?.batteries.map((b) => b.sn) ?? []);
    const moved = before.base !== this.o.base || before.prefix !== this.o.prefix;
    const gone = moved ? before.sns : current.size ? before.sns.filter((sn) => !current.has(sn)) : [];
    if (!gone.length) return;
    for (const sn of gone) {
      this.o.connection.publish(topics.discovery(before.prefix, sn), '', { retain: true, qos: 1 });
      this.o.connection.publish(topics.state(before.base, sn), '', { retain: true, qos: 1 });
      this.o.connection.publish(topics.availability(before.base, sn), '', { retain: true, qos: 1 });
    }
    if (before.base !== this.o.base) this.o.connection.publish(topics.bridgeState(before.base), '', { retain: true, qos: 1 });
    this.o.logger.info(`Removed ${gone.length} old Home Assistant config(s) under ${before.prefix}/ and ${before.base}/`);
    store!.set(ANNOUNCED_KEY, { base: this.o.base, prefix: this.o.prefix, sns: moved ? [] : before.sns.filter((sn) => current.has(sn)) });
  }

  /** The serials last remembered: asked every cycle, the store (a file) is touched only when they change. */
  private rememberedSns: readonly string[] = [];
  private remember(batteries: readonly BatteryReading[]): void {
    const store = this.o.store;
    const last = this.rememberedSns;
    if (!store || (last.length === batteries.length && batteries.every((b, i) => b.sn === last[i]))) return;
    const sns = batteries.map((b) => b.sn);
    this.rememberedSns = sns;
    const before = store.get<Announced>(ANNOUNCED_KEY);
    const known = before && before.base === this.o.base && before.prefix === this.o.prefix ? before.sns : [];
    const all = [...new Set([...known, ...sns])].sort();
    if (!before || before.base !== this.o.base || before.prefix !== this.o.prefix || all.join() !== known.join()) {
      store.set(ANNOUNCED_KEY, { base: this.o.base, prefix: this.o.prefix, sns: all });
    }
  }

  // ---- publishing -----------------------------------------------------------------------------------------

  private publishSnapshot(s: BridgeSnapshot): void {
    const now = this.now();
    if (this.o.discovery) {
      for (const b of s.batteries) this.publishDiscovery(b);
      if (s.batteries.length) this.remember(s.batteries);
    }
    for (const b of s.batteries) {
      const t = this.topicsOf(b.sn);
      const available = this.enabled && b.fresh ? 'online' : 'offline';
      if (this.lastAvailability.get(b.sn) !== available) {
        this.o.connection.publish(t.availability, available, { retain: true, qos: 1 });
        this.lastAvailability.set(b.sn, available);
      }
      if (!this.enabled || b.updatedAt === undefined) continue;
      this.sendRetained(t.state, JSON.stringify(statePayload(b, this.o.extraState?.(b.sn))), now);
    }
    if (!this.enabled) return;
    // The original script's topics have no availability of their own: only fresh values go there.
    const first = s.batteries.find((b) => b.master && b.fresh);
    if (first) this.publishLegacy(first, now);
    if (this.o.nativeCompat) this.publishNative(s.batteries, now);
  }

  private topicsOf(sn: string): { state: string; availability: string } {
    let t = this.batteryTopics.get(sn);
    if (!t) {
      t = { state: topics.state(this.o.base, sn), availability: topics.availability(this.o.base, sn) };
      this.batteryTopics.set(sn, t);
    }
    return t;
  }

  private publishDiscovery(b: BatteryReading): void {
    const key = this.o.extraComponentsKey;
    const inputs = key ? `${discoveryInputs(b)}|${key(b.sn)}` : undefined;
    if (inputs !== undefined && this.lastDiscoveryInputs.get(b.sn) === inputs) return;
    const payload = JSON.stringify(discoveryPayload(b, { base: this.o.base, appVersion: this.o.appVersion, extraComponents: this.o.extraComponents, language: this.o.entityLanguage }));
    if (this.lastDiscovery.get(b.sn) !== payload) {
      if (!this.o.connection.publish(topics.discovery(this.o.prefix, b.sn), payload, { retain: true, qos: 1 })) return;
      this.lastDiscovery.set(b.sn, payload);
    }
    if (inputs !== undefined) this.lastDiscoveryInputs.set(b.sn, inputs);
  }

  /** The original script's topics: `power-battery` is + into the battery, − out of it, as the script did. */
  private publishLegacy(b: BatteryReading, now: number): void {
    const t = this.legacyTopics;
    // Every cycle: no closures, topics worked out once (the cycle's cost at a 1 s interval is mostly such small things).
    if (b.soc !== undefined) this.sendRetained(t.soc, String(b.soc), now);
    if (b.batteryPower !== undefined) this.sendRetained(t['power-battery'], String(b.batteryPower === 0 ? 0 : -b.batteryPower), now);
    if (b.powerToBattery !== undefined) this.sendRetained(t['power-to-battery'], String(b.powerToBattery), now);
    if (b.powerFromBattery !== undefined) this.sendRetained(t['power-from-battery'], String(b.powerFromBattery), now);
    // The raw answers only when they changed (no heartbeat: they are large, and a repeat says nothing new).
    const raw = b.raw;
    if (raw.flow !== undefined) this.sendRetained(t.flow, raw.flow, now, Infinity);
    if (raw.station !== undefined) this.sendRetained(t.station, raw.station, now, Infinity);
    if (raw.inverter !== undefined) this.sendRetained(t.inverter, raw.inverter, now, Infinity);
  }

  /**
   * A retained topic: sent when its payload changed, and an unchanged one again once per heartbeat (a repeat
   * changes nothing for a subscriber, but keeps Home Assistant's expire_after happy); remembered once sent.
   * After a reconnect, Home Assistant's birth or publishing switched on, everything goes out again.
   */
  private sendRetained(topic: string, payload: string, now: number, heartbeatMs = this.heartbeatMs): void {
    const last = this.sent.get(topic);
    if (last && last.payload === payload && now - last.at < heartbeatMs) return;
    if (!this.o.connection.publish(topic, payload, RETAINED)) return;
    if (last) {
      last.payload = payload;
      last.at = now;
    } else this.sent.set(topic, { payload, at: now });
  }

  /** The keys last sent on each battery's slow native topics. */
  private readonly nativeKeys = new Map<string, string>();

  private publishNative(batteries: BatteryReading[], now: number): void {
    const c = this.o.connection;
    const slow = now >= this.nativeSlowAt;
    for (const b of batteries) {
      if (b.updatedAt === undefined || !b.fresh) continue;
      c.publish(topics.native(this.o.prefix, b.sn, 'quick'), JSON.stringify(quickState(b)), { qos: 0 });
      // The slow topics every few minutes, and as soon as the station reads (which end after the live ones)
      // add a value they did not have yet, so temperature and energy do not wait for the next round.
      const device = deviceState(b);
      const system = b.master ? systemState(b) : undefined;
      const keys = `${Object.keys(device).join()}|${system ? Object.keys(system).join() : ''}`;
      if (!slow && this.nativeKeys.get(b.sn) === keys) continue;
      this.nativeKeys.set(b.sn, keys);
      c.publish(topics.native(this.o.prefix, b.sn, 'device'), JSON.stringify(device), { qos: 1 });
      if (system) c.publish(topics.native(this.o.prefix, b.sn, 'system'), JSON.stringify(system), { qos: 1 });
    }
    if (slow) this.nativeSlowAt = now + NATIVE_SLOW_MS;
  }
}
