/** src/mqtt/keepalive-timer.ts: MQTT.js's keep-alive check riding on the app's publishes, with a plain timer behind. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RidingTimer } from '../../src/mqtt/keepalive-timer.js';

describe('RidingTimer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => vi.useRealTimers());

  /** Beats every `gap` ms until `until`, as a poll cycle that publishes would. */
  function beatEvery(t: RidingTimer, gap: number, until: number): void {
    while (Date.now() + gap <= until) {
      vi.advanceTimersByTime(gap);
      t.beat();
    }
  }

  it('with publishes every second, the 30 s check runs in a publish, never on a timer of its own', () => {
    const t = new RidingTimer(1_000);
    const runs: { at: number; inBeat: boolean }[] = [];
    let beating = false;
    t.set(() => runs.push({ at: Date.now(), inBeat: beating }), 30_000);
    const origBeat = t.beat.bind(t);
    t.beat = () => {
      beating = true;
      origBeat();
      beating = false;
    };
    beatEvery(t, 1_000, 120_000);
    expect(runs.map((r) => r.inBeat)).toEqual([true, true, true, true]);
    // Each within half a gap of its due time: 30, 60, 90, 120 s.
    expect(runs.map((r) => r.at)).toEqual([30_000, 60_000, 90_000, 120_000]);
  });

  it('at a 15 s cycle the check runs at the cycle nearest its due time, at most half a cycle early', () => {
    const t = new RidingTimer(15_000);
    const at: number[] = [];
    t.set(() => at.push(Date.now()), 30_000);
    vi.advanceTimersByTime(1_000); // the cycles are not in step with the connection
    t.beat();
    beatEvery(t, 15_000, 121_000);
    expect(at).toEqual([31_000, 61_000, 91_000, 121_000]);
  });

  it('without publishes the plain timer still runs it, a little after its due time', () => {
    const t = new RidingTimer(1_000);
    const at: number[] = [];
    t.set(() => at.push(Date.now()), 30_000);
    vi.advanceTimersByTime(95_000);
    expect(at).toEqual([30_500, 61_000, 91_500]);
  });

  it('when publishes come less often than the check, it keeps the plain 30 s schedule', () => {
    const t = new RidingTimer(60_000);
    const at: number[] = [];
    t.set(() => at.push(Date.now()), 30_000);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(20_000);
      t.beat();
    }
    vi.advanceTimersByTime(30_000);
    expect(at).toEqual([30_000, 60_000, 90_000]);
  });

  it('clear() stops it (MQTT.js reschedules on every ping answer: clear, then set)', () => {
    const t = new RidingTimer(1_000);
    const fn = vi.fn();
    const id = t.set(fn, 30_000);
    vi.advanceTimersByTime(10_000);
    t.clear(id);
    const id2 = t.set(fn, 30_000);
    expect(id2).not.toBe(id);
    beatEvery(t, 1_000, 39_000);
    expect(fn).not.toHaveBeenCalled();
    beatEvery(t, 1_000, 41_000);
    expect(fn).toHaveBeenCalledTimes(1);
    t.clear(id2);
    vi.advanceTimersByTime(120_000);
    t.beat();
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
