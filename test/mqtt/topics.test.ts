/** The MQTT topic names: one place, serials made safe for a topic level and a Home Assistant id. */
import { describe, expect, it } from 'vitest';
import { sanitizeId, topics } from '../../src/mqtt/topics.js';

describe('topics', () => {
  it('the bridge, per-battery, discovery and command topics', () => {
    expect(topics.bridgeState('msa2')).toBe('msa2/bridge/state');
    expect(topics.state('msa2', '2800')).toBe('msa2/2800/state');
    expect(topics.availability('msa2', '2800')).toBe('msa2/2800/availability');
    expect(topics.command('msa2', '2800', 'input_power')).toBe('msa2/2800/input_power/set');
    expect(topics.commandFilter('msa2')).toBe('msa2/+/+/set');
    expect(topics.discovery('ha', '2800')).toBe('ha/device/hoymiles_msa2_2800/config');
    expect(topics.haStatus('ha')).toBe('ha/status');
    expect(topics.legacy('msa2', 'power-battery')).toBe('msa2/power-battery');
    expect(topics.native('homeassistant', '2800', 'quick')).toBe('homeassistant/sensor/MSA-2800/quick/state');
  });
  it('a serial with wildcards, slashes or spaces cannot add topic levels or break an id', () => {
    expect(sanitizeId('28/00+#x y')).toBe('28_00__x_y');
    expect(topics.state('msa2', 'a/+/#')).toBe('msa2/a____/state');
    expect(topics.deviceId('SN-1_a')).toBe('hoymiles_msa2_SN-1_a');
  });
});
