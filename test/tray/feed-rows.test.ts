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

describe('what the feed control rows show and offer', () => {
  const view = (over: Partial<NativeControlView> = {}): NativeControlView => ({ ...VIEW, ...over });
  const byId = (rows: ReturnType<typeof feedControlRows>) => new Map(rows.map((r) => [r.id, r]));

  it('the running mode is ticked and not clickable; a mode sent and not yet confirmed shows "…"', () => {
    const m = byId(feedControlRows([view({ pendingMode: 'mqtt_ctrl' })], 1));
    expect(m.get('f0.header')).toMatchObject({ text: 'EMS mode of MSA-2800', hidden: false });
    expect(m.get('f0.mode_general')).toMatchObject({ checked: true, enabled: false });
    expect(m.get('f0.mode_mqtt_ctrl')).toMatchObject({ checked: false, enabled: false });
    expect(m.get('f0.mode_mqtt_ctrl')!.text.endsWith('…')).toBe(true);
    expect(m.get('f0.mode_tou_plan')).toMatchObject({ enabled: true, action: 'askConfirm', asks: { what: 'ems_mode', sn: '2800', mode: 'tou_plan' } });
  });

  it('a click only asks: the asked mode shows "▸" and the confirming rows appear, for this battery only', () => {
    const m = byId(feedControlRows([view()], 1, { what: 'ems_mode', sn: '2800', mode: 'mqtt_ctrl' }));
    expect(m.get('f0.mode_mqtt_ctrl')!.text.endsWith(' ▸')).toBe(true);
    expect(m.get('f0.mode_mqtt_ctrl')!.enabled).toBe(false);
    expect(m.get('f0.change_confirm')).toMatchObject({ hidden: false, text: '    Switch to MQTT control', action: 'confirmChange' });
    // Asked for another battery, or for the mode already running: nothing to confirm here.
    expect(byId(feedControlRows([view()], 1, { what: 'ems_mode', sn: '9999', mode: 'mqtt_ctrl' })).get('f0.change_confirm')!.hidden).toBe(true);
    expect(byId(feedControlRows([view()], 1, { what: 'ems_mode', sn: '2800', mode: 'general' })).get('f0.change_confirm')!.hidden).toBe(true);
  });

  it('the setpoint row: none, or the value with "…" until confirmed, and a click to clear it', () => {
    expect(byId(feedControlRows([view()], 1)).get('f0.setpoint')).toMatchObject({ text: 'Power setpoint: none', enabled: false });
    const sent = byId(feedControlRows([view({ setpoint: -300 })], 1)).get('f0.setpoint')!;
    expect(sent).toMatchObject({ enabled: true, asks: { what: 'clear_setpoint', sn: '2800' } });
    expect(sent.text).toMatch(/^Power setpoint −300 W…: clear$/);
    expect(byId(feedControlRows([view({ setpoint: 250, confirmedSetpoint: 250 })], 1)).get('f0.setpoint')!.text).toBe('Power setpoint 250 W: clear');
  });
});
