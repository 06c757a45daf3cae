/** The cloud's HTTP layer: replies read, bounded and told apart, against the fake cloud (real HTTP on 127.0.0.1). */
import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { useBridgeFixture } from '../helpers/bridge.js';

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
