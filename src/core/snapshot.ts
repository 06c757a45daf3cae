/** What the core hands to every sink: one reading per battery plus the bridge's status. */
import type { LiveValues } from './readings.js';

/** The live values (see readings.ts) plus what the slower reads and the station list add. */
export interface BatteryReading extends LiveValues {
  sn: string;
  deviceId: number;
  stationId: number;
  stationName: string;
  /** Station-wide values (SoC, power, energy) are the master's: a second battery would count them twice. */
  master: boolean;
  temperature?: number;
  chargedToday?: number;
  dischargedToday?: number;
  firmware?: string;
  /** From the battery's own feed only (device/state): battery voltage (V), current (A), Wi-Fi signal (dBm). */
  batteryVoltage?: number;
  batteryCurrent?: number;
  signal?: number;
  /** The running EMS mode as the feed reports it (system/state, master only). */
  emsMode?: 'general' | 'mqtt_ctrl' | 'tou_plan';
  /** Which source the live values came from. */
  source?: 'cloud' | 'native';
  /** When the last live read for this battery succeeded (ms since epoch). */
  updatedAt?: number;
  /** Recent enough to show as current; false when reads fail or the login is broken. */
  fresh: boolean;
  /** Cloud replies as received, for the original script's raw topics. */
  raw: { flow?: string; station?: string; inverter?: string };
}

export type ProblemCode =
  | 'no-credentials'
  | 'wrong-password'
  | 'daily-limit'
  | 'login-rejected'
  | 'login-paused'
  | 'cloud-unreachable'
  | 'cloud-error'
  | 'no-battery';

export interface Problem {
  code: ProblemCode;
  /** Plain words for the tray, notifications and logs. */
  message: string;
  since: number;
  /** When the app will try again by itself, if it will. */
  retryAt?: number;
}

export interface BridgeSnapshot {
  batteries: BatteryReading[];
  problem?: Problem;
  /** Last fully successful cycle. */
  lastSuccess?: number;
  cycles: number;
}
