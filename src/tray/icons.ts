/**
 * Which pre-rendered icon (assets/icons, made by scripts/make-icons.mjs) shows a tray state, and where it is.
 * iconName/iconFile are pure; assetsDir/iconPath look at the file system.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatteryReading, BridgeSnapshot } from '../core/snapshot.js';
import { STANDBY_DEADBAND_W, type BatteryStatus } from '../core/readings.js';
import type { TrayState } from './types.js';

export const ICON_LEVELS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100] as const;
export type IconDirection = 'charge' | 'discharge' | 'idle';
export const ICON_DIRECTIONS: readonly IconDirection[] = ['charge', 'discharge', 'idle'];
export const ERROR_ICON = 'battery-error';
export const UNKNOWN_ICON = 'battery-unknown';

/** The battery the tray summarises: the station master (its SoC and power are station-wide), else the first. */
export function primaryBattery(snapshot: BridgeSnapshot): BatteryReading | undefined {
  return snapshot.batteries.find((b) => b.master) ?? snapshot.batteries[0];
}

/** The battery's status, or one derived from its power when the status is missing. */
export function batteryStatus(b: Pick<BatteryReading, 'status' | 'batteryPower'>): BatteryStatus | undefined {
  if (b.status) return b.status;
  if (b.batteryPower === undefined || !Number.isFinite(b.batteryPower)) return undefined;
  if (Math.abs(b.batteryPower) < STANDBY_DEADBAND_W) return 'standby';
  return b.batteryPower > 0 ? 'discharge' : 'charge';
}

/** Problem present and no battery has fresh data: the tray shows the error icon. */
export function isErrorState(snapshot: BridgeSnapshot): boolean {
  return snapshot.problem !== undefined && !snapshot.batteries.some((b) => b.fresh);
}

/** SoC rounded to the nearest icon level (0, 10, …, 100). */
export function iconLevel(soc: number): number {
  return Math.min(100, Math.max(0, Math.round(soc / 10) * 10));
}

/** The icon for a state, without extension: battery-<level>-<charge|discharge|idle>[-low], battery-error, battery-unknown. */
export function iconName(state: TrayState): string {
  if (isErrorState(state.snapshot)) return ERROR_ICON;
  const b = primaryBattery(state.snapshot);
  if (!b || b.soc === undefined || !Number.isFinite(b.soc)) return UNKNOWN_ICON;
  const status = batteryStatus(b);
  const dir: IconDirection = status === 'charge' ? 'charge' : status === 'discharge' ? 'discharge' : 'idle';
  const low = b.soc < state.lowSocThreshold;
  return `battery-${iconLevel(b.soc)}-${dir}${low ? '-low' : ''}`;
}

/** Every name iconName can return. */
export function allIconNames(): string[] {
  const names: string[] = [];
  for (const level of ICON_LEVELS) {
    for (const dir of ICON_DIRECTIONS) names.push(`battery-${level}-${dir}`, `battery-${level}-${dir}-low`);
  }
  return [...names, ERROR_ICON, UNKNOWN_ICON];
}

/** File name for a platform: Windows needs .ico, the others get the 32x32 PNG. */
export function iconFile(name: string, platform: NodeJS.Platform = process.platform): string {
  return `${name}${platform === 'win32' ? '.ico' : '.png'}`;
}

/** Full path of an icon file for a platform. */
export function iconPath(name: string, platform: NodeJS.Platform = process.platform, dir: string = assetsDir()): string {
  return join(dir, 'icons', iconFile(name, platform));
}

/** The folder of this module: the bundle's folder in dist/app/main.cjs, src/tray when unbundled. */
export function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}

/**
 * The assets folder: <bundle dir>/assets (build.mjs copies it there), else ./assets, else the repo's assets/
 * found by walking up from this module. Throws when none has an icons/ folder.
 */
export function assetsDir(): string {
  const here = moduleDir();
  const candidates = [join(here, 'assets'), join(process.cwd(), 'assets')];
  for (let d = here; ; d = dirname(d)) {
    candidates.push(join(d, 'assets'));
    if (dirname(d) === d) break;
  }
  const found = candidates.find((c) => existsSync(join(c, 'icons')));
  if (!found) throw new Error(`Tray icons not found (looked in ${candidates.slice(0, 3).join(', ')} and above)`);
  return found;
}
