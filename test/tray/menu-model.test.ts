import { afterEach, describe, expect, test } from 'vitest';
import { CLOUD_CONTROLS, SETTING_KEYS } from '../../src/controls/battery-settings.js';
import type { SettingView, StationControlsView } from '../../src/controls/battery-controls.js';
import type { BatteryReading, BridgeSnapshot, Problem, ProblemCode } from '../../src/core/snapshot.js';
import {
  buildMenu,
  clock,
  clockHM,
  ageText,
  CHECKED,
  controlNoticeText,
  energyText,
  flowText,
  LABELS,
  powerText,
  settingWords,
  UNCHECKED,
  MISSING,
  powerWords,
  problemLine,
  todayText,
  TOOLTIP_MAX,
  type MenuModel,
} from '../../src/tray/menu-model.js';
import type { TrayState } from '../../src/tray/types.js';
import { setLanguage, t, type Language } from '../../src/i18n/index.js';

// A fixed local time: 2026-11-24 14:03:12.
const NOW = new Date(2026, 10, 24, 14, 3, 12).getTime();

function battery(over: Partial<BatteryReading> = {}): BatteryReading {
  return {
    sn: 'HMSA2000001',
    deviceId: 1,
    stationId: 10,
    stationName: 'Home',
    master: true,
    soc: 57,
    batteryPower: 310,
    status: 'discharge',
    chargedToday: 285,
    dischargedToday: 641,
    temperature: 22,
    live: true,
    updatedAt: NOW - 5_000,
    fresh: true,
    raw: {},
    ...over,
  };
}

function state(over: Partial<TrayState> = {}, snap: Partial<BridgeSnapshot> = {}): TrayState {
  return {
    snapshot: { batteries: [battery()], cycles: 3, lastSuccess: NOW, ...snap },
    publishing: true,
    lowSocThreshold: 15,
    ...over,
  };
}

function setting(key: SettingView['key'], over: Partial<SettingView> = {}): SettingView {
  const defaults: Record<SettingView['key'], SettingView> = {
    grid_charging: { key, label: 'Grid charging', supported: true, value: false, writing: false },
    input_power: { key, label: 'On-grid input power', supported: true, value: 800, range: { min: 0, max: 2000, step: 1 }, writing: false },
    reserve_soc: { key, label: 'Reserve state of charge', supported: true, value: 10, range: { min: 10, max: 100, step: 1 }, writing: false },
  };
  return { ...defaults[key], ...over };
}

function station(sn = 'HMSA2000001', over: Partial<Record<SettingView['key'], Partial<SettingView>>> = {}): StationControlsView {
  return {
    sid: 10,
    sn,
    stationName: 'Home',
    settings: (['grid_charging', 'input_power', 'reserve_soc'] as const).map((k) => setting(k, over[k])),
  };
}

function problem(code: ProblemCode, over: Partial<Problem> = {}): Problem {
  return { code, message: `message for ${code}`, since: NOW - 60_000, ...over };
}

const row = (m: MenuModel, id: string) => {
  const r = m.rows.find((x) => x.id === id);
  if (!r) throw new Error(`no row ${id}`);
  return r;
};
const visibleTexts = (m: MenuModel) => m.rows.filter((r) => !r.hidden && r.kind !== 'separator').map((r) => r.text);

