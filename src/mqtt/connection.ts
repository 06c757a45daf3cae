/**
 * The MQTT.js client, set up the way a long-running bridge needs it (reference mqtt-home-assistant.md §8):
 * `mqtt.connect` (never connectAsync), a stable client id, a retained last will, no offline queue (stale
 * readings must not replay after an outage), reconnect with backoff, and a bad user/password reported in
 * words and retried only every few minutes.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../log/logger.js';
import { addSecret } from '../log/logger.js';
import { RidingTimer } from './keepalive-timer.js';

export interface ConnectionOptions {
  url: string;
  username?: string;
  password?: string;
  caFile?: string;
  insecure?: boolean;
  clientId: string;
  /** The retained last will; none for a short-lived reader (`--once`). */
  will?: { topic: string; payload: string };
  logger: Logger;
  /** First reconnect delay; doubles up to maxReconnectMs. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  /** Wait after the broker rejected our credentials. */
  authRetryMs?: number;
  /**
   * How often the app usually publishes (its poll interval): MQTT.js's keep-alive check then runs in those
   * wake-ups instead of waking the process on its own (keepalive-timer.ts). Unset: MQTT.js's own interval.
   */
  beatGapMs?: number;
  /** MQTT keep-alive in seconds (default 60; the broker drops a silent client after 1.5 × this). */
  keepaliveSec?: number;
}

export interface PublishOptions {
  retain?: boolean;
  qos?: 0 | 1;
}

export declare interface MqttConnection {
  on(event: 'connect', listener: () => void): this;
  on(event: 'message', listener: (topic: string, payload: Buffer, packet: IPublishPacket) => void): this;
  on(event: 'status', listener: (problem: string | undefined) => void): this;
}

export class MqttConnection extends EventEmitter {
  readonly client: MqttClient;
  /** Plain-words description of what is wrong with the broker link, if anything. */
  problem?: string;
  /** What kind of problem `problem` is (for the settings page's status panel). */
  problemKind?: MqttProblemKind;
  private reconnectMs: number;
  private ended = false;
  private readonly keepaliveTimer?: RidingTimer;
  publishedCount = 0;

