/**
 * Composition: settings and stores in, a running bridge out. Data flows one way:
 * cloud client → poller (core) → sinks (MQTT publisher here; tray and notifier attach to `poller` too).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { argon2InChildProcess } from '../cloud/argon2-process.js';
import { CloudClient, type CloudClientOptions, type SessionStore } from '../cloud/client.js';
import { JobRunner } from '../cloud/jobs.js';
import type { SecretStore } from '../config/secrets.js';
import type { Settings } from '../config/settings.js';
import { EnergyCounters, readCounters, type CounterSnapshot } from '../core/energy-counters.js';
import { BatteryControls } from '../controls/battery-controls.js';
import { Poller } from '../core/poller.js';
import type { Logger } from '../log/logger.js';
import { clip } from '../log/mask.js';
import { MqttConnection } from '../mqtt/connection.js';
import { MqttPublisher, type KeyValueStore } from '../mqtt/publisher.js';
import { topics } from '../mqtt/topics.js';

declare const __APP_VERSION__: string | undefined;
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
  };
}

export interface Bridge {
  cloud: CloudClient;
  poller: Poller;
  connection?: MqttConnection;
  publisher?: MqttPublisher;
  /** Grid charging, input power, reserve SoC and refresh (with MQTT only): for the tray too. */
  controls?: BatteryControls;
  start(): void;
  stop(): Promise<void>;
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
  const cloud = new CloudClient({
    baseUrl: s.apiUrl || undefined,
    credentials: () => (s.hoymilesEmail && s.hoymilesPassword ? { email: s.hoymilesEmail, password: s.hoymilesPassword } : undefined),
    session: sessionStore(d.secrets, state),
    logger: log.child('cloud'),
    wrongPasswordRetryMs: d.wrongPasswordRetryMs,
    loginGuard: d.tuning?.loginGuard,
    // The built app hashes the login in a child of itself, so the login's memory is given back (argon2-process.ts).
    argon2: typeof __APP_VERSION__ === 'string' ? argon2InChildProcess(__filename) : undefined,
  });
  const counters = new EnergyCounters(counterPersistence(state));
  if (counters.loadProblem) log.child('core').warn(counters.loadProblem);
  const poller = new Poller(cloud, {
    intervalMs: s.intervalSec * 1000,
    stationIntervalMs: s.stationIntervalSec * 1000,
    stationIds: s.stationIds,
    counters,
    logger: log.child('core'),
    staleAfterMs: d.tuning?.staleAfterMs,
    maxBackoffMs: d.tuning?.maxBackoffMs,
  });

  let connection: MqttConnection | undefined;
  let publisher: MqttPublisher | undefined;
  let controls: BatteryControls | undefined;
  if (d.mqtt !== false) {
    const ct = d.tuning?.controls;
    const ctl = new BatteryControls({
      jobs: new JobRunner(cloud, { logger: log.child('controls'), pollIntervalMs: ct?.pollIntervalMs, maxPolls: ct?.maxPolls }),
      refresh: () => poller.refreshNow(),
      base: s.baseTopic,
      logger: log.child('controls'),
      rateLimitMs: ct?.rateLimitMs,
      readIntervalMs: ct?.readIntervalMs,
      retryReadMs: ct?.retryReadMs,
    });
    controls = ctl;
    connection = new MqttConnection({
      url: s.mqttUrl,
      username: s.mqttUser,
      password: s.mqttPassword,
      caFile: s.mqttCaFile || undefined,
      insecure: s.mqttInsecure,
      clientId: s.mqttClientId || stableClientId(d.configDir),
      will: { topic: topics.bridgeState(s.baseTopic), payload: 'offline' },
      logger: log.child('mqtt'),
      reconnectMs: d.tuning?.reconnectMs,
    });
    publisher = new MqttPublisher({
      connection,
      base: s.baseTopic,
      prefix: s.discoveryPrefix,
      discovery: s.discoveryEnabled,
      nativeCompat: s.nativeCompat,
      appVersion: APP_VERSION,
      logger: log.child('mqtt'),
      store: state,
      enabled: s.publishEnabled,
      birthDelayMs: d.tuning?.birthDelayMs,
      extraComponents: (sn) => ctl.components(sn),
      extraComponentsKey: (sn) => ctl.componentsKey(sn),
      extraState: (sn) => ctl.state(sn),
      onCommand: (sn, key, payload, packet) => ctl.onCommand(sn, key, payload, packet),
    });
    const pub = publisher;
    poller.on('snapshot', (snap) => {
      ctl.onSnapshot(snap);
      pub.onSnapshot(snap);
    });
    // Confirmed values go out at once; a failed write re-sends everything so Home Assistant snaps back.
    ctl.on('change', (_sn, force) => (force ? pub.republish() : pub.onSnapshot(poller.snapshot())));
  }

  return {
    cloud,
    poller,
    connection,
    publisher,
    controls,
    start: () => poller.start(),
    async stop() {
      // `offline` first: a cycle or a settings job still waiting on the cloud must not delay it.
      await publisher?.shutdown();
      await controls?.stop();
      await poller.stop();
      await cloud.close();
    },
  };
}
