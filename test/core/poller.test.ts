/**
 * The cloud poller against the fake cloud (real HTTP on 127.0.0.1) with a real CloudClient: its schedule, what
 * one cycle asks the cloud, backoff while the cloud fails and recovery, staleness, station reads beside the
 * live reads. Delays are read from the problem's retryAt (with a fixed clock), never timed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import { Poller, type PollerOptions } from '../../src/core/poller.js';
import { memoryLogger } from '../../src/log/logger.js';
import { defaultStation, FakeCloud } from '../fake-cloud/server.js';
import { waitFor, watch } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { clientFor } from '../helpers/cloud.js';

const SN = '280024290529';
const BASE = 'hoymiles-ms-a2';
const HOUR = 3_600_000;

let cloud: FakeCloud;
let pollers: Poller[] = [];
let clients: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  cloud = await FakeCloud.start();
});
afterEach(async () => {
  for (const p of pollers) await p.stop();
  for (const c of clients) await c.close();
  pollers = [];
  clients = [];
  await cloud.close();
});

/** A poller on a fresh client; `clock` fixes the time it sees (then delays can be read from retryAt). */
function poller(over: Partial<PollerOptions> = {}, clientOpts: Parameters<typeof clientFor>[1] = {}) {
  const c = clientFor(cloud, clientOpts);
  const { logger, lines } = memoryLogger();
  const p = new Poller(c.client, { intervalMs: 50, stationIntervalMs: HOUR, logger, ...over });
  const snaps: BridgeSnapshot[] = [];
  p.on('snapshot', (s) => snaps.push(s));
  pollers.push(p);
  clients.push(c.client);
  return { ...c, p, lines, snaps };
}

describe('schedule and what a cycle asks', () => {
  it('polls at once on start, then again and again; after the first cycle each one is a single live read', async () => {
    const { p, snaps } = poller();
    p.start();
    await waitFor(() => snaps.length >= 6 && snaps.at(-1)!.batteries[0]?.temperature !== undefined, 10_000, 'six cycles');
    await p.stop();
    const cycles = p.snapshot().cycles;
    expect(cycles).toBeGreaterThanOrEqual(5);
    // Logging in, the station list, the live-data address, energy and temperature: once. Live data: once per cycle.
    const paths = cloud.requests.map((r) => r.path.replace(/\?.*/, ''));
    const count = (path: string) => paths.filter((x) => x === path).length;
    expect(count('/iam/pub/3/auth/login')).toBe(1);
    expect(count('/pvmc/api/0/station/select_by_page_c')).toBe(1);
    expect(count('/pvmc/api/0/station/get_sd_uri_c')).toBe(1);
    expect(count('/pvmc/api/0/station_data/real_g_c')).toBe(1);
    expect(count('/pvmc/api/0/inverter/find_c')).toBe(1);
    expect(count('/rds/api/0/burst/get')).toBe(cycles);
  });

  it('stop() ends the rhythm: no request after it', async () => {
    const { p, snaps } = poller();
    p.start();
    await waitFor(() => snaps.length >= 2, 10_000, 'two cycles');
    await p.stop();
    const after = cloud.requests.length;
    const cycles = p.snapshot().cycles;
    await new Promise((r) => setTimeout(r, 300)); // six intervals
    expect(cloud.requests.length).toBe(after);
    expect(p.snapshot().cycles).toBe(cycles);
  });

  it('the station reads come again after stationIntervalMs, not every cycle', async () => {
    let t = Date.UTC(2026, 11, 1, 10);
    const { p } = poller({ now: () => t, stationIntervalMs: 60_000 });
    await p.pollOnce();
    await p.refreshNow(); // "Refresh now" reads the station too
    expect(cloud.count('/station_data/real_g_c')).toBe(2);
    await p.stop();
    // Two more ordinary cycles within the minute, then one after it.
    const q = poller({ now: () => t, stationIntervalMs: 60_000 });
    const before = cloud.count('/station_data/real_g_c');
    q.p.start();
    await waitFor(() => q.snaps.length >= 3, 10_000, 'three cycles');
    await waitFor(() => cloud.count('/station_data/real_g_c') === before + 1, 10_000, 'the first station read');
    t += 61_000;
    const n = q.snaps.length;
    await waitFor(() => q.snaps.length >= n + 3, 10_000, 'three more cycles');
    await waitFor(() => cloud.count('/station_data/real_g_c') === before + 2, 10_000, 'the station read after a minute');
    await q.p.stop();
    expect(cloud.count('/station_data/real_g_c')).toBe(before + 2);
  });

  it('source "both": no live read while the feed is fresh; the station reads still come', async () => {
    let wanted = false;
    const { p } = poller({ liveWanted: () => wanted });
    await p.pollOnce();
    expect(cloud.count('/burst/get')).toBe(0);
    expect(cloud.count('/station_data/real_g_c')).toBe(1);
    expect(p.snapshot().batteries[0]).toMatchObject({ sn: SN, chargedToday: 285, temperature: 22 });
    wanted = true;
    await p.refreshNow();
    expect(cloud.count('/burst/get')).toBe(1);
    expect(p.snapshot().batteries[0]).toMatchObject({ soc: 57, fresh: true });
  });
});

