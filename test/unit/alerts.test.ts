import { describe, expect, it } from 'vitest';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import { AlertPolicy } from '../../src/notify/alerts.js';

const snap = (soc: number | undefined, problem?: BridgeSnapshot['problem']): BridgeSnapshot => ({
  batteries: [{ sn: 'A', deviceId: 1, stationId: 1, stationName: 'x', master: true, soc, live: true, fresh: !problem, raw: {} }],
  problem,
  lastSuccess: problem ? undefined : Date.now(),
  cycles: 1,
});

describe('notification policy', () => {
  it('low SoC: once below the threshold, again only after rising above threshold + 5', () => {
    const p = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true });
    expect(p.evaluate(snap(20))).toEqual([]);
    expect(p.evaluate(snap(14)).map((a) => a.kind)).toEqual(['low-soc']);
    expect(p.evaluate(snap(12))).toEqual([]);
    expect(p.evaluate(snap(16))).toEqual([]);
    expect(p.evaluate(snap(14))).toEqual([]); // no flapping around the threshold
    expect(p.evaluate(snap(21))).toEqual([]);
    expect(p.evaluate(snap(13))[0]!.title).toBe('Battery low: 13 %');
  });
  it('login failure once per streak, then one "restored"', () => {
    const p = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true });
    const problem = { code: 'wrong-password' as const, message: 'Hoymiles rejected the e-mail or password. Check them in the settings.', since: 0 };
    expect(p.evaluate(snap(50, problem)).map((a) => a.kind)).toEqual(['login-failed']);
    expect(p.evaluate(snap(50, problem))).toEqual([]);
    expect(p.evaluate(snap(50)).map((a) => a.kind)).toEqual(['restored']);
    expect(p.evaluate(snap(50))).toEqual([]);
  });
  it('a cloud outage is not a login failure; switched-off kinds stay quiet', () => {
    const p = new AlertPolicy({ lowSocThreshold: 15, lowSoc: false, login: false });
    expect(p.evaluate(snap(5, { code: 'cloud-unreachable', message: 'x', since: 0 }))).toEqual([]);
    expect(p.evaluate(snap(5, { code: 'daily-limit', message: 'x', since: 0 }))).toEqual([]);
    expect(p.evaluate(snap(5))).toEqual([]);
  });
});
