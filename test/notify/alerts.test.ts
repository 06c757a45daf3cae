import { describe, expect, it } from 'vitest';
import type { BridgeSnapshot } from '../../src/core/snapshot.js';
import { AlertPolicy } from '../../src/notify/alerts.js';

const snap = (soc: number | undefined, problem?: BridgeSnapshot['problem']): BridgeSnapshot => ({
  batteries: [{ sn: '280024290529', deviceId: 1, stationId: 1, stationName: 'Home East', master: true, soc, live: true, fresh: !problem, raw: {} }],
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
    expect(p.evaluate(snap(13))[0]).toMatchObject({ kind: 'low-soc', title: 'Battery low: 13 %', message: 'Home East · MS-A2 …0529 is below 15 % state of charge.' });
  });
  it('"connection restored" only after a failure was notified: never at first start, never after a silent failure', () => {
    const p = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true });
    expect(p.evaluate(snap(50))).toEqual([]); // first start, all well
    const quiet = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: false });
    const problem = { code: 'wrong-password' as const, message: 'x', since: 0 };
    expect(quiet.evaluate(snap(50, problem))).toEqual([]);
    quiet.options = { ...quiet.options, login: true }; // switched on while the failure lasted
    expect(quiet.evaluate(snap(50))).toEqual([]);
    // Notified failures get their "restored", once.
    expect(quiet.evaluate(snap(50, problem)).map((a) => a.kind)).toEqual(['login-failed']);
    expect(quiet.evaluate(snap(50)).map((a) => a.kind)).toEqual(['restored']);
    expect(quiet.evaluate(snap(50))).toEqual([]);
  });
  it('full battery (opt-in): once at 100 %, again only after a drop of 10 points', () => {
    const off = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true });
    expect(off.evaluate(snap(100))).toEqual([]);
    const p = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true, full: true });
    expect(p.evaluate(snap(99))).toEqual([]);
    expect(p.evaluate(snap(100))).toMatchObject([{ kind: 'full', title: 'Battery full: 100 %', message: 'Home East · MS-A2 …0529 is fully charged.' }]);
    expect(p.evaluate(snap(100))).toEqual([]);
    expect(p.evaluate(snap(95))).toEqual([]);
    expect(p.evaluate(snap(100))).toEqual([]); // dropped only 5
    expect(p.evaluate(snap(90))).toEqual([]);
    expect(p.evaluate(snap(99.6)).map((a) => a.kind)).toEqual(['full']); // shown as 100 %
    // Stale readings never notify.
    const q = new AlertPolicy({ lowSocThreshold: 15, lowSoc: true, login: true, full: true });
    expect(q.evaluate({ ...snap(100), batteries: [{ ...snap(100).batteries[0]!, fresh: false }] })).toEqual([]);
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