describe('battery block', () => {
  test('the exact texts for a discharging battery', () => {
    const m = buildMenu(state(), 4, NOW);
    expect(visibleTexts(m)).toEqual([
      'Home · MS-A2 …0001',
      'State of charge: 57 %',
      'Discharging 310 W',
      'Today: +0.29 kWh charged, −0.64 kWh discharged',
      'Temperature: 22.0 °C',
      `Updated ${clock(NOW - 5_000)}`,
      'Battery control (unavailable)',
      'Publish to MQTT',
      'Refresh now',
      'Settings…',
      'Quit',
    ]);
    expect(clock(NOW - 5_000)).toBe('14:03:07');
  });

  test('charging, discharging and standby in words', () => {
    expect(powerWords({ status: 'charge', batteryPower: -245 })).toBe('Charging 245 W');
    expect(powerWords({ status: 'discharge', batteryPower: 310.4 })).toBe('Discharging 310 W');
    expect(powerWords({ status: 'lock', batteryPower: 0 })).toBe('Locked');
    expect(powerWords({ status: 'standby', batteryPower: 2 })).toBe('Standby');
    expect(powerWords({ status: 'standby', batteryPower: 0 })).toBe('Standby');
    // Status missing: derived from the sign (HA convention: + = discharging) with the standby dead band.
    expect(powerWords({ batteryPower: -120 })).toBe('Charging 120 W');
    expect(powerWords({ batteryPower: 80 })).toBe('Discharging 80 W');
    expect(powerWords({ batteryPower: 3 })).toBe('Standby');
  });

  test('missing values show –, never 0', () => {
    const b = battery({ soc: undefined, batteryPower: undefined, status: undefined, chargedToday: undefined, dischargedToday: undefined, temperature: undefined });
    const m = buildMenu(state({}, { batteries: [b] }), 4, NOW);
    expect(row(m, 'b0.soc').text).toBe(`State of charge: ${MISSING}`);
    expect(row(m, 'b0.power').text).toBe(`Power: ${MISSING}`);
    expect(row(m, 'b0.today').text).toBe(`Today: ${MISSING}`);
    expect(row(m, 'b0.temp').text).toBe(`Temperature: ${MISSING}`);
    expect(powerWords({ status: 'charge', batteryPower: undefined })).toBe(`Charging ${MISSING} W`);
    expect(todayText({ chargedToday: 0, dischargedToday: undefined })).toBe(`Today: +0 Wh charged, ${MISSING} discharged`);
    expect(todayText({ chargedToday: 40, dischargedToday: 12 })).toBe('Today: +40 Wh charged, −12 Wh discharged');
    expect(todayText({ chargedToday: undefined, dischargedToday: 12 })).toBe(`Today: ${MISSING} charged, −12 Wh discharged`);
    for (const r of m.rows) expect(r.text).not.toMatch(/\b0 (%|W|Wh)\b|: 0\b/);
    expect(row(m, 'b0.soc').text).not.toContain('NaN');
    const nan = buildMenu(state({}, { batteries: [battery({ soc: Number.NaN, temperature: Number.NaN })] }), 4, NOW);
    expect(row(nan, 'b0.soc').text).toBe(`State of charge: ${MISSING}`);
    expect(row(nan, 'b0.temp').text).toBe(`Temperature: ${MISSING}`);
  });

  test('a real zero is shown as 0', () => {
    const m = buildMenu(state({}, { batteries: [battery({ soc: 0, chargedToday: 0, dischargedToday: 0, temperature: 0, batteryPower: 0, status: 'standby' })] }), 4, NOW);
    expect(row(m, 'b0.soc').text).toBe('State of charge: 0 %');
    expect(row(m, 'b0.today').text).toBe('Today: +0 Wh charged, −0 Wh discharged');
    expect(row(m, 'b0.temp').text).toBe('Temperature: 0.0 °C');
    expect(row(m, 'b0.power').text).toBe('Standby');
  });

  test('number formats', () => {
    expect(energyText(999.6)).toBe('1000 Wh');
    expect(energyText(1000)).toBe('1.00 kWh');
    expect(energyText(12345)).toBe('12.35 kWh');
    expect(energyText(12, 'kWh')).toBe('0.01 kWh');
    // One unit per line: kWh for both as soon as either reaches 100 Wh.
    expect(todayText({ chargedToday: 290, dischargedToday: 740 })).toBe('Today: +0.29 kWh charged, −0.74 kWh discharged');
    expect(todayText({ chargedToday: 5, dischargedToday: 2400 })).toBe('Today: +0.01 kWh charged, −2.40 kWh discharged');
    expect(powerText(420)).toBe('420 W');
    expect(powerText(-420)).toBe('−420 W');
    expect(powerText(1234)).toBe('1.2 kW');
    expect(powerText(-0.2)).toBe('0 W');
    expect(row(buildMenu(state({}, { batteries: [battery({ temperature: -3.25 })] }), 4, NOW), 'b0.temp').text).toBe('Temperature: −3.3 °C');
    expect(row(buildMenu(state({}, { batteries: [battery({ soc: 57.6 })] }), 4, NOW), 'b0.soc').text).toBe('State of charge: 58 %');
  });

  test('updated: time, date when not today, stale, never', () => {
    const today = buildMenu(state(), 4, NOW);
    expect(row(today, 'b0.updated').text).toBe('Updated 14:03:07');
    const yesterday = new Date(2026, 10, 23, 23, 59, 1).getTime();
    const old = buildMenu(state({}, { batteries: [battery({ updatedAt: yesterday, fresh: false })] }), 4, NOW);
    expect(row(old, 'b0.updated').text).toBe('Updated 14 h 4 min ago – no fresh reading');
    const fresh = buildMenu(state({}, { batteries: [battery({ updatedAt: yesterday })] }), 4, NOW);
    expect(row(fresh, 'b0.updated').text).toBe('Updated 2026-11-23 23:59:01');
    // Stale: how old, and why.
    const notStreaming = buildMenu(state({}, { batteries: [battery({ fresh: false, live: false, updatedAt: NOW - 14 * 60_000 - 5_000 })] }), 4, NOW);
    expect(row(notStreaming, 'b0.updated').text).toBe('Updated 14 min ago – the battery is not streaming');
    const cloudDown = buildMenu(state({}, { batteries: [battery({ fresh: false, updatedAt: NOW - 3 * 60_000 })], problem: problem('cloud-unreachable') }), 4, NOW);
    expect(row(cloudDown, 'b0.updated').text).toBe('Updated 3 min ago – cloud unreachable');
    expect(ageText(30_000)).toBe('just now');
    expect(ageText(125 * 60_000)).toBe('2 h 5 min ago');
    expect(ageText(50 * 3600_000)).toBe('2 days ago');
    const never = buildMenu(state({}, { batteries: [battery({ updatedAt: undefined, fresh: false })] }), 4, NOW);
    expect(row(never, 'b0.updated').text).toBe('Not updated yet');
  });

  test('header: the station name from the cloud and the battery as the user knows them', () => {
    expect(row(buildMenu(state(), 4, NOW), 'b0.header').text).toBe('Home · MS-A2 …0001');
    expect(row(buildMenu(state({}, { batteries: [battery({ stationName: 'Home East', sn: '280024290529' })] }), 4, NOW), 'b0.header').text).toBe('Home East · MS-A2 …0529');
    expect(row(buildMenu(state({}, { batteries: [battery({ sn: '' })] }), 4, NOW), 'b0.header').text).toBe('Home · MS-A2');
    expect(row(buildMenu(state({}, { batteries: [battery({ stationName: '' })] }), 4, NOW), 'b0.header').text).toBe('MS-A2 …0001');
  });

  test('solar, grid and house power on one line, where the data has them', () => {
    const m = buildMenu(state({}, { batteries: [battery({ pvPower: 1200, gridPower: -420, loadPower: 380 })] }), 4, NOW);
    expect(row(m, 'b0.flow')).toMatchObject({ text: 'Solar 1.2 kW · Grid −420 W · House 380 W', hidden: false });
    expect(row(buildMenu(state({}, { batteries: [battery({ pvPower: 0, loadPower: 95 })] }), 4, NOW), 'b0.flow').text).toBe('Solar 0 W · House 95 W');
    expect(flowText({ gridPower: 310 })).toBe('Grid 310 W');
    // No such data: no line.
    expect(row(buildMenu(state(), 4, NOW), 'b0.flow').hidden).toBe(true);
  });

  test('before the first reading: one block of dashes', () => {
    const m = buildMenu(state({}, { batteries: [], lastSuccess: undefined, cycles: 0 }), 4, NOW);
    expect(visibleTexts(m).slice(0, 6)).toEqual([
      'Hoymiles MS-A2',
      `State of charge: ${MISSING}`,
      `Power: ${MISSING}`,
      `Today: ${MISSING}`,
      `Temperature: ${MISSING}`,
      'Not updated yet',
    ]);
    expect(m.tooltip).toBe('Hoymiles MS-A2 · waiting for data');
    expect(m.title).toBe('');
    expect(m.icon).toBe('unknown');
  });
});

