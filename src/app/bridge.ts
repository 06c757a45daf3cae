/**
 * Composition: settings and stores in, a bridge out. Data flows one way: sources (cloud poller, the battery's own
 * feed, or both combined) → sinks. The bridge brings its own sinks (the controls' snapshot feed, the MQTT
 * publisher, the feed's controls); the app adds its own (tray, notifications, history, summary line) to the same
 * list (pipeline.ts).
 */
import { isLanguage, language, type Language } from '../i18n/index.js';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { argon2InChildProcess } from '../cloud/argon2-process.js';
import { CloudClient, type CloudClientOptions, type SessionStore } from '../cloud/client.js';
import { JobRunner } from '../cloud/jobs.js';
import type { SecretStore } from '../config/secrets.js';
import { nativeDeviceList, usesCloud, usesNative, type Settings } from '../config/app-settings.js';
import { EnergyCounters, readCounters, type CounterSnapshot } from '../core/energy-counters.js';
import { BatteryControls } from '../controls/battery-controls.js';
import { Poller } from '../core/poller.js';
import type { Logger } from '../log/logger.js';
import { clip } from '../log/mask.js';
import { MqttConnection } from '../mqtt/connection.js';
import { MqttPublisher, type KeyValueStore } from '../mqtt/publisher.js';
import { topics } from '../mqtt/topics.js';
import { CombinedSource } from '../core/combined.js';
import type { Sink } from '../core/sink.js';
import type { ReadingSource } from '../core/source.js';
import { NativeControls, isNativeControlKey, type NativeControlsOptions } from '../native/controls.js';
import { NativeSource, type NativeSourceOptions } from '../native/source.js';
import { Pipeline } from './pipeline.js';

declare const __APP_VERSION__: string | undefined;
/** The state-store key holding the language of the Home Assistant entity names. */
export const ENTITY_LANGUAGE_KEY = 'discovery.language';

export const APP_VERSION = typeof __APP_VERSION__ === 'string' ? __APP_VERSION__ : '0.0.0-dev';

export interface StateStore extends KeyValueStore {
  delete(key: string): void;
}

export interface BridgeDeps {
  settings: Settings;
  secrets: SecretStore;
  state: StateStore;
  logger: Logger;
  /** Where config lives: part of the stable client id, so two installs on one PC do not kick each other. */
  configDir: string;
  /** null: after a wrong password wait for new credentials (tray); a number: retry after that long (headless). */
  wrongPasswordRetryMs: number | null;
  /** false for `--once`: no broker at all. */
  mqtt?: boolean;
  /** Timings that tests and the benchmark shorten. */
  tuning?: {
    staleAfterMs?: number;
    birthDelayMs?: () => number;
    reconnectMs?: number;
    maxBackoffMs?: number;
    /** Limits on logging in again (login-guard.ts). */
    loginGuard?: CloudClientOptions['loginGuard'];
    /** Battery controls: job polling, rate limit and how often the settings are re-read. */
    controls?: { pollIntervalMs?: number; maxPolls?: number; rateLimitMs?: number; readIntervalMs?: number; retryReadMs?: number };
    /** The battery's feed: staleness windows, ticks. */
    native?: Partial<Pick<NativeSourceOptions, 'liveStaleMs' | 'slowStaleMs' | 'tickMs' | 'malformedLogMs' | 'noBatteryAfterMs'>>;
    nativeControls?: Partial<Pick<NativeControlsOptions, 'keepAliveMs' | 'echoGuardMs' | 'rateLimitMs'>>;
  };
}

export interface Bridge {
  /** Where the sinks get their snapshots: the cloud poller, the battery's feed, or both combined. */
  source: ReadingSource;
  /** The Hoymiles cloud (sources cloud and both). */
  cloud?: CloudClient;
  poller?: Poller;
  /** The battery's own MQTT feed (sources native and both). */
  native?: NativeSource;
  connection?: MqttConnection;
  publisher?: MqttPublisher;
  /** Grid charging, input power, reserve SoC and refresh through the cloud (with MQTT only): for the tray too. */
  controls?: BatteryControls;
  /** EMS mode and power setpoint through the feed (with MQTT only). */
  nativeControls?: NativeControls;
  /**
   * The bridge's own sinks, in list order: the cloud controls' snapshot feed, the MQTT publisher, the feed's
   * controls (stopped the last first: the battery handed back, then `offline`, then waiting on the cloud).
   */
  sinks: Sink[];
  /** After its sinks: stops the source and closes the cloud (and a broker connection without a publisher). */
  stopSource(): Promise<void>;
  /** "Refresh now" (tray): an immediate poll and, with the cloud controls, a fresh read of the battery settings. */
  refreshNow(): Promise<void>;
  /** On its own (tests, `--once`): its sinks in a list of their own, then the source. */
  start(): void;
  stop(): Promise<void>;
}

