/** PNG and ICO writing, read back with the tests' own decoder (test/helpers/png.ts). */
import { describe, expect, it } from 'vitest';
import { encodeIco, encodePng } from '../../src/tray/image-codec.js';
import { decodeIco, decodePng, pixel } from '../helpers/png.js';

function bitmap(size: number): Buffer {
  const b = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) b.set([x * 10, y * 10, 200, x === y ? 255 : 128], (y * size + x) * 4);
  return b;
}

describe('image codec', () => {
  it('a PNG holds exactly the pixels it was given, and the same bytes every time', () => {
    const png = encodePng(bitmap(16), 16);
    const back = decodePng(png);
    expect([back.width, back.height]).toEqual([16, 16]);
    expect(back.rgba.equals(bitmap(16))).toBe(true);
    expect(pixel(back, 3, 5)).toEqual([30, 50, 200, 128]);
    expect(encodePng(bitmap(16), 16).equals(png)).toBe(true);
  });
  it('refuses a bitmap of the wrong size', () => {
    expect(() => encodePng(Buffer.alloc(10), 16)).toThrow(/10 bytes is not 16×16 RGBA/);
  });
  it('an ICO lists its PNG entries with their sizes, 256 px written as 0 as the format wants', () => {
    const images = [16, 32, 256].map((size) => ({ size, png: encodePng(bitmap(size), size) }));
    const ico = encodeIco(images);
    const entries = decodeIco(ico);
    expect(entries.map((e) => [e.size, e.bitsPerPixel])).toEqual([
      [16, 32],
      [32, 32],
      [256, 32],
    ]);
    expect(entries.map((e) => e.png.equals(images[entries.indexOf(e)]!.png))).toEqual([true, true, true]);
    expect(ico[6 + 32]).toBe(0); // the third entry's width byte
  });
});
