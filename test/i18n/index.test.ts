import { afterEach, describe, expect, it } from 'vitest';
import { CATALOGS, formatDate, formatNumber, formatTime, language, setLanguage, t } from '../../src/i18n/index.js';
import { chooseLanguage, languageOf } from '../../src/i18n/choose.js';
import { osLanguages, parseAppleLanguages, posixLocale } from '../../src/platform/locale.js';
import { settingsFromEnv } from '../../src/config/env.js';
import { buildMenu, energyText, powerText, socText, temperatureText, todayText, tooltipText } from '../../src/tray/menu-model.js';
import { AlertPolicy } from '../../src/notify/alerts.js';
import type { BatteryReading } from '../../src/core/snapshot.js';

afterEach(() => setLanguage('en'));

describe('t()', () => {
  it('fills in parameters and speaks the current language', () => {
    expect(language()).toBe('en');
    expect(t('menu.soc', { soc: '57 %' })).toBe('State of charge: 57 %');
    setLanguage('de');
    expect(t('menu.soc', { soc: '57 %' })).toBe('Ladezustand: 57 %');
    expect(t('menu.soc', { soc: '57 %' }, 'en')).toBe('State of charge: 57 %');
  });

  it('keeps a placeholder it has no value for, so a missing parameter shows', () => {
    expect(t('menu.soc', {})).toBe('State of charge: {soc}');
  });

  it('has the same placeholders in every language', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [lang, cat] of Object.entries(CATALOGS)) {
      for (const [key, text] of Object.entries(CATALOGS.en)) expect(names((cat as Record<string, string>)[key]!), `${lang} ${key}`).toEqual(names(text));
    }
  });
});

describe('formats', () => {
  it('numbers, units and times follow the language', () => {
    setLanguage('de');
    expect(powerText(1234)).toBe('1,2 kW');
    expect(powerText(-420)).toBe('−420 W');
    expect(energyText(740, 'kWh')).toBe('0,74 kWh');
    expect(socText(57.4)).toBe('57 %');
    expect(temperatureText(-3.25)).toBe('Temperatur: −3,3 °C');
    expect(todayText({ chargedToday: 290, dischargedToday: 740 })).toBe('Heute: +0,29 kWh geladen, −0,74 kWh entladen');
    const at = new Date(2026, 11, 1, 20, 3, 7).getTime();
    expect(formatTime(at)).toBe('20:03:07');
    expect(formatTime(at, false)).toBe('20:03');
    expect(formatDate(at)).toBe('01.12.2026');
    expect(formatNumber(12345.678, 1)).toBe('12345,7');
  });

  it('English keeps its figures', () => {
    expect(powerText(1234)).toBe('1.2 kW');
    expect(energyText(740, 'kWh')).toBe('0.74 kWh');
    const at = new Date(2026, 11, 1, 20, 3, 7).getTime();
    expect(formatTime(at)).toBe('20:03:07');
    expect(formatDate(at)).toBe('2026-12-01');
  });
});

const battery: BatteryReading = {
  sn: 'MSA1234560529',
  stationName: 'Zuhause',
  soc: 57,
  status: 'discharge',
  batteryPower: 310,
  pvPower: 1200,
  gridPower: -420,
  loadPower: 380,
  chargedToday: 290,
  dischargedToday: 740,
  temperature: 24.5,
  updatedAt: Date.now(),
  fresh: true,
  live: true,
} as unknown as BatteryReading;

describe('the German tray', () => {
  it('menu and tooltip in German', () => {
    setLanguage('de');
    const state = { snapshot: { batteries: [battery], cycles: 1 }, publishing: false } as never;
    const m = buildMenu(state, 1, Date.now(), 'glyph');
    const text = (id: string) => m.rows.find((r) => r.id === id)!.text;
    expect(text('b0.soc')).toBe('Ladezustand: 57 %');
    expect(text('b0.power')).toBe('Entlädt 310 W');
    expect(text('b0.flow')).toBe('Solar 1,2 kW · Netz −420 W · Haus 380 W');
    expect(text('b0.temp')).toBe('Temperatur: 24,5 °C');
    expect(text('b0.updated')).toMatch(/^Aktualisiert \d\d:\d\d:\d\d$/);
    expect(text('publish')).toBe('☐ An MQTT senden');
    expect(text('quit')).toBe('Beenden');
    expect(tooltipText(state)).toMatch(/^Zuhause · 57 % · Entlädt 310 W · \d\d:\d\d · MQTT aus$/);
  });

  it('notifications in German', () => {
    setLanguage('de');
    const p = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true, full: true });
    const [low] = p.evaluate({ batteries: [{ ...battery, soc: 12 }], cycles: 1 });
    expect(low).toMatchObject({ title: 'Batterie schwach: 12 %', message: 'Zuhause · MS-A2 …0529 liegt unter 15 % Ladezustand.' });
    // The log keeps English.
    expect(low!.logText).toBe('Battery low: 12 %: Zuhause · MS-A2 …0529 is below 15 % state of charge.');
  });
});

