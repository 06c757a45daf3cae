/**
 * The page follows the tables: its sections and fields come from the app settings table (with the anchors the
 * tray links to), the Battery control section from the battery settings table (labels, units, ranges, input kind).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/app-settings.js';
import { CONTROLS_ANCHOR, sectionAnchor, SECTION_IDS } from '../../src/config/page-sections.js';
import { controlAnchor } from '../../src/controls/views.js';
import { CLOUD_CONTROLS, SETTING_KEYS, type SettingKey } from '../../src/controls/battery-settings.js';
import type { SettingView, StationControlsView } from '../../src/controls/views.js';
import { setLanguage, t, type Language } from '../../src/i18n/index.js';
import { controlRange, controlUnit, controlValueText, FIELDS, renderPage, SECTIONS, type PageState } from '../../src/settings-page/page.js';

const SN = 'HMSA2TEST01';

function view(key: SettingKey, over: Partial<SettingView> = {}): SettingView {
  const value = CLOUD_CONTROLS[key].platform === 'switch' ? true : CLOUD_CONTROLS[key].range!.min;
  return { key, label: key, supported: true, value, writing: false, ...over };
}

function page(settings: SettingView[]): string {
  const controls: StationControlsView[] = [{ sid: 1, sn: SN, stationName: 'Home', settings }];
  const state: PageState = { values: {}, stored: { hoymilesPassword: false, mqttPassword: false }, env: {}, notes: [], controls };
  return renderPage({ nonce: 'n', csrf: 'c', state });
}

/** The control row of `key` in the page's HTML. */
function rowOf(html: string, key: SettingKey): string {
  const m = new RegExp(`<div class="row ctl" data-sn="${SN}" data-key="${key}"[^]*?<p class="result ctl-result"`).exec(html);
  expect(m, key).not.toBeNull();
  return m![0];
}

afterEach(() => setLanguage('en'));

describe('the Battery control section', () => {
  it('unit, range and value words come from the rows', () => {
    for (const key of SETTING_KEYS) {
      const def = CLOUD_CONTROLS[key];
      expect(controlUnit(key)).toBe(def.unit);
      expect(controlRange({ key })).toEqual(def.platform === 'number' ? def.range : undefined);
      if (def.platform === 'number') expect(controlValueText(key, 42)).toBe(`42 ${def.unit}`);
    }
    expect(controlRange({ key: 'input_power', range: { min: 0, max: 800, step: 10 } })).toEqual({ min: 0, max: 800, step: 10 });
    expect(controlValueText('grid_charging', true)).toBe(t('page.on'));
    expect(controlValueText('input_power', undefined)).toBe(t('page.notKnownYet'));
  });

  for (const lang of ['en', 'de'] as Language[]) {
    it(`each setting renders its row: label, input for its platform, unit and limits (${lang})`, () => {
      setLanguage(lang);
      const html = page(SETTING_KEYS.map((k) => view(k)));
      for (const key of SETTING_KEYS) {
        const def = CLOUD_CONTROLS[key];
        const r = rowOf(html, key);
        expect(r).toContain(`>${t(def.label)}</label>`);
        expect(r).toContain(`data-platform="${def.platform}"`);
        if (def.platform === 'number') {
          expect(r).toContain(`min="${def.range!.min}" max="${def.range!.max}" step="${def.range!.step}"`);
          expect(r).toContain(`<span class="unit">${def.unit}</span>`);
        } else expect(r).toMatch(/<select /);
      }
    });
  }

  it("a station's own range is the one offered", () => {
    const html = page([view('input_power', { range: { min: 0, max: 800, step: 10 }, value: 400 })]);
    expect(rowOf(html, 'input_power')).toContain('min="0" max="800" step="10"');
  });
});

const settingsState: PageState = { values: DEFAULTS, stored: { hoymilesPassword: false, mqttPassword: false }, env: {}, notes: [], controls: [] };

describe('the page from the settings table', () => {
  it('keeps its sections and fields in the order the page has always had', () => {
    expect(SECTIONS.map((s) => [s.id, s.fields.map((f) => f.key)])).toEqual([
      ['account', ['hoymilesEmail', 'hoymilesPassword']],
      ['mqtt', ['mqttUrl', 'mqttUser', 'mqttPassword']],
      ['topics', ['baseTopic', 'discoveryPrefix', 'nativeCompat']],
      ['source', ['source', 'nativeDevices', 'nativePublishSec']],
      ['polling', ['intervalSec', 'stationIntervalSec']],
      ['notify', ['lowSocThreshold', 'notifyLowSoc', 'notifyLogin', 'notifyFull']],
      ['tray', ['trayBattery']],
      ['publish', ['publishEnabled']],
      ['language', ['language']],
      ['more', ['stationIds', 'mqttClientId', 'mqttCaFile', 'mqttInsecure', 'discoveryEnabled', 'debug']],
    ]);
    expect(SECTION_IDS).toEqual(SECTIONS.map((s) => s.id));
  });

  it('renders one input per field and every section and panel anchor the tray may link to', () => {
    const html = renderPage({ nonce: 'n', csrf: 'c', state: { ...settingsState, panels: { status: true, history: true, openLog: false } } });
    for (const f of FIELDS) expect(html.match(new RegExp(`id="f-${f.key}"`, 'g')), f.key).toHaveLength(1);
    for (const id of SECTION_IDS) expect(html).toContain(`id="${sectionAnchor(id)}"`);
    for (const id of ['controls', 'status', 'history'] as const) expect(html).toContain(`id="${sectionAnchor(id)}"`);
    expect(CONTROLS_ANCHOR).toBe('sec-controls');
    expect(controlAnchor('SN/with space', 'reserve_soc')).toBe('control-SN_with_space-reserve_soc');
    // Each field's help: a line under it, or on its label when the pointer rests there.
    for (const f of FIELDS) {
      const help = t(f.help).replace(/'/g, '&#39;').replace(/"/g, '&quot;');
      if (f.helpAs === 'tooltip') expect(html, f.key).toContain(`for="f-${f.key}" title="${help}"`);
      else expect(html, f.key).toContain(`<p class="hint" id="hint-${f.key}">${help}</p>`);
    }
    // The app-only setting is not on the page.
    expect(html).not.toContain('f-apiUrl');
  });

  it('the tray links to the page without importing it', () => {
    const dir = join(import.meta.dirname, '..', '..', 'src', 'tray');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
      expect(readFileSync(join(dir, f), 'utf8'), f).not.toMatch(/from '\.\.\/settings-page\//);
    }
  });
});