describe('layout', () => {
  test('fixed rows for a given maxBatteries, whatever the state', () => {
    const ids = (m: MenuModel) => m.rows.map((r) => r.id);
    const a = buildMenu(state({}, { batteries: [] }), 4, NOW);
    const b = buildMenu(state({}, { batteries: [battery(), battery({ sn: 'B', master: false }), battery({ sn: 'C', master: false })] }), 4, NOW);
    const c = buildMenu(state({ brokerProblem: 'MQTT broker unreachable' }, { problem: problem('wrong-password') }), 4, NOW);
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).toEqual(ids(c));
    const d = buildMenu(state({ controls: [station('A'), station('B')], autostart: true, logPath: '/x.log', controlError: 'x' }), 4, NOW);
    expect(ids(a)).toEqual(ids(d));
    // Per battery slot: 7 block rows (+ a gap from the second on) and 6 Battery control rows; 7 feed control rows
    // for up to 2 master units; then 12 fixed rows.
    expect(a.rows).toHaveLength(7 * 4 + 3 + 6 * 4 + 7 * 2 + 12);
    expect(buildMenu(state(), 1, NOW).rows).toHaveLength(7 + 6 + 7 + 12);
    expect(buildMenu(state(), 0, NOW).rows).toHaveLength(7 + 6 + 7 + 12); // at least one block
    // The confirmation and the notice do not change the shape either.
    const e = buildMenu(state({ controls: [station('HMSA2000001')], confirm: { what: 'grid_charging', sn: 'HMSA2000001', value: true }, controlNotice: 'x' }), 4, NOW);
    expect(ids(e)).toEqual(ids(a));
  });

  test('unused blocks hidden; extra batteries beyond maxBatteries ignored', () => {
    const two = buildMenu(state({}, { batteries: [battery(), battery({ sn: 'SECOND', master: false, soc: 40 })] }), 4, NOW);
    expect(row(two, 'b1.gap').hidden).toBe(false);
    expect(row(two, 'b1.header').text).toBe('Home · MS-A2 …COND');
    expect(row(two, 'b1.soc').text).toBe('State of charge: 40 %');
    for (const i of [2, 3]) {
      expect(two.rows.filter((r) => r.id.startsWith(`b${i}.`)).every((r) => r.hidden)).toBe(true);
    }
    const many = buildMenu(state({}, { batteries: [1, 2, 3].map((n) => battery({ sn: `S${n}` })) }), 2, NOW);
    expect(visibleTexts(many).filter((t) => t.startsWith('Home ·'))).toEqual(['Home · MS-A2 S1', 'Home · MS-A2 S2']);
  });

  test('the order: blocks, Battery control, problem, Publish, Refresh, Start at login, Open log, Settings, Quit', () => {
    const m = buildMenu(state({ controls: [station('A')], autostart: false, logPath: '/x.log', brokerProblem: 'MQTT broker unreachable' }), 2, NOW);
    const top = m.rows.filter((r) => !r.hidden && !r.parent).map((r) => (r.kind === 'separator' ? '—' : r.text));
    expect(top).toEqual([
      'Home · MS-A2 …0001',
      'State of charge: 57 %',
      'Discharging 310 W',
      'Today: +0.29 kWh charged, −0.64 kWh discharged',
      'Temperature: 22.0 °C',
      'Updated 14:03:07',
      '—',
      'Battery control',
      '—',
      '⚠ MQTT broker unreachable',
      'Publish to MQTT',
      'Refresh now',
      'Start at login',
      'Open log',
      'Settings…',
      '—',
      'Quit',
    ]);
    // Children follow their parent directly (systray2 numbers items depth-first: rows and __ids line up).
    const first = m.rows.findIndex((r) => r.parent === 'controls');
    expect(m.rows[first - 1]!.id).toBe('controls');
    const children = m.rows.filter((r) => r.parent === 'controls');
    expect(m.rows.slice(first, first + children.length)).toEqual(children);
  });

  test('readings are normal (enabled) rows that open the settings page; controls enabled with their actions; separators never hidden', () => {
    const m = buildMenu(state(), 4, NOW);
    for (const r of m.rows.filter((x) => x.id.startsWith('b') && !x.id.endsWith('.gap'))) expect(r).toMatchObject({ enabled: true, action: 'openSettings' });
    expect(row(m, 'b1.gap').enabled).toBe(false);
    expect(row(m, 'publish')).toMatchObject({ kind: 'checkbox', text: LABELS.publish, checked: true, enabled: true, action: 'togglePublish' });
    expect(row(m, 'refresh')).toMatchObject({ text: 'Refresh now', enabled: true, action: 'refresh' });
    expect(row(m, 'settings')).toMatchObject({ text: 'Settings…', enabled: true, action: 'openSettings' });
    expect(row(m, 'quit')).toMatchObject({ text: 'Quit', enabled: true, action: 'quit' });
    expect(m.rows.filter((r) => r.kind === 'separator').every((r) => !r.hidden)).toBe(true);
    expect(m.rows.filter((r) => r.kind !== 'checkbox').every((r) => !r.checked)).toBe(true);
  });

  test('publish checkbox follows publishing', () => {
    expect(row(buildMenu(state({ publishing: false }), 4, NOW), 'publish').checked).toBe(false);
    expect(row(buildMenu(state({ publishing: true }), 4, NOW), 'publish').checked).toBe(true);
  });

  test('glyph toggles (Linux): ☑/☐ in the text in both states, never the native checkmark', () => {
    const on = buildMenu(state({ publishing: true, autostart: true, controls: [station('HMSA2000001', { grid_charging: { value: true } })] }), 4, NOW, 'glyph');
    const off = buildMenu(state({ publishing: false, autostart: false, controls: [station('HMSA2000001')] }), 4, NOW, 'glyph');
    expect([row(on, 'publish').text, row(on, 'autostart').text, row(on, 'c0.grid_charging').text]).toEqual([
      `${CHECKED} Publish to MQTT`,
      `${CHECKED} Start at login`,
      `${CHECKED} Grid charging: on`,
    ]);
    expect([row(off, 'publish').text, row(off, 'autostart').text, row(off, 'c0.grid_charging').text]).toEqual([
      `${UNCHECKED} Publish to MQTT`,
      `${UNCHECKED} Start at login`,
      `${UNCHECKED} Grid charging: off`,
    ]);
    expect([...on.rows, ...off.rows].every((r) => !r.checked)).toBe(true);
  });
});

