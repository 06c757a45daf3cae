/**
 * The Hoymiles cloud as the rest of the app sees it: typed calls, one token kept and reused (also across
 * restarts), a new login only when the cloud says the token is invalid, never two logins at once, and
 * account protection (a wrong password or the daily limit stop automatic logins).
 */
import { login, type LoginOutcome } from './auth.js';
import { CloudError } from './errors.js';
import { HostRouter } from './hosts.js';
import { isObject, num, str } from './parse.js';
import { parseStation, type Station } from './stations.js';
import { LoginGuard, type LoginCount, type LoginGuardOptions } from './login-guard.js';
import { Transport, type Envelope } from './transport.js';
import type { Logger } from '../log/logger.js';
import { addSecret } from '../log/logger.js';

export interface Credentials {
  email: string;
  password: string;
}

/** Where the token and the login block survive restarts. */
export interface SessionStore {
  loadToken(): Promise<{ token: string; email: string; dc?: number } | undefined>;
  saveToken(token: string, email: string, dc: number): Promise<void>;
  clearToken(): Promise<void>;
  loadLoginBlock(): { until: number; kind: string; message: string; email: string } | undefined;
  saveLoginBlock(block: { until: number; kind: string; message: string; email: string } | undefined): void;
  /** Today's login count (login-guard.ts); without these it lasts as long as the process. */
  loadLoginCount?(): LoginCount | undefined;
  saveLoginCount?(c: LoginCount): void;
}

export interface CloudClientOptions {
  /** HOYMILES_API_URL: one base URL for every call. */
  baseUrl?: string;
  timeoutMs?: number;
  credentials: () => Credentials | undefined;
  session: SessionStore;
  logger: Logger;
  /** After a wrong password: retry automatically after this long (headless), or never (null: tray waits for new credentials). */
  wrongPasswordRetryMs?: number | null;
  /** Computes the Argon2id login challenge (default: in this process). */
  argon2?: (password: string, saltHex: string) => Promise<string>;
  now?: () => number;
  /** Limits on logging in again (tests shorten them). */
  loginGuard?: Omit<LoginGuardOptions, 'now' | 'persist'>;
}

export const TOKEN_EXPIRED_STATUS = '100';

export class CloudClient {
  readonly transport: Transport;
  readonly hosts: HostRouter;
  private token?: string;
  /** The stored token is read once; concurrent first callers wait for the same read. */
  private tokenLoad?: Promise<void>;
  private loginInFlight?: Promise<string>;
  /** `tried`: the credentials the block is about (in memory only: nothing derived from a password is stored). */
  private block?: { until: number; error: CloudError; email: string; tried?: Credentials };
  loginCount = 0;
  private readonly now: () => number;
  private readonly guard: LoginGuard;
  /** The next login replaces a token the cloud ended. */
  private afterExpiry = false;
  /** Why logins wait (our own limit), while they do. */
  private pause?: CloudError;

  constructor(private readonly opts: CloudClientOptions) {
    this.transport = new Transport({ timeoutMs: opts.timeoutMs });
    this.hosts = new HostRouter(opts.baseUrl);
    this.now = opts.now ?? Date.now;
    const session = opts.session;
    this.guard = new LoginGuard({
      ...opts.loginGuard,
      now: this.now,
      persist: session.loadLoginCount && session.saveLoginCount ? { load: () => session.loadLoginCount!(), save: (c) => session.saveLoginCount!(c) } : undefined,
    });
    const saved = opts.session.loadLoginBlock();
    if (saved && saved.until > this.now()) {
      this.block = {
        until: saved.until,
        error: new CloudError(saved.kind as CloudError['kind'], saved.message, { retryAt: new Date(saved.until) }),
        email: saved.email.split('#')[0]!,
      };
      // Older versions stored `email#<length>:<hash of the password>`: rewrite it without the hash.
      if (saved.email !== this.block.email) this.setBlock(this.block);
    } else if (saved) this.setBlock(undefined);
  }

  /** The reason logins are on hold, if they are. */
  get loginBlock(): CloudError | undefined {
    const until = this.pause?.detail?.retryAt?.getTime();
    if (until !== undefined && until <= this.now()) this.pause = undefined;
    return this.activeBlock()?.error ?? this.pause;
  }

