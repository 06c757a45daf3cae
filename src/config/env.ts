/**
 * Environment variables: the original Python script's names keep working, so its users can switch over.
 * A value that is set but invalid stops start-up with a message naming the variable and what is allowed;
 * it is never quietly replaced by a default.
 */
import { maskUrl, urlPassword, urlWithoutPassword } from '../log/mask.js';
import { DEFAULTS, validateSettings, type Settings } from './app-settings.js';
import { languageOf } from '../i18n/choose.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

interface VarSpec {
  field: keyof Settings;
  kind: 'string' | 'number' | 'bool' | 'ids';
  help: string;
}

export const ENV_VARS: Record<string, VarSpec> = {
  HOYMILES_USER: { field: 'hoymilesEmail', kind: 'string', help: 'the S-Miles Home e-mail' },
  HOYMILES_PASSWORD: { field: 'hoymilesPassword', kind: 'string', help: 'the S-Miles Home password' },
  HOYMILES_API_URL: { field: 'apiUrl', kind: 'string', help: 'an http(s) base URL that replaces all Hoymiles hosts' },
  HOYMILES_STATIONS: { field: 'stationIds', kind: 'ids', help: 'comma-separated station ids (default: all)' },
  MQTT_URL: { field: 'mqttUrl', kind: 'string', help: 'mqtt://, mqtts://, ws:// or wss:// URL' },
  MQTT_USER: { field: 'mqttUser', kind: 'string', help: 'broker user name' },
  MQTT_PASSWORD: { field: 'mqttPassword', kind: 'string', help: 'broker password' },
  MQTT_CA_FILE: { field: 'mqttCaFile', kind: 'string', help: 'path of a CA certificate (PEM) for mqtts/wss' },
  MQTT_INSECURE: { field: 'mqttInsecure', kind: 'bool', help: 'true to accept any TLS certificate' },
  MQTT_CLIENT_ID: { field: 'mqttClientId', kind: 'string', help: 'MQTT client id (default: stable per machine)' },
  MQTT_TOPIC: { field: 'baseTopic', kind: 'string', help: 'base topic (default hoymiles-ms-a2)' },
  MQTT_DISCOVERY_PREFIX: { field: 'discoveryPrefix', kind: 'string', help: 'Home Assistant discovery prefix (default homeassistant)' },
  MQTT_DISCOVERY: { field: 'discoveryEnabled', kind: 'bool', help: 'true/false: publish Home Assistant discovery' },
  MQTT_NATIVE_COMPAT: { field: 'nativeCompat', kind: 'bool', help: "true/false: also publish the MS-A2 firmware's JSON topics" },
  REQUEST_INTERVAL_SECONDS: { field: 'intervalSec', kind: 'number', help: 'seconds between live reads, 3–3600 (lower only with HOYMILES_API_URL)' },
  STATION_DATA_INTERVAL: { field: 'stationIntervalSec', kind: 'number', help: 'seconds between energy/temperature reads, 1–86400' },
  LOW_SOC_THRESHOLD: { field: 'lowSocThreshold', kind: 'number', help: 'low state-of-charge warning, 0–100 %' },
  DEBUG: { field: 'debug', kind: 'bool', help: 'true/false' },
  HOYMILES_SOURCE: { field: 'source', kind: 'string', help: 'cloud, native or both' },
  NATIVE_DEVICES: { field: 'nativeDevices', kind: 'string', help: 'comma-separated serials or device ids on the feed (default: all)' },
  NATIVE_PUBLISH_SECONDS: { field: 'nativePublishSec', kind: 'number', help: 'seconds between re-publishes of live feed values, 1–3600' },
  HOYMILES_TRAY_LANG: { field: 'language', kind: 'string', help: 'en, de or auto (default: the language of the system)' },
};

function parseBool(v: string): boolean | undefined {
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  return undefined;
}