describe('problem line', () => {
  const text = (s: TrayState) => {
    const r = row(buildMenu(s, 4, NOW), 'problem');
    return r.hidden ? undefined : r.text;
  };

  test('hidden when all is well', () => {
    const r = row(buildMenu(state(), 4, NOW), 'problem');
    expect(r.hidden).toBe(true);
    expect(problemLine(state())).toBeUndefined();
  });

  test('one plain line per code', () => {
    const retryAt = new Date(2026, 10, 25, 0, 5, 0).getTime();
    const cases: [Problem, string][] = [
      [problem('wrong-password'), '⚠ Wrong Hoymiles password – open Settings'],
      [problem('no-credentials'), '⚠ No Hoymiles login – open Settings'],
      [problem('daily-limit', { retryAt }), '⚠ Daily login limit – retrying after 00:05'],
      [problem('daily-limit'), '⚠ Daily login limit – retrying later'],
      [problem('cloud-unreachable', { retryAt: NOW + 30_000 }), '⚠ Cloud unreachable – retrying'],
      [problem('cloud-error'), '⚠ Hoymiles cloud error – retrying'],
      [problem('login-rejected', { message: 'The Hoymiles account is locked. Unlock it in the S-Miles Home app.' }), '⚠ Hoymiles account locked – unlock it in S-Miles Home'],
      [problem('login-rejected', { message: 'Hoymiles rejected this app\'s login ("app version is low").' }), '⚠ Hoymiles rejected the login – update hoymiles-tray'],
      [problem('no-battery'), '⚠ No MS-A2 battery found – open Settings'],
    ];
    for (const [p, want] of cases) expect(text(state({}, { problem: p }))).toBe(want);
    expect(clockHM(retryAt)).toBe('00:05');
  });

  test('unknown codes fall back to the message, shortened', () => {
    const long = 'x'.repeat(200);
    const t = text(state({}, { problem: { code: 'something-new' as ProblemCode, message: long, since: NOW } }));
    expect(t?.startsWith('⚠ xxx')).toBe(true);
    expect(t!.length).toBeLessThanOrEqual(62);
    expect(t!.endsWith('…')).toBe(true);
  });

  test('broker problem', () => {
    expect(text(state({ brokerProblem: 'MQTT broker unreachable' }))).toBe('⚠ MQTT broker unreachable');
    expect(text(state({ brokerProblem: '⚠ MQTT broker unreachable' }))).toBe('⚠ MQTT broker unreachable');
    expect(text(state({ brokerProblem: '  ' }))).toBeUndefined();
  });

  test('only one line: settings-fixable cloud problems first, then the broker, then the rest', () => {
    expect(text(state({ brokerProblem: 'MQTT broker unreachable' }, { problem: problem('wrong-password') }))).toBe('⚠ Wrong Hoymiles password – open Settings');
    expect(text(state({ brokerProblem: 'MQTT broker unreachable' }, { problem: problem('cloud-unreachable') }))).toBe('⚠ MQTT broker unreachable');
    expect(buildMenu(state({ brokerProblem: 'a' }, { problem: problem('cloud-error') }), 4, NOW).rows.filter((r) => r.text.startsWith('⚠'))).toHaveLength(1);
  });

  test('a failed battery control write: plain words, only when nothing more important is shown', () => {
    const msg = 'The battery could not switch grid charging on: device offline.';
    expect(text(state({ controlError: msg }))).toBe('⚠ Battery control failed: the battery could not switch grid charging on: device offline');
    expect(row(buildMenu(state({ controlError: msg }), 4, NOW), 'problem')).toMatchObject({ enabled: false, tooltip: msg });
    expect(text(state({ controlError: 'Too soon: at most one change of this setting per 10 s (try again in 3.2 s).' }))).toBe(
      '⚠ Battery control failed: too soon: at most one change of this setting per 10 s (try again in 3.2 s)',
    );
    // Cut to fit a menu row (the full message is the row's tooltip).
    const long = text(state({ controlError: `The battery could not set the on-grid input power to 800 W: ${'x'.repeat(300)}` }))!;
    expect(long.length).toBeLessThanOrEqual(102);
    expect(long.endsWith('…')).toBe(true);
    expect(text(state({ controlError: '  ' }))).toBeUndefined();
    // Cloud and broker problems come first.
    expect(text(state({ controlError: msg, brokerProblem: 'MQTT broker unreachable' }))).toBe('⚠ MQTT broker unreachable');
    expect(text(state({ controlError: msg }, { problem: problem('cloud-unreachable') }))).toBe('⚠ Cloud unreachable – retrying');
    expect(buildMenu(state({ controlError: msg }), 4, NOW).tooltip).toBe('Home · 57 % · discharging 310 W · 14:03 · ⚠ Battery control failed');
  });

  test('a settings-fixable problem row opens Settings; others are plain text', () => {
    const fix = row(buildMenu(state({}, { problem: problem('wrong-password') }), 4, NOW), 'problem');
    expect(fix).toMatchObject({ enabled: true, action: 'openSettings', tooltip: 'message for wrong-password' });
    const info = row(buildMenu(state({}, { problem: problem('cloud-unreachable') }), 4, NOW), 'problem');
    expect(info.enabled).toBe(false);
    expect(info.action).toBeUndefined();
  });
});

