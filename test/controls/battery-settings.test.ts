import { describe, expect, it } from 'vitest';
import {
  CLOUD_CONTROLS,
  CONTROL_KEYS,
  DEFAULT_INPUT_POWER,
  describeChange,
  describeValue,
  EMS_MODES,
  FEED_COMMAND_KEYS,
  FEED_CONTROLS,
  isControlKey,
  parseCommand,
  parseControl,
  RESERVE_SOC,
  SETPOINT_RANGE,
  SETTING_KEYS,
  stateValue,
  type ControlDef,
} from '../../src/controls/battery-settings.js';
import { CATALOGS } from '../../src/i18n/index.js';

describe('strict command parsing', () => {
  it('switch: exactly ON or OFF', () => {
    expect(parseCommand('grid_charging', 'ON')).toEqual({ ok: true, value: true });
    expect(parseCommand('grid_charging', 'OFF')).toEqual({ ok: true, value: false });
    for (const bad of ['on', 'true', '1', '', ' ON', 'ONN']) expect(parseCommand('grid_charging', bad).ok).toBe(false);
  });

  it('button: exactly PRESS', () => {
    expect(parseCommand('refresh', 'PRESS')).toEqual({ ok: true, value: true });
    for (const bad of ['press', '', 'ON']) expect(parseCommand('refresh', bad).ok).toBe(false);
  });

  it('numbers: plain decimals within the range and on the step', () => {
    expect(parseCommand('input_power', '800')).toEqual({ ok: true, value: 800 });
    expect(parseCommand('input_power', '800.0')).toEqual({ ok: true, value: 800 }); // HA may send floats
    expect(parseCommand('input_power', '0')).toEqual({ ok: true, value: 0 });
    expect(parseCommand('input_power', '802\n')).toEqual({ ok: true, value: 802 }); // mosquitto_pub -s, echo
    expect(parseCommand('input_power', String(DEFAULT_INPUT_POWER.max))).toEqual({ ok: true, value: DEFAULT_INPUT_POWER.max });
    expect(parseCommand('reserve_soc', '10')).toEqual({ ok: true, value: 10 });
    expect(parseCommand('reserve_soc', '100')).toEqual({ ok: true, value: 100 });
    const refusals: [Parameters<typeof parseCommand>[0], string, RegExp][] = [
      ['input_power', '', /not a number/],
      ['input_power', 'abc', /not a number/],
      ['input_power', '1e3', /not a number/],
      ['input_power', '0x10', /not a number/],
      ['input_power', 'NaN', /not a number/],
      ['input_power', 'Infinity', /not a number/],
      ['input_power', '+5', /not a number/],
      ['input_power', '{"power":5}', /not a number/],
      ['input_power', '-1', /outside 0–2000 W/],
      ['input_power', '2001', /outside/],
      ['input_power', '800.5', /step 1 W/],
      ['reserve_soc', '5', /outside 10–100 %/],
      ['reserve_soc', '101', /outside/],
      ['reserve_soc', '50.5', /step/],
      // Only a plain number: no padding, no second line, exactly on the step.
      ['input_power', ' 801', /not a number/],
      ['input_power', '801 ', /not a number/],
      ['input_power', ' 0 ', /not a number/],
      ['input_power', '802\n\n', /not a number/],
      ['input_power', '802\r\n', /not a number/],
      ['input_power', `800${' '.repeat(1024 * 1024)}`, /not a number/],
      ['input_power', '800.0000000001', /step 1 W/],
      ['reserve_soc', '20.000000000000001', /step/],
      ['input_power', '1'.repeat(1024 * 1024), /not a number/],
    ];
    for (const [key, payload, reason] of refusals) {
      const r = parseCommand(key, payload);
      expect(r.ok, `${key} ${payload}`).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
      if (!r.ok) expect(r.reason.length, 'a refusal quotes a bounded value').toBeLessThan(120);
    }
  });

  it('a custom input power range is honoured', () => {
    expect(parseCommand('input_power', '2500', { min: 0, max: 3000, step: 100 })).toEqual({ ok: true, value: 2500 });
    expect(parseCommand('input_power', '2550', { min: 0, max: 3000, step: 100 }).ok).toBe(false);
  });
});

