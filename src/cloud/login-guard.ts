/**
 * How often the app may log in again by itself (pure: a clock in, decisions out). The cloud limits logins per
 * account and day (reference hoymiles-cloud-api.md §2.1, §3.6; the number is not published), so a cloud that
 * keeps ending tokens must not make us log in on every expiry:
 * - a token that lived at least `windowMs` (10 min) ended normally: log in again at once (one login);
 * - after two re-logins within `windowMs`, wait `firstPauseMs` before the next one, doubling with every further
 *   token that dies young, up to `maxPauseMs` (1 h); a token that lives `windowMs` again ends the streak;
 * - never more than `dailyMax` logins per local day (also across restarts, through `persist`); after that
 *   none until 00:05 the next day.
 */
export interface LoginCount {
  /** Local date "YYYY-MM-DD". */
  day: string;
  count: number;
}

export interface LoginGuardOptions {
  now?: () => number;
  windowMs?: number;
  firstPauseMs?: number;
  maxPauseMs?: number;
  dailyMax?: number;
  /** Where the day's login count survives restarts. */
  persist?: { load(): LoginCount | undefined; save(c: LoginCount): void };
}

export interface LoginPause {
  until: number;
  reason: 'backoff' | 'daily';
  /** True only for the decision that started this pause streak (say so once). */
  first: boolean;
}

export const LOGIN_GUARD_DEFAULTS = { windowMs: 10 * 60_000, firstPauseMs: 5 * 60_000, maxPauseMs: 60 * 60_000, dailyMax: 20 } as const;

export class LoginGuard {
  private readonly now: () => number;
  private readonly o: Required<Omit<LoginGuardOptions, 'now' | 'persist'>>;
  /** Re-logins after an expiry, recent ones only. */
  private relogins: number[] = [];
  private lastLoginAt?: number;
  /** 0: no backoff; n: the n-th pause of a streak. */
  private level = 0;
  private pausedUntil = 0;
  /** Pause kinds already announced: each is said once (backoff: per streak; daily: per day). */
  private readonly announced = new Set<LoginPause['reason']>();
  private counted: LoginCount;

  constructor(private readonly opts: LoginGuardOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.o = { ...LOGIN_GUARD_DEFAULTS, ...stripUndefined(opts) };
    const saved = opts.persist?.load();
    this.counted = saved && saved.day === localDay(this.now()) ? saved : { day: localDay(this.now()), count: 0 };
  }

  /** Logins counted today (local day). */
  get today(): number {
    return this.counted.day === localDay(this.now()) ? this.counted.count : 0;
  }

  get dailyMax(): number {
    return this.o.dailyMax;
  }

  /** The token just turned out to be invalid: decide whether the re-login has to wait. */
  tokenExpired(): void {
    const now = this.now();
    const age = this.lastLoginAt === undefined ? Infinity : now - this.lastLoginAt;
    if (age >= this.o.windowMs) {
      // A normal expiry (or a token from an earlier run): the streak, if any, is over.
      this.level = 0;
      this.relogins = [];
      this.announced.delete('backoff');
      return;
    }
    this.relogins = this.relogins.filter((t) => now - t < this.o.windowMs);
    if (this.level === 0 && this.relogins.length < 2) return;
    this.level++;
    this.pausedUntil = now + Math.min(this.o.firstPauseMs * 2 ** (this.level - 1), this.o.maxPauseMs);
  }

  /** Before a login: undefined = go ahead; else wait until `until`. */
  check(): LoginPause | undefined {
    const now = this.now();
    if (this.today >= this.o.dailyMax) return this.pause({ until: nextLocalDayAt(now, 5), reason: 'daily' });
    this.announced.delete('daily');
    if (now < this.pausedUntil) return this.pause({ until: this.pausedUntil, reason: 'backoff' });
    return undefined;
  }

  /** A login request went out (`afterExpiry`: because a token ended, not the first of this run). */
  loggedIn(afterExpiry: boolean): void {
    const now = this.now();
    this.lastLoginAt = now;
    if (afterExpiry) this.relogins.push(now);
    this.counted = { day: localDay(now), count: this.today + 1 };
    this.opts.persist?.save(this.counted);
  }

  /** New credentials (a user's action): the backoff starts over; the day's count stays. */
  reset(): void {
    this.level = 0;
    this.pausedUntil = 0;
    this.relogins = [];
    this.announced.delete('backoff');
  }

  private pause(p: Omit<LoginPause, 'first'>): LoginPause {
    const first = !this.announced.has(p.reason);
    this.announced.add(p.reason);
    return { ...p, first };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'now' && k !== 'persist')) as Partial<T>;
}

export function localDay(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The next local midnight plus `minutes`. */
function nextLocalDayAt(t: number, minutes: number): number {
  const d = new Date(t);
  d.setHours(24, minutes, 0, 0);
  return d.getTime();
}
