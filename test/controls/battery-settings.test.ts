import { describe, expect, it } from 'vitest';
import { controlComponents, DEFAULT_INPUT_POWER, parseCommand, settingDefs, RESERVE_SOC } from '../../src/controls/battery-settings.js';
import { discoveryPayload } from '../../src/mqtt/discovery.js';
import { discoveryProblems } from '../helpers/ha-rules.js';

const SN = '280024290529';

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
  const defs = settingDefs();

  it('write bodies are exactly the app bodies (reference §7.2)', () => {
    expect(defs.grid_charging.writeData(42, true)).toEqual({ enable: 1, sid: 42, target: 2, type: 1 });
    expect(defs.grid_charging.writeData(42, false)).toEqual({ enable: 0, sid: 42 });
    expect(defs.input_power.writeData(42, 1000)).toEqual({ power: 1000, sid: 42 });
    expect(defs.reserve_soc.writeData(42, 30)).toEqual({ sid: 42, mode: 2, soc_l: 30, soc_h: 100 });
    expect([defs.grid_charging.action, defs.input_power.action, defs.reserve_soc.action]).toEqual([1503, 1513, 83]);
  });

  it('read results: numbers as strings, unknown shapes stay unknown, other work modes give no reserve', () => {
    expect(defs.input_power.read({ power: '750' })).toEqual({ value: 750 });
    expect(defs.input_power.read({})).toEqual({});
    expect(defs.grid_charging.read({ enable: 1 })).toEqual({ value: true });
    expect(defs.grid_charging.read({ enable: '0' })).toEqual({ value: false });
    expect(defs.grid_charging.read({ enable: 7 })).toEqual({});
    expect(defs.reserve_soc.read({ mode: 2, k_2: { soc_l: 20, soc_h: 100 } })).toEqual({ value: 20, mode: 2 });
    expect(defs.reserve_soc.read({ mode: 8, k_2: { soc_l: 20 } })).toEqual({ mode: 8 });
  });

  it('state values: ON/OFF for the switch, numbers, null while unknown', () => {
    expect(defs.grid_charging.stateValue(true)).toBe('ON');
    expect(defs.grid_charging.stateValue(false)).toBe('OFF');
    expect(defs.grid_charging.stateValue(undefined)).toBeNull();
    expect(defs.reserve_soc.stateValue(25)).toBe(25);
  });
});

describe('Home Assistant entities', () => {
  it('all four are valid components of the device discovery', () => {
    const extra = controlComponents(SN, 'hoymiles-ms-a2', ['grid_charging', 'input_power', 'reserve_soc', 'refresh']);
    const payload = discoveryPayload({ sn: SN, stationName: 'Home' }, { base: 'hoymiles-ms-a2', appVersion: '1.0.0', extraComponents: () => extra });
    expect(discoveryProblems(`homeassistant/device/hoymiles_msa2_${SN}/config`, payload)).toEqual([]);
    const c = (payload.components as Record<string, any>);
    expect(c.grid_charging).toMatchObject({
      platform: 'switch',
      unique_id: `hoymiles_msa2_${SN}_grid_charging`,
      default_entity_id: `switch.msa2_${SN}_grid_charging`,
      command_topic: `hoymiles-ms-a2/${SN}/grid_charging/set`,
      payload_on: 'ON',
      payload_off: 'OFF',
      state_on: 'ON',
      state_off: 'OFF',
      value_template: '{{ value_json.grid_charging }}',
    });
    expect(c.input_power).toMatchObject({ platform: 'number', min: 0, max: 2000, step: 1, mode: 'box', unit_of_measurement: 'W', entity_category: 'config', value_template: '{{ value_json.input_power }}' });
    expect(c.reserve_soc).toMatchObject({ platform: 'number', ...RESERVE_SOC, mode: 'box', unit_of_measurement: '%', entity_category: 'config', default_entity_id: `number.msa2_${SN}_reserve_soc` });
    expect(c.refresh).toMatchObject({ platform: 'button', payload_press: 'PRESS', command_topic: `hoymiles-ms-a2/${SN}/refresh/set`, default_entity_id: `button.msa2_${SN}_refresh` });
    // State comes from the shared state topic; nothing ever retains a command.
    expect(payload.state_topic).toBe(`hoymiles-ms-a2/${SN}/state`);
    for (const comp of Object.values(c)) expect(comp.retain).toBeUndefined();
  });

  it('only the offered controls appear', () => {
    expect(Object.keys(controlComponents(SN, 'b', ['refresh', 'input_power']))).toEqual(['input_power', 'refresh']);
    expect(controlComponents(SN, 'b', [])).toEqual({});
  });
});
