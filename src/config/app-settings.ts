/**
 * The app's settings: ONE table, one entry per setting (its kind and default, the environment variables that set
 * it, its check, its field on the settings page, whether it is a secret). Everything else is derived from it:
 * the `Settings` type, `DEFAULTS`, `validateSettings`, the environment (src/config/env.ts), the stored file's
 * schema (src/config/store.ts), the page's fields and the reading of its form (src/settings-page/). So the
 * variables (headless), the stored config (tray) and the page all say the same thing about a value.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { LANGUAGE_SETTINGS, languageOf } from '../i18n/choose.js';
import { t, type MessageKey } from '../i18n/index.js';
import type { SectionId } from './page-sections.js';
import { choice, IDS, NUMBER, SECRET, SWITCH, TEXT, type ValueKind } from './setting-kinds.js';

/** How the page shows a setting. Texts are message keys (src/i18n/en.ts): the page speaks the current language. */
export interface PageField {
  section: SectionId;
  input: 'text' | 'email' | 'password' | 'url' | 'number' | 'switch' | 'ids' | 'choice';
  label: MessageKey;
  /** What the setting does, in a line: shown under the field, or (helpAs 'tooltip') when the pointer rests on it. */
  help: MessageKey;
  /** Only on hover: the fields that never had a line under them keep their look. */
  helpAs?: 'tooltip';
  placeholder?: MessageKey;
  unit?: string;
  /** input 'choice': the label of each value. */
  options?: readonly { value: string; label: MessageKey }[];
}

/** Set only on the settings page (and stored): no environment variable sets it. */
export const PAGE_ONLY = 'page only';
/** Set only by an environment variable: the page does not show it. */
export const ENV_ONLY = 'environment only';

export interface SettingSpec<T> {
  kind: ValueKind<T>;
  /** (NoInfer: the value type comes from the kind alone, so a default of 'cloud' stays a Source.) */
  default: NoInfer<T>;
  /**
   * The environment variables that set it, the original Python script's names where it had one. The first is the
   * setting's own; the others are read together in its place (MQTT_BROKER + MQTT_PORT, see env.ts).
   */
  env: readonly [string, ...string[]] | typeof PAGE_ONLY;
  /** What the variable takes, in English, for the start-up message about a value that is not of the kind. */
  envHelp?: string;
  /** Why a value is refused, in the current language; undefined = fine. Rules between settings: CROSS_CHECKS. */
  check?: (v: NoInfer<T>) => string | undefined;
  page: PageField | typeof ENV_ONLY;
  /** A password: kept in the SecretStore, never in config.json, never sent to the page, logs or errors. */
  secret?: true;
}

/** An entry of the table; its value type comes from its kind alone (a default of 'cloud' stays a Source). */
const setting = <T>(spec: SettingSpec<T>): SettingSpec<T> => spec;

export const SOURCES = ['cloud', 'native', 'both'] as const;
export type Source = (typeof SOURCES)[number];

const TOPIC_RE = /^[^#+\s\u0000]+$/;
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'tls:'];
const when = (bad: boolean, key: MessageKey): string | undefined => (bad ? t(key) : undefined);

