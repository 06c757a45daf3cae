/**
 * The app's settings: one type, one set of defaults, one validator shared by the environment variables
 * (headless), the stored config (tray) and the settings page, so all three say the same thing about a value.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { LANGUAGE_SETTINGS, type LanguageSetting } from '../i18n/choose.js';
import { t } from '../i18n/index.js';

export interface Settings {
  hoymilesEmail: string;
  hoymilesPassword: string;
  /** HOYMILES_API_URL: one base URL instead of the Hoymiles hosts (tests, proxies). */
  apiUrl: string;
  /** Station ids to follow; empty = all. */
  stationIds: number[];
  mqttUrl: string;
  mqttUser: string;
  mqttPassword: string;
  mqttCaFile: string;
  mqttInsecure: boolean;
  mqttClientId: string;
  baseTopic: string;
  discoveryPrefix: string;
  discoveryEnabled: boolean;
  intervalSec: number;
  stationIntervalSec: number;
  lowSocThreshold: number;
  notifyLowSoc: boolean;
  notifyLogin: boolean;
  /** Notify once when the state of charge reaches 100 % (again only after it dropped 10 points). Opt-in. */
  notifyFull: boolean;
  /** Serial of the battery the tray icon shows; empty = the first (the station master). */
  trayBattery: string;
  /** Also publish the MS-A2 firmware's own JSON shapes (homeassistant/sensor/MSA-<sn>/...). */
  nativeCompat: boolean;
  publishEnabled: boolean;
  debug: boolean;
  /** Where readings come from: the Hoymiles cloud, the battery's own MQTT feed on the broker, or both. */
  source: Source;
  /** Serials or firmware device ids (MSA-<sn>) to follow on the feed, comma-separated; empty = every one found. */
  nativeDevices: string;
  /** Live values from the feed go out at most this often (a change of status at once). */
  nativePublishSec: number;
  /** The language of the tray, notifications, the settings page and --help: auto follows the OS. */
  language: LanguageSetting;
}

export const SOURCES = ['cloud', 'native', 'both'] as const;
export type Source = (typeof SOURCES)[number];

/** The source needs the Hoymiles account (names, controls, fallback). */
export const usesCloud = (s: Pick<Settings, 'source'>): boolean => s.source !== 'native';
/** The source reads the firmware's feed on the broker. */
export const usesNative = (s: Pick<Settings, 'source'>): boolean => s.source !== 'cloud';

/** NATIVE_DEVICES as a list: trimmed, empty entries dropped. */
export function nativeDeviceList(s: Pick<Settings, 'nativeDevices'>): string[] {
  return s.nativeDevices.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);
}

export const SECRET_FIELDS = ['hoymilesPassword', 'mqttPassword'] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

export const DEFAULTS: Settings = {
  hoymilesEmail: '',
  hoymilesPassword: '',
  apiUrl: '',
  stationIds: [],
  mqttUrl: 'mqtt://localhost:1883',
  mqttUser: '',
  mqttPassword: '',
  mqttCaFile: '',
  mqttInsecure: false,
  mqttClientId: '',
  baseTopic: 'hoymiles-ms-a2', // the original script's MQTT_TOPIC default
  discoveryPrefix: 'homeassistant',
  discoveryEnabled: true,
  intervalSec: 15,
  stationIntervalSec: 300,
  lowSocThreshold: 15,
  notifyLowSoc: true,
  notifyLogin: true,
  notifyFull: false,
  trayBattery: '',
  nativeCompat: false,
  publishEnabled: true,
  debug: false,
  source: 'cloud',
  nativeDevices: '',
  nativePublishSec: 5,
  language: 'auto',
};

export type FieldErrors = Partial<Record<keyof Settings, string>>;

