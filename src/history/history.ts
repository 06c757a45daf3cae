/**
 * The history sink: keeps one sample per minute per battery (7 days) in a ring file each (ring.ts), fed by the
 * poller's snapshots, and answers the settings page's chart (the last 24 hours) as JSON.
 * Within a minute the battery power is averaged over the polls and the other values are the minute's last.
 */
import { join } from 'node:path';
import type { Sink } from '../core/sink.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { Logger } from '../log/logger.js';
import { sanitizeId } from '../mqtt/topics.js';
import { MINUTE_MS, RingFile, type Sample } from './ring.js';

export interface HistoryView {
  /** The chart's window, ms since epoch. */
  from: number;
  to: number;
  batteries: {
    sn: string;
    station: string;
    /** [ms, SoC % | null, battery power W (+ = discharging) | null], oldest first, one per minute with a reading. */
    samples: [number, number | null, number | null][];
    chargedToday?: number;
    dischargedToday?: number;
  }[];
}

export interface HistoryOptions {
  dir: string;
  logger: Logger;
  days?: number;
}

export class History implements Sink {
  readonly name = 'history';
  private readonly rings = new Map<string, RingFile>();
  private readonly names = new Map<string, string>();
  /** The minute being filled per battery: power sum and count for the mean. */
  private readonly open = new Map<string, { minute: number; sum: number; n: number; lastUpdate?: number }>();

  constructor(private readonly opts: HistoryOptions) {}

  private ring(sn: string): RingFile {
    let r = this.rings.get(sn);
    if (!r) {
      r = new RingFile(join(this.opts.dir, `${sanitizeId(sn)}.bin`), this.opts.days ?? 7);
      if (r.warning) this.opts.logger.warn(r.warning);
      this.rings.set(sn, r);
    }
    return r;
  }

  /** Nothing to start: a battery's ring file is opened with its first reading (or the page's first view). */
  start(): void {}

  stop(): void {
    this.close();
  }

  /** A sink for the poller: one write of 20 bytes per battery and new reading. */
  onSnapshot(snap: BridgeSnapshot): void {
    for (const b of snap.batteries) {
      if (!b.fresh || b.updatedAt === undefined) continue;
      this.names.set(b.sn, b.stationName);
      const minute = Math.floor(b.updatedAt / MINUTE_MS);
      let cur = this.open.get(b.sn);
      if (cur?.lastUpdate === b.updatedAt) continue; // the same reading again
      if (!cur || cur.minute !== minute) {
        cur = { minute, sum: 0, n: 0 };
        this.open.set(b.sn, cur);
      }
      cur.lastUpdate = b.updatedAt;
      if (b.batteryPower !== undefined && Number.isFinite(b.batteryPower)) {
        cur.sum += b.batteryPower;
        cur.n++;
      }
      try {
        this.ring(b.sn).put({
          minute,
          soc: b.soc,
          power: cur.n ? cur.sum / cur.n : undefined,
          charged: b.chargedToday,
          discharged: b.dischargedToday,
        });
      } catch (err) {
        this.opts.logger.warn('Could not write the history file', err);
      }
    }
  }

  /** Fills the minutes of the last `hours` that have no sample (the demo's simulated past). */
  backfill(sn: string, station: string, at: (ms: number) => Omit<Sample, 'minute'>, hours = 24, now = Date.now()): number {
    this.names.set(sn, station);
    const r = this.ring(sn);
    const to = Math.floor(now / MINUTE_MS) - 1;
    let n = 0;
    for (let m = to - hours * 60 + 1; m <= to; m++) {
      if (r.get(m)) continue;
      r.put({ minute: m, ...at(m * MINUTE_MS) });
      n++;
    }
    return n;
  }

  /** The last `hours` for the page; batteries in the order given (the snapshot's), then any others on record. */
  view(sns: string[], hours = 24, now = Date.now()): HistoryView {
    const toMinute = Math.floor(now / MINUTE_MS);
    const fromMinute = toMinute - hours * 60 + 1;
    const order = [...new Set([...sns, ...this.rings.keys()])];
    const today = new Date(now).toDateString();
    return {
      from: fromMinute * MINUTE_MS,
      to: (toMinute + 1) * MINUTE_MS,
      batteries: order.map((sn) => {
        const samples = this.ring(sn).range(fromMinute, toMinute);
        const last = [...samples].reverse().find((s) => new Date(s.minute * MINUTE_MS).toDateString() === today && (s.charged !== undefined || s.discharged !== undefined));
        return {
          sn,
          station: this.names.get(sn) ?? '',
          samples: samples.map((s) => [s.minute * MINUTE_MS, round(s.soc, 1), round(s.power, 0)] as [number, number | null, number | null]),
          chargedToday: last?.charged,
          dischargedToday: last?.discharged,
        };
      }),
    };
  }

  close(): void {
    for (const r of this.rings.values()) r.close();
    this.rings.clear();
  }
}

function round(v: number | undefined, digits: number): number | null {
  if (v === undefined || !Number.isFinite(v)) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