describe('backoff, problems and recovery', () => {
  it('a failing cloud: waits twice as long after each failure, up to maxBackoffMs; the problem keeps its start', async () => {
    const t = Date.UTC(2026, 11, 1, 10);
    const { p, lines } = poller({ now: () => t, intervalMs: 1_000, maxBackoffMs: 5_000 });
    await p.pollOnce();
    expect(p.snapshot().problem).toBeUndefined();
    cloud.fault = 'down';
    cloud.faultPath = '/rds/api/0/burst';
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await p.pollOnce();
      expect(s.problem).toMatchObject({ code: 'cloud-unreachable', since: t });
      waits.push(s.problem!.retryAt! - t);
    }
    expect(waits).toEqual([2_000, 4_000, 5_000, 5_000]);
    // Said once as an error, then only in the debug log.
    expect(lines.filter((l) => l.includes('ERROR') && l.includes('Cannot reach the Hoymiles cloud'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('DEBUG') && l.includes('Still failing'))).toHaveLength(3);
  });

  it('recovers by itself when the cloud answers again: problem gone, said once, backoff from the start', async () => {
    const t = Date.UTC(2026, 11, 1, 10);
    const { p, lines } = poller({ now: () => t, intervalMs: 1_000, maxBackoffMs: 60_000 });
    await p.pollOnce();
    cloud.fault = 'http500';
    cloud.faultPath = '/rds/api/0/burst';
    for (let i = 0; i < 3; i++) await p.pollOnce();
    expect(p.snapshot().problem).toMatchObject({ code: 'cloud-error', message: expect.stringMatching(/HTTP 500/) });
    expect(p.snapshot().problem!.retryAt! - t).toBe(8_000);
    cloud.fault = 'none';
    cloud.station().soc = 63;
    const ok = await p.pollOnce();
    expect(ok.problem).toBeUndefined();
    expect(ok.lastSuccess).toBe(t);
    expect(ok.batteries[0]).toMatchObject({ soc: 63, fresh: true });
    expect(lines.filter((l) => l.includes('Cloud connection restored'))).toHaveLength(1);
    cloud.fault = 'http500';
    expect((await p.pollOnce()).problem!.retryAt! - t).toBe(2_000);
  });

  it('the scheduled rhythm goes on after failures and ends the problem without help', async () => {
    const { p, snaps } = poller({ intervalMs: 30, maxBackoffMs: 60 });
    cloud.fault = 'http500';
    cloud.faultPath = '/rds/api/0/burst';
    p.start();
    await waitFor(() => snaps.filter((s) => s.problem?.code === 'cloud-error').length >= 3, 10_000, 'three failed cycles');
    cloud.fault = 'none';
    await waitFor(() => snaps.at(-1)!.problem === undefined && snaps.at(-1)!.batteries[0]?.fresh, 10_000, 'recovery');
  });

  it('an account without a battery: a problem naming the stations it has', async () => {
    cloud.stations = [defaultStation({ name: 'Garden', sid: 42, batteries: [] })];
    const { p } = poller();
    const s = await p.pollOnce();
    expect(s.problem).toMatchObject({ code: 'no-battery' });
    expect(s.problem!.message).toBe('No MS-A2 battery found in the selected stations. Stations of this account: Garden (42).');
    expect(s.batteries).toEqual([]);
  });

  it('a sink that throws neither stops the poller nor keeps the snapshot from the others', async () => {
    const { p, lines, snaps } = poller();
    p.prependListener('snapshot', () => {
      throw new Error('sink bug');
    });
    await p.pollOnce();
    expect(snaps).toHaveLength(1);
    expect(lines.some((l) => /ERROR A consumer of the readings failed: sink bug/.test(l))).toBe(true);
  });
});

