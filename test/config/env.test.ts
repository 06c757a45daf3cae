import { describe, expect, it } from 'vitest';
import { ConfigError, settingsFromEnv } from '../../src/config/env.js';
import { DEFAULTS } from '../../src/config/app-settings.js';
import { urlWithoutPassword } from '../../src/log/mask.js';

describe('environment variables of the original script', () => {
  it('map onto the settings', () => {
    const { settings } = settingsFromEnv({
      HOYMILES_USER: 'me@example.com',
      HOYMILES_PASSWORD: 'pw',
      MQTT_BROKER: '192.168.1.23',
      MQTT_PORT: '1884',
      MQTT_USER: 'u',
      MQTT_PASSWORD: 'p',
      MQTT_TOPIC: 'msa2',
      REQUEST_INTERVAL_SECONDS: '15',
      STATION_DATA_INTERVAL: '3600',
      DEBUG: 'true',
    });
    expect(settings).toMatchObject({ hoymilesEmail: 'me@example.com', mqttUrl: 'mqtt://192.168.1.23:1884', baseTopic: 'msa2', intervalSec: 15, stationIntervalSec: 3600, debug: true });
  });
  it('MQTT_URL wins over MQTT_BROKER/MQTT_PORT; defaults stay when unset', () => {
    expect(settingsFromEnv({ MQTT_URL: 'wss://broker.local:8884/mqtt', MQTT_BROKER: 'x' }).settings.mqttUrl).toBe('wss://broker.local:8884/mqtt');
    expect(settingsFromEnv({}).settings).toEqual(DEFAULTS);
  });
  it.each([
    [{ REQUEST_INTERVAL_SECONDS: 'often' }, /REQUEST_INTERVAL_SECONDS="often" is not a number/],
    [{ REQUEST_INTERVAL_SECONDS: '0' }, /REQUEST_INTERVAL_SECONDS="0" is not valid/],
    [{ MQTT_PORT: '70000' }, /MQTT_PORT="70000" is not valid: use a port from 1 to 65535/],
    [{ MQTT_TOPIC: 'a/#' }, /MQTT_TOPIC="a\/#" is not valid/],
    [{ DEBUG: 'maybe' }, /DEBUG="maybe" is not valid: use true or false/],
    [{ MQTT_URL: 'http://x' }, /MQTT_URL="http:\/\/x" is not valid/],
    [{ HOYMILES_USER: 'not-an-email' }, /HOYMILES_USER/],
    // A rule between two settings, set by one variable: the base topic may not be the discovery prefix.
    [{ MQTT_TOPIC: 'homeassistant' }, /MQTT_TOPIC=homeassistant and MQTT_DISCOVERY_PREFIX=homeassistant exclude each other: Must differ from the base topic/],
  ])('%o stops start-up with a message naming the variable', (env, msg) => {
    expect(() => settingsFromEnv(env)).toThrowError(ConfigError);
    expect(() => settingsFromEnv(env)).toThrowError(msg);
  });
  it('never prints a password value in an error', () => {
    try {
      settingsFromEnv({ MQTT_PASSWORD: 'hunter2', MQTT_URL: 'nope' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});

describe('secrets in configuration errors', () => {
  it.each([
    [{ MQTT_URL: 'mqttx://user:SECRET@host' }, /MQTT_URL="mqttx:\/\/user:\*\*\*@host" is not valid/],
    [{ HOYMILES_API_URL: 'ftp://u:SECRET@x' }, /HOYMILES_API_URL="ftp:\/\/u:\*\*\*@x" is not valid/],
    [{ HOYMILES_API_URL: 'u:SECRET@x' }, /HOYMILES_API_URL="u:\*\*\*@x" is not valid/],
    [{ MQTT_URL: 'ws://h/?token=SECRET', REQUEST_INTERVAL_SECONDS: 'SECRET' }, /REQUEST_INTERVAL_SECONDS="SECRET"/],
    [{ MQTT_BROKER: 'u:SECRET@host' }, /MQTT_BROKER="u:\*\*\*@host" is not valid/],
  ])('a configuration error names the variable without its secret: %o', (env, message) => {
    let caught: unknown;
    try {
      settingsFromEnv(env);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(message);
    if (!('REQUEST_INTERVAL_SECONDS' in env)) expect((caught as Error).message).not.toContain('SECRET');
  });
  it('a password in MQTT_URL becomes the broker password; the URL keeps only the user', () => {
    const { settings, fromEnv } = settingsFromEnv({ MQTT_URL: 'mqtt://ha:p%40ss@broker.lan:1883' });
    expect(settings.mqttUrl).toBe('mqtt://ha@broker.lan:1883');
    expect(settings.mqttPassword).toBe('p@ss');
    expect(fromEnv.has('mqttPassword')).toBe(true);
    expect(urlWithoutPassword('http://a:b@h/')).toBe('http://a@h/');
  });
});
