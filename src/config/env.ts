/**
 * Environment variables: the original Python script's names keep working, so its users can switch over. Which
 * variable sets which setting, and how its text is read, comes from the settings table (app-settings.ts).
 * A value that is set but invalid stops start-up with a message naming the variable and what is allowed;
 * it is never quietly replaced by a default.
 */
import { maskUrl, urlPassword, urlWithoutPassword } from '../log/mask.js';
import { DEFAULTS, envNames, relatedSettings, SETTING_LIST, validateSettings, type SettingName, type Settings } from './app-settings.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Settings from the environment, on top of `base` (stored settings or the defaults). */
export function settingsFromEnv(env: Env, base: Settings = DEFAULTS): { settings: Settings; fromEnv: Set<SettingName> } {
  const s: Settings = { ...base, stationIds: [...base.stationIds] };
  const fromEnv = new Set<SettingName>();
  const problems: string[] = [];
  const set = <K extends SettingName>(k: K, v: Settings[K]) => {
    s[k] = v;
    fromEnv.add(k);
  };

  for (const spec of SETTING_LIST) {
    const name = envNames(spec.key)[0];
    const raw = name === undefined ? undefined : env[name];
    if (name === undefined || raw === undefined) continue;
    const value = spec.kind.fromText(raw);
    if (value === undefined) problems.push(`${name}="${envValueForMessage(env, name)}" ${spec.kind.notOfKind(spec.envHelp ?? 'another value')}.`);
    else set(spec.key, value as never);
  }

  // The original script's MQTT_BROKER + MQTT_PORT, unless MQTT_URL says it all.
  const broker = scriptBrokerUrl(env);
  if (broker?.problem) problems.push(broker.problem);
  else if (broker?.url) set('mqttUrl', broker.url);

  // A broker password inside MQTT_URL (mqtt://user:pw@host) is used as the broker password (MQTT.js would
  // prefer it to MQTT_PASSWORD too) and taken out of the URL, so the URL can be shown and logged as it is.
  const inUrl = fromEnv.has('mqttUrl') ? urlPassword(s.mqttUrl) : undefined;
  if (inUrl !== undefined) {
    set('mqttUrl', urlWithoutPassword(s.mqttUrl));
    set('mqttPassword', inUrl);
  }

  // Field checks, reported with the variable that set the field; a rule between settings with every variable it
  // reads, when any of them was set (a stored value stays the page's to report).
  const errors = validateSettings(s);
  const nameOf = (f: SettingName) => (f === 'mqttUrl' && env.MQTT_URL === undefined ? 'MQTT_BROKER/MQTT_PORT' : (envNames(f)[0] ?? f));
  for (const [field, message] of Object.entries(errors) as [SettingName, string][]) {
    const related = relatedSettings(field).filter((f) => fromEnv.has(f));
    if (related.length) {
      const parts = [...related, field].map((f) => `${nameOf(f)}=${fromEnv.has(f) ? envValueForMessage(env, nameOf(f)) : String(s[f])}`);
      problems.push(`${parts.join(' and ')} exclude each other: ${message}`);
    } else if (fromEnv.has(field)) problems.push(`${nameOf(field)}="${envValueForMessage(env, nameOf(field))}" is not valid: ${message}`);
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return { settings: s, fromEnv };
}

/** The script's MQTT_BROKER and MQTT_PORT as one URL (only when MQTT_URL is not set), or what is wrong with them. */
function scriptBrokerUrl(env: Env): { url?: string; problem?: string } | undefined {
  if (env.MQTT_URL !== undefined || (env.MQTT_BROKER === undefined && env.MQTT_PORT === undefined)) return undefined;
  const host = (env.MQTT_BROKER ?? 'localhost').trim();
  const port = Number((env.MQTT_PORT ?? '1883').trim());
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { problem: `MQTT_PORT="${envValueForMessage(env, 'MQTT_PORT')}" is not valid: use a port from 1 to 65535.` };
  if (!host || /[\s/@]/.test(host)) return { problem: `MQTT_BROKER="${envValueForMessage(env, 'MQTT_BROKER')}" is not valid: use a host name or IP address.` };
  return { url: `mqtt://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}` };
}

/** The variables of the table's secrets (passwords): their values are never quoted. */
export const SECRET_ENV_VARS: ReadonlySet<string> = new Set(SETTING_LIST.filter((s) => s.secret).flatMap((s) => envNames(s.key)));

/** A variable's value as an error message may quote it: passwords never, URLs masked, everything bounded. */
function envValueForMessage(env: Env, name: string): string {
  if (SECRET_ENV_VARS.has(name)) return '***';
  if (name === 'MQTT_BROKER/MQTT_PORT') return maskUrl(`${env.MQTT_BROKER ?? ''}:${env.MQTT_PORT ?? ''}`, 80);
  return maskUrl(env[name] ?? '', 80);
}
