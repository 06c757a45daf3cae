/**
 * The log's summary line ("280024290529: 57 %, discharging 310 W"): at info when what the batteries do changes
 * (state of charge, charging / discharging / standby, live or not) and otherwise at most every 10 minutes, so a
 * 1 s interval with a power that moves every second does not write a line a second. Every other change at debug.
 * A sink of the headless bridge, the headless demo, and the tray app when its icon cannot be shown.
 */
import type { Sink } from '../core/sink.js';
import type { BridgeSnapshot } from '../core/snapshot.js';
import type { Logger } from '../log/logger.js';

export function summary(snap: BridgeSnapshot): string {
  if (snap.problem) return `Problem: ${snap.problem.message}`;
  return snap.batteries
    .map((b) => {
      const p = b.batteryPower;
      const what = p === undefined ? 'power unknown' : b.status === 'standby' || b.status === 'lock' ? b.status : `${b.status === 'charge' ? 'charging' : 'discharging'} ${Math.abs(p)} W`;
      return `${b.sn}: ${b.soc ?? '–'} %, ${what}${b.live ? '' : ' (not live)'}`;
    })
    .join('; ');
}

/**
 * What the line says, as values to compare (no string built on a cycle that logs nothing): per battery its serial,
 * state of charge, what it does, the watts shown (NaN when none are shown) and live or not; or the problem.
 */
function facts(snap: BridgeSnapshot, out: unknown[]): void {
  out.length = 0;
  if (snap.problem) {
    out.push('problem', snap.problem.message);
    return;
  }
  for (const b of snap.batteries) {
    const p = b.batteryPower;
    const what = p === undefined ? 'unknown' : b.status === 'standby' || b.status === 'lock' ? b.status : b.status === 'charge' ? 'charge' : 'discharge';
    const shown = what === 'charge' || what === 'discharge';
    out.push(b.sn, b.soc, what, shown ? Math.abs(p!) : NaN, b.live);
  }
}

/** Equal facts; `watts` false: the watts (every 4th of 5 per battery) left out, as the info level compares. */
function same(a: readonly unknown[], b: readonly unknown[], watts: boolean): boolean {
  if (a.length !== b.length) return false;
  const problem = a[0] === 'problem';
  for (let i = 0; i < a.length; i++) {
    if (!watts && !problem && i % 5 === 3) continue;
    if (!Object.is(a[i], b[i])) return false;
  }
  return true;
}

/** An unchanged gist with other watts is said again at info after this long. */
export const SUMMARY_REPEAT_MS = 10 * 60_000;

export class SummaryLog implements Sink {
  readonly name = 'summary line';
  /** The facts of the last line and of the last line said at info (no info line yet: undefined). */
  private last: unknown[] | undefined;
  private next: unknown[] = [];
  private lastInfo: unknown[] | undefined;
  private lastInfoAt = -Infinity;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {}
  stop(): void {}

  onSnapshot(snap: BridgeSnapshot): void {
    const f = this.next;
    facts(snap, f);
    const changed = !this.last || !same(f, this.last, true);
    // Swap the two arrays: the facts of this cycle become the last ones without a new array per cycle.
    this.next = this.last ?? [];
    this.last = f;
    // A problem was logged where it arose (the poller, the cloud client): here it is only a repeat.
    if (!changed || snap.problem) {
      if (this.log.enabled('debug')) this.log.debug(summary(snap));
      if (snap.problem) this.lastInfo = undefined;
      return;
    }
    const at = this.now();
    if (!this.lastInfo || !same(f, this.lastInfo, false) || at - this.lastInfoAt >= SUMMARY_REPEAT_MS) {
      this.log.info(summary(snap));
      this.lastInfo = [...f];
      this.lastInfoAt = at;
    } else if (this.log.enabled('debug')) this.log.debug(summary(snap));
  }
}
