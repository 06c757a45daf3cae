#!/usr/bin/env node
/**
 * Renders the tray's finite icon set into assets/icons/ (no image library: a tiny supersampling
 * rasteriser, PNG written with node:zlib + CRC32, ICO as a PNG-in-ICO container).
 *
 *   battery-<level>-<charge|discharge|idle>[-low].png/.ico   level = 0,10,…,100
 *   battery-error.png/.ico     grey battery with a red "!" badge (problem and no fresh data)
 *   battery-unknown.png/.ico   grey battery with a "?" (starting, nothing known yet)
 *
 * PNG: 32x32 (Linux, macOS). ICO: 16x16 + 32x32 PNG entries (Windows). Deterministic: same input, same bytes.
 * Run: node scripts/make-icons.mjs
 */
import { deflateSync } from 'node:zlib';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icons');
export const LEVELS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
export const DIRECTIONS = ['charge', 'discharge', 'idle'];

// ---------- colours ----------
const hex = (h, a = 1) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), a];
const C = {
  halo: hex('#ffffff', 0.8),
  outline: hex('#262626'),
  interior: hex('#f7f7f7'),
  green: hex('#2e9e3e'),
  amber: hex('#f2a20c'),
  red: hex('#e0281f'),
  charge: hex('#1e7fe0'),
  discharge: hex('#e8590c'),
  greyOutline: hex('#707070'),
  greyInterior: hex('#dedede'),
  question: hex('#505050'),
  white: hex('#ffffff'),
};

// ---------- shapes: predicates in a 32x32 design grid ----------
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1;
function roundRect(x0, y0, x1, y1, r) {
  return (x, y) => {
    if (x < x0 || x >= x1 || y < y0 || y >= y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
}
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
/** Ring between radii, limited to angles [a0, a1] in degrees (screen coordinates: 0 = right, 90 = down). */
function arc(cx, cy, rIn, rOut, a0, a1) {
  return (x, y) => {
    const d2 = (x - cx) ** 2 + (y - cy) ** 2;
    if (d2 < rIn * rIn || d2 > rOut * rOut) return false;
    let a = (Math.atan2(y - cy, x - cx) * 180) / Math.PI;
    while (a < a0) a += 360;
    return a <= a1;
  };
}
function polygon(pts) {
  return (x, y) => {
    let inside = false;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [xi, yi] = pts[i];
      const [xj, yj] = pts[j];
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  };
}
const union = (...fs) => (x, y) => fs.some((f) => f(x, y));
/** A polygon grown by `d`: inside it, or within `d` of an edge. */
function grownPolygon(pts, d) {
  const inside = polygon(pts);
  return (x, y) => {
    if (inside(x, y)) return true;
    for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
      const [ax, ay] = pts[j];
      const [bx, by] = pts[i];
      const dx = bx - ax;
      const dy = by - ay;
      const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
      if ((x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= d * d) return true;
    }
    return false;
  };
}

// ---------- the battery ----------
const BODY = { x0: 2.5, y0: 7, x1: 18.5, y1: 30.5 };
const STROKE = 2.5;
const HALO = 1.2;
const body = roundRect(BODY.x0, BODY.y0, BODY.x1, BODY.y1, 2.5);
const nub = roundRect(6.5, 3, 14.5, 8, 1);
const shellHalo = union(
  roundRect(BODY.x0 - HALO, BODY.y0 - HALO, BODY.x1 + HALO, BODY.y1 + HALO, 2.5 + HALO),
  roundRect(6.5 - HALO, 3 - HALO, 14.5 + HALO, 8 + HALO, 1 + HALO),
);
const interior = rect(BODY.x0 + STROKE, BODY.y0 + STROKE, BODY.x1 - STROKE, BODY.y1 - STROKE);
const FILL = { x0: BODY.x0 + STROKE + 1.25, x1: BODY.x1 - STROKE - 1.25, top: BODY.y0 + STROKE + 1.25, bottom: BODY.y1 - STROKE - 1.25 };

function batteryLayers(outline, inside) {
  const shell = union(body, nub);
  return [
    [shellHalo, C.halo],
    [shell, outline],
    [interior, inside],
  ];
}

function fillLayer(level, colour, low) {
  const h = FILL.bottom - FILL.top;
  let fh = (h * level) / 100;
  if (low) fh = Math.max(fh, 2.5); // an empty but low battery still shows a red sliver
  if (fh <= 0) return [];
  return [[rect(FILL.x0, FILL.bottom - fh, FILL.x1, FILL.bottom), colour]];
}

// Arrows right of the battery.
const AX0 = 20;
const AX1 = 31.5;
const AMID = (AX0 + AX1) / 2;
const SHAFT = 2.4;
const UP = [
  [AMID, 6],
  [AX1, 17],
  [AMID + SHAFT, 17],
  [AMID + SHAFT, 30],
  [AMID - SHAFT, 30],
  [AMID - SHAFT, 17],
  [AX0, 17],
];
const DOWN = [
  [AMID, 31],
  [AX1, 20],
  [AMID + SHAFT, 20],
  [AMID + SHAFT, 7],
  [AMID - SHAFT, 7],
  [AMID - SHAFT, 20],
  [AX0, 20],
];

function markLayers(direction) {
  if (direction === 'idle') return [];
  const pts = direction === 'charge' ? UP : DOWN;
  return [
    [grownPolygon(pts, HALO), C.halo],
    [polygon(pts), direction === 'charge' ? C.charge : C.discharge],
  ];
}

export function levelColour(level, low) {
  if (low) return C.red;
  return level <= 30 ? C.amber : C.green;
}

function batteryIcon(level, direction, low) {
  return [...batteryLayers(C.outline, C.interior), ...fillLayer(level, levelColour(level, low), low), ...markLayers(direction)];
}

function errorIcon() {
  const badge = circle(24, 23.5, 7.5);
  return [
    ...batteryLayers(C.greyOutline, C.greyInterior),
    [circle(24, 23.5, 8.7), C.halo],
    [badge, C.red],
    [rect(22.6, 17.5, 25.4, 25), C.white],
    [circle(24, 27.6, 1.5), C.white],
  ];
}

function unknownIcon() {
  const cx = (BODY.x0 + BODY.x1) / 2;
  return [
    ...batteryLayers(C.greyOutline, C.greyInterior),
    [arc(cx, 15.5, 2, 4.4, 180, 420), C.question],
    [rect(cx - 1.2, 18.5, cx + 1.2, 22), C.question],
    [circle(cx, 25, 1.5), C.question],
  ];
}

// ---------- rasteriser ----------
const SS = 8; // samples per pixel per axis
function render(layers, size) {
  const scale = 32 / size;
  const out = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0; // premultiplied sums
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const x = (px + (sx + 0.5) / SS) * scale;
          const y = (py + (sy + 0.5) / SS) * scale;
          let cr = 0, cg = 0, cb = 0, ca = 0;
          for (const [shape, [lr, lg, lb, la]] of layers) {
            if (!shape(x, y)) continue;
            // src-over, premultiplied
            cr = lr * la + cr * (1 - la);
            cg = lg * la + cg * (1 - la);
            cb = lb * la + cb * (1 - la);
            ca = la + ca * (1 - la);
          }
          r += cr; g += cg; b += cb; a += ca;
        }
      }
      const n = SS * SS;
      const i = (py * size + px) * 4;
      const alpha = a / n;
      out[i] = alpha > 0 ? Math.round(r / n / alpha) : 0;
      out[i + 1] = alpha > 0 ? Math.round(g / n / alpha) : 0;
      out[i + 2] = alpha > 0 ? Math.round(b / n / alpha) : 0;
      out[i + 3] = Math.round(alpha * 255);
    }
  }
  return out;
}