describe('setting definitions', () => {
  const defs = CLOUD_CONTROLS;

  it('write bodies are exactly the app bodies (reference §7.2)', () => {
    expect(defs.grid_charging.job.writeData(42, true)).toEqual({ enable: 1, sid: 42, target: 2, type: 1 });
    expect(defs.grid_charging.job.writeData(42, false)).toEqual({ enable: 0, sid: 42 });
    expect(defs.input_power.job.writeData(42, 1000)).toEqual({ power: 1000, sid: 42 });
    expect(defs.reserve_soc.job.writeData(42, 30)).toEqual({ sid: 42, mode: 2, soc_l: 30, soc_h: 100 });
    expect([defs.grid_charging.job.action, defs.input_power.job.action, defs.reserve_soc.job.action]).toEqual([1503, 1513, 83]);
  });

  it('read results: numbers as strings, unknown shapes stay unknown, other work modes give no reserve', () => {
    expect(defs.input_power.job.read({ power: '750' })).toEqual({ value: 750 });
    expect(defs.input_power.job.read({})).toEqual({});
    expect(defs.grid_charging.job.read({ enable: 1 })).toEqual({ value: true });
    expect(defs.grid_charging.job.read({ enable: '0' })).toEqual({ value: false });
    expect(defs.grid_charging.job.read({ enable: 7 })).toEqual({});
    expect(defs.reserve_soc.job.read({ mode: 2, k_2: { soc_l: 20, soc_h: 100 } })).toEqual({ value: 20, mode: 2 });
    expect(defs.reserve_soc.job.read({ mode: 8, k_2: { soc_l: 20 } })).toEqual({ mode: 8 });
  });

  it('state values: ON/OFF for the switch, numbers, null while unknown', () => {
    expect(stateValue(defs.grid_charging, true)).toBe('ON');
    expect(stateValue(defs.grid_charging, false)).toBe('OFF');
    expect(stateValue(defs.grid_charging, undefined)).toBeNull();
    expect(stateValue(defs.reserve_soc, 25)).toBe(25);
    expect(stateValue(defs.input_power, undefined)).toBeNull();
    expect(stateValue(FEED_CONTROLS.ems_mode, 'mqtt_ctrl')).toBe('mqtt_ctrl');
  });

  it('words for the log: what is being done, and what is kept', () => {
    expect(describeChange(defs.grid_charging, true)).toBe('switch grid charging on');
    expect(describeChange(defs.input_power, 800)).toBe('set the on-grid input power to 800 W');
    expect(describeChange(defs.reserve_soc, 30)).toBe('set the reserve state of charge to 30 %');
    expect(describeValue(defs.grid_charging, false)).toBe('grid charging off');
    expect(describeValue(defs.input_power, 800)).toBe('the on-grid input power at 800 W');
    expect(describeValue(defs.reserve_soc, undefined)).toBe('the reserve state of charge unknown');
  });
});

