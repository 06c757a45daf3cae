/** The ring file: one record per minute in a file of fixed size, kept across restarts, set aside when unusable. */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RingFile } from '../../src/history/ring.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ring-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RingFile', () => {
  it('keeps samples across a restart and never grows past its slots', () => {
    const path = join(dir, 'r.bin');
    const ring = new RingFile(path, 1); // 1440 slots
    const size = statSync(path).size;
    expect(size).toBe(16 + 1440 * 20);
    for (let m = 0; m < 5000; m++) ring.put({ minute: 1_000_000 + m, soc: m % 100, power: -m });
    ring.close();
    expect(statSync(path).size).toBe(size);

    const again = new RingFile(path, 1);
    const last = 1_000_000 + 4999;
    const all = again.range(last - 10_000, last);
    expect(all).toHaveLength(1440); // only the newest day survives
    expect(all[0]!.minute).toBe(last - 1439);
    expect(all.at(-1)).toEqual({ minute: last, soc: 4999 % 100, power: -4999, charged: undefined, discharged: undefined });
    expect(again.get(last - 1440)).toBeUndefined(); // overwritten by its successor a day later
    again.close();
  });

  it('sets an unusable file aside and starts again', () => {
    const path = join(dir, 'r.bin');
    writeFileSync(path, 'not a ring');
    const ring = new RingFile(path, 1);
    expect(ring.warning).toMatch(/not usable/);
    expect(ring.range(0, 10)).toEqual([]);
    ring.close();
    expect(readdirSync(dir).some((f) => f.startsWith('r.bin.unusable-'))).toBe(true);
  });
});

describe('RingFile slots', () => {
  it('a minute a whole ring later takes the old one’s slot; range() returns only what is still held, oldest first', () => {
    const ring = new RingFile(join(dir, 'r.bin'), 1 / 24); // the minimum: 60 slots
    expect(ring.slots).toBe(60);
    const m0 = 29_000_000;
    ring.put({ minute: m0, soc: 50 });
    ring.put({ minute: m0 + 1, soc: 51, power: -120 });
    ring.put({ minute: m0 + 60, soc: 60 }); // same slot as m0
    expect(ring.get(m0)).toBeUndefined();
    expect(ring.get(m0 + 60)).toMatchObject({ soc: 60 });
    expect(ring.range(m0, m0 + 60).map((s) => s.minute)).toEqual([m0 + 1, m0 + 60]);
    expect(ring.get(m0 + 1)).toEqual({ minute: m0 + 1, soc: 51, power: -120, charged: undefined, discharged: undefined });
    ring.close();
  });
});