  /** New credentials (or a user's explicit retry) lift a wrong-password block; the daily limit stays. */
  credentialsChanged(): void {
    if (this.block && this.block.error.kind !== 'daily-limit') this.setBlock(undefined);
    this.guard.reset();
    this.pause = undefined;
    this.token = undefined;
    this.tokenLoad = Promise.resolve();
    void this.opts.session.clearToken();
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  // ---- token ---------------------------------------------------------------------------------------------

  private activeBlock(): CloudClient['block'] {
    const b = this.block;
    if (!b) return undefined;
    if (b.until <= this.now()) {
      this.setBlock(undefined);
      return undefined;
    }
    // A daily limit belongs to the account; a wrong password to the password that was tried.
    const c = this.opts.credentials();
    if (b.error.kind !== 'daily-limit' && (!c || !b.tried || c.email !== b.tried.email || c.password !== b.tried.password)) {
      this.setBlock(undefined);
      return undefined;
    }
    return b;
  }

  private blockFor(until: number, error: CloudError): NonNullable<CloudClient['block']> {
    const c = this.opts.credentials();
    return { until, error, email: c?.email ?? '', tried: c ? { email: c.email, password: c.password } : undefined };
  }

  /** Only a daily-limit block is stored (state file): its time, its message and the e-mail, nothing more. */
  private setBlock(b: CloudClient['block']): void {
    this.block = b;
    this.opts.session.saveLoginBlock(
      b && b.error.kind === 'daily-limit' ? { until: b.until, kind: b.error.kind, message: b.error.message, email: b.email } : undefined,
    );
  }

  async getToken(): Promise<string> {
    this.tokenLoad ??= this.loadStoredToken();
    await this.tokenLoad;
    if (this.token) return this.token;
    return this.login();
  }

  private async loadStoredToken(): Promise<void> {
    const saved = await this.opts.session.loadToken().catch(() => undefined);
    const creds = this.opts.credentials();
    if (saved && creds && saved.email === creds.email) {
      this.token = saved.token;
      if (saved.dc !== undefined) this.transport.dc = saved.dc;
      addSecret(saved.token);
    }
  }

  /** Log in now (single flight: concurrent callers share one login). */
  login(): Promise<string> {
    this.loginInFlight ??= this.doLogin().finally(() => (this.loginInFlight = undefined));
    return this.loginInFlight;
  }

  private async doLogin(): Promise<string> {
    const block = this.activeBlock();
    if (block) throw block.error;
    const creds = this.opts.credentials();
    if (!creds || !creds.email || !creds.password) {
      throw new CloudError('no-credentials', 'No Hoymiles e-mail and password are set. Enter them in the settings.');
    }
    addSecret(creds.password);
    const held = this.guard.check();
    if (held) {
      const at = new Date(held.until);
      const message =
        held.reason === 'daily'
          ? `hoymiles-tray logged in to Hoymiles ${this.guard.today} times today, its own daily maximum (to stay well under the cloud's daily login limit); it logs in again after ${at.toLocaleString()}.`
          : `The Hoymiles cloud keeps ending the login within minutes; to protect the account's daily login limit, hoymiles-tray logs in again less often (next try after ${at.toLocaleString()}).`;
      if (held.first) this.opts.logger.warn(message);
      this.pause = new CloudError('login-paused', message, { retryAt: at, logged: true });
      throw this.pause;
    }
    this.pause = undefined;
    this.opts.logger.info(`Logging in to the Hoymiles cloud as ${creds.email}`);
    let outcome: LoginOutcome;
    try {
      this.loginCount++;
      this.guard.loggedIn(this.afterExpiry);
      this.afterExpiry = false;
      outcome = await login(this.transport, this.hosts, creds.email, creds.password, this.opts.argon2);
    } catch (e) {
      if (e instanceof CloudError) this.protectAccount(e);
      throw e;
    }
    addSecret(outcome.token);
    this.token = outcome.token;
    this.opts.logger.info(`Logged in (${outcome.method === 'argon2' ? 'Argon2id' : outcome.method})`);
    await this.opts.session
      .saveToken(outcome.token, creds.email, outcome.dc)
      .catch((e) => this.opts.logger.warn('Could not save the login token; the app keeps it in memory and goes on (after a restart it logs in again)', e));
    return outcome.token;
  }

  private protectAccount(e: CloudError): void {
    const now = this.now();
    if (e.kind === 'daily-limit') {
      this.setBlock(this.blockFor(e.detail?.retryAt?.getTime() ?? now + 3_600_000, e));
    } else if (e.kind === 'wrong-password' || e.kind === 'unknown-account' || e.kind === 'locked' || e.kind === 'app-rejected') {
      const retry = this.opts.wrongPasswordRetryMs;
      const until = retry === null ? Number.MAX_SAFE_INTEGER : now + (retry ?? 30 * 60_000);
      this.setBlock(this.blockFor(until, e));
    }
  }

  private async invalidateToken(stale: string): Promise<void> {
    if (this.token === stale) {
      this.token = undefined;
      await this.opts.session.clearToken().catch(() => undefined);
    }
  }

  // ---- calls ---------------------------------------------------------------------------------------------

  /** A data call with the token; on "token verify error" log in again and retry once. */
  async call(path: string, body: unknown): Promise<Envelope> {
    return this.withToken((token) => this.transport.post(this.hosts.url(path), body, token));
  }

  private async withToken(fn: (token: string) => Promise<Envelope>): Promise<Envelope> {
    let token = await this.getToken();
    let env = await fn(token);
    if (isTokenExpired(env)) {
      this.opts.logger.info('The Hoymiles token expired; logging in again');
      if (this.token === token) {
        this.guard.tokenExpired();
        this.afterExpiry = true;
      }
      await this.invalidateToken(token);
      token = await this.getToken();
      env = await fn(token);
      if (isTokenExpired(env)) throw new CloudError('token-expired', 'The Hoymiles cloud keeps rejecting a fresh login token.');
    }
    return env;
  }

  private ok(env: Envelope, what: string): unknown {
    if (env.status !== '0') {
      throw new CloudError('api', `The Hoymiles cloud refused ${what}: ${env.message || `status ${env.status}`}.`, { apiStatus: env.status });
    }
    return env.data;
  }

  /** Every station of the account (paginated). */
  async listStations(): Promise<Station[]> {
    const stations: Station[] = [];
    const pageSize = 50;
    for (let page = 1; page <= 100; page++) {
      const data = this.ok(await this.call('/pvmc/api/0/station/select_by_page_c', { page, page_size: pageSize }), 'the station list');
      const list = isObject(data) && Array.isArray(data.list) ? data.list : [];
      for (const entry of list) {
        const s = parseStation(entry);
        if (s) stations.push(s);
      }
      const total = isObject(data) ? num(data.total) : undefined;
      if (list.length < pageSize || (total !== undefined && stations.length >= total)) break;
    }
    return stations;
  }

  async getBurstUri(sid: number): Promise<string> {
    const data = this.ok(await this.call('/pvmc/api/0/station/get_sd_uri_c', { sid }), 'the live-data address');
    const uri = isObject(data) ? str(data.uri) : undefined;
    if (!uri) throw new CloudError('bad-response', 'The Hoymiles cloud sent no live-data address.');
    return this.hosts.burstUrl(uri);
  }

  /** One live-data read from a burst URL. The caller decides what a reply without `flow` means. */
  burst(uri: string, sid: number): Promise<Envelope> {
    return this.withToken((token) => this.transport.post(uri, { m: 0, sid }, token));
  }

  async stationEnergy(sid: number): Promise<Envelope> {
    const env = await this.call('/pvmc/api/0/station_data/real_g_c', { sid });
    this.ok(env, 'the station energy');
    return env;
  }

  async inverter(id: number, sid: number): Promise<Envelope> {
    const env = await this.call('/pvmc/api/0/inverter/find_c', { id, sid });
    this.ok(env, 'the battery details');
    return env;
  }
}

export function isTokenExpired(env: Pick<Envelope, 'status' | 'message'>): boolean {
  return env.status === TOKEN_EXPIRED_STATUS || /token verify error/i.test(env.message);
}

export type { LoginOutcome };