/** A sink that only needs to know the end, or only gets snapshots. */
function sink(name: string, parts: { stop?: () => Promise<void>; onSnapshot?: Sink['onSnapshot'] }): Sink {
  return { name, start: () => undefined, stop: parts.stop ?? (() => undefined), onSnapshot: parts.onSnapshot ?? (() => undefined) };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What each key of the state file must look like. A value read back that does not fit (a hand edit, an older
 * or broken version) is dropped, or repaired where part of it is still good, with a warning in plain words;
 * the app goes on as if it had never been stored.
 */
export const STATE_KEYS: Record<string, { what: string; then: string; valid: (v: unknown) => boolean; repair?: (v: unknown) => unknown }> = {
  'cloud.session': {
    what: 'login details',
    then: 'the app logs in again',
    valid: (v) => isObj(v) && typeof v.email === 'string' && (v.dc === undefined || typeof v.dc === 'number'),
  },
  'cloud.loginBlock': {
    what: 'login block',
    then: 'it was dropped',
    valid: (v) => isObj(v) && typeof v.until === 'number' && typeof v.kind === 'string' && typeof v.message === 'string' && typeof v.email === 'string',
  },
  'cloud.logins': {
    what: "count of today's logins",
    then: 'counting starts again',
    valid: (v) => isObj(v) && typeof v.day === 'string' && typeof v.count === 'number' && Number.isFinite(v.count) && v.count >= 0,
  },
  'energy.counters': {
    what: 'energy counters',
    then: "the unreadable ones were dropped and today's energy is taken from the Hoymiles cloud again",
    valid: (v) => readCounters(v).dropped === 0,
    repair: (v) => readCounters(v).values,
  },
  'mqtt.announced': {
    what: 'list of announced batteries',
    then: 'it was dropped',
    valid: (v) => isObj(v) && typeof v.base === 'string' && typeof v.prefix === 'string' && Array.isArray(v.sns) && v.sns.every((x) => typeof x === 'string'),
  },
};

/** The state store with every read checked against STATE_KEYS. */
export function checkedState(state: StateStore, logger: Logger): StateStore {
  return {
    get<T>(key: string): T | undefined {
      const v = state.get<unknown>(key);
      const rule = STATE_KEYS[key];
      if (v === undefined || !rule || rule.valid(v)) return v as T | undefined;
      logger.warn(`The stored ${rule.what} could not be read (${clip(JSON.stringify(v) ?? String(v), 40)}); ${rule.then}.`);
      const repaired = rule.repair?.(v);
      if (repaired === undefined) state.delete(key);
      else state.set(key, repaired);
      return repaired as T | undefined;
    },
    set: (key, value) => state.set(key, value),
    delete: (key) => state.delete(key),
  };
}

/** Token in the secret store; the login block (daily limit) and today's login count in the state store. */
export function sessionStore(secrets: SecretStore, state: StateStore): SessionStore {
  return {
    async loadToken() {
      const token = await secrets.get('cloudToken');
      const meta = state.get<{ email: string; dc?: number }>('cloud.session');
      return token && meta ? { token, email: meta.email, dc: meta.dc } : undefined;
    },
    async saveToken(token, email, dc) {
      await secrets.set('cloudToken', token);
      state.set('cloud.session', { email, dc });
    },
    async clearToken() {
      await secrets.delete('cloudToken');
    },
    loadLoginBlock: () => state.get('cloud.loginBlock'),
    saveLoginBlock: (b) => (b ? state.set('cloud.loginBlock', b) : state.delete('cloud.loginBlock')),
    loadLoginCount: () => state.get('cloud.logins'),
    saveLoginCount: (c) => state.set('cloud.logins', c),
  };
}

export function counterPersistence(state: StateStore) {
  return {
    load: () => state.get<CounterSnapshot>('energy.counters') ?? {},
    save: (s: CounterSnapshot) => state.set('energy.counters', s),
  };
}

export function stableClientId(configDir: string): string {
  return `hoymiles-tray-${createHash('sha256').update(`${hostname()}|${configDir}`).digest('hex').slice(0, 10)}`;
}

export function createBridge(d: BridgeDeps): Bridge {
  const s = d.settings;
  const log = d.logger;
  const state = checkedState(d.state, log.child('config'));
  const publishing = d.mqtt !== false;
  const counters = new EnergyCounters(counterPersistence(state));
  if (counters.loadProblem) log.child('core').warn(counters.loadProblem);
  const t = d.tuning;

  // The broker: for publishing, and for reading the battery's own feed (also with `--once`).
  let connection: MqttConnection | undefined;
  if (publishing || usesNative(s)) {
    const stable = s.mqttClientId || stableClientId(d.configDir);
    connection = new MqttConnection({
      url: s.mqttUrl,
      username: s.mqttUser,
      password: s.mqttPassword,
      caFile: s.mqttCaFile || undefined,
      insecure: s.mqttInsecure,
      // A reader that publishes nothing (`--once`, tray only) must not take over a bridge's session, nor leave a will.
      clientId: publishing ? stable : `${stable}-reader`.slice(0, 64),
      will: publishing ? { topic: topics.bridgeState(s.baseTopic), payload: 'offline' } : undefined,
      logger: log.child('mqtt'),
      reconnectMs: t?.reconnectMs,
      // The keep-alive check rides on the poll cycle's publishes (no wake-ups of its own between cycles).
      beatGapMs: usesCloud(s) ? s.intervalSec * 1000 : undefined,
    });
  }

  let cloud: CloudClient | undefined;
  let poller: Poller | undefined;
  let native: NativeSource | undefined;
  let combined: CombinedSource | undefined;
  if (usesNative(s)) {
    native = new NativeSource({
      connection: connection!,
      devices: nativeDeviceList(s),
      publishMs: s.nativePublishSec * 1000,
      counters,
      logger: log.child('feed'),
      ...t?.native,
    });
  }
  if (usesCloud(s)) {
    cloud = new CloudClient({
      baseUrl: s.apiUrl || undefined,
      credentials: () => (s.hoymilesEmail && s.hoymilesPassword ? { email: s.hoymilesEmail, password: s.hoymilesPassword } : undefined),
      session: sessionStore(d.secrets, state),
      logger: log.child('cloud'),
      wrongPasswordRetryMs: d.wrongPasswordRetryMs,
      loginGuard: t?.loginGuard,
      // The built app hashes the login in a child of itself, so the login's memory is given back (argon2-process.ts).
      argon2: typeof __APP_VERSION__ === 'string' ? argon2InChildProcess(__filename) : undefined,
    });
    poller = new Poller(cloud, {
      intervalMs: s.intervalSec * 1000,
      stationIntervalMs: s.stationIntervalSec * 1000,
      stationIds: s.stationIds,
      counters,
      logger: log.child('core'),
      staleAfterMs: t?.staleAfterMs,
      maxBackoffMs: t?.maxBackoffMs,
      // Source "both": no cloud live reads while the battery's own feed is fresh.
      liveWanted: native ? (sn) => !combined!.feedFresh(sn) : undefined,
    });
  }
  if (poller && native) combined = new CombinedSource(poller, native, log.child('core'));
  const source: ReadingSource = combined ?? poller ?? native!;

  let publisher: MqttPublisher | undefined;
  let controls: BatteryControls | undefined;
  let nativeControls: NativeControls | undefined;
  if (publishing) {
    const ct = t?.controls;
    const conn = connection!;
    if (cloud) {
      controls = new BatteryControls({
        jobs: new JobRunner(cloud, { logger: log.child('controls'), pollIntervalMs: ct?.pollIntervalMs, maxPolls: ct?.maxPolls }),
        refresh: () => source.refreshNow(),
        base: s.baseTopic,
        logger: log.child('controls'),
        rateLimitMs: ct?.rateLimitMs,
        readIntervalMs: ct?.readIntervalMs,
        retryReadMs: ct?.retryReadMs,
      });
    }
    if (native) {
      nativeControls = new NativeControls({
        feed: native,
        publish: (topic, payload) => conn.publish(topic, payload, { qos: 1, retain: false }),
        base: s.baseTopic,
        logger: log.child('controls'),
        rateLimitMs: ct?.rateLimitMs,
        ...t?.nativeControls,
      });
    }
    const ctl = controls;
    const nctl = nativeControls;
    // Entity names in the language of the first discovery, kept: an OS or setting change later must not rename
    // entities in Home Assistant (README: how to switch).
    let names = state.get<string>(ENTITY_LANGUAGE_KEY);
    if (!names || !isLanguage(names)) {
      names = language();
      if (s.discoveryEnabled) state.set(ENTITY_LANGUAGE_KEY, names);
    }
    publisher = new MqttPublisher({
      entityLanguage: names as Language,
      connection: conn,
      base: s.baseTopic,
      prefix: s.discoveryPrefix,
      discovery: s.discoveryEnabled,
      nativeCompat: s.nativeCompat,
      appVersion: APP_VERSION,
      logger: log.child('mqtt'),
      store: state,
      enabled: s.publishEnabled,
      birthDelayMs: t?.birthDelayMs,
      extraComponents: (sn) => ({ ...ctl?.components(sn), ...nctl?.components(sn) }),
      extraComponentsKey: (sn) => `${ctl?.componentsKey(sn) ?? ''}|${nctl?.componentsKey(sn) ?? ''}`,
      extraState: (sn) => {
        const a = ctl?.state(sn);
        const b = nctl?.state(sn);
        return a || b ? { ...a, ...b } : undefined;
      },
      onCommand: (sn, key, payload, packet) => {
        if (nctl && isNativeControlKey(key)) nctl.onCommand(sn, key, payload, packet);
        else if (ctl) ctl.onCommand(sn, key, payload, packet);
        else log.child('controls').warn(`Refused the command on ${topics.command(s.baseTopic, sn, key).slice(0, 200)}: there is no control "${key.slice(0, 40)}"`);
      },
    });
    const pub = publisher;
    // Confirmed values go out at once; a failed write re-sends everything so Home Assistant snaps back. The
    // source's snapshot of now, not the last one handed out: the feed throttles its snapshots, and a confirmed
    // setpoint must not wait for the next one.
    ctl?.on('change', (_sn, force) => (force ? pub.republish() : pub.onSnapshot(source.snapshot())));
    nctl?.on('change', () => pub.onSnapshot(source.snapshot()));
  }

  const sinks: Sink[] = [];
  if (controls) {
    const ctl = controls;
    sinks.push(
      sink('battery controls', {
        stop: () => ctl.stop(),
        // The cloud's controls belong to the batteries the cloud knows (a station id).
        onSnapshot: (snap) => ctl.onSnapshot({ ...snap, batteries: snap.batteries.filter((b) => b.stationId > 0) }),
      }),
    );
  }
  if (publisher) sinks.push(publisher);
  // Stopped first: the battery is handed back (EMS mode general) while the broker is still there.
  if (nativeControls) sinks.push(sink('feed controls', { stop: () => nativeControls!.stop() }));

  let alone: Pipeline | undefined;
  const bridge: Bridge = {
    source,
    cloud,
    poller,
    native,
    connection,
    publisher,
    controls,
    nativeControls,
    sinks,
    async stopSource() {
      // With a publisher the connection went with it (`offline` first).
      if (!publisher) await connection?.close();
      // The source stops polling at once; closing the cloud then ends a request still waiting for its answer
      // (up to its 15 s timeout), so a stop never waits for a hung cloud.
      const stopped = source.stop();
      await cloud?.close();
      await stopped;
    },
    async refreshNow() {
      await Promise.all([source.refreshNow(), controls?.readNow()]);
    },
    start() {
      alone ??= new Pipeline(bridge, log.child('app'));
      void alone.start();
    },
    async stop() {
      alone ??= new Pipeline(bridge, log.child('app'));
      await alone.stop();
    },
  };
  return bridge;
}