describe('staleness', () => {
  it('fresh after a read; stale once staleAfterMs passed without one', async () => {
    let t = Date.UTC(2026, 11, 1, 10);
    const { p } = poller({ now: () => t, staleAfterMs: 10_000 });
    await p.pollOnce();
    expect(p.snapshot().batteries[0]).toMatchObject({ fresh: true, updatedAt: t });
    t += 10_000;
    expect(p.snapshot().batteries[0]!.fresh).toBe(true);
    t += 1;
    expect(p.snapshot().batteries[0]!.fresh).toBe(false);
  });

  it('the default staleness is three intervals, at least two minutes', async () => {
    let t = Date.UTC(2026, 11, 1, 10);
    const { p } = poller({ now: () => t, intervalMs: 60_000 });
    await p.pollOnce();
    t += 180_000;
    expect(p.snapshot().batteries[0]!.fresh).toBe(true);
    t += 1;
    expect(p.snapshot().batteries[0]!.fresh).toBe(false);
  });

  it('a battery that is not streaming (con 0) is not fresh, and its last values stay', async () => {
    const { p } = poller();
    await p.pollOnce();
    cloud.station().con = 0;
    cloud.station().soc = 12;
    const s = await p.refreshNow();
    expect(s.batteries[0]).toMatchObject({ fresh: false, live: false });
    cloud.burstWithoutFlow = true; // no flow at all: the values are kept, not overwritten with nothing
    const kept = await p.refreshNow();
    expect(kept.batteries[0]!.batteryPower).toBe(245.8);
    expect(kept.batteries[0]!.fresh).toBe(false);
  });

  it('a broken login makes the values stale at once, however recent', async () => {
    const t = Date.UTC(2026, 11, 1, 10);
    const { p, creds } = poller({ now: () => t }, { wrongPasswordRetryMs: null });
    await p.pollOnce();
    expect(p.snapshot().batteries[0]!.fresh).toBe(true);
    cloud.expireTokens();
    creds.current = { ...creds.current, password: 'not-the-password' };
    const s = await p.pollOnce();
    expect(s.problem?.code).toBe('wrong-password');
    expect(s.batteries[0]!.fresh).toBe(false);
  });
});

describe('station reads beside the live reads', () => {
  it('a hanging station read holds up no live value and is not started twice; its timeout is a warning', async () => {
    cloud.fault = 'slow'; // never answers: only the client's timeout ends it
    cloud.faultPath = '/pvmc/api/0/station_data/';
    const { p, snaps, lines } = poller({ stationIntervalMs: 50 }, { timeoutMs: 1_500 });
    p.start();
    await waitFor(() => snaps.find((s) => s.batteries[0]?.soc === 57), 10_000, 'first live values');
    cloud.station().soc = 61;
    await waitFor(() => snaps.find((s) => s.batteries[0]?.soc === 61), 10_000, 'new live values while the station read hangs');
    const during = snaps.at(-1)!;
    expect(during.problem).toBeUndefined();
    expect(during.batteries[0]!.chargedToday).toBeUndefined();
    expect(cloud.count('/station_data/real_g_c')).toBe(1); // one at a time per station, though due every cycle
    await waitFor(() => lines.find((l) => /WARN  Could not read the energy of station 1234567: The Hoymiles cloud did not answer in time/.test(l)), 10_000, 'the timeout');
    expect(p.snapshot().problem).toBeUndefined();
  });

  const fx = useBridgeFixture();
  it('a station read that hangs does not hold up the live values (the whole bridge, on MQTT)', async () => {
    const stateOf = (w: Awaited<ReturnType<typeof watch>>) => {
      const m = w.last(`${BASE}/${SN}/state`);
      return m ? JSON.parse(m.payload) : undefined;
    };
    fx.cloud.fault = 'slow'; // never answers: only the client's 15 s timeout ends it
    fx.cloud.faultPath = '/pvmc/api/0/station_data/';
    const w = await watch(fx.broker.url);
    fx.bridge();
    await waitFor(() => stateOf(w), 10_000, 'first state');
    fx.cloud.station().soc = 61;
    await waitFor(() => stateOf(w)?.soc === 61, 10_000, 'the new SoC while the station read hangs');
    // Still unanswered: the energy is unknown, and the live values came anyway.
    expect(fx.cloud.count('/station_data/real_g_c')).toBeGreaterThanOrEqual(1);
    expect(stateOf(w).charge_energy_today).toBeNull();
    await w.close();
  });
});
