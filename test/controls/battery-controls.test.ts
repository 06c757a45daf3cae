/** BatteryControls against a scripted job runner: reads, offers, refusals, rate limit, confirmation, snap back. */
import { describe, expect, it } from 'vitest';
import { JobError } from '../../src/cloud/jobs.js';
import { BatteryControls, ControlRefused, type ControlEvent } from '../../src/controls/battery-controls.js';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import { memoryLogger } from '../../src/log/logger.js';

const SN = '280024290529';
const SID = 1234567;

function snapshot(over: Partial<BridgeSnapshot> = {}, batteries = [{ sn: SN, sid: SID, master: true }]): BridgeSnapshot {
  return {
    batteries: batteries.map((b, i) => ({ sn: b.sn, deviceId: 100 + i, stationId: b.sid, stationName: 'Home', master: b.master, live: true, fresh: true, raw: {} })),
    cycles: 1,
    ...over,
  };
}

interface Deferred {
  resolve(v: Record<string, unknown>): void;
  reject(e: unknown): void;
}

/** A job runner whose reads answer from `settings` and whose writes wait until the test settles them. */
function fakeJobs() {
  const settings: Record<number, Record<string, unknown> | Error> = {
    1503: { enable: 0 },
    1513: { power: 800 },
    83: { mode: 2, k_2: { soc_l: 10, soc_h: 100 } },
  };
  const reads: number[] = [];
  const writes: { sid: number; action: number; data: Record<string, unknown>; what?: string; done: Deferred }[] = [];
  let closed = false;
  return {
    settings,
    reads,
    writes,
    get closed() {
      return closed;
    },
    jobs: {
      async read(_sid: number, action: number) {
        reads.push(action);
        await Promise.resolve();
        const s = settings[action]!;
        if (s instanceof Error) throw s;
        return structuredClone(s);
      },
      write(sid: number, action: number, data: Record<string, unknown>, what?: string) {
        return new Promise<Record<string, unknown>>((resolve, reject) => writes.push({ sid, action, data, what, done: { resolve, reject } }));
      },
      close() {
        closed = true;
      },
    },
  };
}

function setup(opts: { rateLimitMs?: number; readIntervalMs?: number | 'default' } = {}) {
  const f = fakeJobs();
  const { logger, lines } = memoryLogger();
  let now = 1_000_000;
  let refreshes = 0;
  const controls = new BatteryControls({
    jobs: f.jobs,
    refresh: async () => void refreshes++,
    base: 'hoymiles-ms-a2',
    logger,
    rateLimitMs: opts.rateLimitMs ?? 10_000,
    readIntervalMs: opts.readIntervalMs === 'default' ? undefined : (opts.readIntervalMs ?? 300_000),
    retryReadMs: 60_000,
    now: () => now,
  });
  const changes: [string, boolean][] = [];
  const events: Record<'confirmed' | 'control-error' | 'refused', ControlEvent[]> = { confirmed: [], 'control-error': [], refused: [] };
  controls.on('change', (sn, force) => changes.push([sn, force]));
  for (const e of ['confirmed', 'control-error', 'refused'] as const) controls.on(e as 'confirmed', (x) => events[e].push(x));
  return {
    f,
    controls,
    lines,
    changes,
    events,
    refreshes: () => refreshes,
    advance: (ms: number) => (now += ms),
    flush: () => new Promise((r) => setTimeout(r, 0)),
  };
}

async function ready(t: ReturnType<typeof setup>) {
  t.controls.onSnapshot(snapshot());
  await t.controls.readNow();
}