/** The table. Its order is the page's order within each section, and the order errors are reported in. */
export const APP_SETTINGS = {
  hoymilesEmail: setting({
    kind: TEXT,
    default: '',
    env: ['HOYMILES_USER'],
    envHelp: 'the S-Miles Home e-mail',
    check: (v) => when(!!v && !/^[^\s@]+@[^\s@]+$/.test(v), 'err.hoymilesEmail'),
    page: { section: 'account', input: 'email', label: 'page.f.hoymilesEmail.label', help: 'page.f.hoymilesEmail.hint', helpAs: 'tooltip', placeholder: 'page.f.hoymilesEmail.placeholder' },
  }),
  hoymilesPassword: setting({
    kind: SECRET,
    default: '',
    env: ['HOYMILES_PASSWORD'],
    envHelp: 'the S-Miles Home password',
    secret: true,
    page: { section: 'account', input: 'password', label: 'page.f.hoymilesPassword.label', help: 'page.f.hoymilesPassword.hint', helpAs: 'tooltip' },
  }),
  /** One base URL instead of the Hoymiles hosts (tests, proxies). */
  apiUrl: setting({
    kind: TEXT,
    default: '',
    env: ['HOYMILES_API_URL'],
    envHelp: 'an http(s) base URL that replaces all Hoymiles hosts',
    check: (v) => when(!!v && !isUrl(v, ['http:', 'https:']), 'err.apiUrl'),
    page: ENV_ONLY,
  }),
  /** A bare host or host:port as people type it is taken as mqtt://host:1883 (see normalizeBrokerUrl). */
  mqttUrl: setting({
    kind: { ...TEXT, fromText: (text) => normalizeBrokerUrl(text), fromJson: (v) => normalizeBrokerUrl(TEXT.fromJson(v) ?? '') },
    default: 'mqtt://localhost:1883',
    env: ['MQTT_URL', 'MQTT_BROKER', 'MQTT_PORT'],
    envHelp: 'mqtt://, mqtts://, ws:// or wss:// URL',
    check: (v) => when(!isUrl(v, BROKER_SCHEMES), 'err.mqttUrl'),
    page: { section: 'mqtt', input: 'url', label: 'page.f.mqttUrl.label', help: 'page.f.mqttUrl.hint', helpAs: 'tooltip', placeholder: 'page.f.mqttUrl.placeholder' },
  }),
  mqttUser: setting({
    kind: TEXT,
    default: '',
    env: ['MQTT_USER'],
    envHelp: 'broker user name',
    page: { section: 'mqtt', input: 'text', label: 'page.f.mqttUser.label', help: 'page.f.mqttUser.hint' },
  }),
  mqttPassword: setting({
    kind: SECRET,
    default: '',
    env: ['MQTT_PASSWORD'],
    envHelp: 'broker password',
    secret: true,
    page: { section: 'mqtt', input: 'password', label: 'page.f.mqttPassword.label', help: 'page.f.mqttPassword.hint', helpAs: 'tooltip' },
  }),
  baseTopic: setting({
    kind: TEXT,
    default: 'hoymiles-ms-a2', // the original script's MQTT_TOPIC default
    env: ['MQTT_TOPIC'],
    envHelp: 'base topic (default hoymiles-ms-a2)',
    check: (v) => when(!v || !TOPIC_RE.test(v) || v.startsWith('/') || v.endsWith('/'), 'err.baseTopic'),
    page: { section: 'topics', input: 'text', label: 'page.f.baseTopic.label', help: 'page.f.baseTopic.hint', helpAs: 'tooltip', placeholder: 'page.f.baseTopic.placeholder' },
  }),
  discoveryPrefix: setting({
    kind: TEXT,
    default: 'homeassistant',
    env: ['MQTT_DISCOVERY_PREFIX'],
    envHelp: 'Home Assistant discovery prefix (default homeassistant)',
    check: (v) => when(!v || !TOPIC_RE.test(v) || v.endsWith('/'), 'err.discoveryPrefix'),
    page: { section: 'topics', input: 'text', label: 'page.f.discoveryPrefix.label', placeholder: 'page.f.discoveryPrefix.placeholder', help: 'page.f.discoveryPrefix.hint' },
  }),
  /** Also publish the MS-A2 firmware's own JSON shapes (homeassistant/sensor/MSA-<sn>/...). */
  nativeCompat: setting({
    kind: SWITCH,
    default: false,
    env: ['MQTT_NATIVE_COMPAT'],
    envHelp: "true/false: also publish the MS-A2 firmware's JSON topics",
    page: { section: 'topics', input: 'switch', label: 'page.f.nativeCompat.label', help: 'page.f.nativeCompat.hint' },
  }),
  /** Where readings come from: the Hoymiles cloud, the battery's own MQTT feed on the broker, or both. */
  source: setting({
    kind: choice(SOURCES),
    default: 'cloud',
    env: ['HOYMILES_SOURCE'],
    envHelp: 'cloud, native or both',
    check: (v) => when(!(SOURCES as readonly string[]).includes(v), 'err.source'),
    page: { section: 'source', input: 'text', label: 'page.f.source.label', placeholder: 'page.f.source.placeholder', help: 'page.f.source.hint' },
  }),
  /** Serials or firmware device ids (MSA-<sn>) to follow on the feed, comma-separated; empty = every one found. */
  nativeDevices: setting({
    kind: TEXT,
    default: '',
    env: ['NATIVE_DEVICES'],
    envHelp: 'comma-separated serials or device ids on the feed (default: all)',
    check: (v) => when(nativeDeviceList({ nativeDevices: v }).some((d) => !ID_RE.test(d)), 'err.nativeDevices'),
    page: { section: 'source', input: 'text', label: 'page.f.nativeDevices.label', placeholder: 'page.f.nativeDevices.placeholder', help: 'page.f.nativeDevices.hint' },
  }),
  /** Live values from the feed go out at most this often (a change of status at once). */
  nativePublishSec: setting({
    kind: NUMBER,
    default: 5,
    env: ['NATIVE_PUBLISH_SECONDS'],
    envHelp: 'seconds between re-publishes of live feed values, 1–3600',
    check: (v) => when(!(v >= 1 && v <= 3600), 'err.nativePublishSec'),
    page: { section: 'source', input: 'number', unit: 's', label: 'page.f.nativePublishSec.label', help: 'page.f.nativePublishSec.hint' },
  }),
  intervalSec: setting({
    kind: NUMBER,
    default: 15,
    env: ['REQUEST_INTERVAL_SECONDS'],
    envHelp: 'seconds between live reads, 3–3600 (lower only with HOYMILES_API_URL)',
    check: (v) => when(!(v > 0 && v <= 3600), 'err.intervalSec'),
    page: { section: 'polling', input: 'number', unit: 's', label: 'page.f.intervalSec.label', help: 'page.f.intervalSec.hint' },
  }),
  stationIntervalSec: setting({
    kind: NUMBER,
    default: 300,
    env: ['STATION_DATA_INTERVAL'],
    envHelp: 'seconds between energy/temperature reads, 1–86400',
    check: (v) => when(!(v >= 1 && v <= 86400), 'err.stationIntervalSec'),
    page: { section: 'polling', input: 'number', unit: 's', label: 'page.f.stationIntervalSec.label', help: 'page.f.stationIntervalSec.hint' },
  }),
  lowSocThreshold: setting({
    kind: NUMBER,
    default: 15,
    env: ['LOW_SOC_THRESHOLD'],
    envHelp: 'low state-of-charge warning, 0–100 %',
    check: (v) => when(!(Number.isInteger(v) && v >= 0 && v <= 100), 'err.lowSocThreshold'),
    page: { section: 'notify', input: 'number', unit: '%', label: 'page.f.lowSocThreshold.label', help: 'page.f.lowSocThreshold.hint', helpAs: 'tooltip' },
  }),
  notifyLowSoc: setting({
    kind: SWITCH,
    default: true,
    env: PAGE_ONLY,
    page: { section: 'notify', input: 'switch', label: 'page.f.notifyLowSoc.label', help: 'page.f.notifyLowSoc.hint', helpAs: 'tooltip' },
  }),
  notifyLogin: setting({
    kind: SWITCH,
    default: true,
    env: PAGE_ONLY,
    page: { section: 'notify', input: 'switch', label: 'page.f.notifyLogin.label', help: 'page.f.notifyLogin.hint', helpAs: 'tooltip' },
  }),
  /** Notify once when the state of charge reaches 100 % (again only after it dropped 10 points). Opt-in. */
  notifyFull: setting({
    kind: SWITCH,
    default: false,
    env: PAGE_ONLY,
    page: { section: 'notify', input: 'switch', label: 'page.f.notifyFull.label', help: 'page.f.notifyFull.hint' },
  }),
  /** Serial of the battery the tray icon shows; empty = the first (the station master). */
  trayBattery: setting({
    kind: TEXT,
    default: '',
    env: PAGE_ONLY,
    check: (v) => when(!!v && !/^[A-Za-z0-9_-]{1,40}$/.test(v), 'err.trayBattery'),
    page: { section: 'tray', input: 'text', label: 'page.f.trayBattery.label', placeholder: 'page.f.trayBattery.placeholder', help: 'page.f.trayBattery.hint' },
  }),
  publishEnabled: setting({
    kind: SWITCH,
    default: true,
    env: PAGE_ONLY,
    page: { section: 'publish', input: 'switch', label: 'page.f.publishEnabled.label', help: 'page.f.publishEnabled.hint' },
  }),
  /** The language of the tray, notifications, the settings page and --help: auto follows the OS. */
  language: setting({
    // Any case; a locale tag works too (de_DE.UTF-8, de-AT).
    kind: choice(LANGUAGE_SETTINGS, (v) => (v.toLowerCase() === 'auto' ? 'auto' : (languageOf(v) ?? v))),
    default: 'auto',
    env: ['HOYMILES_TRAY_LANG'],
    envHelp: 'en, de or auto (default: the language of the system)',
    check: (v) => when(!(LANGUAGE_SETTINGS as readonly string[]).includes(v), 'err.language'),
    page: {
      section: 'language',
      input: 'choice',
      label: 'page.f.language.label',
      help: 'page.f.language.hint',
      options: [
        { value: 'auto', label: 'page.lang.auto' },
        { value: 'en', label: 'page.lang.en' },
        { value: 'de', label: 'page.lang.de' },
      ],
    },
  }),
  /** Station ids to follow; empty = all. */
  stationIds: setting({
    kind: IDS,
    default: [],
    env: ['HOYMILES_STATIONS'],
    envHelp: 'comma-separated station ids (default: all)',
    check: (v) => when(v.some((id) => !Number.isInteger(id) || id <= 0), 'err.stationIds'),
    page: { section: 'more', input: 'ids', label: 'page.f.stationIds.label', placeholder: 'page.f.stationIds.placeholder', help: 'page.f.stationIds.hint' },
  }),
  mqttClientId: setting({
    kind: TEXT,
    default: '',
    env: ['MQTT_CLIENT_ID'],
    envHelp: 'MQTT client id (default: stable per machine)',
    check: (v) => when(!!v && !/^[A-Za-z0-9_.-]{1,64}$/.test(v), 'err.mqttClientId'),
    page: { section: 'more', input: 'text', label: 'page.f.mqttClientId.label', help: 'page.f.mqttClientId.hint', helpAs: 'tooltip', placeholder: 'page.f.mqttClientId.placeholder' },
  }),
  mqttCaFile: setting({
    kind: TEXT,
    default: '',
    env: ['MQTT_CA_FILE'],
    envHelp: 'path of a CA certificate (PEM) for mqtts/wss',
    check: (v) => when(!!v && !isReadableFile(v), 'err.mqttCaFile'),
    page: { section: 'more', input: 'text', label: 'page.f.mqttCaFile.label', placeholder: 'page.f.mqttCaFile.placeholder', help: 'page.f.mqttCaFile.hint' },
  }),
  mqttInsecure: setting({
    kind: SWITCH,
    default: false,
    env: ['MQTT_INSECURE'],
    envHelp: 'true to accept any TLS certificate',
    page: { section: 'more', input: 'switch', label: 'page.f.mqttInsecure.label', help: 'page.f.mqttInsecure.hint' },
  }),
  discoveryEnabled: setting({
    kind: SWITCH,
    default: true,
    env: ['MQTT_DISCOVERY'],
    envHelp: 'true/false: publish Home Assistant discovery',
    page: { section: 'more', input: 'switch', label: 'page.f.discoveryEnabled.label', help: 'page.f.discoveryEnabled.hint', helpAs: 'tooltip' },
  }),
  debug: setting({
    kind: SWITCH,
    default: false,
    env: ['DEBUG'],
    envHelp: 'true/false',
    page: { section: 'more', input: 'switch', label: 'page.f.debug.label', help: 'page.f.debug.hint', helpAs: 'tooltip' },
  }),
};