// ---------- PNG / ICO encoding ----------
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function encodePng(rgba, size) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
export function encodeIco(images /* [{ size, png }] */) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = 6 + 16 * images.length;
  const entries = images.map(({ size, png }) => {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4); // planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    return e;
  });
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

// ---------- the set ----------
export function iconSet() {
  const set = [];
  for (const level of LEVELS) {
    for (const dir of DIRECTIONS) {
      set.push([`battery-${level}-${dir}`, batteryIcon(level, dir, false)]);
      set.push([`battery-${level}-${dir}-low`, batteryIcon(level, dir, true)]);
    }
  }
  set.push(['battery-error', errorIcon()], ['battery-unknown', unknownIcon()]);
  return set;
}

/** The two files of one icon: the 32x32 PNG and the 16+32 ICO. */
export function renderFiles(layers) {
  const png32 = encodePng(render(layers, 32), 32);
  const png16 = encodePng(render(layers, 16), 16);
  const ico = encodeIco([
    { size: 16, png: png16 },
    { size: 32, png: png32 },
  ]);
  return { png: png32, ico };
}

/** Renders one icon of the set by name (for tests: are the committed files up to date?). */
export function renderIcon(name) {
  const entry = iconSet().find(([n]) => n === name);
  if (!entry) throw new Error(`no icon ${name}`);
  return renderFiles(entry[1]);
}

function main() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  let total = 0;
  for (const [name, layers] of iconSet()) {
    const { png, ico } = renderFiles(layers);
    writeFileSync(join(OUT, `${name}.png`), png);
    writeFileSync(join(OUT, `${name}.ico`), ico);
    total += png.length + ico.length;
  }
  console.log(`make-icons: ${readdirSync(OUT).length} files, ${(total / 1024).toFixed(1)} KiB in ${OUT}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
