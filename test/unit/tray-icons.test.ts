import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import type { BatteryReading, BridgeSnapshot, ProblemCode } from '../../src/core/snapshot.js';
import {
  allIconNames,
  assetsDir,
  ERROR_ICON,
  iconFile,
  iconLevel,
  iconName,
  iconPath,
  UNKNOWN_ICON,
} from '../../src/tray/icons.js';
import type { TrayState } from '../../src/tray/types.js';

const repoAssets = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function battery(over: Partial<BatteryReading> = {}): BatteryReading {
  return { sn: 'SN1', deviceId: 1, stationId: 1, stationName: 'Home', master: true, soc: 57, batteryPower: 310, status: 'discharge', live: true, updatedAt: 1, fresh: true, raw: {}, ...over };
}
function state(b: Partial<BatteryReading> | null, extra: { problem?: ProblemCode; threshold?: number; snapshot?: Partial<BridgeSnapshot>; brokerProblem?: string } = {}): TrayState {
  return {
    snapshot: {
      batteries: b === null ? [] : [battery(b)],
      problem: extra.problem ? { code: extra.problem, message: 'm', since: 0 } : undefined,
      cycles: 1,
      ...extra.snapshot,
    },
    publishing: true,
    lowSocThreshold: extra.threshold ?? 15,
    brokerProblem: extra.brokerProblem,
  };
}

describe('iconName', () => {
  test('level rounds to the nearest 10', () => {
    expect([0, 4, 5, 14, 15, 57, 94, 95, 100].map(iconLevel)).toEqual([0, 0, 10, 10, 20, 60, 90, 100, 100]);
    expect(iconLevel(-3)).toBe(0);
    expect(iconLevel(130)).toBe(100);
  });

  test('direction from the status', () => {
    expect(iconName(state({ soc: 57, status: 'discharge' }))).toBe('battery-60-discharge');
    expect(iconName(state({ soc: 58, status: 'charge', batteryPower: -245 }))).toBe('battery-60-charge');
    expect(iconName(state({ soc: 100, status: 'standby', batteryPower: 0 }))).toBe('battery-100-idle');
  });

  test('direction from the power when the status is missing', () => {
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: -300 }))).toBe('battery-40-charge');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: 300 }))).toBe('battery-40-discharge');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: 2 }))).toBe('battery-40-idle');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: undefined }))).toBe('battery-40-idle');
  });

  test('low (red) below the threshold, from the real SoC, not the rounded level', () => {
    expect(iconName(state({ soc: 14, status: 'discharge' }, { threshold: 15 }))).toBe('battery-10-discharge-low');
    expect(iconName(state({ soc: 15, status: 'discharge' }, { threshold: 15 }))).toBe('battery-20-discharge');
    expect(iconName(state({ soc: 16, status: 'discharge' }, { threshold: 20 }))).toBe('battery-20-discharge-low');
    expect(iconName(state({ soc: 2, status: 'standby' }, { threshold: 15 }))).toBe('battery-0-idle-low');
    expect(iconName(state({ soc: 0, status: 'standby' }, { threshold: 0 }))).toBe('battery-0-idle');
    // High thresholds work too: every level has a low variant.
    expect(iconName(state({ soc: 78, status: 'charge' }, { threshold: 80 }))).toBe('battery-80-charge-low');
  });

  test('error when a problem is present and no data is fresh', () => {
    expect(iconName(state({ fresh: false }, { problem: 'wrong-password' }))).toBe(ERROR_ICON);
    expect(iconName(state(null, { problem: 'cloud-unreachable' }))).toBe(ERROR_ICON);
    // Fresh data despite a problem: keep showing the battery.
    expect(iconName(state({ fresh: true, soc: 57 }, { problem: 'cloud-unreachable' }))).toBe('battery-60-discharge');
    // Stale without a problem: the last known state.
    expect(iconName(state({ fresh: false, soc: 57 }))).toBe('battery-60-discharge');
    // A broker problem does not change the battery icon.
    expect(iconName(state({ soc: 57 }, { brokerProblem: 'MQTT broker unreachable' }))).toBe('battery-60-discharge');
  });

  test('unknown before the first reading or without a SoC', () => {
    expect(iconName(state(null))).toBe(UNKNOWN_ICON);
    expect(iconName(state({ soc: undefined }))).toBe(UNKNOWN_ICON);
    expect(iconName(state({ soc: Number.NaN }))).toBe(UNKNOWN_ICON);
  });

  test('the master battery decides', () => {
    const s = state(null, { snapshot: { batteries: [battery({ sn: 'S', master: false, soc: 10 }), battery({ soc: 90, status: 'charge' })] } });
    expect(iconName(s)).toBe('battery-90-charge');
  });

  test('every possible state maps to a name in allIconNames()', () => {
    const names = new Set(allIconNames());
    for (let soc = 0; soc <= 100; soc++) {
      for (const status of ['charge', 'discharge', 'standby', undefined] as const) {
        for (const threshold of [0, 15, 30, 55, 100]) {
          for (const fresh of [true, false]) {
            for (const problem of [undefined, 'wrong-password'] as const) {
              expect(names.has(iconName(state({ soc, status, fresh }, { threshold, problem })))).toBe(true);
            }
          }
        }
      }
    }
    expect(names.size).toBe(11 * 3 * 2 + 2);
  });
});