const TOPIC_RE = /^[^#+\s\u0000]+$/;

/** Checks a complete settings object; returns one message per bad field (empty = valid). */
export function validateSettings(s: Settings): FieldErrors {
  const e: FieldErrors = {};
  if (s.hoymilesEmail && !/^[^\s@]+@[^\s@]+$/.test(s.hoymilesEmail)) e.hoymilesEmail = t('err.hoymilesEmail');
  if (s.apiUrl && !isUrl(s.apiUrl, ['http:', 'https:'])) e.apiUrl = t('err.apiUrl');
  if (!isUrl(s.mqttUrl, ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'tls:'])) {
    e.mqttUrl = t('err.mqttUrl');
  }
  if (!s.baseTopic || !TOPIC_RE.test(s.baseTopic) || s.baseTopic.startsWith('/') || s.baseTopic.endsWith('/')) {
    e.baseTopic = t('err.baseTopic');
  }
  if (!s.discoveryPrefix || !TOPIC_RE.test(s.discoveryPrefix) || s.discoveryPrefix.endsWith('/')) {
    e.discoveryPrefix = t('err.discoveryPrefix');
  } else if (s.discoveryPrefix === s.baseTopic) {
    e.discoveryPrefix = t('err.discoveryPrefixSame');
  }
  if (s.mqttCaFile && !isReadableFile(s.mqttCaFile)) e.mqttCaFile = t('err.mqttCaFile');
  // The real cloud suggests about 3 s between live reads; faster only against a test server (HOYMILES_API_URL).
  if (!s.apiUrl && s.intervalSec < 3) e.intervalSec = t('err.intervalSecMin');
  if (s.mqttClientId && !/^[A-Za-z0-9_.-]{1,64}$/.test(s.mqttClientId)) e.mqttClientId = t('err.mqttClientId');
  if (!(s.intervalSec > 0 && s.intervalSec <= 3600)) e.intervalSec = t('err.intervalSec');
  if (!(s.stationIntervalSec >= 1 && s.stationIntervalSec <= 86400)) e.stationIntervalSec = t('err.stationIntervalSec');
  if (!(Number.isInteger(s.lowSocThreshold) && s.lowSocThreshold >= 0 && s.lowSocThreshold <= 100)) {
    e.lowSocThreshold = t('err.lowSocThreshold');
  }
  if (s.trayBattery && !/^[A-Za-z0-9_-]{1,40}$/.test(s.trayBattery)) e.trayBattery = t('err.trayBattery');
  if (s.stationIds.some((id) => !Number.isInteger(id) || id <= 0)) e.stationIds = t('err.stationIds');
  if (!(SOURCES as readonly string[]).includes(s.source)) e.source = t('err.source');
  else if (usesNative(s) && s.nativeCompat) {
    // Our copy of the firmware's topics would feed back into the native source as if the battery sent it.
    e.nativeCompat = t('err.nativeCompat', { source: s.source });
  }
  if (nativeDeviceList(s).some((d) => !/^[A-Za-z0-9_-]{1,64}$/.test(d))) e.nativeDevices = t('err.nativeDevices');
  if (!(s.nativePublishSec >= 1 && s.nativePublishSec <= 3600)) e.nativePublishSec = t('err.nativePublishSec');
  if (!(LANGUAGE_SETTINGS as readonly string[]).includes(s.language)) e.language = t('err.language');
  return e;
}

/**
 * A broker address as people type it: a bare host (`192.168.1.10`, `homeassistant.local`) or `host:port`
 * becomes `mqtt://host:1883` / `mqtt://host:port`; anything with a scheme is left as it is. Pure.
 */
export function normalizeBrokerUrl(value: string): string {
  const v = value.trim();
  if (!v || /^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return v;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(?::(\d{1,5}))?$/i.exec(v);
  if (!m) return v;
  const port = m[3] === undefined ? 1883 : Number(m[3]);
  return port >= 1 && port <= 65535 ? `mqtt://${m[1]!.toLowerCase()}:${port}` : v;
}

function isReadableFile(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isUrl(v: string, protocols: string[]): boolean {
  try {
    const u = new URL(v);
    return protocols.includes(u.protocol) && u.hostname !== '';
  } catch {
    return false;
  }
}
