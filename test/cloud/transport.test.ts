/** The cloud's HTTP layer: replies read, bounded and told apart, against the fake cloud (real HTTP on 127.0.0.1). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Transport } from '../../src/cloud/transport.js';
import { FakeCloud } from '../fake-cloud/server.js';
import { waitFor } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';
import { clientFor } from '../helpers/cloud.js';

describe('a cloud that answers with junk', () => {
  const fx = useBridgeFixture();
  it('a 1 MB refusal message reaches the status and the log cut short', async () => {
    fx.cloud.fault = 'huge-message';
    fx.cloud.faultPath = '/pvmc/api/0/station/select_by_page_c';
    const b = fx.bridge();
    const snap = await waitFor(() => b.poller!.snapshot().problem?.code === 'cloud-error' && b.poller!.snapshot(), 10_000, 'the refusal');
    expect(snap.problem!.message).toMatch(/^The Hoymiles cloud refused the station list: Refused x+…\.$/);
    expect(snap.problem!.message.length).toBeLessThan(300);
    expect(Math.max(...fx.log.lines.map((l) => l.length))).toBeLessThan(400);
  });
});

describe('replies and faults', () => {
  let cloud: FakeCloud;
  beforeEach(async () => {
    cloud = await FakeCloud.start();
  });
  afterEach(async () => {
    await cloud.close();
  });

  it('turns cloud faults into readable errors', async () => {
    // Long enough for the Argon2 login on a busy machine; 'slow' never answers, so the timeout still fires.
    const { client } = clientFor(cloud, { timeoutMs: 3_000 });
    await client.getToken();
    cloud.fault = 'http500';
    expect((await client.listStations().catch((e) => e)).message).toMatch(/HTTP 500/);
    cloud.fault = 'malformed';
    expect((await client.listStations().catch((e) => e)).kind).toBe('bad-response');
    cloud.fault = 'down';
    expect((await client.listStations().catch((e) => e)).kind).toBe('network');
    cloud.fault = 'slow';
    expect((await client.listStations().catch((e) => e)).kind).toBe('timeout');
    cloud.fault = 'none';
    expect((await client.listStations()).length).toBe(1);
  });

  it('sends the app’s User-Agent and the raw token (no "Bearer"); keeps the body as received', async () => {
    const t = new Transport({ timeoutMs: 2_000, dc: 1 });
    const token = cloud.issueToken();
    const env = await t.post(`${cloud.url}/pvmc/api/0/station/select_by_page_c`, { page: 1, page_size: 10 }, token);
    await t.close();
    const req = cloud.requests.at(-1)!;
    expect(req.headers['user-agent']).toMatch(/^sma\/ad\/\d+\.\d+\.\d+\/159\/1$/);
    expect(req.headers.authorization).toBe(token);
    expect(req.body).toEqual({ page: 1, page_size: 10 });
    expect(env.status).toBe('0');
    expect(JSON.parse(env.raw).data.total).toBe(1);
    expect(t.requestCount).toBe(1);
  });

  it('an HTTP error names the host and the status, never the path or the token', async () => {
    const t = new Transport({ timeoutMs: 2_000 });
    const err = await t.post(`${cloud.url}/nowhere`, {}).catch((e) => e);
    expect(err.message).toBe(`The Hoymiles cloud answered HTTP 404 (${new URL(cloud.url).host}).`);
    cloud.fault = 'http500';
    const token = cloud.issueToken();
    const e500 = await t.post(`${cloud.url}/pvmc/api/0/x?token=${token}`, {}, token).catch((e) => e);
    expect(e500.message).not.toContain(token);
    expect(e500.detail?.httpStatus).toBe(500);
    await t.close();
  });
});

describe('the time limit of one request', () => {
  it('covers the whole answer: a server that trickles its body a byte at a time is cut off, as a timeout', async () => {
    const { createServer } = await import('node:http');
    const drips: NodeJS.Timeout[] = [];
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"0","data":"');
      drips.push(setInterval(() => res.write('x'), 100));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const t = new Transport({ timeoutMs: 1_000 });
    const started = Date.now();
    try {
      const err = await t.post(`http://127.0.0.1:${(server.address() as { port: number }).port}/trickle`, {}).catch((e) => e);
      expect(err.kind).toBe('timeout');
      expect(err.message).toBe(`The Hoymiles cloud did not answer in time (127.0.0.1:${(server.address() as { port: number }).port}).`);
      // Within the limit plus scheduling slack, not after the trickle ends (it never does).
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const d of drips) clearInterval(d);
      await t.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