  constructor(private readonly opts: ConnectionOptions) {
    super();
    if (opts.password) addSecret(opts.password);
    this.reconnectMs = opts.reconnectMs ?? 2_000;
    if (opts.beatGapMs) this.keepaliveTimer = new RidingTimer(opts.beatGapMs);
    const options: IClientOptions = {
      clientId: opts.clientId,
      username: opts.username || undefined,
      password: opts.password || undefined,
      clean: true,
      keepalive: opts.keepaliveSec ?? 60,
      connectTimeout: 15_000,
      reconnectPeriod: this.reconnectMs,
      reconnectOnConnackError: true, // we slow it down ourselves instead of giving up for good
      queueQoSZero: false,
      // mqtt-packet would otherwise pre-build 65,536 two-byte Buffers (~6 MB of heap) for message ids.
      writeCache: false,
      resubscribe: true,
      will: opts.will ? { topic: opts.will.topic, payload: Buffer.from(opts.will.payload), qos: 1, retain: true } : undefined,
      rejectUnauthorized: !opts.insecure,
      ...(this.keepaliveTimer ? { timerVariant: this.keepaliveTimer as unknown as IClientOptions['timerVariant'] } : {}),
    };
    let caProblem: string | undefined;
    if (opts.caFile) {
      try {
        options.ca = readFileSync(opts.caFile);
      } catch (e) {
        caProblem = `Cannot read the MQTT CA file ${opts.caFile} (${(e as NodeJS.ErrnoException).code ?? 'error'}); connecting without it.`;
      }
    }
    this.client = mqtt.connect(opts.url, options);
    if (caProblem) {
      this.problemKind = 'tls';
      this.setProblem(caProblem);
    }
    // Listeners are attached once, never inside 'connect' (that leaks on every reconnect).
    this.client.on('connect', () => {
      this.reconnectMs = opts.reconnectMs ?? 2_000;
      this.client.options.reconnectPeriod = this.reconnectMs;
      this.setProblem(undefined);
      opts.logger.info(`Connected to the MQTT broker ${this.where}`);
      this.emit('connect');
    });
    this.client.on('message', (topic, payload, packet) => this.emit('message', topic, payload, packet));
    this.client.on('error', (err) => this.onError(err));
    this.client.on('close', () => {
      if (this.ended) return;
      if (!this.problem) this.problemKind = 'lost';
      if (!this.problem) this.setProblem(`Lost the connection to the MQTT broker ${this.where}; reconnecting.`);
      // Back off: 2 s, 4 s, … up to a minute (an auth failure has set a longer wait already).
      if (this.client.options.reconnectPeriod! < (opts.authRetryMs ?? 300_000)) {
        this.client.options.reconnectPeriod = this.reconnectMs;
        this.reconnectMs = Math.min(this.reconnectMs * 2, opts.maxReconnectMs ?? 60_000);
      }
    });
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /** Host and port only: the URL may carry credentials. */
  get where(): string {
    try {
      const u = new URL(this.opts.url);
      return `${u.hostname}${u.port ? `:${u.port}` : ''}`;
    } catch {
      return 'broker';
    }
  }

  private onError(err: Error & { code?: string | number }): void {
    const authRetryMs = this.opts.authRetryMs ?? 300_000;
    const { message, auth, kind } = describeMqttError(err, this.where);
    if (auth) this.client.options.reconnectPeriod = authRetryMs;
    this.problemKind = kind;
    this.setProblem(auth ? `${message} Check the MQTT settings; retrying in ${Math.round(authRetryMs / 60_000)} min.` : message);
  }

  private setProblem(p: string | undefined): void {
    if (p === this.problem) return;
    const had = this.problem;
    this.problem = p;
    if (!p) this.problemKind = undefined;
    else if (!this.problemKind) this.problemKind = 'lost';
    if (p) this.opts.logger.warn(p);
    else if (had) this.opts.logger.info('MQTT broker connection restored');
    this.emit('status', p);
  }

  /** Publish now or not at all: while disconnected nothing is queued. */
  publish(topic: string, payload: string | Buffer, opts: PublishOptions = {}): boolean {
    if (!this.client.connected) return false;
    this.publishedCount++;
    this.client.publish(topic, payload, { qos: opts.qos ?? 0, retain: opts.retain ?? false }, (err) => {
      if (err && !this.ended) this.opts.logger.debug(`Publish to ${topic} failed: ${err.message}`);
    });
    this.keepaliveTimer?.beat();
    return true;
  }

  subscribe(filter: string | string[], qos: 0 | 1 = 0): void {
    this.client.subscribe(filter, { qos }, (err) => {
      if (err && !this.ended) this.opts.logger.warn(`Could not subscribe to ${filter}`, err);
    });
  }

  unsubscribe(filter: string): void {
    this.client.unsubscribe(filter);
  }

  /** Publish the last messages (e.g. `offline`), wait for them with a timeout, then disconnect cleanly. */
  async close(last: { topic: string; payload: string }[] = [], timeoutMs = 3_000): Promise<void> {
    if (this.ended) return;
    const timeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<void>((r) => setTimeout(r, timeoutMs).unref())]);
    if (this.client.connected) {
      await timeout(Promise.all(last.map((m) => this.client.publishAsync(m.topic, m.payload, { qos: 1, retain: true }).catch(() => undefined))));
    }
    this.ended = true;
    await timeout(this.client.endAsync(!this.client.connected).catch(() => undefined));
    this.client.end(true);
  }
}

export type MqttProblemKind = 'bad-credentials' | 'refused' | 'unreachable' | 'tls' | 'lost' | 'other';

/** A broker error in words a user can act on; `auth` when the broker refused the credentials. */
export function describeMqttError(err: Error & { code?: string | number }, where: string): { message: string; auth: boolean; kind: MqttProblemKind } {
  const code = err.code;
  if (code === 4 || code === 134) return { message: `The MQTT broker ${where} rejected the user name or password.`, auth: true, kind: 'bad-credentials' };
  if (code === 5 || code === 135) return { message: `The MQTT broker ${where} rejected the login (not authorized).`, auth: true, kind: 'bad-credentials' };
  if (code === 'ECONNREFUSED') return { message: `Cannot reach the MQTT broker ${where} (connection refused). Is it running?`, auth: false, kind: 'refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { message: `Cannot find the MQTT broker host ${where}.`, auth: false, kind: 'unreachable' };
  if (code === 'ETIMEDOUT' || /timeout/i.test(err.message)) return { message: `The MQTT broker ${where} did not answer in time.`, auth: false, kind: 'unreachable' };
  if (/certificate|self.signed|CERT_/i.test(`${code} ${err.message}`)) {
    return { message: `TLS problem with the MQTT broker ${where}: ${err.message}. Set a CA file or allow insecure TLS.`, auth: false, kind: 'tls' };
  }
  return { message: `MQTT broker ${where}: ${err.message}`, auth: false, kind: 'other' };
}
