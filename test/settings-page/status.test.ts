/** The status panel's words and the broker address people type. */
import { describe, expect, it } from 'vitest';
import { normalizeBrokerUrl, validateSettings, DEFAULTS } from '../../src/config/app-settings.js';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import { buildStatus, hhmm } from '../../src/settings-page/status.js';

describe('normalizeBrokerUrl', () => {
  it.each([
    ['192.168.1.10', 'mqtt://192.168.1.10:1883'],
    [' homeassistant.local ', 'mqtt://homeassistant.local:1883'],
    ['192.168.1.10:1884', 'mqtt://192.168.1.10:1884'],
    ['[::1]:1883', 'mqtt://[::1]:1883'],
    ['mqtts://broker:8883', 'mqtts://broker:8883'],
    ['ws://h:9001/mqtt', 'ws://h:9001/mqtt'],
    ['host:99999', 'host:99999'],
    ['not a host', 'not a host'],
  ])('%s → %s', (typed, url) => {
    expect(normalizeBrokerUrl(typed)).toBe(url);
  });
  it('what it leaves alone is still refused by the validator, in words', () => {
    expect(validateSettings({ ...DEFAULTS, mqttUrl: normalizeBrokerUrl('not a host') }).mqttUrl).toMatch(/192\.168\.1\.10/);
    expect(validateSettings({ ...DEFAULTS, mqttUrl: normalizeBrokerUrl('10.0.0.2') }).mqttUrl).toBeUndefined();
  });
});

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);
const battery = { sn: 'SN1', deviceId: 1, stationId: 1, stationName: 'Home', master: true, live: true, fresh: true, raw: {}, soc: 57.4, batteryPower: -245, status: 'charge' as const, updatedAt: NOW - 12_000, chargedToday: 300 };
const base = { version: '1.2.3', demo: false, generation: 1, now: NOW };

describe('buildStatus', () => {
  it('the good state', () => {
    const snap: BridgeSnapshot = { batteries: [battery], cycles: 3, lastSuccess: NOW };
    const s = buildStatus({ ...base, snapshot: snap, broker: { connected: true, where: '127.0.0.1:1883' } });
    expect(s.cloud).toEqual({ state: 'ok', text: 'Logged in; reading the battery.' });
    expect(s.broker).toEqual({ state: 'connected', text: 'Connected to the broker 127.0.0.1:1883.' });
    expect(s.batteries[0]).toMatchObject({ sn: 'SN1', text: '57 %, charging 245 W', age: '12 s ago', fresh: true });
    expect(s.settled).toBe(true);
    expect(s.today).toEqual({ charged: 300, discharged: undefined });
  });
  it('login problems and broker problems in words', () => {
    const retryAt = NOW + 3_600_000;
    const wrong = buildStatus({ ...base, snapshot: { batteries: [], cycles: 1, problem: { code: 'wrong-password', message: 'x', since: NOW } } });
    expect(wrong.cloud.state).toBe('wrong-password');
    expect(wrong.broker.state).toBe('off');
    const limit = buildStatus({ ...base, snapshot: { batteries: [], cycles: 1, problem: { code: 'daily-limit', message: 'x', since: NOW, retryAt } } });
    expect(limit.cloud.text).toBe(`Daily login limit reached: the next try is after ${hhmm(retryAt)}.`);
    const down = buildStatus({
      ...base,
      snapshot: { batteries: [], cycles: 1, problem: { code: 'cloud-unreachable', message: 'x', since: NOW } },
      broker: { connected: false, problem: 'p', kind: 'bad-credentials', where: 'h:1883' },
    });
    expect(down.cloud.state).toBe('unreachable');
    expect(down.broker).toEqual({ state: 'bad-credentials', text: 'Bad credentials: the broker h:1883 rejected the user name or password.' });
    const refused = buildStatus({ ...base, snapshot: { batteries: [], cycles: 0 }, broker: { connected: false, problem: 'p', kind: 'refused', where: 'h:1' } });
    expect(refused.broker.state).toBe('refused');
    expect(refused.cloud.state).toBe('pending');
    expect(refused.settled).toBe(false);
  });
});

describe('status panel with the source native', () => {
  it('says the Hoymiles login is not needed, or why no battery is read', async () => {
    const { buildStatus } = await import('../../src/settings-page/status.js');
    const base = { version: '1', demo: false, generation: 0, now: 1_000, source: 'native' as const };
    expect(buildStatus({ ...base, snapshot: { batteries: [], cycles: 0 } }).cloud).toEqual({ state: 'ok', text: "Not needed; waiting for the battery's own MQTT feed…" });
    const problem = { code: 'no-battery' as const, message: 'No MS-A2 battery sends its own MQTT feed to this broker.', since: 0 };
    expect(buildStatus({ ...base, snapshot: { batteries: [], cycles: 0, problem } }).cloud).toEqual({ state: 'error', text: problem.message });
  });
});