type Table = typeof APP_SETTINGS;
export type Settings = { -readonly [K in keyof Table]: Table[K] extends SettingSpec<infer T> ? T : never };
export type SettingName = keyof Settings;

/** The table's entries in its order, each with its key. */
export const SETTING_LIST = (Object.keys(APP_SETTINGS) as SettingName[]).map((key) => ({ key, ...(APP_SETTINGS[key] as SettingSpec<unknown>) }));

export const DEFAULTS: Settings = Object.fromEntries(SETTING_LIST.map((s) => [s.key, s.default])) as Settings;

export const SECRET_FIELDS = SETTING_LIST.filter((s) => s.secret).map((s) => s.key) as ('hoymilesPassword' | 'mqttPassword')[];
export type SecretField = (typeof SECRET_FIELDS)[number];

/** The environment variables that set a setting (empty for a page-only setting). */
export const envNames = (key: SettingName): readonly string[] => {
  const env = APP_SETTINGS[key].env;
  return env === PAGE_ONLY ? [] : env;
};

/** The source needs the Hoymiles account (names, controls, fallback). */
export const usesCloud = (s: Pick<Settings, 'source'>): boolean => s.source !== 'native';
/** The source reads the firmware's feed on the broker. */
export const usesNative = (s: Pick<Settings, 'source'>): boolean => s.source !== 'cloud';