describe('BatteryControls: reading and offering', () => {
  it('reads the three settings at start-up and offers them with the confirmed values', async () => {
    const t = setup();
    expect(t.controls.components(SN)).toEqual({}); // nothing before the start-up read
    t.controls.onSnapshot(snapshot());
    await t.controls.readNow();
    expect([...t.f.reads].sort((a, b) => a - b)).toEqual([83, 1503, 1513]);
    expect(Object.keys(t.controls.components(SN)).sort()).toEqual(['grid_charging', 'input_power', 'refresh', 'reserve_soc']);
    expect(t.controls.state(SN)).toEqual({ grid_charging: 'OFF', input_power: 800, reserve_soc: 10 });
    expect(t.changes).toEqual([[SN, false]]);
    expect(t.controls.stations()[0]).toMatchObject({ sid: SID, sn: SN, stationName: 'Home' });
  });

  it('only the master battery gets controls', async () => {
    const t = setup();
    t.controls.onSnapshot(snapshot({}, [{ sn: SN, sid: SID, master: true }, { sn: '280099990000', sid: SID, master: false }]));
    await t.controls.readNow();
    expect(t.controls.components('280099990000')).toEqual({});
    expect(t.controls.state('280099990000')).toBeUndefined();
  });

  it('a setting the station refuses to read is not offered; the rest are', async () => {
    const t = setup();
    t.f.settings[83] = new JobError('refused', 'The Hoymiles cloud refused to read the reserve state of charge: The device list is empty.');
    await ready(t);
    expect(Object.keys(t.controls.components(SN)).sort()).toEqual(['grid_charging', 'input_power', 'refresh']);
    expect(t.controls.state(SN)).toEqual({ grid_charging: 'OFF', input_power: 800 });
    expect(t.lines.join('\n')).toMatch(/Reserve state of charge is not offered for station 1234567: .*device list is empty/);
    await expect(t.controls.set(SN, 'reserve_soc', 20)).rejects.toThrow(/does not offer the reserve state of charge/);
  });

  it('a transient read failure keeps the last value and retries sooner', async () => {
    const t = setup();
    await ready(t);
    t.advance(300_000);
    t.f.settings[1513] = new JobError('timeout', 'The battery did not confirm in time');
    t.controls.onSnapshot(snapshot());
    await t.controls.readNow();
    expect(t.controls.state(SN)!.input_power).toBe(800);
    expect(t.lines.join('\n')).toMatch(/Could not read the on-grid input power .*keeping the last known value/);
    const before = t.f.reads.length;
    t.advance(59_000);
    t.controls.onSnapshot(snapshot());
    expect(t.f.reads.length).toBe(before);
    t.advance(1_000);
    t.controls.onSnapshot(snapshot());
    await t.flush();
    expect(t.f.reads.length).toBe(before + 3);
  });

  it('re-reads every readIntervalMs (not while the cloud is failing) and publishes changes', async () => {
    const t = setup({ readIntervalMs: 300_000 });
    await ready(t);
    t.f.settings[1513] = { power: 650 };
    t.advance(299_000);
    t.controls.onSnapshot(snapshot());
    await t.flush();
    expect(t.f.reads.length).toBe(3);
    t.advance(1_000);
    t.controls.onSnapshot(snapshot({ problem: { code: 'cloud-unreachable', message: 'down', since: 0 } }));
    await t.flush();
    expect(t.f.reads.length).toBe(3);
    t.controls.onSnapshot(snapshot());
    await t.controls.readNow();
    expect(t.f.reads.length).toBe(6);
    expect(t.controls.state(SN)!.input_power).toBe(650);
    expect(t.changes.at(-1)).toEqual([SN, false]);
  });

  it('by default re-reads every 30 minutes (each read is a job on the battery), a failed write sooner', async () => {
    const t = setup({ readIntervalMs: 'default', rateLimitMs: 0 });
    await ready(t);
    expect(t.f.reads.length).toBe(3);
    t.advance(30 * 60_000 - 1_000);
    t.controls.onSnapshot(snapshot());
    await t.flush();
    expect(t.f.reads.length).toBe(3);
    t.advance(1_000);
    t.controls.onSnapshot(snapshot());
    await t.flush();
    expect(t.f.reads.length).toBe(6);
    await t.flush();
    // A write that fails: the settings are read again after the short retry, not after 30 minutes.
    const w = t.controls.set(SN, 'input_power', 900).catch((e) => e);
    t.f.writes.at(-1)!.done.reject(new JobError('failed', 'The battery could not set the on-grid input power to 900 W: Device offline.'));
    await w;
    t.advance(60_000);
    t.controls.onSnapshot(snapshot());
    await t.flush();
    expect(t.f.reads.length).toBe(9);
  });

  it('a station in another work mode shows no reserve and refuses to write one', async () => {
    const t = setup();
    t.f.settings[83] = { mode: 8, k_8: {} };
    await ready(t);
    expect(t.controls.state(SN)!.reserve_soc).toBeNull();
    await expect(t.controls.set(SN, 'reserve_soc', 30)).rejects.toThrow(/work mode 8, not self-consumption/);
    expect(t.f.writes).toEqual([]);
  });
});

