/** Live data through the burst URL against the fake cloud: renewed when stale, refused data told in words. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasFlow, LiveStream } from '../../src/cloud/burst.js';
import { FakeCloud } from '../fake-cloud/server.js';
import { clientFor } from '../helpers/cloud.js';

let cloud: FakeCloud;
beforeEach(async () => {
  cloud = await FakeCloud.start();
});
afterEach(async () => {
  await cloud.close();
});

describe('LiveStream', () => {
  it('renews the burst URL on HTTP 401 and when a reply has no flow', async () => {
    const { client } = clientFor(cloud);
    const stream = new LiveStream(client, 1234567);
    expect(((await stream.read()).data as any).soc).toBe(57);
    cloud.expireBurstUris();
    expect(((await stream.read()).data as any).flow.length).toBeGreaterThan(0);
    cloud.burstExpiry = 'no-flow';
    cloud.expireBurstUris();
    expect(((await stream.read()).data as any).flow).toBeDefined();
    expect(stream.uriRenewals).toBe(3);
  });

  it('renews the burst URL every 4 minutes', async () => {
    let now = 0;
    const { client } = clientFor(cloud);
    const stream = new LiveStream(client, 1234567, () => now);
    await stream.read();
    await stream.read();
    now += 239_000;
    await stream.read();
    expect(cloud.count('get_sd_uri_c')).toBe(1);
    now += 2_000;
    await stream.read();
    expect(cloud.count('get_sd_uri_c')).toBe(2);
  });

  it('a device that is not streaming: one renewal, then the reply without flow is handed on as it is', async () => {
    const { client } = clientFor(cloud);
    const stream = new LiveStream(client, 1234567);
    await stream.read();
    cloud.burstWithoutFlow = true;
    const env = await stream.read();
    expect(hasFlow(env.data)).toBe(false);
    expect(stream.uriRenewals).toBe(2);
    expect(cloud.count('/burst/get')).toBe(3);
  });

  it('reset() forgets the URL: the next read asks for a new one', async () => {
    const { client } = clientFor(cloud);
    const stream = new LiveStream(client, 1234567);
    await stream.read();
    stream.reset();
    await stream.read();
    expect(cloud.count('get_sd_uri_c')).toBe(2);
  });
});
