/**
 * The tray icon's digits: a small stroke font of ours (centre lines and elliptical arcs, drawn with a round pen
 * and 4×4 supersampling). A blocky 3×5 pixel font was tried first: crisp, but its "7", "5" and "8" read as other
 * digits to OCR and, at a glance, to people; rounded strokes of a plain sans-serif read as numbers at any size.
 *
 * "100" is drawn as digits in a condensed width (a narrow "1" and two narrower zeros) rather than as a full bar:
 * a full bar says "battery icon" but not "100", and the number is what the icon is for. At 16 px "100" is
 * 2 + 1 + 5.5 + 1 + 5.5 px wide with ~2 px strokes: the zeros keep an open counter, so it still reads as 100.
 * Pure: no I/O.
 */

type Pt = readonly [number, number];
/** A glyph as polylines in pixels, for a glyph box of w × h. */
type Glyph = (w: number, h: number) => Pt[][];

/** Points of an elliptical arc, angles in degrees on screen (0 = right, 90 = down), from a0 to a1. */
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number): Pt[] {
  const n = Math.max(6, Math.ceil(Math.abs(a1 - a0) / 12));
  const pts: Pt[] = [];
  for (let i = 0; i <= n; i++) {
    const a = ((a0 + ((a1 - a0) * i) / n) * Math.PI) / 180;
    pts.push([cx + rx * Math.cos(a), cy + ry * Math.sin(a)]);
  }
  return pts;
}

const GLYPHS: Record<string, { width: number; draw: Glyph }> = {
  '0': { width: 1, draw: (w, h) => [[...arc(w / 2, w / 2, w / 2, w / 2, 180, 360), ...arc(w / 2, h - w / 2, w / 2, w / 2, 0, 180), [0, w / 2]]] },
  '1': {
    width: 0.55,
    draw: (w, h) => [
      [
        [0, h * 0.2],
        [w, 0],
        [w, h],
      ],
    ],
  },
  '2': {
    width: 1,
    draw: (w, h) => [
      [
        ...arc(w / 2, h * 0.27, w / 2, h * 0.27, 195, 360),
        ...arc(w / 2, h * 0.27, w / 2, h * 0.27, 0, 40),
        [0, h],
        [w, h],
      ],
    ],
  },
  '3': {
    width: 1,
    draw: (w, h) => [
      [...arc(w / 2, h * 0.25, w * 0.46, h * 0.25, 200, 450), ...arc(w / 2, h * 0.73, w / 2, h * 0.27, 270, 520)],
    ],
  },
  '4': {
    width: 1,
    draw: (w, h) => [
      [
        [w * 0.72, h],
        [w * 0.72, 0],
        [0, h * 0.68],
        [w, h * 0.68],
      ],
    ],
  },
  '5': {
    width: 1,
    draw: (w, h) => [
      [
        [w, 0],
        [w * 0.08, 0],
        [0, h * 0.46],
        ...arc(w / 2, h * 0.67, w / 2, h * 0.33, 225, 510),
      ],
    ],
  },
  '6': {
    width: 1,
    draw: (w, h) => [
      arc(w / 2, h * 0.67, w / 2, h * 0.33, 0, 360),
      [...arc(w / 2, h * 0.67, w / 2, h * 0.33, 180, 180), [0, h * 0.36], ...arc(w * 0.55, h * 0.36, w * 0.55, h * 0.36, 180, 285)],
    ],
  },
  '7': {
    width: 1,
    draw: (w, h) => [
      [
        [0, 0],
        [w, 0],
        [w * 0.3, h],
      ],
    ],
  },
  '8': {
    width: 1,
    draw: (w, h) => [arc(w / 2, h * 0.24, w * 0.42, h * 0.24, 0, 360), arc(w / 2, h * 0.73, w / 2, h * 0.27, 0, 360)],
  },
  '9': {
    width: 1,
    draw: (w, h) => [
      arc(w / 2, h * 0.33, w / 2, h * 0.33, 0, 360),
      [[w, h * 0.33], [w, h * 0.64], ...arc(w * 0.45, h * 0.64, w * 0.55, h * 0.36, 0, 105)],
    ],
  },
  '!': {
    width: 0,
    draw: (w, h) => [
      [
        [w / 2, 0],
        [w / 2, h * 0.62],
      ],
      [[w / 2, h]],
    ],
  },
  '-': {
    width: 0.8,
    draw: (w, h) => [
      [
        [0, h / 2],
        [w, h / 2],
      ],
    ],
  },
};

