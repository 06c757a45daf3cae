import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudError } from '../../src/cloud/errors.js';
import { defaultStation, FakeCloud, TEST_ACCOUNT } from '../fake-cloud/server.js';
import { clientFor, memorySession } from '../helpers/cloud.js';

let cloud: FakeCloud;
beforeEach(async () => {
  cloud = await FakeCloud.start();
});
afterEach(async () => {
  await cloud.close();
});

describe('login', () => {
  it('logs in with region_c → pre-insp → Argon2id → login and the app User-Agent', async () => {
    const { client } = clientFor(cloud);
    const token = await client.getToken();
    expect(token).toMatch(/^2\..+\.1$/);
    const paths = cloud.requests.map((r) => r.path);
    expect(paths).toEqual(['/iam/pub/0/c/region_c', '/iam/pub/3/auth/pre-insp', '/iam/pub/3/auth/login']);
    for (const r of cloud.requests) expect(r.headers['user-agent']).toMatch(/^sma\/ad\/\d+\.\d+\.\d+\/159\/\d$/);
    expect(cloud.requests[2]!.body.ch).toBe('3c5d1ece590f242aa94b901f3940ebfd89b7bd0fdd21132a69e4321d6436a409');
  });

  it('a nonce is single-use: replaying the login body is refused', async () => {
    const { client } = clientFor(cloud);
    await client.getToken();
    const replay = cloud.requests.find((r) => r.path === '/iam/pub/3/auth/login')!;
    const res = await fetch(cloud.url + '/iam/pub/3/auth/login', {
      method: 'POST',
      headers: { 'user-agent': 'sma/ad/2.12.1/159/1', 'content-type': 'application/json' },
      body: JSON.stringify(replay.body),
    });
    expect((await res.json()).message).toMatch(/nonce/);
  });

  it('falls back to the legacy hash only when pre-insp gives no salt', async () => {
    cloud.accounts[0]!.salt = null;
    cloud.legacyLoginWorks = true;
    const { client } = clientFor(cloud);
    await client.getToken();
    const login = cloud.requests.find((r) => r.path === '/iam/pub/3/auth/login')!;
    expect(login.body.ch).toBe(
      // md5hex.base64(sha256) of the test password, computed independently of the app's code:
      (await import('node:crypto')).createHash('md5').update(TEST_ACCOUNT.password).digest('hex') +
        '.' +
        (await import('node:crypto')).createHash('sha256').update(TEST_ACCOUNT.password).digest('base64'),
    );
    expect(cloud.count('login_c')).toBe(0);
  });

  it('a wrong password is a distinct error, and stops automatic logins until the password changes', async () => {
    const { client, creds } = clientFor(cloud, { credentials: { email: TEST_ACCOUNT.email, password: 'wrong-one' }, wrongPasswordRetryMs: null });
    const e1 = await client.getToken().catch((e) => e);
    expect(e1).toBeInstanceOf(CloudError);
    expect(e1.kind).toBe('wrong-password');
    expect(e1.message).toMatch(/e-mail or password/);
    const before = cloud.requests.length;
    const e2 = await client.getToken().catch((e) => e);
    expect(e2.kind).toBe('wrong-password');
    expect(cloud.requests.length).toBe(before); // no request at all: the account is protected
    creds.current = { email: TEST_ACCOUNT.email, password: TEST_ACCOUNT.password };
    expect(await client.getToken()).toMatch(/^2\./);
  });

  it('headless retries a wrong password no more often than the configured interval', async () => {
    let now = 1_000_000;
    const { client } = clientFor(cloud, { credentials: { email: TEST_ACCOUNT.email, password: 'nope' }, now: () => now });
    await client.getToken().catch(() => undefined);
    const logins = cloud.count('/auth/login');
    now += 29 * 60_000;
    await client.getToken().catch(() => undefined);
    expect(cloud.count('/auth/login')).toBe(logins);
    now += 2 * 60_000;
    await client.getToken().catch(() => undefined);
    expect(cloud.count('/auth/login')).toBe(logins + 1);
  });

  it('the daily limit stops logins until after local midnight, also across restarts', async () => {
    cloud.dailyLimit = true;
    const session = memorySession();
    const { client } = clientFor(cloud, { session });
    const e = await client.getToken().catch((x) => x);
    expect(e.kind).toBe('daily-limit');
    expect(e.message).toMatch(/daily login limit/);
    expect(session.block.until).toBeGreaterThan(Date.now());
    cloud.dailyLimit = false;
    const restarted = clientFor(cloud, { session }).client;
    const before = cloud.requests.length;
    expect((await restarted.getToken().catch((x) => x)).kind).toBe('daily-limit');
    expect(cloud.requests.length).toBe(before);
  });

  it('never runs two logins at once', async () => {
    const { client } = clientFor(cloud);
    const tokens = await Promise.all([client.getToken(), client.getToken(), client.listStations(), client.getBurstUri(1234567)]);
    expect(tokens[0]).toBe(tokens[1]);
    expect(cloud.count('/auth/login')).toBe(1);
  });

  it('an unknown e-mail is reported as such', async () => {
    const { client } = clientFor(cloud, { credentials: { email: 'nobody@example.com', password: 'x' } });
    expect((await client.getToken().catch((e) => e)).kind).toBe('unknown-account');
  });
});

describe('tokens', () => {
  it('reuses a stored token: zero logins on restart', async () => {
    const token = cloud.issueToken();
    const { client } = clientFor(cloud, { session: memorySession({ token, email: TEST_ACCOUNT.email }) });
    expect((await client.listStations()).length).toBe(1);
    expect(cloud.count('/auth/')).toBe(0);
  });

  it('logs in again on status "100" and retries the call once', async () => {
    const { client, session } = clientFor(cloud);
    await client.listStations();
    const first = session.token!.token;
    cloud.expireTokens();
    const stations = await client.listStations();
    expect(stations[0]!.sid).toBe(1234567);
    expect(cloud.count('/auth/login')).toBe(2);
    expect(session.token!.token).not.toBe(first);
  });
});

describe('stations and data', () => {
  it('finds every station (paginated) and every battery at any depth', async () => {
    cloud.stations = Array.from({ length: 53 }, (_, i) =>
      defaultStation({ sid: 1000 + i, name: `S${i}`, batteries: [{ id: 10 * i + 1, sn: `28000000${String(i).padStart(4, '0')}`, temperature: 20, depth: 1 + (i % 3) }] }),
    );
    cloud.stations[0]!.batteries.push({ id: 99999, sn: '280099999999', role: 1, temperature: 21, depth: 4 });
    const { client } = clientFor(cloud);
    const stations = await client.listStations();
    expect(stations.length).toBe(53);
    expect(cloud.count('select_by_page_c')).toBe(2);
    expect(stations[0]!.batteries.map((b) => b.sn)).toEqual(['280000000000', '280099999999']);
    expect(stations.map((s) => s.batteries[0]!.sn)).toContain('280000000052');
  });

});