describe('Battery control submenu', () => {
  const parent = (s: TrayState) => row(buildMenu(s, 4, NOW), 'controls');
  const children = (s: TrayState, max = 4) => buildMenu(s, max, NOW).rows.filter((r) => r.parent === 'controls' && !r.hidden);

  test('one station: grid charging checkbox, input power and reserve as links to the settings page', () => {
    const s = state({ controls: [station()] });
    expect(parent(s)).toMatchObject({ kind: 'submenu', text: 'Battery control', enabled: true, hidden: false });
    expect(children(s).map((r) => r.text)).toEqual(['Grid charging: off', 'Input power: 800 W…', 'Reserve: 10 %…']);
    const [grid, input, reserve] = children(s);
    // A click only asks (the tray then shows the confirming rows).
    expect(grid).toMatchObject({ kind: 'checkbox', checked: false, enabled: true, action: 'askConfirm', asks: { what: 'grid_charging', sn: 'HMSA2000001', value: true } });
    expect(input).toMatchObject({ kind: 'action', enabled: true, action: 'openSettings', arg: 'control-HMSA2000001-input_power' });
    expect(reserve).toMatchObject({ action: 'openSettings', arg: 'control-HMSA2000001-reserve_soc' });
    expect(grid!.tooltip).toContain('switch it on');
    const on = children(state({ controls: [station('HMSA2000001', { grid_charging: { value: true } })] }))[0]!;
    expect(on).toMatchObject({ text: 'Grid charging: on', checked: true, enabled: true });
    expect(on.tooltip).toContain('switch it off');
  });

  test('a change takes a confirming step: "Grid charging: off ▸ Turn on / Cancel"', () => {
    const asked = state({ controls: [station()], confirm: { what: 'grid_charging', sn: 'HMSA2000001', value: true } });
    const rows = children(asked);
    expect(rows.map((r) => r.text)).toEqual(['Grid charging: off ▸', '    Turn on grid charging', '    Cancel', 'Input power: 800 W…', 'Reserve: 10 %…']);
    expect(rows[0]).toMatchObject({ enabled: false });
    expect(rows[1]).toMatchObject({ action: 'confirmChange', enabled: true });
    expect(rows[2]).toMatchObject({ action: 'cancelConfirm', enabled: true });
    // Turning off.
    const off = children(state({ controls: [station('HMSA2000001', { grid_charging: { value: true } })], confirm: { what: 'grid_charging', sn: 'HMSA2000001', value: false } }));
    expect(off.map((r) => r.text).slice(0, 3)).toEqual(['Grid charging: on ▸', '    Turn off grid charging', '    Cancel']);
    // A confirmation that no longer fits (the value changed meanwhile, another station, a write running) is not offered.
    for (const c of [
      state({ controls: [station('HMSA2000001', { grid_charging: { value: true } })], confirm: { what: 'grid_charging', sn: 'HMSA2000001', value: true } }),
      state({ controls: [station()], confirm: { what: 'grid_charging', sn: 'OTHER', value: true } }),
      state({ controls: [station('HMSA2000001', { grid_charging: { writing: true } })], confirm: { what: 'grid_charging', sn: 'HMSA2000001', value: true } }),
    ]) {
      expect(children(c).filter((r) => r.id.endsWith('grid_confirm') || r.id.endsWith('grid_cancel'))).toEqual([]);
    }
    // Nothing in the model changes the battery from a single click: no visible row calls the app's change actions.
    const direct = (r: { action?: string; hidden: boolean }) => !r.hidden && ['toggleGridCharging', 'setEmsMode', 'clearSetpoint', 'confirmChange'].includes(r.action ?? '');
    expect(buildMenu(state({ controls: [station()] }), 4, NOW).rows.filter(direct)).toEqual([]);
  });

  test('the confirmed result is a menu line', () => {
    const at = new Date(2026, 10, 24, 10, 2).getTime();
    const note = controlNoticeText('grid_charging', true, at);
    expect(note).toBe('✓ Grid charging on – confirmed by the battery at 10:02');
    expect(row(buildMenu(state({ controlNotice: note }), 4, NOW), 'notice')).toMatchObject({ text: note, hidden: false });
    expect(row(buildMenu(state(), 4, NOW), 'notice').hidden).toBe(true);
    expect(settingWords('input_power', 800)).toBe('Input power 800 W');
  });

  test('while a write runs: "Grid charging…" disabled; numbers say applying', () => {
    const s = state({ controls: [station('SN', { grid_charging: { writing: true, value: true }, input_power: { writing: true } })] });
    const [grid, input] = children(s);
    expect(grid).toMatchObject({ text: 'Grid charging: switching…', enabled: false, checked: false });
    expect(input!.text).toBe('Input power: 800 W (applying…)…');
  });

  test('unknown values: dashes, the checkbox disabled; blocked settings say why in the tooltip', () => {
    const s = state({
      controls: [station('SN', { grid_charging: { value: undefined }, input_power: { value: undefined }, reserve_soc: { value: undefined, blocked: 'station 10 is in work mode 3' } })],
    });
    const [grid, input, reserve] = children(s);
    expect(grid).toMatchObject({ text: `Grid charging: ${MISSING}`, enabled: false, checked: false });
    expect(input!.text).toBe(`Input power: ${MISSING}…`);
    expect(reserve).toMatchObject({ text: `Reserve: ${MISSING}…`, tooltip: 'station 10 is in work mode 3' });
    for (const r of children(s)) expect(r.text).not.toMatch(/\b0 (W|%)/);
  });

  test('unsupported settings are hidden; a station without any is left out', () => {
    const s = state({ controls: [station('SN', { reserve_soc: { supported: false, value: undefined } })] });
    expect(children(s).map((r) => r.text)).toEqual(['Grid charging: off', 'Input power: 800 W…']);
    const none = station('NONE', { grid_charging: { supported: false }, input_power: { supported: false }, reserve_soc: { supported: false } });
    expect(children(state({ controls: [none, station('SN')] })).map((r) => r.text)).toEqual(['Grid charging: off', 'Input power: 800 W…', 'Reserve: 10 %…']);
  });

  test('two stations: a header per group', () => {
    const s = state({ controls: [station('AAA'), station('BBB', { grid_charging: { value: true } })] });
    expect(children(s).map((r) => r.text)).toEqual([
      'Home · MS-A2 AAA',
      'Grid charging: off',
      'Input power: 800 W…',
      'Reserve: 10 %…',
      'Home · MS-A2 BBB',
      'Grid charging: on',
      'Input power: 800 W…',
      'Reserve: 10 %…',
    ]);
    const headers = children(s).filter((r) => r.id.endsWith('.header'));
    expect(headers.every((r) => !r.enabled && !r.action)).toBe(true);
    expect(children(s).filter((r) => r.action === 'askConfirm').map((r) => [r.asks?.sn, r.checked])).toEqual([
      ['AAA', false],
      ['BBB', true],
    ]);
    // More stations than slots: the extra ones are left out.
    expect(children(state({ controls: [station('A1'), station('A2'), station('A3')] }), 2).filter((r) => r.id.endsWith('.header')).map((r) => r.text)).toEqual([
      'Home · MS-A2 A1',
      'Home · MS-A2 A2',
    ]);
  });

  test('the parent is never hidden: disabled with a hint while there is nothing to control', () => {
    const cases: [TrayState['controls'], string][] = [
      [undefined, 'Battery control (unavailable)'],
      [[], 'Battery control (reading…)'],
      [[station('SN', { grid_charging: { supported: undefined }, input_power: { supported: undefined }, reserve_soc: { supported: undefined } })], 'Battery control (reading…)'],
      [[station('SN', { grid_charging: { supported: false }, input_power: { supported: false }, reserve_soc: { supported: false } })], 'Battery control (not supported)'],
    ];
    for (const [controls, text] of cases) {
      const s = state({ controls });
      expect(parent(s)).toMatchObject({ text, enabled: false, hidden: false });
      expect(children(s)).toEqual([]);
    }
    // The same rows in every case (systray2 cannot add rows after start).
    const ids = (c: TrayState['controls']) => buildMenu(state({ controls: c }), 4, NOW).rows.map((r) => r.id);
    expect(ids(undefined)).toEqual(ids([station('A'), station('B')]));
  });
});

