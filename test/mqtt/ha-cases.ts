/**
 * Fixed readings and controls for the pinned Home Assistant payloads (test/mqtt/discovery.test.ts): the real
 * BatteryControls (against a scripted job runner) and NativeControls (against a scripted feed) contribute their
 * entities and state keys, as the bridge wires them.
 */
import { BatteryControls } from '../../src/controls/battery-controls.js';
import type { BatteryReading, BridgeSnapshot } from '../../src/core/snapshot.js';
import type { Language } from '../../src/i18n/index.js';
import { memoryLogger } from '../../src/log/logger.js';
import { NativeControls } from '../../src/native/controls.js';
import type { NativeUnit } from '../../src/native/source.js';

export interface HaCase {
  name: string;
  base: string;
  prefix: string;
  language?: Language;
  reading: BatteryReading;
  extraComponents?: (sn: string) => Record<string, Record<string, unknown>>;
  extraState?: Record<string, unknown>;
  discoveryTopic: string;
  stateTopic: string;
}

const UPDATED = Date.UTC(2026, 10, 24, 10, 0, 3);

export const CLOUD_READING: BatteryReading = {
  sn: '280024290529',
  deviceId: 101,
  stationId: 1234567,
  stationName: 'Home East',
  master: true,
  soc: 53,
  batteryPower: 245.8,
  status: 'discharge',
  pvPower: 1200,
  gridPower: -420,
  loadPower: 380,
  powerToBattery: 0,
  powerFromBattery: 245.8,
  live: true,
  temperature: 22,
  chargedToday: 285,
  dischargedToday: 641,
  firmware: 'V01.05.06',
  source: 'cloud',
  updatedAt: UPDATED,
  fresh: true,
  raw: { flow: '{}' },
};

export const FEED_READING: BatteryReading = {
  sn: '280024290530',
  deviceId: 0,
  stationId: 0,
  stationName: 'MSA-280024290530',
  master: true,
  soc: 71.5,
  batteryPower: -500,
  status: 'charge',
  live: true,
  temperature: 18.3,
  chargedToday: 1200,
  dischargedToday: 0,
  batteryVoltage: 51.2,
  batteryCurrent: -9.8,
  signal: -61,
  emsMode: 'mqtt_ctrl',
  source: 'native',
  updatedAt: UPDATED,
  fresh: true,
  raw: {},
};

export const SPARSE_READING: BatteryReading = {
  sn: 'HM.SA2 01',
  deviceId: 7,
  stationId: 42,
  stationName: '',
  master: false,
  live: false,
  fresh: false,
  raw: {},
};

/** BatteryControls with all three settings read (grid charging on, input power 800 W, reserve unknown). */
async function cloudControls(inputPower?: { min: number; max: number; step: number }): Promise<BatteryControls> {
  const answers: Record<number, Record<string, unknown>> = { 1503: { enable: 1 }, 1513: { power: 800 }, 83: { mode: 2, k_2: {} } };
  const ctl = new BatteryControls({
    jobs: { read: async (_sid: number, action: number) => answers[action]!, write: async () => ({}), close: () => undefined } as never,
    refresh: async () => undefined,
    base: 'hoymiles-ms-a2',
    logger: memoryLogger().logger,
    inputPower,
  });
  const snap: BridgeSnapshot = { batteries: [CLOUD_READING], cycles: 1 };
  ctl.onSnapshot(snap);
  await ctl.readNow();
  return ctl;
}

/** NativeControls on a scripted feed: the master unit, its retained power_ctrl config narrowing the range. */
function feedControls(): NativeControls {
  const unit: NativeUnit = { dev: `MSA-${FEED_READING.sn}`, sn: FEED_READING.sn, master: true, powerRange: { min: -800.5, max: 800.5 }, reading: FEED_READING };
  return new NativeControls({
    feed: { unit: (sn: string) => (sn === unit.sn ? unit : undefined), on: () => undefined, off: () => undefined } as never,
    publish: () => true,
    base: 'battery',
    logger: memoryLogger().logger,
  });
}

export async function haCases(): Promise<HaCase[]> {
  const ctl = await cloudControls();
  const ctlWide = await cloudControls({ min: 0, max: 3000, step: 100 });
  const nctl = feedControls();
  return [
    {
      name: 'cloud',
      base: 'hoymiles-ms-a2',
      prefix: 'homeassistant',
      reading: CLOUD_READING,
      extraComponents: (sn) => ({ ...ctl.components(sn) }),
      extraState: ctl.state(CLOUD_READING.sn),
      discoveryTopic: 'homeassistant/device/hoymiles_msa2_280024290529/config',
      stateTopic: 'hoymiles-ms-a2/280024290529/state',
    },
    {
      name: 'cloud-wide-input',
      base: 'hoymiles-ms-a2',
      prefix: 'homeassistant',
      reading: CLOUD_READING,
      extraComponents: (sn) => ({ ...ctlWide.components(sn) }),
      extraState: ctlWide.state(CLOUD_READING.sn),
      discoveryTopic: 'homeassistant/device/hoymiles_msa2_280024290529/config',
      stateTopic: 'hoymiles-ms-a2/280024290529/state',
    },
    {
      name: 'feed-de',
      base: 'battery',
      prefix: 'ha',
      language: 'de',
      reading: FEED_READING,
      extraComponents: (sn) => ({ ...nctl.components(sn) }),
      extraState: nctl.state(FEED_READING.sn),
      discoveryTopic: 'ha/device/hoymiles_msa2_280024290530/config',
      stateTopic: 'battery/280024290530/state',
    },
    {
      name: 'sparse',
      base: 'hoymiles-ms-a2',
      prefix: 'homeassistant',
      reading: SPARSE_READING,
      discoveryTopic: 'homeassistant/device/hoymiles_msa2_HM_SA2_01/config',
      stateTopic: 'hoymiles-ms-a2/HM_SA2_01/state',
    },
  ];
}
