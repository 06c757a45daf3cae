/**
 * Source "both": the fake firmware's feed and the fake cloud for the same battery. The feed gives the live
 * values while it is fresh and the cloud's live polling pauses (counted at the fake cloud); the cloud still
 * gives the station name and its controls; when the feed goes stale the cloud takes over again.
 */
import { describe, expect, it } from 'vitest';
import { topics } from '../../src/mqtt/topics.js';
import { defaultStation } from '../fake-cloud/server.js';
import { FakeFirmware } from '../fake-firmware/firmware.js';
import { retained, waitFor, watch } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { FAST_FEED, FAST_TUNING } from '../helpers/native.js';

const BASE = 'hoymiles-ms-a2';
const SN = defaultStation().batteries[0]!.sn;
const LIVE = '/burst/get';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('source both', () => {
  const fx = useBridgeFixture();

  it('takes live values from the fresh feed, pauses cloud live polling, and falls back to the cloud when the feed is stale', async () => {
    Object.assign(fx.cloud.station(), { soc: 40, batteryPower: -100, name: 'Holiday home' });
    const fw = await FakeFirmware.start({ url: fx.broker.url, sn: SN, ...FAST_FEED, initial: { soc: 63, ownPower: 410 } });
    try {
      const w = await watch(fx.broker.url, `${BASE}/#`);
      const b = fx.bridge({ source: 'both', nativePublishSec: 1 }, { tuning: { ...FAST_TUNING, controls: { pollIntervalMs: 20, rateLimitMs: 200 } } });
      const state = () => JSON.parse(w.last(topics.state(BASE, SN))?.payload ?? '{}');
      await waitFor(() => state().soc === 63, 10_000, 'feed values');
      expect(state()).toMatchObject({ battery_power: 410, battery_status: 'discharge' });

      // While the feed is fresh the cloud sees no live reads.
      await sleep(300);
      const before = fx.cloud.count(LIVE);
      await sleep(1_500);
      expect(fx.cloud.count(LIVE) - before).toBe(0);
      expect(b.source.snapshot().batteries).toHaveLength(1); // one battery, not a cloud one and a feed one
      expect(b.source.snapshot().batteries[0]!.stationName).toBe('Holiday home');

      // The cloud's controls and the feed's controls on one device.
      const cfgs = await retained(fx.broker.url, 'homeassistant/device/+/config');
      expect([...cfgs.keys()]).toEqual([topics.discovery('homeassistant', SN)]);
      const cfg = await waitFor(() => {
        const c = JSON.parse(w.last(topics.discovery('homeassistant', SN))?.payload ?? 'null') ?? JSON.parse(cfgs.get(topics.discovery('homeassistant', SN))!);
        return c.components.grid_charging && c.components.ems_mode ? c : undefined;
      }, 10_000, 'cloud and feed controls');
      expect(cfg.components.input_power.platform).toBe('number');
      expect(cfg.components.power_setpoint.platform).toBe('number');
      expect(b.controls!.stations()[0]!.stationName).toBe('Holiday home');

      // The feed stops: live values from the cloud again, its polling resumes.
      fw.setSilent(true);
      await waitFor(() => state().soc === 40, 10_000, 'cloud values after the feed went stale');
      expect(state().battery_power).toBe(-100);
      const resumed = fx.cloud.count(LIVE);
      await sleep(600);
      expect(fx.cloud.count(LIVE)).toBeGreaterThan(resumed);
      expect(w.last(topics.availability(BASE, SN))?.payload).toBe('online');
      expect(fx.log.lines.some((l) => /feed went stale for 280024290529: live values from the cloud again/.test(l))).toBe(true);

      // And back to the feed.
      fw.setSilent(false);
      await waitFor(() => state().soc === 63, 10_000, 'feed values again');
      await w.close();
    } finally {
      await fw.stop();
    }
  });
});