describe('Start at login and Open log', () => {
  test('hidden when not available', () => {
    const m = buildMenu(state(), 4, NOW);
    expect(row(m, 'autostart').hidden).toBe(true);
    expect(row(m, 'log').hidden).toBe(true);
  });

  test('a checkbox with the state read back from the OS; Open log with the path as tooltip', () => {
    const off = buildMenu(state({ autostart: false, logPath: '/home/u/.local/state/hoymiles-tray/app.log' }), 4, NOW);
    expect(row(off, 'autostart')).toMatchObject({ kind: 'checkbox', text: 'Start at login', checked: false, enabled: true, hidden: false, action: 'toggleAutostart' });
    expect(row(off, 'log')).toMatchObject({ kind: 'action', text: 'Open log', enabled: true, hidden: false, action: 'openLog', tooltip: '/home/u/.local/state/hoymiles-tray/app.log' });
    expect(row(buildMenu(state({ autostart: true }), 4, NOW), 'autostart')).toMatchObject({ checked: true, hidden: false });
    expect(LABELS.autostart).toBe('Start at login');
    expect(LABELS.openLog).toBe('Open log');
  });

  test('the demo: Start at login shown disabled with the reason, and a Demo header', () => {
    const m = buildMenu(state({ autostart: false, autostartBlocked: 'not in the demo', demo: true }), 4, NOW);
    expect(row(m, 'autostart')).toMatchObject({ text: 'Start at login (not in the demo)', enabled: false, hidden: false, checked: false, action: undefined });
    expect(row(m, 'b0.header').text).toBe('Demo · Home · MS-A2 …0001');
    expect(row(buildMenu(state(), 4, NOW), 'b0.header').text).not.toContain('Demo');
  });
});

