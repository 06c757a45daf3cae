/**
 * The tray icon as pixels: a rounded tile with the state of charge in digits on top and a mark below. Pure: a spec
 * and a size in, RGBA bytes out; every edge falls on a whole pixel, so the icon is as sharp at 16×16 as at 32×32.
 *
 *   normal   dark tile, white digits; below them ▲ green (charging), ▼ amber (discharging), — grey (standby)
 *   low      the same on a red tile (below the low threshold red is most of the icon, seen from across a room)
 *   stale    grey tile, the last digits, three dots instead of the mark (no fresh reading: do not trust it)
 *   warn     any of the above with an amber frame: a problem (broker, cloud) while the numbers are still fresh
 *   error    amber tile with a dark "!" (login or cloud broken, nothing fresh to show)
 *   unknown  dark tile with "--" (starting, nothing read yet)
 */
import { fitMetrics, textCoverage, textWidth, type FontMetrics } from './digit-font.js';

export type IconMark = 'charge' | 'discharge' | 'standby';

export type IconSpec =
  | { kind: 'level'; level: number; mark: IconMark; low: boolean; stale: boolean; warn: boolean }
  | { kind: 'error' }
  | { kind: 'unknown' };

type RGBA = readonly [number, number, number, number];
const hex = (h: string): RGBA => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), 255];

export const COLOURS = {
  tile: hex('#1f262b'),
  low: hex('#e0281f'),
  stale: hex('#80878c'),
  error: hex('#f2a20c'),
  digits: hex('#ffffff'),
  dark: hex('#1f262b'),
  charge: hex('#42d35a'),
  discharge: hex('#ffae1a'),
  standby: hex('#c4c9cc'),
  warn: hex('#f2a20c'),
} as const;

/** A stable text key of a spec: equal keys draw equal pixels (the tray caches rendered icons by it). */
export function iconKey(spec: IconSpec): string {
  if (spec.kind !== 'level') return spec.kind;
  return [String(spec.level), spec.mark, spec.low ? 'low' : '', spec.stale ? 'stale' : '', spec.warn ? 'warn' : ''].filter(Boolean).join('-');
}

/** The text in the icon: the level's digits, "!" or "--". */
export function iconText(spec: IconSpec): string {
  if (spec.kind === 'error') return '!';
  if (spec.kind === 'unknown') return '--';
  return String(Math.min(100, Math.max(0, Math.round(spec.level))));
}

/** Where things go at one size: the digits' box and the mark's box. Exported for tests. */
export interface IconLayout {
  size: number;
  /** Pen width of the digits. */
  stroke: number;
  digits: { x: number; y: number; w: number; h: number };
  mark: { x: number; y: number; w: number; h: number };
  frame: number;
  radius: number;
}

export function layout(spec: IconSpec, size: number): { layout: IconLayout; metrics: FontMetrics } {
  const u = Math.max(1, Math.round(size / 16)); // 1 px at 16, 2 px at 32
  const text = iconText(spec);
  const top = u;
  const spacing = u;
  const markH = Math.floor(size * 0.22);
  const height = size - top - spacing - markH;
  // Two characters keep a margin on each side; "100" may use the whole width.
  const maxWidth = [...text].length >= 3 ? size - 0.5 : size - 2 * u;
  const metrics = fitMetrics(text, height, Math.max(2, size / 8), Math.max(1, size / 16), maxWidth);
  const w = textWidth(text, metrics);
  const digits = { x: (size - w) / 2, y: top, w, h: height };
  const markY = top + height + spacing;
  return {
    layout: { size, stroke: metrics.stroke, digits, mark: { x: 0, y: markY, w: size, h: size - markY }, frame: u, radius: Math.max(1, Math.round(size / 8)) },
    metrics,
  };
}

class Canvas {
  readonly data: Buffer;
  constructor(readonly size: number) {
    this.data = Buffer.alloc(size * size * 4);
  }
  set(x: number, y: number, c: RGBA): void {
    if (x < 0 || y < 0 || x >= this.size || y >= this.size) return;
    const i = (y * this.size + x) * 4;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
    this.data[i + 3] = c[3];
  }
  /** Paints c over the pixel with coverage a (0–255). */
  blend(x: number, y: number, c: RGBA, a: number): void {
    if (a <= 0 || x < 0 || y < 0 || x >= this.size || y >= this.size) return;
    const i = (y * this.size + x) * 4;
    const k = a / 255;
    for (let j = 0; j < 3; j++) this.data[i + j] = Math.round(c[j]! * k + this.data[i + j]! * (1 - k));
    this.data[i + 3] = Math.max(this.data[i + 3]!, Math.round(255 * k));
  }
  rect(x: number, y: number, w: number, h: number, c: RGBA): void {
    for (let j = y; j < y + h; j++) for (let i = x; i < x + w; i++) this.set(i, j, c);
  }
  /** A square tile with corners cut on a circle of radius r (whole pixels: a pixel is in when its centre is). */
  roundTile(r: number, c: RGBA, inset = 0): void {
    const n = this.size - 2 * inset;
    const rr = Math.max(0, r - inset);
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const cx = Math.min(Math.max(x + 0.5, rr), n - rr);
        const cy = Math.min(Math.max(y + 0.5, rr), n - rr);
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= rr * rr) this.set(x + inset, y + inset, c);
      }
    }
  }
}

