/**
 * The app settings table (src/config/app-settings.ts) against itself, the message catalogs, the environment, the
 * page's form and the README: each derived part must agree with the table.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_SETTINGS, DEFAULTS, ENV_ONLY, envNames, PAGE_ONLY, SECRET_FIELDS, SETTING_LIST, validateSettings, type SettingName } from '../../src/config/app-settings.js';
import { ConfigError, SECRET_ENV_VARS, settingsFromEnv } from '../../src/config/env.js';
import { PAGE_SECTIONS } from '../../src/config/page-sections.js';
import { IDS, NUMBER, SECRET, SWITCH } from '../../src/config/setting-kinds.js';
import { CATALOGS } from '../../src/i18n/index.js';
import { fromForm } from '../../src/settings-page/save.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('the settings table', () => {
  it('every setting has an environment variable or the explicit page-only mark, and a page field or the explicit environment-only mark', () => {
    expect(SETTING_LIST.length).toBe(Object.keys(DEFAULTS).length);
    for (const s of SETTING_LIST) {
      if (s.env !== PAGE_ONLY) {
        expect(s.env.length, s.key).toBeGreaterThan(0);
        for (const name of s.env) expect(name, s.key).toMatch(/^[A-Z][A-Z0-9_]+$/);
      }
      if (s.page !== ENV_ONLY) expect(Object.keys(PAGE_SECTIONS), s.key).toContain(s.page.section);
      // A setting nobody can set would be dead.
      expect(s.env === PAGE_ONLY && s.page === ENV_ONLY, s.key).toBe(false);
    }
    // The original script's names are there, each on one setting only.
    const names = SETTING_LIST.flatMap((s) => envNames(s.key));
    for (const v of ['HOYMILES_USER', 'HOYMILES_PASSWORD', 'MQTT_BROKER', 'MQTT_PORT', 'MQTT_USER', 'MQTT_PASSWORD', 'MQTT_TOPIC', 'REQUEST_INTERVAL_SECONDS', 'STATION_DATA_INTERVAL']) {
      expect(names).toContain(v);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('every page field has a label and a help, and every text it names (placeholder, options) exists in every catalog', () => {
    for (const s of SETTING_LIST) {
      if (s.page === ENV_ONLY) continue;
      const keys = [s.page.label, s.page.help, s.page.placeholder, ...(s.page.options ?? []).map((o) => o.label)].filter((k) => k !== undefined);
      expect(s.page.label, s.key).toMatch(/^page\.f\./);
      expect(s.page.help, s.key).toMatch(/^page\.f\./);
      expect(s.page.help, s.key).not.toBe(s.page.label);
      for (const [lang, cat] of Object.entries(CATALOGS)) {
        for (const k of keys) expect((cat as Record<string, string>)[k]?.trim(), `${lang}: ${k} of ${s.key}`).toBeTruthy();
      }
    }
    // Each section's title and intro too.
    for (const [id, sec] of Object.entries(PAGE_SECTIONS)) {
      for (const k of [sec.title, 'intro' in sec ? sec.intro : undefined].filter((x) => x !== undefined)) {
        for (const cat of Object.values(CATALOGS)) expect((cat as Record<string, string>)[k], `${id}: ${k}`).toBeTruthy();
      }
    }
  });

  it('a choice offers exactly its values on the page; every variable says what it takes', () => {
    const lang = APP_SETTINGS.language;
    expect(lang.page !== ENV_ONLY && lang.page.options?.map((o) => o.value)).toEqual([...(lang.kind as unknown as { values: readonly string[] }).values]);
    for (const s of SETTING_LIST) if (s.env !== PAGE_ONLY) expect(s.envHelp?.trim(), s.key).toBeTruthy();
    // ... and it is what a start-up message says about a value that is not a number.
    expect(() => settingsFromEnv({ REQUEST_INTERVAL_SECONDS: 'often' })).toThrow(`expected ${APP_SETTINGS.intervalSec.envHelp}.`);
  });

  it('the defaults pass the checks, and each reads back from its own text', () => {
    expect(validateSettings(DEFAULTS)).toEqual({});
    for (const s of SETTING_LIST) {
      if (s.secret) continue;
      const kind = s.kind as { format(v: unknown): string; fromText(t: string): unknown };
      expect(kind.fromText(kind.format(s.default)), s.key).toEqual(s.default);
    }
  });

  it('a check refuses a bad value in words, and rules between two settings name the field', () => {
    expect(validateSettings({ ...DEFAULTS, intervalSec: 0 }).intervalSec).toContain('more than 0');
    expect(validateSettings({ ...DEFAULTS, intervalSec: 2 }).intervalSec).toContain('At least 3 seconds');
    expect(validateSettings({ ...DEFAULTS, intervalSec: 2, apiUrl: 'http://127.0.0.1:1' })).toEqual({});
    expect(validateSettings({ ...DEFAULTS, discoveryPrefix: DEFAULTS.baseTopic }).discoveryPrefix).toContain('differ');
    expect(validateSettings({ ...DEFAULTS, source: 'both', nativeCompat: true }).nativeCompat).toContain('its own copies');
    // An unknown source is refused as a source, not as a conflict with native compatibility.
    expect(validateSettings({ ...DEFAULTS, source: 'x' as never, nativeCompat: true })).toEqual({ source: expect.stringContaining('cloud, native or both') });
  });

  it('secrets: kept out of config.json, a password input on the page, never quoted in a start-up message', () => {
    expect([...SECRET_FIELDS].sort()).toEqual(['hoymilesPassword', 'mqttPassword']);
    for (const k of SECRET_FIELDS) {
      const s = APP_SETTINGS[k];
      expect(s.kind).toBe(SECRET);
      expect(s.page !== ENV_ONLY && s.page.input).toBe('password');
      for (const name of envNames(k)) expect(SECRET_ENV_VARS.has(name)).toBe(true);
    }
    expect([...SECRET_ENV_VARS].sort()).toEqual(['HOYMILES_PASSWORD', 'MQTT_PASSWORD']);
    // A page password input is always a secret: nothing else would keep a typed password out of config.json.
    for (const s of SETTING_LIST) if (s.page !== ENV_ONLY && s.page.input === 'password') expect(s.secret, s.key).toBe(true);
  });
});

describe('the environment and the page read a text the same way', () => {
  const SAMPLES: Record<string, string[]> = {
    text: ['', ' x ', 'home/#', 'a b', 'MSA-1,MSA-2', ' owner@example.com ', 'http://h', '192.168.1.10:1884', 'de_DE.UTF-8', 'NATIVE', ' both', 'EN', 'auto', 'fr'],
    number: ['', '0', '3', ' 15 ', '2.5', '1e3', 'often', '0x10', '100', '86400', '-1', 'Infinity'],
    switch: ['true', 'false', 'on', 'OFF', '1', '0', 'yes', 'no', 'maybe', ''],
    ids: ['', '1,2', '1; 2 3', '0', 'x', '1e3', '12 34', '-5'],
  };
  const kindName = (k: unknown) => (k === NUMBER ? 'number' : k === SWITCH ? 'switch' : k === IDS ? 'ids' : 'text');

  /** What the page makes of `text` in the field: the value, or that it is refused. */
  function viaPage(key: SettingName, text: string): { value?: unknown; refused?: true } {
    const { candidate, errors } = fromForm({ [key]: text }, DEFAULTS, () => false);
    const all = { ...validateSettings(candidate), ...errors };
    return Object.keys(all).length ? { refused: true } : { value: candidate[key] };
  }
  /** What start-up makes of `text` in the setting's own variable. */
  function viaEnv(key: SettingName, text: string): { value?: unknown; refused?: true } {
    try {
      return { value: settingsFromEnv({ [envNames(key)[0]!]: text }).settings[key] };
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return { refused: true };
    }
  }

  const cases = SETTING_LIST.filter((s) => s.env !== PAGE_ONLY && s.page !== ENV_ONLY && !s.secret);
  it.each(cases.map((s) => [s.key, kindName(s.kind)] as const))('%s (%s)', (key, kind) => {
    let accepted = 0;
    for (const text of SAMPLES[kind]!) {
      expect(viaPage(key, text), `${key} = ${JSON.stringify(text)}`).toEqual(viaEnv(key, text));
      if (viaPage(key, text).value !== undefined) accepted++;
    }
    expect(accepted, `${key}: no sample was accepted, the comparison says little`).toBeGreaterThan(0);
  });

  it('a password is taken exactly as typed by both', () => {
    expect(settingsFromEnv({ MQTT_PASSWORD: ' pw with spaces ' }).settings.mqttPassword).toBe(' pw with spaces ');
    expect(APP_SETTINGS.mqttPassword.kind.fromJson(' pw with spaces ')).toBe(' pw with spaces ');
  });
});

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'));
  const rows = section
    .slice(0, section.indexOf('\n\n', section.indexOf('| Variable |')))
    .split('\n')
    .filter((l) => /^\| `/.test(l))
    .map((l) => l.split(' | ').map((c) => c.replace(/^\| /, '').trim()));
  const listed = new Map(rows.flatMap(([vars, dflt]) => [...vars!.matchAll(/`([A-Z_]+)`/g)].map((m) => [m[1]!, dflt!] as const)));
  /** Variables the README lists that are not settings: where the app keeps things, how it opens a browser, V8's tiers. */
  const OTHERS = ['HOYMILES_TRAY_CONFIG_DIR', 'HOYMILES_TRAY_SECRETS', 'BROWSER', 'HOYMILES_TRAY_LOG_DIR', 'HOYMILES_TRAY_V8_JIT'];

  it('lists every variable of the table, with its default where the default is a value', () => {
    expect(rows.length).toBeGreaterThan(20);
    for (const s of SETTING_LIST) {
      for (const name of envNames(s.key)) {
        expect(listed.has(name), `${name} (${s.key}) is missing from the README's Configuration table`).toBe(true);
        const shown = /^`(.*)`$/.exec(listed.get(name)!)?.[1];
        if (shown !== undefined && name === envNames(s.key)[0]) {
          expect(shown, `the README's default of ${name}`).toBe((s.kind as { format(v: unknown): string }).format(s.default));
        }
      }
    }
  });

  it('lists no variable the app does not read', () => {
    const code = files(join(ROOT, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
    const names = new Set(SETTING_LIST.flatMap((s) => envNames(s.key)));
    for (const name of listed.keys()) {
      if (names.has(name)) continue;
      expect(OTHERS, `${name} is in the README but not in the settings table`).toContain(name);
      expect(code, `${name} is in the README but nothing in src/ reads it`).toContain(name);
    }
  });
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
