/** The Home Assistant entities of the battery's settings, derived from their rows. */
import { describe, expect, it } from 'vitest';
import { CLOUD_CONTROLS, controlName, FEED_CONTROLS, RESERVE_SOC, type ControlDef } from '../../src/controls/battery-settings.js';
import { controlComponent, controlComponents } from '../../src/controls/ha-components.js';
import { discoveryPayload } from '../../src/mqtt/discovery.js';
import { discoveryProblems } from '../helpers/ha-rules.js';

const SN = '280024290529';

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

describe('derived from the table', () => {
  it('each entity carries its row: platform, name, unit, range, options, command topic', () => {
    const rows: ControlDef[] = [...Object.values(CLOUD_CONTROLS), ...Object.values(FEED_CONTROLS)];
    for (const d of rows) {
      const c = controlComponent(d, SN, 'base');
      expect(c.platform, d.key).toBe(d.platform);
      expect(c.name, d.key).toBe(controlName(d, 'en'));
      expect(c.unique_id).toBe(`hoymiles_msa2_${SN}_${d.key}`);
      expect(c.command_topic).toBe(`base/${SN}/${d.topicKey ?? d.key}/set`);
      if (d.range) expect([c.min, c.max, c.step, c.unit_of_measurement], d.key).toEqual([d.range.min, d.range.max, d.range.step, d.unit]);
      else expect(c.min, d.key).toBeUndefined();
      expect(c.options, d.key).toEqual(d.options ? [...d.options] : undefined);
      expect(c.payload_press, d.key).toBe(d.press);
      expect(c.value_template, d.key).toBe(d.platform === 'button' ? undefined : `{{ value_json.${d.key} }}`);
    }
  });

  it("a narrower range (station, firmware config) replaces the row's own", () => {
    expect(controlComponent(FEED_CONTROLS.power_setpoint, SN, 'b', { min: -800, max: 800, step: 1 })).toMatchObject({ min: -800, max: 800, step: 1 });
  });
});
