/**
 * The tray icon: which look a state gets (iconSpec), and the drawn icons read back from their PNG/ICO bytes:
 * every level distinct, the digits in each icon are the level's (each glyph compared with the font's own
 * glyphs), the ICO holds every Windows size, and the looks (low, stale, error, warning, marks) differ as promised.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import type { BatteryReading, BridgeSnapshot, ProblemCode } from '../../src/core/snapshot.js';
import { COLOURS, iconText, layout, renderIconRgba, type IconSpec } from '../../src/tray/icon-art.js';
import { FONT_CHARS, glyphBoxes, textCoverage } from '../../src/tray/digit-font.js';
import { ICO_SIZES, IconCache, iconLevel, iconName, iconSpec, PNG_SIZE, renderTrayIcon } from '../../src/tray/icons.js';
import type { TrayState } from '../../src/tray/types.js';
import { decodeIco, decodePng, pixel, type Bitmap } from '../helpers/png.js';

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
const level = (n: number, over: Partial<Extract<IconSpec, { kind: 'level' }>> = {}): IconSpec => ({ kind: 'level', level: n, mark: 'discharge', low: false, stale: false, warn: false, ...over });
const SIZES = [...ICO_SIZES];
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('which icon a state gets', () => {
  test('the level is the whole percent', () => {
    expect([0, 0.4, 0.5, 14.4, 57.5, 99.4, 99.6, 100].map(iconLevel)).toEqual([0, 0, 1, 14, 58, 99, 100, 100]);
    expect(iconLevel(-3)).toBe(0);
    expect(iconLevel(130)).toBe(100);
  });

  test('the mark from the status, else from the power', () => {
    expect(iconName(state({ soc: 57, status: 'discharge' }))).toBe('57-discharge');
    expect(iconName(state({ soc: 58, status: 'charge', batteryPower: -245 }))).toBe('58-charge');
    expect(iconName(state({ soc: 100, status: 'standby', batteryPower: 0 }))).toBe('100-standby');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: -300 }))).toBe('40-charge');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: 300 }))).toBe('40-discharge');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: 2 }))).toBe('40-standby');
    expect(iconName(state({ soc: 40, status: undefined, batteryPower: undefined }))).toBe('40-standby');
  });

  test('low (red) below the threshold, from the real SoC', () => {
    expect(iconName(state({ soc: 14.6 }, { threshold: 15 }))).toBe('15-discharge-low');
    expect(iconName(state({ soc: 15 }, { threshold: 15 }))).toBe('15-discharge');
    expect(iconName(state({ soc: 78, status: 'charge' }, { threshold: 80 }))).toBe('78-charge-low');
    expect(iconName(state({ soc: 0, status: 'standby' }, { threshold: 0 }))).toBe('0-standby');
  });

  test('stale, warning, error and unknown', () => {
    // No fresh reading: the last digits in the stale look.
    expect(iconName(state({ fresh: false, soc: 57 }))).toBe('57-discharge-stale');
    // A problem while the data is fresh (the broker, a cloud hiccup): the digits with a warning frame.
    expect(iconName(state({ soc: 57 }, { brokerProblem: 'MQTT broker unreachable' }))).toBe('57-discharge-warn');
    expect(iconName(state({ fresh: true, soc: 57 }, { problem: 'cloud-unreachable' }))).toBe('57-discharge-warn');
    // A problem and nothing fresh (login, cloud): the error look.
    expect(iconName(state({ fresh: false }, { problem: 'wrong-password' }))).toBe('error');
    expect(iconName(state(null, { problem: 'cloud-unreachable' }))).toBe('error');
    expect(iconName(state(null))).toBe('unknown');
    expect(iconName(state({ soc: undefined }))).toBe('unknown');
    expect(iconName(state({ soc: Number.NaN }))).toBe('unknown');
  });

  test('the picked battery, else the master', () => {
    const s = state(null, { snapshot: { batteries: [battery({ sn: 'S', master: false, soc: 10 }), battery({ soc: 90, status: 'charge' })] } });
    expect(iconName(s)).toBe('90-charge');
    expect(iconName({ ...s, iconBattery: 'S' })).toBe('10-discharge-low');
    expect(iconSpec({ ...s, iconBattery: 'nope' })).toMatchObject({ level: 90 });
  });
});

/** Ink (0–1) at each pixel of a box: how far the pixel went from the tile colour towards the ink colour. */
function inkAt(b: Bitmap, x: number, y: number, tile: readonly number[], ink: readonly number[]): number {
  const p = pixel(b, x, y);
  let num = 0;
  let den = 0;
  for (let c = 0; c < 3; c++) {
    num += (p[c]! - tile[c]!) * Math.sign(ink[c]! - tile[c]!);
    den += Math.abs(ink[c]! - tile[c]!);
  }
  return Math.max(0, Math.min(1, num / den));
}

