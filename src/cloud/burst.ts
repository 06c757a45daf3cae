/**
 * Live data (reference §5): get_sd_uri_c hands out a burst URL that is polled with {m:0, sid}. The URL is
 * renewed every 4 minutes, on HTTP 400/401, and when a reply comes without `flow` (all signs of a stale k).
 */
import type { CloudClient } from './client.js';
import { CloudError } from './errors.js';
import { isObject } from './parse.js';
import type { Envelope } from './transport.js';

export const BURST_URI_LIFETIME_MS = 240_000;

export class LiveStream {
  private uri?: string;
  private uriAt = 0;
  uriRenewals = 0;

  constructor(
    private readonly client: CloudClient,
    readonly sid: number,
    private readonly now: () => number = Date.now,
  ) {}

  async read(): Promise<Envelope> {
    if (!this.uri || this.now() - this.uriAt >= BURST_URI_LIFETIME_MS) await this.renew();
    let env: Envelope;
    try {
      env = await this.client.burst(this.uri!, this.sid);
    } catch (e) {
      if (!(e instanceof CloudError && (e.detail?.httpStatus === 400 || e.detail?.httpStatus === 401))) throw e;
      await this.renew();
      return this.client.burst(this.uri!, this.sid);
    }
    if (env.status !== '0' || !hasFlow(env.data)) {
      await this.renew();
      env = await this.client.burst(this.uri!, this.sid);
      if (env.status !== '0') {
        throw new CloudError('api', `The Hoymiles cloud refused live data: ${env.message || `status ${env.status}`}.`, { apiStatus: env.status });
      }
    }
    return env;
  }

  /** Forget the URL (e.g. after the token changed). */
  reset(): void {
    this.uri = undefined;
  }

  private async renew(): Promise<void> {
    this.uri = await this.client.getBurstUri(this.sid);
    this.uriAt = this.now();
    this.uriRenewals++;
  }
}

export function hasFlow(data: unknown): boolean {
  return isObject(data) && Array.isArray(data.flow);
}
