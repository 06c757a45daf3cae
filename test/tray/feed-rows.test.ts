/**
 * The feed's control rows take their modes and words from the mode select's row (controls/battery-settings.ts),
 * and the tray reads the controls' table, not the feed's code: nothing in src/tray/ imports src/native/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FEED_CONTROLS, optionWords } from '../../src/controls/battery-settings.js';
import type { NativeControlView } from '../../src/controls/views.js';
import { setLanguage, t, type Language } from '../../src/i18n/index.js';
import { emsModeWords, feedControlRows } from '../../src/tray/feed-rows.js';

const VIEW: NativeControlView = { sn: '2800', dev: 'MSA-2800', mode: 'general', range: { min: -1000, max: 1000, step: 1 }, keepingAlive: false };

afterEach(() => setLanguage('en'));

describe('the feed control rows', () => {
  for (const lang of ['en', 'de'] as Language[]) {
    it(`one checkbox per option of the mode select, in its words (${lang})`, () => {
      setLanguage(lang);
      const rows = feedControlRows([VIEW], 1);
      const modes = rows.filter((r) => r.id.startsWith('f0.mode_'));
      const def = FEED_CONTROLS.ems_mode;
      expect(modes.map((r) => r.id)).toEqual(def.options!.map((o) => `f0.mode_${o}`));
      expect(modes.map((r) => r.text)).toEqual(def.options!.map((o) => `${t(def.optionLabels![o]!)} (${o})`));
      expect(modes.find((r) => r.checked)?.id).toBe('f0.mode_general');
      expect(emsModeWords('mqtt_ctrl')).toBe(t('feed.emsMode', { mode: optionWords(def, 'mqtt_ctrl') }));
    });
  }

  it('a mode the table does not know is shown as it is', () => {
    expect(emsModeWords('turbo')).toBe('EMS mode turbo');
  });

  it('slots without a unit are there, hidden (systray2 cannot add rows later)', () => {
    const rows = feedControlRows(undefined, 2);
    expect(rows.length).toBe(2 * (1 + FEED_CONTROLS.ems_mode.options!.length + 1 + 2));
    expect(rows.every((r) => r.hidden && r.parent === 'controls')).toBe(true);
  });
});

describe('the tray reads the controls table', () => {
  it('no file in src/tray/ imports src/native/', () => {
    const dir = join(import.meta.dirname, '..', '..', 'src', 'tray');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.filter((f) => /from '\.\.\/native\//.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('feed-rows and menu-model do not import each other both ways', () => {
    const src = (f: string) => readFileSync(join(import.meta.dirname, '..', '..', 'src', 'tray', f), 'utf8');
    expect(src('feed-rows.ts')).not.toMatch(/from '\.\/menu-model\.js'/);
    expect(src('menu-model.ts')).toMatch(/from '\.\/feed-rows\.js'/);
  });
});
