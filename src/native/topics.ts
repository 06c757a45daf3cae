/**
 * The MS-A2 firmware's own MQTT topics (reference ms-a2-native-mqtt.md §2). The root `homeassistant/` is fixed
 * by the firmware, whatever our discovery prefix is. `<dev>` = `<client prefix>-<SN>` (default prefix MSA) or
 * the bare SN.
 */
export const FIRMWARE_ROOT = 'homeassistant';

export type FeedKind = 'quick' | 'device' | 'system';
export const FEED_KINDS: readonly FeedKind[] = ['quick', 'device', 'system'];

/** A firmware device id as it may appear at topic level 3: letters, digits, `-` and `_`. */
const DEV_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const nativeTopics = {
  state: (dev: string, kind: FeedKind) => `${FIRMWARE_ROOT}/sensor/${dev}/${kind}/state`,
  switchConfig: (dev: string) => `${FIRMWARE_ROOT}/switch/${dev}/config`,
  powerCtrlConfig: (dev: string) => `${FIRMWARE_ROOT}/number/${dev}/power_ctrl/config`,
  emsModeConfig: (dev: string) => `${FIRMWARE_ROOT}/select/${dev}/ems_mode/config`,
  emsModeCommand: (dev: string) => `${FIRMWARE_ROOT}/select/${dev}/ems_mode/command`,
  powerCtrlSet: (dev: string) => `${FIRMWARE_ROOT}/number/${dev}/power_ctrl/set`,
  /** What the reader subscribes to: state topics, the retained configs that announce devices, and the two
   * command topics (to notice another client controlling the battery). */
  filters: [
    `${FIRMWARE_ROOT}/sensor/+/quick/state`,
    `${FIRMWARE_ROOT}/sensor/+/device/state`,
    `${FIRMWARE_ROOT}/sensor/+/system/state`,
    `${FIRMWARE_ROOT}/switch/+/config`,
    `${FIRMWARE_ROOT}/number/+/power_ctrl/config`,
    `${FIRMWARE_ROOT}/select/+/ems_mode/command`,
    `${FIRMWARE_ROOT}/number/+/power_ctrl/set`,
  ],
};

export type FeedTopic =
  | { dev: string; what: 'state'; kind: FeedKind }
  | { dev: string; what: 'announce' }
  | { dev: string; what: 'power-config' }
  | { dev: string; what: 'mode-command' }
  | { dev: string; what: 'setpoint-command' };

/** Which firmware topic this is, or undefined for anything else (including a device id we would not accept). */
export function classifyTopic(topic: string): FeedTopic | undefined {
  const p = topic.split('/');
  if (p[0] !== FIRMWARE_ROOT || p.length < 4) return undefined;
  const dev = p[2]!;
  if (!DEV_ID.test(dev)) return undefined;
  if (p.length === 5 && p[1] === 'sensor' && p[4] === 'state' && (FEED_KINDS as readonly string[]).includes(p[3]!)) {
    return { dev, what: 'state', kind: p[3] as FeedKind };
  }
  if (p.length === 4 && p[1] === 'switch' && p[3] === 'config') return { dev, what: 'announce' };
  if (p.length === 5 && p[1] === 'number' && p[3] === 'power_ctrl' && p[4] === 'config') return { dev, what: 'power-config' };
  if (p.length === 5 && p[1] === 'select' && p[3] === 'ems_mode' && p[4] === 'command') return { dev, what: 'mode-command' };
  if (p.length === 5 && p[1] === 'number' && p[3] === 'power_ctrl' && p[4] === 'set') return { dev, what: 'setpoint-command' };
  return undefined;
}

/** The serial inside a device id: after the last `-` (`MSA-280024290529` → `280024290529`), or the id itself. */
export function serialOf(dev: string): string {
  const i = dev.lastIndexOf('-');
  return i >= 0 && i < dev.length - 1 ? dev.slice(i + 1) : dev;
}

/** NATIVE_DEVICES: empty follows all; an entry matches the device id or its serial. */
export function wanted(dev: string, list: readonly string[]): boolean {
  if (!list.length) return true;
  const sn = serialOf(dev).toLowerCase();
  return list.some((x) => x.toLowerCase() === dev.toLowerCase() || x.toLowerCase() === sn);
}
