/**
 * Which icon shows a tray state (pure: iconSpec), and its bytes per OS, drawn at run time by icon-art.ts and
 * cached by state, so each distinct icon is drawn once (there are at most 101 levels × a few looks).
 *
 * Sizes per OS:
 *   Windows  one .ico with 16, 20, 24 and 32 px (100, 125, 150, 200 % display scaling; Windows picks the entry);
 *   macOS    a 32 px PNG: the systray2 helper (getlantern/systray) shows the image at 16×16 pt in the 22 pt menu
 *            bar, so 32 px is its @2x; the @1x screen gets an exact 2:1 reduction of whole-pixel strokes;
 *   Linux    a 32 px PNG: XEmbed trays and AppIndicator hosts scale it to their 22–32 px slot.
 * The set of looks is finite (101 levels × 3 marks × low/stale/warning, plus error and unknown; a day uses a few
 * dozen), which matters on Windows, where the helper leaves one temp file per distinct icon.
 */
import type { BatteryReading, BridgeSnapshot } from '../core/snapshot.js';
import { STANDBY_DEADBAND_W, type BatteryStatus } from '../core/readings.js';
import { iconKey, renderIconRgba, type IconMark, type IconSpec } from './icon-art.js';
import { encodeIco, encodePng } from './image-codec.js';
import type { TrayState } from './types.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export type { IconSpec } from './icon-art.js';
export { iconKey } from './icon-art.js';

export const ICO_SIZES = [16, 20, 24, 32] as const;
export const PNG_SIZE = 32;

/**
 * The battery the tray summarises: the one picked in the settings (by serial), else the station master (its
 * SoC and power are station-wide), else the first.
 */
export function primaryBattery(snapshot: BridgeSnapshot, picked?: string): BatteryReading | undefined {
  return (picked ? snapshot.batteries.find((b) => b.sn === picked) : undefined) ?? snapshot.batteries.find((b) => b.master) ?? snapshot.batteries[0];
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

/** SoC as the icon's whole percent, 0–100. */
export function iconLevel(soc: number): number {
  return Math.min(100, Math.max(0, Math.round(soc)));
}

/** What the icon shows for a state. */
export function iconSpec(state: TrayState): IconSpec {
  if (isErrorState(state.snapshot)) return { kind: 'error' };
  const b = primaryBattery(state.snapshot, state.iconBattery);
  if (!b || b.soc === undefined || !Number.isFinite(b.soc)) return { kind: 'unknown' };
  const status = batteryStatus(b);
  const mark: IconMark = status === 'charge' ? 'charge' : status === 'discharge' ? 'discharge' : 'standby';
  return {
    kind: 'level',
    level: iconLevel(b.soc),
    mark,
    low: b.soc < state.lowSocThreshold,
    stale: !b.fresh,
    warn: state.snapshot.problem !== undefined || !!state.brokerProblem?.trim(),
  };
}

/** The icon's key for a state (see iconKey): the model carries it, the adapter renders it. */
export function iconName(state: TrayState): string {
  return iconKey(iconSpec(state));
}

/** The icon file for one OS: an ICO on Windows, a PNG elsewhere. */
export function renderTrayIcon(spec: IconSpec, platform: NodeJS.Platform = process.platform): Buffer {
  if (platform === 'win32') return encodeIco(ICO_SIZES.map((size) => ({ size, png: encodePng(renderIconRgba(spec, size), size) })));
  return encodePng(renderIconRgba(spec, PNG_SIZE), PNG_SIZE);
}

/** Rendered icons as base64 (what systray2 sends to its helper), by key and OS. */
export class IconCache {
  private readonly cache = new Map<string, string>();
  constructor(private readonly platform: NodeJS.Platform = process.platform) {}
  base64(spec: IconSpec): string {
    const key = iconKey(spec);
    let data = this.cache.get(key);
    if (data === undefined) {
      data = renderTrayIcon(spec, this.platform).toString('base64');
      this.cache.set(key, data);
    }
    return data;
  }
  get size(): number {
    return this.cache.size;
  }
}

/** The folder of this module: dist/app in the bundle (hoymiles-tray.cjs), src/tray when unbundled. */
export function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
}