describe('tooltip and macOS title', () => {
  test('discharging', () => {
    const m = buildMenu(state(), 4, NOW);
    expect(m.tooltip).toBe('Home · 57 % · discharging 310 W · 14:03');
    expect(m.title).toBe('57 % ↓310 W');
    const east = buildMenu(state({}, { batteries: [battery({ stationName: 'Home East', updatedAt: new Date(2026, 10, 24, 8, 3).getTime() })] }), 4, NOW);
    expect(east.tooltip).toBe('Home East · 57 % · discharging 310 W · 08:03');
  });

  test('charging and standby', () => {
    const c = buildMenu(state({}, { batteries: [battery({ soc: 58, batteryPower: -245, status: 'charge' })] }), 4, NOW);
    expect(c.tooltip).toBe('Home · 58 % · charging 245 W · 14:03');
    expect(c.title).toBe('58 % ↑245 W');
    const s = buildMenu(state({}, { batteries: [battery({ batteryPower: 1, status: 'standby' })] }), 4, NOW);
    expect(s.tooltip).toBe('Home · 57 % · standby · 14:03');
    expect(s.title).toBe('57 %');
  });

  test('missing values', () => {
    const m = buildMenu(state({}, { batteries: [battery({ soc: undefined, batteryPower: undefined, status: 'discharge' })] }), 4, NOW);
    expect(m.tooltip).toBe(`Home · ${MISSING} · discharging ${MISSING} W · 14:03`);
    expect(m.title).toBe(`${MISSING} ↓${MISSING} W`);
  });

  test('uses the battery picked in the settings, else the master battery', () => {
    const two = { batteries: [battery({ sn: 'SLAVE', master: false, soc: 11 }), battery({ soc: 80 })] };
    const m = buildMenu(state({}, two), 4, NOW);
    expect(m.tooltip.startsWith('Home · 80 %')).toBe(true);
    expect(m.icon).toBe('80-discharge');
    const picked = buildMenu(state({ iconBattery: 'SLAVE' }, two), 4, NOW);
    expect(picked.tooltip.startsWith('Home · 11 %')).toBe(true);
    expect(picked.title).toBe('11 % ↓310 W');
    expect(picked.icon).toBe('11-discharge-low');
    // The menu still shows both.
    expect(visibleTexts(picked).filter((t) => t.startsWith('State of charge'))).toEqual(['State of charge: 11 %', 'State of charge: 80 %']);
    // A serial that is not there: the default.
    expect(buildMenu(state({ iconBattery: 'GONE' }, two), 4, NOW).icon).toBe('80-discharge');
  });

  test('problem, stale and MQTT off are added; error shows ⚠ as title', () => {
    const p = buildMenu(state({ publishing: false }, { problem: problem('wrong-password'), batteries: [battery({ fresh: false })] }), 4, NOW);
    expect(p.tooltip).toBe('Home · 57 % · discharging 310 W · stale since 14:03 · ⚠ Wrong Hoymiles password · MQTT off');
    expect(p.title).toBe('⚠');
    const long = buildMenu(state({ brokerProblem: 'y'.repeat(300) }), 4, NOW);
    expect(long.tooltip.length).toBeLessThanOrEqual(TOOLTIP_MAX);
  });

  test('icon name comes with the model', () => {
    expect(buildMenu(state(), 4, NOW).icon).toBe('57-discharge');
    expect(buildMenu(state(), 4, NOW).iconSpec).toEqual({ kind: 'level', level: 57, mark: 'discharge', low: false, stale: false, warn: false });
  });
});