describe('the table', () => {
  const rows: ControlDef[] = [...Object.values(CLOUD_CONTROLS), ...Object.values(FEED_CONTROLS)];

  it('every row is complete for its platform', () => {
    for (const d of rows) {
      const at = `${d.source} ${d.key}`;
      expect(d.key, at).toMatch(/^[a-z_]+$/);
      expect(['switch', 'number', 'select', 'button'], at).toContain(d.platform);
      for (const key of [d.label, d.short].filter((k) => k !== undefined)) {
        for (const [lang, cat] of Object.entries(CATALOGS)) expect((cat as Record<string, string>)[key!], `${at} ${key} in ${lang}`).toBeTruthy();
      }
      expect(!!d.range, `${at}: a range exactly for numbers`).toBe(d.platform === 'number');
      expect(d.unit !== '', `${at}: a unit exactly for numbers`).toBe(d.platform === 'number');
      expect(!!d.options?.length, `${at}: options exactly for selects`).toBe(d.platform === 'select');
      expect(!!d.press, `${at}: a press payload exactly for buttons`).toBe(d.platform === 'button');
      for (const o of d.options ?? []) expect(d.optionLabels?.[o], `${at}: words for ${o}`).toBeTruthy();
      if (d.topicKey) expect(rows.map((r) => r.key), `${at}: writes another row's topic`).toContain(d.topicKey);
    }
    // The keys are the entities' unique id suffixes: never two alike.
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    expect(Object.keys(CLOUD_CONTROLS)).toEqual([...CONTROL_KEYS]);
    expect(CONTROL_KEYS.filter((k) => k !== 'refresh')).toEqual([...SETTING_KEYS]);
    for (const k of SETTING_KEYS) expect(CLOUD_CONTROLS[k].job, k).toBeDefined();
    expect(isControlKey('refresh') && !isControlKey('ems_mode') && !isControlKey('__proto__')).toBe(true);
  });

  it('ranges: min below max, a positive step, the ends on the step', () => {
    for (const d of rows.filter((r) => r.range)) {
      const r = d.range!;
      expect(r.min, d.key).toBeLessThan(r.max);
      expect(r.step, d.key).toBeGreaterThan(0);
      expect(Number.isInteger((r.max - r.min) / r.step), d.key).toBe(true);
      expect(parseControl(d, String(r.min))).toEqual({ ok: true, value: r.min });
      expect(parseControl(d, String(r.max))).toEqual({ ok: true, value: r.max });
      expect(parseControl(d, String(r.max + r.step)).ok, d.key).toBe(false);
      expect(parseControl(d, String(r.min - r.step)).ok, d.key).toBe(false);
    }
    expect(CLOUD_CONTROLS.input_power.range).toEqual(DEFAULT_INPUT_POWER);
    expect(CLOUD_CONTROLS.reserve_soc.range).toEqual({ min: 10, max: 100, step: 1 });
    expect(RESERVE_SOC).toEqual({ min: 10, max: 100, step: 1 });
    expect(FEED_CONTROLS.power_setpoint.range).toEqual(SETPOINT_RANGE);
    expect(SETPOINT_RANGE).toEqual({ min: -1000, max: 1000, step: 1 });
  });

  it('parsing follows the platform: switch, number, select, button', () => {
    expect(parseControl(FEED_CONTROLS.ems_mode, 'mqtt_ctrl')).toEqual({ ok: true, value: 'mqtt_ctrl' });
    for (const m of EMS_MODES) expect(parseControl(FEED_CONTROLS.ems_mode, m).ok).toBe(true);
    for (const bad of ['MQTT_CTRL', 'turbo', '', ' general']) {
      const r = parseControl(FEED_CONTROLS.ems_mode, bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/is not one of general, mqtt_ctrl, tou_plan/);
    }
    expect(parseControl(FEED_CONTROLS.power_setpoint, '-500')).toEqual({ ok: true, value: -500 });
    expect(parseControl(FEED_CONTROLS.power_setpoint, '-1001').ok).toBe(false);
    expect(parseControl(FEED_CONTROLS.power_setpoint, '200', { min: -100, max: 100, step: 1 }).ok).toBe(false);
    expect(parseControl(FEED_CONTROLS.power_setpoint_clear, 'CLEAR')).toEqual({ ok: true, value: true });
    expect(parseControl(FEED_CONTROLS.power_setpoint_clear, 'PRESS').ok).toBe(false);
    expect(parseControl(CLOUD_CONTROLS.grid_charging, 'ON')).toEqual({ ok: true, value: true });
  });

  it('the feed listens on the topics of its rows: the mode and the setpoint (the clear button shares it)', () => {
    expect(FEED_COMMAND_KEYS).toEqual(['ems_mode', 'power_setpoint']);
  });
});
