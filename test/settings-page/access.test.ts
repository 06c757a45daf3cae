/** The settings server's access rules (src/settings-page/access.ts) on their own: requests as plain objects, a clock of our own. */
import { describe, expect, it } from 'vitest';
import { AccessRules, cookieValue, type Verdict } from '../../src/settings-page/access.js';

const PORT = 43117;
const HOST = `127.0.0.1:${PORT}`;

function rules() {
  let now = 1_000_000;
  const access = new AccessRules(PORT, () => now);
  return { access, advance: (ms: number) => (now += ms) };
}
const req = (method: string, url: string, headers: Record<string, string> = {}) => ({ method, url, headers: { host: HOST, ...headers } });
const keyOf = (link: string) => new URL(link).searchParams.get('k')!;
const refused = (v: Verdict) => ('refused' in v ? v.refused : undefined);

describe('AccessRules', () => {
  it('a link is ours, on 127.0.0.1 with a 32-byte key, and its key works once', () => {
    const { access } = rules();
    const link = access.newLink();
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${PORT}/\\?k=[A-Za-z0-9_-]{43}$`));
    expect(access.check(req('GET', `/?k=${keyOf(link)}`))).toMatchObject({ by: 'key' });
    expect(refused(access.check(req('GET', `/?k=${keyOf(link)}`)))).toBe('no secret');
    expect(access.newLink()).not.toBe(link);
  });

  it('a key older than 5 minutes is refused', () => {
    const { access, advance } = rules();
    const fresh = keyOf(access.newLink());
    const old = keyOf(access.newLink());
    advance(4 * 60_000);
    expect(access.check(req('GET', `/?k=${fresh}`))).toMatchObject({ by: 'key' });
    advance(60_001);
    expect(refused(access.check(req('GET', `/?k=${old}`)))).toBe('no secret');
  });

  it('the session cookie lets in; a wrong or missing one does not', () => {
    const { access } = rules();
    const cookie = access.sessionCookie.split(';')[0]!;
    expect(access.sessionCookie).toMatch(/; HttpOnly; SameSite=Strict; Path=\/$/);
    expect(access.check(req('GET', '/', { cookie: `other=1; ${cookie}` }))).toMatchObject({ by: 'cookie' });
    expect(refused(access.check(req('GET', '/', { cookie: `${access.cookieName}=nope` })))).toBe('no secret');
    expect(refused(access.check(req('GET', '/')))).toBe('no secret');
    expect(cookieValue({ headers: { cookie: ` a = 1 ;b=2` } }, 'a')).toBe('1');
  });

  it('a foreign Host, a foreign Origin or a cross-site fetch is refused, even with a valid key', () => {
    const { access } = rules();
    const k = () => keyOf(access.newLink());
    expect(refused(access.check(req('GET', `/?k=${k()}`, { host: `evil.example:${PORT}` })))).toBe('host');
    expect(refused(access.check(req('GET', `/?k=${k()}`, { host: '127.0.0.1:1' })))).toBe('host');
    expect(refused(access.check(req('GET', `/?k=${k()}`, { origin: 'http://evil.example' })))).toBe('origin');
    expect(refused(access.check(req('GET', `/?k=${k()}`, { origin: HOST })))).toBe('origin'); // no scheme
    expect(refused(access.check(req('GET', `/?k=${k()}`, { origin: `https://${HOST}` })))).toBe('origin');
    expect(refused(access.check(req('GET', `/?k=${k()}`, { 'sec-fetch-site': 'cross-site' })))).toBe('cross-site');
    expect(refused(access.check(req('GET', `/?k=${k()}`, { 'sec-fetch-site': 'same-site' })))).toBe('cross-site');
    expect(access.check(req('GET', `/?k=${k()}`, { host: `localhost:${PORT}`, origin: `http://localhost:${PORT}`, 'sec-fetch-site': 'same-origin' }))).toMatchObject({ by: 'key' });
  });

  it('a change needs the cookie (a key is not enough), the CSRF token and a JSON body', () => {
    const { access } = rules();
    const cookie = access.sessionCookie.split(';')[0]!;
    const good = { cookie, 'x-csrf-token': access.csrf, 'content-type': 'application/json; charset=utf-8' };
    const post = (headers: Record<string, string>) => {
      const r = req('POST', '/api/save', headers);
      return refused(access.check(r)) ?? access.refuseChange(r, access.check(r));
    };
    expect(post(good)).toBeUndefined();
    expect(post({ ...good, 'x-csrf-token': 'x' })).toBe('csrf');
    expect(post({ cookie, 'content-type': 'application/json' })).toBe('csrf');
    expect(post({ ...good, 'content-type': 'application/x-www-form-urlencoded' })).toBe('content type');
    // A link's key does not let a POST in.
    const k = keyOf(access.newLink());
    const r = req('POST', `/api/save?k=${k}`, { 'x-csrf-token': access.csrf, 'content-type': 'application/json' });
    expect(refused(access.check(r))).toBe('no secret');
    expect(access.refuseChange(r, { by: 'key', url: new URL(`http://${HOST}/`) })).toBe('no cookie');
    // ... and was not used up by it.
    expect(access.check(req('GET', `/?k=${k}`))).toMatchObject({ by: 'key' });
  });
});