/**
 * Reads the digits of a decoded icon: each glyph box is compared with every glyph of the font drawn alone at the
 * same place; the nearest wins. Returns the text read and, per glyph, the best and second-best distances.
 */
function readDigits(b: Bitmap, spec: IconSpec): { text: string; margins: { best: number; second: number }[] } {
  const { layout: L, metrics } = layout(spec, b.width);
  const tile = spec.kind === 'level' && spec.low ? COLOURS.low : spec.kind === 'level' && spec.stale ? COLOURS.stale : COLOURS.tile;
  let text = '';
  const margins: { best: number; second: number }[] = [];
  for (const box of glyphBoxes(iconText(spec), metrics)) {
    const left = L.digits.x + box.x;
    const x0 = Math.floor(left);
    const scores = FONT_CHARS.filter((c) => /\d/.test(c)).map((c) => {
      const ref = textCoverage(c, metrics, left - x0, 0);
      let d = 0;
      const w = Math.ceil(box.w + 1);
      for (let y = 0; y < ref.h; y++) {
        for (let x = 0; x < w; x++) {
          const want = x < ref.w ? ref.cover[y * ref.w + x]! / 255 : 0;
          d += Math.abs(inkAt(b, x0 + x, L.digits.y + y, tile, COLOURS.digits) - want);
        }
      }
      return { c, d };
    });
    scores.sort((p, q) => p.d - q.d);
    text += scores[0]!.c;
    margins.push({ best: scores[0]!.d, second: scores[1]!.d });
  }
  return { text, margins };
}

