/**
 * The only place that speaks HTTP. One keep-alive undici Agent with its connect, headers and body timeouts, the app's
 * User-Agent (home accounts are gated by it), and the cloud's envelope turned into data or a CloudError.
 */
import type { Agent as AgentType } from 'undici';
// Only undici's agent and request API: its index also loads fetch, WebSocket, the cache and the mocks, about
// 9 MB more resident memory for an always-on app. undici 7 has no exports map; the tests cover these paths.
import Agent from 'undici/lib/dispatcher/agent.js';
import apiRequest from 'undici/lib/api/api-request.js';
import { EventEmitter } from 'node:events';
import { clip } from '../log/mask.js';
import { CloudError } from './errors.js';
import { isObject, str } from './parse.js';

export const APP_VERSION = '2.12.1';
export interface Envelope {
  status: string;
  message: string;
  data: unknown;
  /** Body as received, for the raw `<base>/flow|station|inverter` topics of the original script. */
  raw: string;
}

export interface TransportOptions {
  timeoutMs?: number;
  /** `dc` from region_c goes into the User-Agent, as the app does after login. */
  dc?: number;
}

export class Transport {
  private readonly agent: AgentType;
  private readonly timeoutMs: number;
  dc = 0;
  requestCount = 0;
  /** The last address parsed: the live reads post to the same one every cycle for minutes. */
  private parsed?: { url: string; origin: string; path: string; host: string };

  constructor(opts: TransportOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.dc = opts.dc ?? 0;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      // No TCP keep-alive probes. undici turns them on by default (setKeepAlive(true, 60 s) before the socket
      // connects). On Windows, libuv then sets SO_KEEPALIVE and TCP_KEEPIDLE/KEEPINTVL/KEEPCNT while it
      // connects, and fails the connect if any of them is refused: Wine 8.0 does not know TCP_KEEPIDLE
      // (IPPROTO_TCP option 3), so every request failed there with "UNKNOWN". The probes buy nothing here:
      // undici's headers and body timeouts (below) end a request that gets no answer, so a dead connection shows as a timeout and the next poll
      // uses a new one; undici closes idle sockets itself (keepAliveTimeout); and a poll every few seconds
      // keeps the socket busy long before the first probe (after 60 s idle) would go out.
      connect: { timeout: Math.min(this.timeoutMs, 10_000), keepAlive: false },
      // undici's own headers and body timeouts run on its shared 0.5 s tick timer, which wakes the process once
      // more after every request. Each request gets a Deadline instead (below): a plain timer, cleared when the
      // answer is in, so it never fires on a healthy connection and never wakes anything.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  get userAgent(): string {
    return `sma/ad/${APP_VERSION}/159/${this.dc}`;
  }

  /** POST a JSON body; resolve with the envelope when HTTP is 200 and the body is a cloud envelope. */
  async post(url: string, body: unknown, token?: string): Promise<Envelope> {
    const headers: Record<string, string> = {
      'user-agent': this.userAgent,
      'content-type': 'application/json; charset=utf-8',
      charset: 'UTF-8',
      language: 'en_us',
    };
    if (token) headers.authorization = token; // raw token, no "Bearer"
    let host = 'cloud';
    this.requestCount++;
    // The whole request, answer included, within timeoutMs (the connect timeout is undici's, on the agent).
    const deadline = new Deadline(this.timeoutMs);
    let res;
    let text: string;
    try {
      const target = this.parse(url); // an invalid address throws here, said as a network error below
      host = target.host;
      res = await apiRequest.call(this.agent, {
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal: deadline,
      });
      text = await res.body.text();
    } catch (e) {
      throw networkError(e, host);
    } finally {
      deadline.clear();
    }
    if (res.statusCode !== 200) {
      throw new CloudError('http', `The Hoymiles cloud answered HTTP ${res.statusCode} (${host}).`, { httpStatus: res.statusCode });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CloudError('bad-response', `The Hoymiles cloud sent a reply that is not JSON (${host}).`, { httpStatus: 200 });
    }
    if (!isObject(json) || str(json.status) === undefined) {
      throw new CloudError('bad-response', `The Hoymiles cloud sent an unexpected reply (${host}).`, { httpStatus: 200 });
    }
    // The cloud's own words end up in messages and the tray: bounded here, once for every caller.
    return { status: clip(str(json.status)!, 20), message: typeof json.message === 'string' ? clip(json.message, 200) : '', data: json.data, raw: text };
  }

  /** `url` split for undici, parsed once while it stays the same; throws when it is not a valid URL. */
  private parse(url: string): { origin: string; path: string; host: string } {
    if (this.parsed?.url === url) return this.parsed;
    const u = new URL(url);
    this.parsed = { url, origin: u.origin, path: u.pathname + u.search, host: u.host };
    return this.parsed;
  }

  /** Ends every connection now: a request still waiting for its answer fails at once instead of holding up a stop. */
  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }
}

/**
 * A request's time limit as the abort signal undici accepts (an EventEmitter with `aborted` and `reason`): one
 * native timer, cleared as soon as the answer is in. Lighter than an AbortController with AbortSignal.timeout.
 */
class Deadline extends EventEmitter {
  aborted = false;
  reason?: Error;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.reason = Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' });
      this.emit('abort');
    }, ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

function networkError(e: unknown, host: string): CloudError {
  const name = (e as { name?: string })?.name ?? '';
  const code = (e as { code?: string })?.code ?? '';
  if (name === 'TimeoutError' || name === 'AbortError' || /TIMEOUT/i.test(code)) {
    return new CloudError('timeout', `The Hoymiles cloud did not answer in time (${host}).`, { cause: e });
  }
  const why = code ? ` (${code})` : '';
  return new CloudError('network', `Cannot reach the Hoymiles cloud at ${host}${why}. Check the internet connection.`, { cause: e });
}
