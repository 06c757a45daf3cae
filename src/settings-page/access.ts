/**
 * Who may use the settings server: only this user's browser, opened from the tray.
 * - The Host header must name 127.0.0.1 or localhost with our port (DNS rebinding); a foreign Origin or a
 *   cross-site fetch is refused.
 * - Each link carries a one-time key (valid 5 minutes); the visit trades it for an HttpOnly SameSite=Strict session
 *   cookie. Anything with neither is refused.
 * - A change (POST) needs the cookie (a link key is not enough), the page's CSRF token in a header, and a JSON body.
 * The state (keys handed out, the session and CSRF secrets) lives in one object per server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { addSecret } from '../log/logger.js';

const KEY_LIFETIME_MS = 5 * 60_000;

/** Let in (by the session cookie, or by a link's key to trade for it), or refused and why (for the debug log). */
export type Verdict = { by: 'cookie' | 'key'; url: URL } | { refused: string };

const secret = (): string => randomBytes(32).toString('base64url');

export function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookieValue(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export class AccessRules {
  /** The page's CSRF token (in a meta element; sent back in X-CSRF-Token). */
  readonly csrf = secret();
  private readonly session = secret();
  /** One-time keys of the links handed out → valid until (ms). */
  private readonly keys = new Map<string, number>();
  readonly cookieName: string;

  constructor(
    readonly port: number,
    private readonly now: () => number = Date.now,
  ) {
    this.cookieName = `hoymiles_tray_${port}`;
  }

  /** A fresh link for the browser: its key works once, within 5 minutes, and never reaches the logs. */
  newLink(): string {
    const now = this.now();
    for (const [k, until] of this.keys) if (until < now) this.keys.delete(k);
    const k = secret();
    this.keys.set(k, now + KEY_LIFETIME_MS);
    addSecret(k);
    return `http://127.0.0.1:${this.port}/?k=${k}`;
  }

  /** The Set-Cookie value a link's key is traded for. */
  get sessionCookie(): string {
    return `${this.cookieName}=${this.session}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** Host, Origin and fetch metadata first, then (GET/HEAD only) a link's key, used up, or the session cookie. */
  check(req: Pick<IncomingMessage, 'headers' | 'method' | 'url'>): Verdict {
    const host = req.headers.host ?? '';
    if (!this.isOurs(host)) return { refused: 'host' };
    const origin = req.headers.origin;
    if (origin !== undefined && !(origin.startsWith('http://') && this.isOurs(origin.slice('http://'.length)))) return { refused: 'origin' };
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return { refused: 'cross-site' };

    const url = new URL(req.url ?? '/', `http://${host}`);
    // A link's key is used up even with the cookie present: the visit then takes it out of the address bar.
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && this.useKey(url.searchParams.get('k') ?? undefined)) return { by: 'key', url };
    if (sameSecret(cookieValue(req, this.cookieName), this.session)) return { by: 'cookie', url };
    return { refused: 'no secret' };
  }

  /** What a change (POST) needs beyond check(): the cookie, the CSRF token, a JSON body. Undefined = fine. */
  refuseChange(req: Pick<IncomingMessage, 'headers'>, verdict: Verdict): string | undefined {
    if (!('by' in verdict) || verdict.by !== 'cookie') return 'no cookie';
    const token = req.headers['x-csrf-token'];
    if (!sameSecret(typeof token === 'string' ? token : undefined, this.csrf)) return 'csrf';
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return 'content type';
    return undefined;
  }

  private isOurs(host: string): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
  }

  private useKey(k: string | undefined): boolean {
    if (!k) return false;
    for (const [candidate, until] of this.keys) {
      if (sameSecret(k, candidate)) {
        this.keys.delete(candidate);
        return until >= this.now();
      }
    }
    return false;
  }
}