describe('BatteryControls: commands', () => {
  it('a command reaches the job runner with the right body; the state changes only after confirmation', async () => {
    const t = setup();
    await ready(t);
    t.controls.onCommand(SN, 'input_power', '1000', { retain: false });
    await t.flush();
    expect(t.f.writes).toHaveLength(1);
    expect(t.f.writes[0]).toMatchObject({ sid: SID, action: 1513, data: { power: 1000, sid: SID } });
    expect(t.controls.state(SN)!.input_power).toBe(800); // not yet confirmed
    expect(t.controls.stations()[0]!.settings.find((s) => s.key === 'input_power')!.writing).toBe(true);
    t.f.writes[0]!.done.resolve({});
    await t.flush();
    expect(t.controls.state(SN)!.input_power).toBe(1000);
    expect(t.changes.at(-1)).toEqual([SN, false]);
    expect(t.events.confirmed).toMatchObject([{ sn: SN, key: 'input_power', value: 1000 }]);
  });

  it('switch and reserve bodies', async () => {
    const t = setup({ rateLimitMs: 0 });
    await ready(t);
    const on = t.controls.command(SN, 'grid_charging', 'ON');
    t.f.writes.at(-1)!.done.resolve({});
    await on;
    const off = t.controls.command(SN, 'grid_charging', 'OFF');
    t.f.writes.at(-1)!.done.resolve({});
    await off;
    const soc = t.controls.command(SN, 'reserve_soc', '25');
    t.f.writes.at(-1)!.done.resolve({});
    await soc;
    expect(t.f.writes.map((w) => [w.action, w.data])).toEqual([
      [1503, { enable: 1, sid: SID, target: 2, type: 1 }],
      [1503, { enable: 0, sid: SID }],
      [83, { sid: SID, mode: 2, soc_l: 25, soc_h: 100 }],
    ]);
    expect(t.controls.state(SN)).toEqual({ grid_charging: 'OFF', input_power: 800, reserve_soc: 25 });
  });

  it('a failed write keeps the previous value, re-publishes it and records the error for the tray', async () => {
    const t = setup();
    await ready(t);
    const p = t.controls.set(SN, 'grid_charging', true);
    t.f.writes[0]!.done.reject(new JobError('failed', 'The battery could not switch grid charging on: Device offline.'));
    await expect(p).rejects.toThrow(/Device offline/);
    expect(t.controls.state(SN)!.grid_charging).toBe('OFF');
    expect(t.changes.at(-1)).toEqual([SN, true]);
    expect(t.controls.lastControlError).toBe('The battery could not switch grid charging on: Device offline.');
    expect(t.events['control-error']).toMatchObject([{ key: 'grid_charging', value: true, message: expect.stringMatching(/Device offline/) }]);
    expect(t.lines.join('\n')).toMatch(/ERROR .*Device offline\. Keeping grid charging off/);
  });

  it('ignores retained commands', async () => {
    const t = setup();
    await ready(t);
    t.controls.onCommand(SN, 'input_power', '1000', { retain: true });
    await t.flush();
    expect(t.f.writes).toEqual([]);
    expect(t.lines.join('\n')).toMatch(/Ignored the retained command "1000" on hoymiles-ms-a2\/280024290529\/input_power\/set/);
  });

  it('refuses bad payloads, unknown keys and batteries with a log line; nothing is written', async () => {
    const t = setup();
    await ready(t);
    for (const [key, payload] of [
      ['input_power', '2500'],
      ['input_power', 'abc'],
      ['reserve_soc', '5'],
      ['grid_charging', 'on'],
      ['refresh', 'GO'],
      ['work_mode', '2'],
    ] as const) {
      t.controls.onCommand(SN, key, payload, { retain: false });
    }
    t.controls.onCommand('999', 'input_power', '100', { retain: false });
    await t.flush();
    expect(t.f.writes).toEqual([]);
    expect(t.refreshes()).toBe(0);
    const log = t.lines.join('\n');
    expect(log).toMatch(/Refused the command "2500" for input_power of 280024290529: 2500 W is outside 0–2000 W/);
    expect(log).toMatch(/Refused the command "abc" for input_power .*not a number/);
    expect(log).toMatch(/Refused the command "5" for reserve_soc .*outside 10–100 %/);
    expect(log).toMatch(/Refused the command "on" for grid_charging .*neither ON nor OFF/);
    expect(log).toMatch(/Refused the command "GO" for refresh .*not PRESS/);
    expect(log).toMatch(/Refused the command "2" on hoymiles-ms-a2\/280024290529\/work_mode\/set: there is no control "work_mode"/);
    expect(log).toMatch(/Refused input_power = "100" of 999: battery 999 has no controls/);
    expect(t.events.refused.length).toBe(6);
  });

  it('refuses writes before the start-up read', async () => {
    const t = setup();
    t.controls.onSnapshot(snapshot());
    const e = await t.controls.set(SN, 'input_power', 100).catch((x) => x);
    expect(e).toBeInstanceOf(ControlRefused);
    expect(e.message).toMatch(/has not been read yet/);
    expect(t.controls.components(SN)).toEqual({});
    await t.controls.readNow();
    expect(t.f.writes).toEqual([]);
  });

  it('rate limit: one write per setting per window; other settings are independent; refused writes do not count', async () => {
    const t = setup({ rateLimitMs: 10_000 });
    await ready(t);
    const first = t.controls.set(SN, 'input_power', 900);
    t.f.writes[0]!.done.resolve({});
    await first;
    t.advance(9_000);
    await expect(t.controls.set(SN, 'input_power', 950)).rejects.toThrow(/Too soon: at most one change of this setting per 10 s \(try again in 1 s\)/);
    const other = t.controls.set(SN, 'reserve_soc', 30);
    t.f.writes[1]!.done.resolve({});
    await other;
    t.advance(1_000);
    const again = t.controls.set(SN, 'input_power', 950);
    t.f.writes[2]!.done.resolve({});
    await again;
    expect(t.f.writes.map((w) => w.data)).toEqual([{ power: 900, sid: SID }, { sid: SID, mode: 2, soc_l: 30, soc_h: 100 }, { power: 950, sid: SID }]);
    expect(t.lines.join('\n')).toMatch(/WARN .*Refused input_power = "950" of 280024290529: too soon/);
  });

  it('refresh: an immediate poll plus a settings read, rate-limited, no cloud write', async () => {
    const t = setup({ rateLimitMs: 10_000 });
    await ready(t);
    const reads = t.f.reads.length;
    await t.controls.command(SN, 'refresh', 'PRESS');
    expect(t.refreshes()).toBe(1);
    expect(t.f.reads.length).toBe(reads + 3);
    await expect(t.controls.refresh(SN)).rejects.toThrow(/at most one refresh per 10 s/);
    expect(t.refreshes()).toBe(1);
    expect(t.f.writes).toEqual([]);
  });

  it('stop() closes the job runner; failures after that are not reported as control errors', async () => {
    const t = setup();
    await ready(t);
    const p = t.controls.set(SN, 'input_power', 100).catch((e) => e);
    await t.controls.stop();
    expect(t.f.closed).toBe(true);
    t.f.writes[0]!.done.reject(new JobError('stopped', 'Cannot set: the bridge is stopping.'));
    await p;
    expect(t.controls.lastControlError).toBeUndefined();
    expect(t.events['control-error']).toEqual([]);
  });
});
