/**
 * Home Assistant's rules for MQTT device discovery, written from HA's documented schema (reference
 * mqtt-home-assistant.md §2–3), independent of the app's own code: the app's payloads are checked against it.
 */
const UNITS: Record<string, string[]> = {
  battery: ['%'],
  power: ['mW', 'W', 'kW', 'MW', 'GW', 'TW'],
  temperature: ['°C', '°F', 'K'],
  energy: ['Wh', 'kWh', 'MWh', 'GWh', 'mWh', 'kJ', 'MJ', 'GJ'],
};
const STATE_CLASSES: Record<string, string[]> = {
  battery: ['measurement'],
  power: ['measurement'],
  temperature: ['measurement'],
  energy: ['total', 'total_increasing'],
};
const ID = /^[a-zA-Z0-9_-]+$/;

export function discoveryProblems(topic: string, payload: any, prefix = 'homeassistant'): string[] {
  const p: string[] = [];
  const m = topic.match(new RegExp(`^${prefix}/device/([^/]+)/config$`));
  if (!m || !ID.test(m[1]!)) p.push(`illegal discovery topic ${topic}`);
  if (!payload?.device?.identifiers?.length && !payload?.device?.connections?.length) p.push('device needs identifiers');
  if (!payload?.origin?.name) p.push('origin.name is required');
  if (payload?.origin?.support_url && !/^https?:\/\//.test(payload.origin.support_url)) p.push('origin.support_url must be a URL');
  const cmps = payload?.components ?? payload?.cmps;
  if (!cmps || typeof cmps !== 'object' || !Object.keys(cmps).length) p.push('components required');
  const uids = new Set<string>();
  for (const [key, c] of Object.entries<any>(cmps ?? {})) {
    const at = `component ${key}`;
    if (!ID.test(key)) p.push(`${at}: illegal id`);
    if (!c.platform) p.push(`${at}: platform required`);
    if (!c.unique_id) p.push(`${at}: unique_id required`);
    if (uids.has(c.unique_id)) p.push(`${at}: duplicate unique_id`);
    uids.add(c.unique_id);
    if ('object_id' in c) p.push(`${at}: object_id is deprecated`);
    if (c.default_entity_id && !c.default_entity_id.startsWith(`${c.platform}.`)) p.push(`${at}: default_entity_id must start with the platform`);
    if (typeof c.name === 'string' && c.name.startsWith(payload.device?.name ?? '\u0000')) p.push(`${at}: name must not start with the device name`);
    if ((c.platform === 'sensor' || c.platform === 'binary_sensor') && c.entity_category === 'config') p.push(`${at}: config category on a sensor`);
    if (c.device_class === 'enum') {
      if (!Array.isArray(c.options) || !c.options.length) p.push(`${at}: enum needs options`);
      if (c.unit_of_measurement || c.state_class) p.push(`${at}: enum takes no unit or state_class`);
    } else if (c.platform === 'select') {
      // A select's options are its choices (required), with no device_class.
      if (!Array.isArray(c.options) || !c.options.length || c.options.some((o: unknown) => typeof o !== 'string')) p.push(`${at}: select needs options`);
    } else if (c.options) p.push(`${at}: options need device_class enum`);
    const units = UNITS[c.device_class];
    if (units && c.platform === 'sensor') {
      if (!units.includes(c.unit_of_measurement)) p.push(`${at}: unit ${c.unit_of_measurement} invalid for ${c.device_class}`);
      if (c.state_class && !STATE_CLASSES[c.device_class]!.includes(c.state_class)) p.push(`${at}: state_class ${c.state_class} invalid for ${c.device_class}`);
    }
    if (c.device_class === 'timestamp' && (c.unit_of_measurement || c.state_class)) p.push(`${at}: timestamp takes no unit/state_class`);
    if (['switch', 'number', 'button', 'select'].includes(c.platform)) {
      const cmd = c.command_topic ?? payload.command_topic;
      if (!cmd) p.push(`${at}: command_topic required`);
      if (c.platform === 'number' && !(c.min < c.max)) p.push(`${at}: number needs min < max`);
      if (c.platform === 'number' && c.step !== undefined && !(c.step >= 0.001)) p.push(`${at}: step must be >= 0.001`);
    }
  }
  if (payload?.availability && !Array.isArray(payload.availability)) p.push('availability must be a list');
  if (payload?.availability_mode && !['all', 'any', 'latest'].includes(payload.availability_mode)) p.push('bad availability_mode');
  return p;
}
