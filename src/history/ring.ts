/**
 * One battery's history: one sample per minute for a fixed number of days, in a fixed-size binary ring file.
 * Slot = minute since the epoch modulo the slot count, so the file never grows and a poll rewrites one 20-byte
 * record in place (no rewrite of the whole file, nothing to compact). Layout, little-endian:
 *
 *   header  16 bytes  "HMTH", u16 version (1), u16 record size (20), u32 slot count, u32 reserved
 *   record  20 bytes  u32 minute since epoch (0 = empty), f32 SoC %, f32 battery power W (+ = discharging),
 *                     f32 charged today Wh, f32 discharged today Wh (NaN = not known)
 *
 * A file with another header (damaged, other version or size) is set aside and a fresh one started.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export const MINUTE_MS = 60_000;
const MAGIC = 0x48544d48; // "HMTH" read as a little-endian u32
const VERSION = 1;
const HEADER = 16;
const RECORD = 20;

export interface Sample {
  /** Minute since the epoch (ms / 60000, floored). */
  minute: number;
  soc?: number;
  /** W, + = discharging (Home Assistant's sign). */
  power?: number;
  charged?: number;
  discharged?: number;
}

const num = (v: number): number | undefined => (Number.isFinite(v) ? v : undefined);
const f32 = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? Number.NaN : v);

export class RingFile {
  readonly slots: number;
  private readonly buf: Buffer;
  private fd?: number;
  /** Set when an unusable file was moved away, for the log. */
  readonly warning?: string;

  constructor(
    readonly path: string,
    days = 7,
  ) {
    this.slots = Math.max(60, Math.round(days * 24 * 60));
    this.buf = Buffer.alloc(HEADER + this.slots * RECORD);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (existsSync(path)) {
      const fd = openSync(path, 'r+', 0o600);
      const size = fstatSync(fd).size;
      const read = size === this.buf.length ? readSync(fd, this.buf, 0, this.buf.length, 0) : 0;
      if (read === this.buf.length && this.headerOk()) {
        this.fd = fd;
        return;
      }
      closeSync(fd);
      const aside = `${path}.unusable-${Date.now()}`;
      renameSync(path, aside);
      this.warning = `The history file was not usable (set aside as ${aside}); the history starts again.`;
      this.buf.fill(0);
    }
    this.buf.writeUInt32LE(MAGIC, 0);
    this.buf.writeUInt16LE(VERSION, 4);
    this.buf.writeUInt16LE(RECORD, 6);
    this.buf.writeUInt32LE(this.slots, 8);
    this.fd = openSync(path, 'w+', 0o600);
    ftruncateSync(this.fd, this.buf.length);
    writeSync(this.fd, this.buf, 0, this.buf.length, 0);
  }

  private headerOk(): boolean {
    return this.buf.readUInt32LE(0) === MAGIC && this.buf.readUInt16LE(4) === VERSION && this.buf.readUInt16LE(6) === RECORD && this.buf.readUInt32LE(8) === this.slots;
  }

  private offset(minute: number): number {
    return HEADER + (minute % this.slots) * RECORD;
  }

  /** The sample stored for exactly this minute, if any. */
  get(minute: number): Sample | undefined {
    const o = this.offset(minute);
    if (this.buf.readUInt32LE(o) !== minute || minute === 0) return undefined;
    return {
      minute,
      soc: num(this.buf.readFloatLE(o + 4)),
      power: num(this.buf.readFloatLE(o + 8)),
      charged: num(this.buf.readFloatLE(o + 12)),
      discharged: num(this.buf.readFloatLE(o + 16)),
    };
  }

  /** Stores the sample in its minute's slot (replacing whatever was there: the ring's oldest or this minute's). */
  put(s: Sample): void {
    const o = this.offset(s.minute);
    this.buf.writeUInt32LE(s.minute, o);
    this.buf.writeFloatLE(f32(s.soc), o + 4);
    this.buf.writeFloatLE(f32(s.power), o + 8);
    this.buf.writeFloatLE(f32(s.charged), o + 12);
    this.buf.writeFloatLE(f32(s.discharged), o + 16);
    if (this.fd !== undefined) writeSync(this.fd, this.buf, o, RECORD, o);
  }

  /** Samples of the minutes from `fromMinute` to `toMinute` (inclusive), oldest first. */
  range(fromMinute: number, toMinute: number): Sample[] {
    const out: Sample[] = [];
    const from = Math.max(fromMinute, toMinute - this.slots + 1);
    for (let m = from; m <= toMinute; m++) {
      const s = this.get(m);
      if (s) out.push(s);
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