describe("control through the battery's own feed", () => {
  const view = { sn: '2800', dev: 'MSA-2800', range: { min: -1000, max: 1000, step: 1 }, keepingAlive: false };
  test('the EMS mode as three checkboxes, the confirmed one ticked, a sent one marked until confirmed', () => {
    const m = buildMenu(state({ controls: undefined, feedControls: [{ ...view, mode: 'general', pendingMode: 'mqtt_ctrl' }] }), 4, NOW);
    expect(row(m, 'controls')).toMatchObject({ text: 'Battery control', enabled: true });
    expect(row(m, 'f0.header')).toMatchObject({ text: 'EMS mode of MSA-2800', hidden: false });
    expect(row(m, 'f0.mode_general')).toMatchObject({ checked: true, enabled: false, text: 'Self-consumption (general)' });
    expect(row(m, 'f0.mode_mqtt_ctrl')).toMatchObject({ checked: false, enabled: false, text: 'MQTT control (mqtt_ctrl)…', action: 'askConfirm' });
    expect(row(m, 'f0.mode_tou_plan')).toMatchObject({ checked: false, enabled: true, action: 'askConfirm', asks: { what: 'ems_mode', sn: '2800', mode: 'tou_plan' } });
    expect(row(m, 'f0.setpoint')).toMatchObject({ text: 'Power setpoint: none', enabled: false });
    expect(row(m, 'f0.change_confirm').hidden).toBe(true);
    expect(row(m, 'f1.header').hidden).toBe(true);
    // Nothing switches the battery from a single click.
    expect(m.rows.filter((r) => !r.hidden && ['setEmsMode', 'clearSetpoint', 'confirmChange'].includes(r.action ?? ''))).toEqual([]);
  });
  test('an EMS mode change takes the confirming step: "MQTT control ▸ Switch to MQTT control / Cancel"', () => {
    const asked = (confirm: TrayState['confirm'], v = {}) => buildMenu(state({ controls: undefined, feedControls: [{ ...view, mode: 'general', ...v }], confirm }), 4, NOW);
    const m = asked({ what: 'ems_mode', sn: '2800', mode: 'mqtt_ctrl' });
    const shown = m.rows.filter((r) => r.id.startsWith('f0.') && !r.hidden);
    expect(shown.map((r) => r.text)).toEqual([
      'EMS mode of MSA-2800',
      'Self-consumption (general)',
      'MQTT control (mqtt_ctrl) ▸',
      'Time of use (tou_plan)',
      'Power setpoint: none',
      '    Switch to MQTT control',
      '    Cancel',
    ]);
    expect(row(m, 'f0.mode_mqtt_ctrl').enabled).toBe(false);
    expect(row(m, 'f0.change_confirm')).toMatchObject({ action: 'confirmChange', enabled: true });
    expect(row(m, 'f0.change_cancel')).toMatchObject({ action: 'cancelConfirm', enabled: true });
    // No longer fitting (the mode is already there, another mode on its way, another unit, grid charging): not offered.
    for (const c of [
      asked({ what: 'ems_mode', sn: '2800', mode: 'mqtt_ctrl' }, { mode: 'mqtt_ctrl' }),
      asked({ what: 'ems_mode', sn: '2800', mode: 'mqtt_ctrl' }, { pendingMode: 'tou_plan' }),
      asked({ what: 'ems_mode', sn: 'OTHER', mode: 'mqtt_ctrl' }),
      asked({ what: 'grid_charging', sn: '2800', value: true }),
      asked({ what: 'clear_setpoint', sn: '2800' }),
    ]) {
      expect(row(c, 'f0.change_confirm').hidden).toBe(true);
    }
  });
  test('a kept-alive setpoint can be cleared; unconfirmed shows "…"', () => {
    const m = buildMenu(state({ feedControls: [{ ...view, mode: 'mqtt_ctrl', setpoint: -500, keepingAlive: true }] }), 4, NOW);
    expect(row(m, 'f0.setpoint')).toMatchObject({ text: 'Power setpoint −500 W…: clear', enabled: true, action: 'askConfirm', asks: { what: 'clear_setpoint', sn: '2800' } });
    const asked = buildMenu(state({ feedControls: [{ ...view, mode: 'mqtt_ctrl', setpoint: -500, keepingAlive: true }], confirm: { what: 'clear_setpoint', sn: '2800' } }), 4, NOW);
    expect(row(asked, 'f0.setpoint')).toMatchObject({ text: 'Power setpoint −500 W…: clear ▸', enabled: false });
    expect(row(asked, 'f0.change_confirm')).toMatchObject({ text: '    Clear the power setpoint', hidden: false, action: 'confirmChange' });
    const confirmed = buildMenu(state({ feedControls: [{ ...view, mode: 'mqtt_ctrl', setpoint: 300, confirmedSetpoint: 300, keepingAlive: true }] }), 4, NOW);
    expect(row(confirmed, 'f0.setpoint').text).toBe('Power setpoint 300 W: clear');
  });
});

describe('the Battery control rows follow the settings table', () => {
  afterEach(() => setLanguage('en'));

  for (const lang of ['en', 'de'] as Language[]) {
    test(`names, units and the page's words come from each setting's row (${lang})`, () => {
      setLanguage(lang);
      const m = buildMenu(state({ controls: [station()] }), 4, NOW);
      const ip = CLOUD_CONTROLS.input_power;
      const rs = CLOUD_CONTROLS.reserve_soc;
      expect(row(m, 'c0.input_power').text).toBe(`${t(ip.short!)}: 800 ${ip.unit}…`);
      expect(row(m, 'c0.reserve_soc').text).toBe(`${t(rs.short!)}: 10 ${rs.unit}…`);
      expect(row(m, 'c0.input_power').tooltip).toContain(t(ip.label));
      expect(row(m, 'c0.grid_charging').text).toContain(t(CLOUD_CONTROLS.grid_charging.label));
      expect(row(m, 'refresh').text).toBe(t(CLOUD_CONTROLS.refresh.label));
      for (const key of SETTING_KEYS) {
        const def = CLOUD_CONTROLS[key];
        if (def.platform === 'number') expect(settingWords(key, 5)).toBe(`${t(def.short ?? def.label)} 5 ${def.unit}`);
        else expect(settingWords(key, true)).toContain(t(def.label));
      }
    });
  }
});
