/**
 * The Home Assistant entities of the battery's settings (mqtt-home-assistant.md §5, §10.3), derived from their
 * rows in battery-settings.ts: the platform decides the payload keys, the row gives unit, range, options, icon
 * and name. Every entity writes `<base>/<sn>/<key>/set` (never retained) and, but for buttons, reads its value
 * from the shared state JSON. Pure.
 */
import { sanitizeId, topics } from '../mqtt/topics.js';
import { CLOUD_CONTROLS, CONTROL_KEYS, controlName, DEFAULT_INPUT_POWER, type ControlDef, type ControlKey, type NumberRange } from './battery-settings.js';

export type Component = Record<string, unknown>;

/** One control's discovery component for battery `sn`; `range` narrows a number's own (station, firmware). */
export function controlComponent(def: ControlDef, sn: string, base: string, range: NumberRange | undefined = def.range): Component {
  const c: Component = {
    platform: def.platform,
    unique_id: `${topics.deviceId(sn)}_${def.key}`,
    default_entity_id: `${def.platform}.msa2_${sanitizeId(sn)}_${def.key}`,
    // English, whatever the entity language: the controls were always announced so.
    name: controlName(def, 'en'),
    command_topic: topics.command(base, sn, def.topicKey ?? def.key),
  };
  if (def.icon) c.icon = def.icon;
  if (def.deviceClass) c.device_class = def.deviceClass;
  switch (def.platform) {
    case 'switch':
      Object.assign(c, { payload_on: 'ON', payload_off: 'OFF', state_on: 'ON', state_off: 'OFF' });
      break;
    case 'number':
      Object.assign(c, { unit_of_measurement: def.unit, min: range!.min, max: range!.max, step: range!.step, mode: 'box' });
      break;
    case 'select':
      c.options = [...def.options!];
      break;
    case 'button':
      c.payload_press = def.press;
      break;
  }
  c.entity_category = 'config';
  if (def.platform !== 'button') c.value_template = `{{ value_json.${def.key} }}`;
  return c;
}

/** Discovery components for the given cloud controls of one battery (the station's master), in table order. */
export function controlComponents(sn: string, base: string, offered: readonly ControlKey[], inputPower: NumberRange = DEFAULT_INPUT_POWER): Record<string, Component> {
  const out: Record<string, Component> = {};
  for (const key of CONTROL_KEYS) {
    if (offered.includes(key)) out[key] = controlComponent(CLOUD_CONTROLS[key], sn, base, key === 'input_power' ? inputPower : undefined);
  }
  return out;
}
