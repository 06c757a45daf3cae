/**
 * The log's summary line: one line per change of what the batteries do ("280024290529: 57 %, discharging 310 W").
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

export class SummaryLog implements Sink {
  readonly name = 'summary line';
  private last: string | undefined;

  constructor(private readonly log: Logger) {}

  start(): void {}
  stop(): void {}

  onSnapshot(snap: BridgeSnapshot): void {
    const line = summary(snap);
    // A problem was logged where it arose (the poller, the cloud client): here it is only a repeat.
    if (line !== this.last && !snap.problem) this.log.info(line);
    else this.log.debug(line);
    this.last = line;
  }
}