/** Settings from the environment, on top of `base` (stored settings or the defaults). */
export function settingsFromEnv(env: Env, base: Settings = DEFAULTS): { settings: Settings; fromEnv: Set<keyof Settings> } {
  const s: Settings = { ...base, stationIds: [...base.stationIds] };
  const fromEnv = new Set<keyof Settings>();
  const problems: string[] = [];
  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => {
    s[k] = v;
    fromEnv.add(k);
  };

  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined) continue;
    if (spec.kind === 'string') set(spec.field, stringValue(spec.field, raw) as never);
    else if (spec.kind === 'bool') {
      const b = parseBool(raw);
      if (b === undefined) problems.push(`${name}="${envValueForMessage(env, name)}" is not valid: use true or false.`);
      else set(spec.field, b as never);
    } else if (spec.kind === 'number') {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) problems.push(`${name}="${envValueForMessage(env, name)}" is not a number: expected ${spec.help}.`);
      else set(spec.field, n as never);
    } else {
      const ids = raw.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
      set(spec.field, ids as never);
    }
  }

  // The original script's MQTT_BROKER + MQTT_PORT, unless MQTT_URL says it all.
  if (env.MQTT_URL === undefined && (env.MQTT_BROKER !== undefined || env.MQTT_PORT !== undefined)) {
    const host = (env.MQTT_BROKER ?? 'localhost').trim();
    const portRaw = (env.MQTT_PORT ?? '1883').trim();
    const port = Number(portRaw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`MQTT_PORT="${envValueForMessage(env, 'MQTT_PORT')}" is not valid: use a port from 1 to 65535.`);
    else if (!host || /[\s/@]/.test(host)) problems.push(`MQTT_BROKER="${envValueForMessage(env, 'MQTT_BROKER')}" is not valid: use a host name or IP address.`);
    else set('mqttUrl', `mqtt://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`);
  }

  // A broker password inside MQTT_URL (mqtt://user:pw@host) is used as the broker password (MQTT.js would
  // prefer it to MQTT_PASSWORD too) and taken out of the URL, so the URL can be shown and logged as it is.
  const inUrl = fromEnv.has('mqttUrl') ? urlPassword(s.mqttUrl) : undefined;
  if (inUrl !== undefined) {
    set('mqttUrl', urlWithoutPassword(s.mqttUrl));
    set('mqttPassword', inUrl);
  }

  // Field checks, reported with the variable that set the field.
  const errors = validateSettings(s);
  for (const [field, message] of Object.entries(errors)) {
    if (field === 'nativeCompat' && (fromEnv.has('source') || fromEnv.has('nativeCompat'))) {
      problems.push(`HOYMILES_SOURCE=${s.source} and MQTT_NATIVE_COMPAT=true exclude each other: ${message}`);
      continue;
    }
    const name = Object.entries(ENV_VARS).find(([, v]) => v.field === field)?.[0] ?? (field === 'mqttUrl' ? 'MQTT_BROKER/MQTT_PORT' : field);
    if (fromEnv.has(field as keyof Settings)) problems.push(`${name}="${envValueForMessage(env, name)}" is not valid: ${message}`);
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return { settings: s, fromEnv };
}

/** Source and language are words in any case; a language may be a locale tag (de_DE.UTF-8, de-AT). */
function stringValue(field: keyof Settings, raw: string): string {
  const v = raw.trim();
  if (field === 'source') return v.toLowerCase();
  if (field === 'language') return v.toLowerCase() === 'auto' ? 'auto' : (languageOf(v) ?? v);
  return v;
}

/** A variable's value as an error message may quote it: passwords never, URLs masked, everything bounded. */
function envValueForMessage(env: Env, name: string): string {
  if (/PASSWORD/.test(name)) return '***';
  if (name === 'MQTT_BROKER/MQTT_PORT') return maskUrl(`${env.MQTT_BROKER ?? ''}:${env.MQTT_PORT ?? ''}`, 80);
  return maskUrl(env[name] ?? '', 80);
}