/** A triangle pointing up or down, centred in the box, rows of odd width growing by 2 px. */
function triangle(cv: Canvas, box: IconLayout['mark'], up: boolean, c: RGBA): void {
  const h = Math.max(2, Math.min(box.h - Math.floor(box.h / 8), Math.floor((box.w - 2) / 2)));
  const y0 = box.y + Math.floor((box.h - h) / 2);
  const cx = box.x + Math.floor(box.w / 2);
  for (let k = 0; k < h; k++) {
    const half = k;
    const y = up ? y0 + k : y0 + h - 1 - k;
    // Even icon widths have no centre pixel: two-pixel tip.
    const left = box.w % 2 === 0 ? cx - half - 1 : cx - half;
    cv.rect(left, y, 2 * half + (box.w % 2 === 0 ? 2 : 1), 1, c);
  }
}

function markArt(cv: Canvas, spec: Extract<IconSpec, { kind: 'level' }>, L: IconLayout): void {
  const box = L.mark;
  const white = COLOURS.digits;
  if (spec.stale) {
    // Three dots: "waiting", distinct from the standby dash.
    const d = Math.max(1, Math.round(L.stroke));
    const total = 3 * d + 2 * d;
    const x0 = Math.floor((L.size - total) / 2);
    const y = box.y + Math.floor((box.h - d) / 2);
    for (let i = 0; i < 3; i++) cv.rect(x0 + i * 2 * d, y, d, d, white);
    return;
  }
  const colour = spec.low ? white : spec.mark === 'charge' ? COLOURS.charge : spec.mark === 'discharge' ? COLOURS.discharge : COLOURS.standby;
  if (spec.mark === 'standby') {
    const h = Math.max(1, Math.round(box.h / 3));
    const w = Math.min(box.w - 4 * L.frame, 2 * box.h);
    cv.rect(Math.floor((L.size - w) / 2), box.y + Math.floor((box.h - h) / 2), w, h, colour);
    return;
  }
  triangle(cv, box, spec.mark === 'charge', colour);
}

/** Renders a spec at `size` px: RGBA, row-major, straight alpha (transparent outside the rounded tile). */
export function renderIconRgba(spec: IconSpec, size: number): Buffer {
  const { layout: L, metrics } = layout(spec, size);
  const cv = new Canvas(size);
  const tile = spec.kind === 'error' ? COLOURS.error : spec.kind === 'level' ? (spec.stale ? COLOURS.stale : spec.low ? COLOURS.low : COLOURS.tile) : COLOURS.tile;
  if (spec.kind === 'level' && spec.warn) {
    cv.roundTile(L.radius, COLOURS.warn);
    cv.roundTile(L.radius, tile, L.frame);
  } else {
    cv.roundTile(L.radius, tile);
  }
  const ink = spec.kind === 'error' ? COLOURS.dark : spec.kind === 'unknown' ? COLOURS.standby : COLOURS.digits;
  if (spec.kind === 'error') {
    // The "!" fills the height: no mark below it.
    const h = size - 4 * L.frame;
    const stroke = Math.max(2, Math.round(size / 6));
    const x = Math.floor((size - stroke) / 2);
    const dot = stroke;
    cv.rect(x, 2 * L.frame, stroke, h - dot - L.frame - stroke, ink);
    cv.rect(x, 2 * L.frame + h - dot, stroke, dot, ink);
    return cv.data;
  }
  const x0 = Math.floor(L.digits.x);
  const t = textCoverage(iconText(spec), metrics, L.digits.x - x0, 0);
  for (let y = 0; y < t.h; y++) for (let x = 0; x < t.w; x++) cv.blend(x0 + x, L.digits.y + y, ink, t.cover[y * t.w + x]!);
  if (spec.kind === 'level') markArt(cv, spec, L);
  return cv.data;
}