describe('icon files', () => {
  test('iconFile / iconPath per platform', () => {
    expect(iconFile('battery-60-charge', 'win32')).toBe('battery-60-charge.ico');
    expect(iconFile('battery-60-charge', 'darwin')).toBe('battery-60-charge.png');
    expect(iconFile('battery-60-charge', 'linux')).toBe('battery-60-charge.png');
    expect(iconPath('battery-error', 'win32', '/x')).toBe(join('/x', 'icons', 'battery-error.ico'));
  });

  test('assetsDir finds the repo assets when unbundled', () => {
    expect(assetsDir()).toBe(repoAssets);
  });

  test('every icon the model can choose exists as a valid 32x32 PNG and a 16+32 ICO', () => {
    for (const name of allIconNames()) {
      const png = readFileSync(iconPath(name, 'linux'));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE), `${name}.png signature`).toBe(true);
      expect(png.toString('ascii', 12, 16)).toBe('IHDR');
      expect([png.readUInt32BE(16), png.readUInt32BE(20), png[24], png[25]]).toEqual([32, 32, 8, 6]);
      expect(png.subarray(-8, -4).toString('ascii')).toBe('IEND');

      const ico = readFileSync(iconPath(name, 'win32'));
      expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)], `${name}.ico header`).toEqual([0, 1, 2]);
      const sizes: number[] = [];
      for (let i = 0; i < 2; i++) {
        const e = 6 + 16 * i;
        const size = ico[e]!;
        const len = ico.readUInt32LE(e + 8);
        const off = ico.readUInt32LE(e + 12);
        expect(ico.readUInt16LE(e + 6)).toBe(32);
        expect(off + len).toBeLessThanOrEqual(ico.length);
        const inner = ico.subarray(off, off + len);
        expect(inner.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        expect(inner.readUInt32BE(16)).toBe(size);
        sizes.push(size);
      }
      expect(sizes).toEqual([16, 32]);
    }
  });

  test('the set is small and has no strays', () => {
    const dir = join(repoAssets, 'icons');
    const files = readdirSync(dir);
    const expected = new Set(allIconNames().flatMap((n) => [`${n}.png`, `${n}.ico`]));
    expect(new Set(files)).toEqual(expected);
    const total = files.reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    expect(total).toBeLessThan(1024 * 1024);
    expect(existsSync(join(dir, 'battery-unknown.png'))).toBe(true);
  });

  test('the committed icons are what scripts/make-icons.mjs renders (re-run it after changing it)', async () => {
    const script = join(repoAssets, '..', 'scripts', 'make-icons.mjs');
    const mod = (await import(script)) as { renderIcon(name: string): { png: Buffer; ico: Buffer } };
    for (const name of ['battery-60-charge', 'battery-10-discharge-low', 'battery-100-idle', ERROR_ICON, UNKNOWN_ICON]) {
      const { png, ico } = mod.renderIcon(name);
      expect(png.equals(readFileSync(iconPath(name, 'linux'))), `${name}.png`).toBe(true);
      expect(ico.equals(readFileSync(iconPath(name, 'win32'))), `${name}.ico`).toBe(true);
    }
  });

  test('low and normal variants really differ (red fill vs amber/green)', () => {
    const a = readFileSync(iconPath('battery-10-idle', 'linux'));
    const b = readFileSync(iconPath('battery-10-idle-low', 'linux'));
    expect(a.equals(b)).toBe(false);
  });
});
