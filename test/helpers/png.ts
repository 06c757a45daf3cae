/**
 * A small PNG and ICO reader for tests (8-bit RGB/RGBA, non-interlaced, all five filters), so the tests read the
 * app's icons back from their bytes rather than trusting the code that wrote them.
 */
import { inflateSync } from 'node:zlib';

export interface Bitmap {
  width: number;
  height: number;
  /** RGBA, row-major. */
  rgba: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function decodePng(png: Buffer): Bitmap {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const idat: Buffer[] = [];
  let ended = false;
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('only 8-bit, non-interlaced PNGs');
      colourType = data[9]!;
      if (colourType !== 6 && colourType !== 2) throw new Error(`colour type ${colourType} not supported`);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    off += 12 + len;
  }
  if (!ended) throw new Error('PNG without IEND');
  const bpp = colourType === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const out = Buffer.alloc(width * height * bpp);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[y * stride + x - bpp]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const c = x >= bpp && y > 0 ? out[(y - 1) * stride + x - bpp]! : 0;
      let v = line[x]!;
      if (f === 1) v += a;
      else if (f === 2) v += b;
      else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  if (bpp === 4) return { width, height, rgba: out };
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    out.copy(rgba, i * 4, i * 3, i * 3 + 3);
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

export interface IcoEntry {
  size: number;
  bitsPerPixel: number;
  png: Buffer;
}

export function decodeIco(ico: Buffer): IcoEntry[] {
  if (ico.readUInt16LE(0) !== 0 || ico.readUInt16LE(2) !== 1) throw new Error('not an ICO');
  const n = ico.readUInt16LE(4);
  const out: IcoEntry[] = [];
  for (let i = 0; i < n; i++) {
    const e = 6 + 16 * i;
    const len = ico.readUInt32LE(e + 8);
    const at = ico.readUInt32LE(e + 12);
    if (at + len > ico.length) throw new Error(`ICO entry ${i} runs past the end`);
    out.push({ size: ico[e] || 256, bitsPerPixel: ico.readUInt16LE(e + 6), png: ico.subarray(at, at + len) });
  }
  return out;
}

/** The pixel at (x, y) as [r, g, b, a]. */
export function pixel(b: Bitmap, x: number, y: number): [number, number, number, number] {
  const i = (y * b.width + x) * 4;
  return [b.rgba[i]!, b.rgba[i + 1]!, b.rgba[i + 2]!, b.rgba[i + 3]!];
}
