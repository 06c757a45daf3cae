/** The login guard: how often a cloud that keeps ending tokens may make the app log in again. */
import { describe, expect, it } from 'vitest';
import { LoginGuard, type LoginCount } from '../../src/cloud/login-guard.js';
import { cloudProblemLine } from '../../src/tray/menu-model.js';
import { waitFor } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';

const MIN = 60_000;

describe('login guard (a cloud that keeps ending tokens)', () => {
  function guard(persisted?: LoginCount) {
    let t = new Date(2026, 11, 1, 8, 0, 0).getTime();
    let stored = persisted;
    const g = new LoginGuard({ now: () => t, persist: { load: () => stored, save: (c) => (stored = c) } });
    return { g, advance: (ms: number) => (t += ms), now: () => t, stored: () => stored };
  }

  it('a normal expiry costs exactly one login, every time', () => {
    const { g, advance } = guard();
    g.loggedIn(false);
    for (let i = 0; i < 10; i++) {
      advance(90 * MIN); // tokens that live 90 minutes
      g.tokenExpired();
      expect(g.check()).toBeUndefined();
      g.loggedIn(true);
    }
    expect(g.today).toBe(11);
  });

  it('after two re-logins within 10 minutes it waits, doubling up to an hour, and says so once', () => {
    const { g, advance, now } = guard();
    g.loggedIn(false);
    const pauses: number[] = [];
    let firsts = 0;
    // Every token dies 5 s after the login; the app retries whenever the guard lets it (here: every 30 s).
    for (let step = 0; step < 6 * 120; step++) {
      advance(30_000);
      const held = g.check();
      if (held) {
        if (held.first) firsts++;
        continue;
      }
      g.loggedIn(true);
      advance(5_000);
      g.tokenExpired();
      const p = g.check();
      if (p?.first) firsts++;
      if (p) pauses.push(Math.round((p.until - now()) / MIN));
    }
    expect(pauses.slice(0, 6)).toEqual([5, 10, 20, 40, 60, 60]);
    expect(firsts).toBe(1);
    // Six hours of a revoking cloud: 3 quick logins, then one after each pause (5, 10, 20, 40, 60, 60, 60, 60 min).
    expect(g.today).toBe(11);
  });

  it('a day of a revoking cloud stops at the daily maximum (20)', () => {
    const { g, advance } = guard();
    g.loggedIn(false);
    let last;
    for (let step = 0; step < 2 * 60 * 15.5; step++) {
      advance(30_000); // 08:00 to 23:30: without the maximum it would be 21 logins
      last = g.check();
      if (last) continue;
      g.loggedIn(true);
      advance(5_000);
      g.tokenExpired();
    }
    expect(g.today).toBe(20);
    expect(last?.reason).toBe('daily');
  });

  it('a token that lives 10 minutes again ends the backoff', () => {
    const { g, advance } = guard();
    g.loggedIn(false);
    for (let i = 0; i < 3; i++) {
      advance(MIN);
      g.tokenExpired();
      if (!g.check()) g.loggedIn(true);
    }
    expect(g.check()?.reason).toBe('backoff');
    advance(5 * MIN);
    expect(g.check()).toBeUndefined();
    g.loggedIn(true);
    advance(11 * MIN); // this token lasted
    g.tokenExpired();
    expect(g.check()).toBeUndefined();
  });

  it('never more than the daily maximum, also across restarts; the next day starts again', () => {
    const first = guard();
    for (let i = 0; i < 20; i++) {
      expect(first.g.check()).toBeUndefined();
      first.g.loggedIn(false);
      first.advance(20 * MIN);
    }
    expect(first.g.check()).toMatchObject({ reason: 'daily', first: true });
    // A restart the same day reads the count back.
    const again = new LoginGuard({ now: first.now, persist: { load: first.stored, save: () => undefined } });
    expect(again.check()?.reason).toBe('daily');
    expect(new Date(again.check()!.until).getHours()).toBe(0);
    first.advance(24 * 60 * MIN);
    expect(first.g.check()).toBeUndefined();
  });
});

describe('a cloud that keeps revoking tokens', () => {
  const fx = useBridgeFixture();
  it('logs in three times, then waits (said once in the log, shown in the status); refreshes add no logins', async () => {
    fx.cloud.tokenLifetimeMs = 300;
    const b = fx.bridge();
    const snap = await waitFor(() => b.poller!.snapshot().problem?.code === 'login-paused' && b.poller!.snapshot(), 15_000, 'logins paused');
    expect(fx.cloud.loginCount).toBe(3); // the first login and two re-logins within 10 minutes
    expect(snap.problem!.retryAt! - Date.now()).toBeGreaterThan(4 * 60_000);
    expect(cloudProblemLine(snap.problem!).text).toMatch(/^⚠ Logins paused – next try after \d\d:\d\d$/);
    for (let i = 0; i < 5; i++) await b.poller!.refreshNow();
    expect(fx.cloud.loginCount).toBe(3);
    expect(b.cloud!.loginBlock?.kind).toBe('login-paused');
    const said = fx.log.lines.filter((l) => /logs in again less often/.test(l) && !/DEBUG/.test(l));
    expect(said).toHaveLength(1);
  });
});