describe('language choice', () => {
  it('reads locale tags', () => {
    expect(languageOf('de_DE.UTF-8')).toBe('de');
    expect(languageOf('de-AT')).toBe('de');
    expect(languageOf('de')).toBe('de');
    expect(languageOf('en_US.UTF-8')).toBe('en');
    expect(languageOf('German_Germany.1252')).toBe('de');
    expect(languageOf('C.UTF-8')).toBeUndefined();
    expect(languageOf('POSIX')).toBeUndefined();
    expect(languageOf('fr_FR.UTF-8')).toBeUndefined();
    expect(languageOf('')).toBeUndefined();
  });

  it('HOYMILES_TRAY_LANG, then the setting, then the OS; unknown is English', () => {
    expect(chooseLanguage({ override: 'de', setting: 'en', os: ['en_US'] })).toBe('de');
    expect(chooseLanguage({ setting: 'de', os: ['en_US'] })).toBe('de');
    expect(chooseLanguage({ setting: 'auto', os: ['de_CH.UTF-8'] })).toBe('de');
    expect(chooseLanguage({ setting: 'auto', os: ['fr_FR.UTF-8', 'de_DE'] })).toBe('en');
    expect(chooseLanguage({ setting: 'auto', os: ['C.UTF-8'] })).toBe('en');
    expect(chooseLanguage({ os: [] })).toBe('en');
    expect(chooseLanguage({ override: 'fr', os: ['de_DE'] })).toBe('de');
  });

  it('the OS: POSIX order on Linux, AppleLanguages on macOS, Intl on Windows', () => {
    expect(posixLocale({ LC_ALL: 'de_DE.UTF-8', LANG: 'en_US.UTF-8' })).toEqual(['de_DE.UTF-8']);
    expect(posixLocale({ LC_ALL: '', LC_MESSAGES: 'de_AT', LANG: 'en_US.UTF-8' })).toEqual(['de_AT']);
    expect(posixLocale({ LANG: 'en_GB.UTF-8' })).toEqual(['en_GB.UTF-8']);
    expect(posixLocale({})).toEqual([]);
    expect(parseAppleLanguages('(\n    "de-DE",\n    en\n)\n')).toEqual(['de-DE', 'en']);
    expect(osLanguages('darwin', { LANG: 'en_US.UTF-8' }, () => '(\n    "de-DE"\n)\n')).toEqual(['de-DE']);
    expect(
      osLanguages('darwin', { LANG: 'de_DE.UTF-8' }, () => {
        throw new Error('no defaults');
      }),
    ).toEqual(['de_DE.UTF-8']);
    expect(osLanguages('win32', {})).toEqual([Intl.DateTimeFormat().resolvedOptions().locale]);
    expect(osLanguages('linux', { LANG: 'de_DE.UTF-8' })).toEqual(['de_DE.UTF-8']);
  });

  it('HOYMILES_TRAY_LANG is a setting from the environment; a language without a catalog stops start-up', () => {
    expect(settingsFromEnv({ HOYMILES_TRAY_LANG: 'de_DE.UTF-8' }).settings.language).toBe('de');
    expect(settingsFromEnv({ HOYMILES_TRAY_LANG: 'AUTO' }).settings.language).toBe('auto');
    expect(settingsFromEnv({}).settings.language).toBe('auto');
    expect(() => settingsFromEnv({ HOYMILES_TRAY_LANG: 'fr' })).toThrow(/HOYMILES_TRAY_LANG="fr" is not valid: One of auto/);
  });
});