/** NATIVE_DEVICES as a list: trimmed, empty entries dropped. */
export function nativeDeviceList(s: { nativeDevices: string }): string[] {
  return s.nativeDevices.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);
}

export type FieldErrors = Partial<Record<SettingName, string>>;

/**
 * Rules between settings, checked for a field only when its own check passed; the error is the field's, `with`
 * names the other settings the rule reads (so a message can name every variable involved).
 */
const CROSS_CHECKS: { field: SettingName; with: SettingName[]; check: (s: Settings) => string | undefined }[] = [
  // The real cloud suggests about 3 s between live reads; faster only against a test server (HOYMILES_API_URL).
  { field: 'intervalSec', with: ['apiUrl'], check: (s) => when(!s.apiUrl && s.intervalSec < 3, 'err.intervalSecMin') },
  { field: 'discoveryPrefix', with: ['baseTopic'], check: (s) => when(s.discoveryPrefix === s.baseTopic, 'err.discoveryPrefixSame') },
  // Our copy of the firmware's topics would feed back into the native source as if the battery sent it.
  { field: 'nativeCompat', with: ['source'], check: (s) => (usesNative(s) && s.nativeCompat && SOURCES.includes(s.source) ? t('err.nativeCompat', { source: s.source }) : undefined) },
];

/** The other settings a field's rules read (empty for a field checked on its own). */
export function relatedSettings(field: SettingName): SettingName[] {
  return CROSS_CHECKS.filter((c) => c.field === field).flatMap((c) => c.with);
}

/** Checks a complete settings object; returns one message per bad field (empty = valid). */
export function validateSettings(s: Settings): FieldErrors {
  const e: FieldErrors = {};
  for (const spec of SETTING_LIST) {
    const message = spec.check?.(s[spec.key]);
    if (message) e[spec.key] = message;
  }
  for (const rule of CROSS_CHECKS) {
    const message = e[rule.field] ? undefined : rule.check(s);
    if (message) e[rule.field] = message;
  }
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
