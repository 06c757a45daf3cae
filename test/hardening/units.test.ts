/** Issue 15, the pure parts: bounded log lines, masked URLs, the login guard, stored counters, kernel folders. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoginGuard, type LoginCount } from '../../src/cloud/login-guard.js';
import { ConfigError, settingsFromEnv } from '../../src/config/env.js';
import { EnergyCounters } from '../../src/core/energy-counters.js';
import { MAX_LINE_CHARS, memoryLogger } from '../../src/log/logger.js';
import { clip, maskUrl, urlWithoutPassword } from '../../src/log/mask.js';
import { kernelFolderProblem } from '../../src/platform/folders.js';

const MIN = 60_000;

describe('log lines are bounded', () => {
  it('a 1 MB message or error becomes one line of at most MAX_LINE_CHARS, saying how much was cut', () => {
    const { logger, lines } = memoryLogger();
    logger.warn(`Refused ${'9'.repeat(1024 * 1024)}`);
    logger.error('Failed', new Error('x'.repeat(1024 * 1024)));
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(lines[0]).toMatch(/more characters cut\)$/);
  });
  it('clip bounds a value with an ellipsis and escapes line breaks', () => {
    expect(clip('a'.repeat(200))).toHaveLength(80);
    expect(clip('a'.repeat(200)).endsWith('…')).toBe(true);
    expect(clip('x\ny')).toBe('x\\ny');
  });
  it('prose about a token is not mistaken for one ("Could not save the token: EROFS…")', () => {
    const { logger, lines } = memoryLogger();
    logger.warn('Could not save the token', new Error("EROFS: read-only file system, open '/cfg/secrets.json'"));
    expect(lines[0]).toContain('EROFS: read-only file system');
  });
});

describe('URLs in messages', () => {
  it.each([
    ['mqtt://user:SECRET@host:1883', 'mqtt://user:***@host:1883'],
    ['ftp://u:SECRET@x', 'ftp://u:***@x'],
    ['u:SECRET@host', 'u:***@host'],
    ['https://h.example/p?k=SECRET&t=1', 'https://h.example/p?k=***&t=***'],
    ['mqtt:/u:SECRET@host', 'mqtt:/u:***@host'],
  ])('maskUrl(%s) = %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });
  it.each([
    [{ MQTT_URL: 'mqttx://user:SECRET@host' }, /MQTT_URL="mqttx:\/\/user:\*\*\*@host" is not valid/],
    [{ HOYMILES_API_URL: 'ftp://u:SECRET@x' }, /HOYMILES_API_URL="ftp:\/\/u:\*\*\*@x" is not valid/],
    [{ HOYMILES_API_URL: 'u:SECRET@x' }, /HOYMILES_API_URL="u:\*\*\*@x" is not valid/],
    [{ MQTT_URL: 'ws://h/?token=SECRET', REQUEST_INTERVAL_SECONDS: 'SECRET' }, /REQUEST_INTERVAL_SECONDS="SECRET"/],
    [{ MQTT_BROKER: 'u:SECRET@host' }, /MQTT_BROKER="u:\*\*\*@host" is not valid/],
  ])('a configuration error names the variable without its secret: %o', (env, message) => {
    let caught: unknown;
    try {
      settingsFromEnv(env);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toMatch(message);
    if (!('REQUEST_INTERVAL_SECONDS' in env)) expect((caught as Error).message).not.toContain('SECRET');
  });
  it('a password in MQTT_URL becomes the broker password; the URL keeps only the user', () => {
    const { settings, fromEnv } = settingsFromEnv({ MQTT_URL: 'mqtt://ha:p%40ss@broker.lan:1883' });
    expect(settings.mqttUrl).toBe('mqtt://ha@broker.lan:1883');
    expect(settings.mqttPassword).toBe('p@ss');
    expect(fromEnv.has('mqttPassword')).toBe(true);
    expect(urlWithoutPassword('http://a:b@h/')).toBe('http://a@h/');
  });
});

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

describe('stored energy counters', () => {
  const today = new Date(2026, 11, 1, 12, 0, 0).getTime();
  const at = (d: string) => `${d} 12:00:00`;

  it.each([['x'], [42], [['a']], [{ 'SN:charged': 'x' }], [{ 'SN:charged': { value: '100', date: '2026-12-01' } }], [{ 'SN:charged': { value: -5, date: '2026-12-01' } }]])(
    'a wrong-typed value (%j) is dropped with a plain-words note, and the cloud value is taken',
    (stored) => {
      const c = new EnergyCounters({ load: () => stored as never, save: () => undefined }, { now: () => today });
      expect(c.loadProblem).toMatch(/stored energy counters were unreadable/);
      expect(c.offer('SN:charged', 285, at('2026-12-01'))).toBe('accepted');
      expect(c.get('SN:charged')).toBe(285);
    },
  );

  it.each([['2099-01-01'], ['2026-12-02']])('a counter dated %s (after the station’s today) is discarded', (date) => {
    const c = new EnergyCounters({ load: () => ({ 'SN:charged': { value: 100, date } }), save: () => undefined }, { now: () => today });
    expect(c.offer('SN:charged', 285, at('2026-12-01'))).not.toBe('held');
    expect(c.get('SN:charged')).toBe(285);
    expect(c.offer('SN:charged', 290, at('2026-12-01'))).toBe('accepted');
  });

  it('late data from yesterday is still held (the stored day is today)', () => {
    const c = new EnergyCounters(undefined, { now: () => today });
    c.offer('k', 10, '2026-12-01 00:30:00');
    expect(c.offer('k', 900, '2026-11-30 23:59:00')).toBe('held');
  });
});

describe('folders that cannot hold files', () => {
  it.each(['/proc/hoymiles', '/proc/self/x/y', '/sys/kernel/hoymiles'])('%s is refused with a plain message', (p) => {
    expect(kernelFolderProblem(p, 'configuration folder', 'linux')).toMatch(/kernel's (proc|sysfs) file system, which cannot hold files/);
  });
  it('a normal folder is fine', () => {
    const d = mkdtempSync(join(tmpdir(), 'folders-'));
    expect(kernelFolderProblem(join(d, 'new', 'deeper'), 'configuration folder', 'linux')).toBeUndefined();
    rmSync(d, { recursive: true, force: true });
  });
});