describe('the drawn icons, read back from their bytes', () => {
  test('every level renders distinct pixels, at every size and in every look', () => {
    for (const size of SIZES) {
      for (const look of [{}, { low: true }, { stale: true }, { mark: 'charge' as const }]) {
        const seen = new Map<string, number>();
        for (let n = 0; n <= 100; n++) {
          const h = sha(renderIconRgba(level(n, look), size));
          expect(seen.get(h), `${size} px: level ${n} looks like level ${seen.get(h)}`).toBeUndefined();
          seen.set(h, n);
        }
      }
    }
  });

  test('the digits of each level are the level (PNG decoded, each glyph matched against the font)', () => {
    for (let n = 0; n <= 100; n++) {
      for (const look of [{}, { low: true }]) {
        const spec = level(n, look);
        const png = decodePng(renderTrayIcon(spec, 'linux'));
        expect([png.width, png.height]).toEqual([PNG_SIZE, PNG_SIZE]);
        const read = readDigits(png, spec);
        expect(read.text, `level ${n}`).toBe(String(n));
        // Unambiguous: the right glyph matches but for the neighbours' anti-aliased edges; the next best is far off.
        for (const m of read.margins) {
          expect(m.best).toBeLessThan(3);
          expect(m.second).toBeGreaterThan(3 * m.best + 8);
        }
      }
    }
  });

  test('at 16 px too (the Windows size at 100 % scaling), every digit can be told from every other', () => {
    const ico = decodeIco(renderTrayIcon(level(0), 'win32'));
    expect(ico.map((e) => e.size)).toEqual([16, 20, 24, 32]);
    for (let n = 0; n <= 100; n++) {
      for (const entry of decodeIco(renderTrayIcon(level(n), 'win32'))) {
        const bmp = decodePng(entry.png);
        const read = readDigits(bmp, level(n));
        expect(read.text, `level ${n} at ${entry.size} px`).toBe(String(n));
        for (const m of read.margins) expect(m.second, `level ${n} at ${entry.size} px`).toBeGreaterThan(m.best + 3);
      }
    }
  });

  test('the ICO holds 16, 20, 24 and 32 px PNGs, each of its size; other OSes get one 32 px PNG', () => {
    const ico = renderTrayIcon(level(57), 'win32');
    const entries = decodeIco(ico);
    expect(entries.map((e) => [e.size, e.bitsPerPixel])).toEqual([
      [16, 32],
      [20, 32],
      [24, 32],
      [32, 32],
    ]);
    for (const e of entries) {
      const b = decodePng(e.png);
      expect([b.width, b.height]).toEqual([e.size, e.size]);
    }
    for (const os of ['linux', 'darwin'] as const) expect(decodePng(renderTrayIcon(level(57), os)).width).toBe(32);
  });

  test('"100" fits: three glyphs inside the icon at every size', () => {
    for (const size of SIZES) {
      const { layout: L } = layout(level(100), size);
      expect(L.digits.x).toBeGreaterThanOrEqual(0);
      expect(L.digits.x + L.digits.w).toBeLessThanOrEqual(size);
    }
  });

  test('below the threshold red is the dominant colour; stale is grey; error is amber; the warning frame is amber', () => {
    const share = (spec: IconSpec, colour: readonly number[], size = 32) => {
      const b = decodePng(renderTrayIcon(spec, 'linux'));
      let hit = 0;
      let opaque = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const p = pixel(b, x, y);
          if (p[3] < 128) continue;
          opaque++;
          if (Math.abs(p[0] - colour[0]!) + Math.abs(p[1] - colour[1]!) + Math.abs(p[2] - colour[2]!) < 30) hit++;
        }
      }
      return hit / opaque;
    };
    expect(share(level(8, { low: true }), COLOURS.low)).toBeGreaterThan(0.5);
    expect(share(level(8), COLOURS.low)).toBe(0);
    expect(share(level(57, { stale: true }), COLOURS.stale)).toBeGreaterThan(0.5);
    expect(share({ kind: 'error' }, COLOURS.error)).toBeGreaterThan(0.5);
    expect(share(level(57, { warn: true }), COLOURS.warn)).toBeGreaterThan(0.1);
    expect(share(level(57), COLOURS.warn)).toBe(0);
  });

  test('charge, discharge and standby marks differ, and none touches the digits', () => {
    const marks = (['charge', 'discharge', 'standby'] as const).map((mark) => renderIconRgba(level(57, { mark }), 16));
    expect(new Set(marks.map(sha)).size).toBe(3);
    const { layout: L } = layout(level(57), 16);
    const digitRows = (b: Buffer) => b.subarray(0, (L.digits.y + L.digits.h) * 16 * 4);
    expect(digitRows(marks[0]!).equals(digitRows(marks[1]!))).toBe(true);
    expect(digitRows(marks[0]!).equals(digitRows(marks[2]!))).toBe(true);
    // The stale look replaces the mark, keeps the digits.
    expect(readDigits(decodePng(renderTrayIcon(level(57, { stale: true }), 'linux')), level(57, { stale: true })).text).toBe('57');
  });

  test('the cache draws each look once', () => {
    const cache = new IconCache('linux');
    const a = cache.base64(level(57));
    expect(cache.base64(level(57))).toBe(a);
    expect(cache.base64(level(58))).not.toBe(a);
    expect(cache.size).toBe(2);
    expect(Buffer.from(a, 'base64').equals(renderTrayIcon(level(57), 'linux'))).toBe(true);
  });
});
