/** The Battery control section of the page follows the settings table: labels, units, ranges, the input kind. */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOUD_CONTROLS, SETTING_KEYS, type SettingKey } from '../../src/controls/battery-settings.js';
import type { SettingView, StationControlsView } from '../../src/controls/views.js';
import { setLanguage, t, type Language } from '../../src/i18n/index.js';
import { controlRange, controlUnit, controlValueText, renderPage, type PageState } from '../../src/settings-page/page.js';

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
