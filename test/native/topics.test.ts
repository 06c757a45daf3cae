/** The firmware's own topics: which one a topic is, the serial in a device id, the device list. */
import { describe, expect, it } from 'vitest';
import { classifyTopic, nativeTopics, serialOf, wanted } from '../../src/native/topics.js';

describe('firmware topics', () => {
  it('classifies the topics, device id at level 3', () => {
    expect(classifyTopic('homeassistant/sensor/MSA-280024290529/quick/state')).toEqual({ dev: 'MSA-280024290529', what: 'state', kind: 'quick' });
    expect(classifyTopic('homeassistant/switch/280024290529/config')).toEqual({ dev: '280024290529', what: 'announce' });
    expect(classifyTopic('homeassistant/number/MSA-1/power_ctrl/set')).toEqual({ dev: 'MSA-1', what: 'setpoint-command' });
    expect(classifyTopic('homeassistant/sensor/MSA-1/soc/config')).toBeUndefined();
    expect(classifyTopic('homeassistant/sensor/bad id/quick/state')).toBeUndefined();
    expect(classifyTopic('homeassistant/device/hoymiles_msa2_1/config')).toBeUndefined();
  });
  it('serials and the device list', () => {
    expect(serialOf('MSA-280024290529')).toBe('280024290529');
    expect(serialOf('280024290529')).toBe('280024290529');
    expect(wanted('MSA-2800', [])).toBe(true);
    expect(wanted('MSA-2800', ['2800'])).toBe(true);
    expect(wanted('MSA-2800', ['msa-2800'])).toBe(true);
    expect(wanted('MSA-2800', ['2801'])).toBe(false);
  });
});

describe('the topics the reader subscribes to', () => {
  it('every state, announce and command topic it builds is one it classifies, and one its filters cover', () => {
    const dev = 'MSA-280024290529';
    const built = [
      [nativeTopics.state(dev, 'quick'), 'state'],
      [nativeTopics.state(dev, 'system'), 'state'],
      [nativeTopics.switchConfig(dev), 'announce'],
      [nativeTopics.powerCtrlConfig(dev), 'power-config'],
      [nativeTopics.emsModeCommand(dev), 'mode-command'],
      [nativeTopics.powerCtrlSet(dev), 'setpoint-command'],
    ] as const;
    const matches = (filter: string, topic: string) => new RegExp(`^${filter.replace(/\+/g, '[^/]+')}$`).test(topic);
    for (const [topic, what] of built) {
      expect(classifyTopic(topic)).toMatchObject({ dev, what });
      expect(nativeTopics.filters.some((f) => matches(f, topic)), topic).toBe(true);
    }
  });
  it('a device id that is too long or a topic under another root is not the firmware’s', () => {
    expect(classifyTopic(`homeassistant/sensor/${'x'.repeat(65)}/quick/state`)).toBeUndefined();
    expect(classifyTopic('other/sensor/MSA-1/quick/state')).toBeUndefined();
    expect(serialOf('MSA-')).toBe('MSA-');
  });
});
