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

/** The summary without the watts: what decides whether a line is worth the info level. */
const gist = (line: string): string => line.replace(/ \d+(\.\d+)? W\b/g, '');

/** An unchanged gist with other watts is said again at info after this long. */
export const SUMMARY_REPEAT_MS = 10 * 60_000;

export class SummaryLog implements Sink {
  readonly name = 'summary line';
  private last: string | undefined;
  private lastInfoGist: string | undefined;
  private lastInfoAt = -Infinity;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {}
  stop(): void {}

  onSnapshot(snap: BridgeSnapshot): void {
    const line = summary(snap);
    const changed = line !== this.last;
    this.last = line;
    // A problem was logged where it arose (the poller, the cloud client): here it is only a repeat.
    if (!changed || snap.problem) {
      this.log.debug(line);
      if (snap.problem) this.lastInfoGist = undefined;
      return;
    }
    const at = this.now();
    if (gist(line) !== this.lastInfoGist || at - this.lastInfoAt >= SUMMARY_REPEAT_MS) {
      this.log.info(line);
      this.lastInfoGist = gist(line);
      this.lastInfoAt = at;
    } else this.log.debug(line);
  }
}