export const FONT_CHARS = Object.keys(GLYPHS);

/** Sizes of the digits at one icon size, in pixels. */
export interface FontMetrics {
  /** Pen width. */
  stroke: number;
  /** Glyph box height (outer edge of the ink). */
  height: number;
  /** Width of a full-width glyph's box (outer edge of the ink). */
  width: number;
  /** Space between the ink of neighbouring glyphs. */
  gap: number;
}

function glyphOf(ch: string) {
  const g = GLYPHS[ch];
  if (!g) throw new Error(`digit-font: no glyph for ${JSON.stringify(ch)}`);
  return g;
}

/** Ink width of one glyph: its centre-line box plus the pen. */
export function glyphWidth(ch: string, m: FontMetrics): number {
  return (m.width - m.stroke) * glyphOf(ch).width + m.stroke;
}

/** Where each glyph of `text` starts (ink edge, relative to the text's start) and how wide it is. */
export function glyphBoxes(text: string, m: FontMetrics): { ch: string; x: number; w: number }[] {
  const out: { ch: string; x: number; w: number }[] = [];
  let x = 0;
  for (const ch of text) {
    const w = glyphWidth(ch, m);
    out.push({ ch, x, w });
    x += w + m.gap;
  }
  return out;
}

export function textWidth(text: string, m: FontMetrics): number {
  let w = 0;
  for (const ch of text) w += glyphWidth(ch, m);
  return w + m.gap * Math.max(0, [...text].length - 1);
}

/**
 * Metrics for `text` in a box of maxWidth × height: glyphs 0.62 of the height wide, condensed (down to 0.4)
 * only when the text would not fit otherwise, e.g. "100".
 */
export function fitMetrics(text: string, height: number, stroke: number, gap: number, maxWidth: number): FontMetrics {
  const m: FontMetrics = { stroke, height, width: height * 0.62, gap };
  const over = textWidth(text, m) - maxWidth;
  if (over > 0) {
    const fullWidths = [...text].reduce((a, ch) => a + glyphOf(ch).width, 0);
    m.width = Math.max(height * 0.4, m.width - over / fullWidths);
  }
  return m;
}

/** Distance² from p to the segment a–b. */
function dist2(px: number, py: number, a: Pt, b: Pt): number {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const t = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len));
  const x = a[0] + t * dx - px;
  const y = a[1] + t * dy - py;
  return x * x + y * y;
}

const SS = 4;

/**
 * `text` as coverage (0–255 per pixel) in a w × h box, w = ceil(textWidth), h = ceil(height); the ink starts at
 * (offsetX, offsetY) inside the box (the sub-pixel part of centring).
 */
export function textCoverage(text: string, m: FontMetrics, offsetX = 0, offsetY = 0): { w: number; h: number; cover: Uint8Array } {
  const w = Math.ceil(textWidth(text, m) + offsetX);
  const h = Math.ceil(m.height + offsetY);
  const half = m.stroke / 2;
  const segs: [Pt, Pt][] = [];
  let x = offsetX;
  for (const ch of text) {
    const g = glyphOf(ch);
    const gw = glyphWidth(ch, m);
    for (const line of g.draw(gw - m.stroke, m.height - m.stroke)) {
      const pts = line.map(([px, py]) => [px + x + half, py + offsetY + half] as Pt);
      for (let i = 1; i < pts.length; i++) segs.push([pts[i - 1]!, pts[i]!]);
      if (pts.length === 1) segs.push([pts[0]!, pts[0]!]);
    }
    x += gw + m.gap;
  }
  const cover = new Uint8Array(w * h);
  const r2 = half * half;
  for (let py = 0; py < h; py++) {
    for (let px = 0; px < w; px++) {
      // Only segments near this pixel.
      const near = segs.filter(([a, b]) => Math.min(a[0], b[0]) - half - 1 <= px + 1 && Math.max(a[0], b[0]) + half + 1 >= px && Math.min(a[1], b[1]) - half - 1 <= py + 1 && Math.max(a[1], b[1]) + half + 1 >= py);
      if (!near.length) continue;
      let hits = 0;
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const qx = px + (sx + 0.5) / SS;
          const qy = py + (sy + 0.5) / SS;
          if (near.some(([a, b]) => dist2(qx, qy, a, b) <= r2)) hits++;
        }
      }
      cover[py * w + px] = Math.round((hits * 255) / (SS * SS));
    }
  }
  return { w, h, cover };
}
