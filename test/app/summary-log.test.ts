import { describe, expect, it } from 'vitest';
import { SUMMARY_REPEAT_MS, SummaryLog } from '../../src/app/summary-log.js';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import { Logger } from '../../src/log/logger.js';

const snap = (soc: number, power: number, problem?: BridgeSnapshot['problem']): BridgeSnapshot => ({
  batteries: [
    { sn: '280024290529', deviceId: 1, stationId: 1, stationName: 'Home', master: true, soc, batteryPower: power, status: power > 0 ? 'discharge' : power < 0 ? 'charge' : 'standby', live: true, fresh: true, raw: {} },
  ],
  problem,
  cycles: 1,
});

function setup() {
  const lines: { level: string; line: string }[] = [];
  let clock = 0;
  const log = new Logger('debug', [(line, level) => lines.push({ level, line })]);
  const sink = new SummaryLog(log, () => clock);
  const info = () => lines.filter((l) => l.level === 'info').map((l) => l.line.replace(/^.*?(\d{12}:)/, '$1'));
  return { sink, info, lines, tick: (ms: number) => (clock += ms) };
}

describe('the summary line', () => {
  it('says at info what the battery does when it changes, not every move of the watts', () => {
    const { sink, info, lines, tick } = setup();
    sink.onSnapshot(snap(57, 310));
    for (const w of [312, 305, 298]) {
      tick(1_000);
      sink.onSnapshot(snap(57, w));
    }
    tick(1_000);
    sink.onSnapshot(snap(56, 298)); // SoC changed
    tick(1_000);
    sink.onSnapshot(snap(56, -400)); // now charging
    expect(info()).toEqual(['280024290529: 57 %, discharging 310 W', '280024290529: 56 %, discharging 298 W', '280024290529: 56 %, charging 400 W']);
    // Every change is still in the debug log.
    expect(lines.filter((l) => l.level === 'debug')).toHaveLength(3);
  });

  it('repeats an unchanged state with new watts at info after 10 minutes', () => {
    const { sink, info, tick } = setup();
    sink.onSnapshot(snap(57, 310));
    tick(SUMMARY_REPEAT_MS - 1);
    sink.onSnapshot(snap(57, 311));
    tick(1);
    sink.onSnapshot(snap(57, 312));
    expect(info()).toEqual(['280024290529: 57 %, discharging 310 W', '280024290529: 57 %, discharging 312 W']);
  });

  it('a problem stays at debug (it was logged where it arose); the first reading after it is said again', () => {
    const { sink, info, tick } = setup();
    sink.onSnapshot(snap(57, 310));
    tick(1_000);
    sink.onSnapshot(snap(57, 310, { code: 'cloud-unreachable', message: 'Cannot reach the Hoymiles cloud', since: 0 }));
    tick(1_000);
    sink.onSnapshot(snap(57, 309));
    expect(info()).toEqual(['280024290529: 57 %, discharging 310 W', '280024290529: 57 %, discharging 309 W']);
  });
});
