/**
 * A fake Hoymiles cloud: a real HTTP server on 127.0.0.1 that answers as the reference describes
 * (hoymiles-cloud-api.md §11), errors included. Used by the tests, the benchmark and the demo mode.
 * Routing is by path only (the client's HOYMILES_API_URL points every host here).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { argon2Challenge, legacyPasswordHash } from '../../src/cloud/auth.js';

export interface FakeBattery {
  id: number;
  sn: string;
  role?: number;
  temperature: number | null;
  /** Nest it under a meter-less DTU (depth 2) or deeper. */
  depth?: number;
}

export interface FakeStation {
  sid: number;
  name: string;
  batteries: FakeBattery[];
  soc: number;
  /** Home Assistant sign: + = discharging, − = charging. */
  batteryPower: number;
  pv: number;
  load: number;
  /** + = import. */
  grid: number;
  con: number;
  chargedToday: number | null;
  dischargedToday: number | null;
  /** Station-local "YYYY-MM-DD HH:mm:ss". */
  dataTime: string;
  /** Burst replies' suggested delay. */
  dly: number;
}

export interface FakeAccount {
  email: string;
  password: string;
  /** Hex salt for Argon2id; null = an old account without salt (legacy hash). */
  salt: string | null;
}

/** `huge-message`: a refusal whose message is 1 MB long (a hostile or broken cloud). */
export type Fault = 'none' | 'down' | 'http500' | 'malformed' | 'slow' | 'huge-message';

export interface JobSpec {
  /** Polls answering code 2 before the result. */
  runningPolls: number;
  outcome: 'done' | 'fail' | 'never';
  message?: string;
  /** Read result as object or JSON string. */
  resultAsString?: boolean;
}

/** One station_ctl job as the fake saw it. */
export interface FakeJob {
  id: string;
  kind: 'read' | 'write';
  action: number;
  sid: number;
  /** The request's `data`. */
  data: any;
  createdAt: number;
  /** When the job answered its final code (0 or a failure). */
  finishedAt?: number;
  outcome?: 'done' | 'fail';
}

export interface RecordedRequest {
  path: string;
  body: any;
  headers: IncomingMessage['headers'];
  at: number;
}

export const TEST_ACCOUNT: FakeAccount = {
  email: 'battery.owner@example.com',
  password: 'testpassword123',
  salt: 'd5e3f019748d7a36d69840fdfd873d15', // the reference's Argon2id test vector
};

export function defaultStation(over: Partial<FakeStation> = {}): FakeStation {
  return {
    sid: 1234567,
    name: 'Home',
    batteries: [{ id: 123, sn: '280024290529', role: 0, temperature: 22, depth: 2 }],
    soc: 57,
    batteryPower: 245.8,
    pv: 0,
    load: 252,
    grid: 6.2,
    con: 1,
    chargedToday: 285,
    dischargedToday: 641,
    dataTime: localDateTime(new Date()),
    dly: 3000,
    ...over,
  };
}

export function localDateTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export interface FakeCloudOptions {
  accounts: FakeAccount[];
  stations: FakeStation[];
  /** Answer `login_c` (legacy) with a token instead of "app version is low". */
  legacyLoginWorks: boolean;
  port: number;
}

export class FakeCloud {
  url = '';
  readonly requests: RecordedRequest[] = [];
  accounts: FakeAccount[];
  stations: FakeStation[];
  legacyLoginWorks: boolean;
  /** Every login attempt answers the daily-limit message. */
  dailyLimit = false;
  /** Fault injection, for all paths or those starting with `faultPath`. */
  fault: Fault = 'none';
  faultPath = '';
  /** How an expired burst k shows: HTTP 401, or a 200 reply without `flow`. */
  burstExpiry: 'http401' | 'no-flow' = 'http401';
  /** Every burst reply comes without `flow` (a device that is not streaming), even on a fresh URL. */
  burstWithoutFlow = false;
  /** Regions: unknown e-mails answer dc -1. */
  loginCount = 0;
  /**
   * A cloud that keeps revoking tokens: each token stops working this long after it was issued (answering
   * status "100" like any expired one). undefined = tokens last until expireTokens().
   */
  tokenLifetimeMs?: number;
  /** When each successful login happened (ms since epoch). */
  readonly loginTimes: number[] = [];
  jobSpec: JobSpec = { runningPolls: 2, outcome: 'done' };
  /** Per-action job behaviour, overriding `jobSpec` (e.g. only writes of 1513 fail). */
  jobSpecs: Partial<Record<number, JobSpec>> = {};
  /** station_ctl actions refused as MS-A2 stations refuse settings they lack: "The device list is empty". */
  unsupportedActions = new Set<number>();
  /** Every station_ctl job, in order. */
  readonly jobLog: FakeJob[] = [];
  /** Current settings the station_ctl reads return, per sid. */
  settings = new Map<number, { power: number; gridCharge: boolean; reserveSoc: number }>();

  private server?: Server;
  private readonly tokens = new Map<string, { email: string; issuedAt: number }>();
  readonly nonces = new Map<string, string>(); // nonce → email
  private readonly burstKeys = new Map<string, number>(); // k → sid
  private readonly jobs = new Map<string, { polls: number; spec: JobSpec; result: unknown; apply?: () => void; log?: FakeJob }>();
  private readonly expected = new Map<string, Promise<string>>();
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(opts: Partial<FakeCloudOptions> = {}) {
    this.accounts = opts.accounts ?? [{ ...TEST_ACCOUNT }];
    this.stations = opts.stations ?? [defaultStation()];
    this.legacyLoginWorks = opts.legacyLoginWorks ?? false;
  }

  static async start(opts: Partial<FakeCloudOptions> = {}): Promise<FakeCloud> {
    const c = new FakeCloud(opts);
    await c.listen(opts.port ?? 0);
    return c;
  }

  async listen(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---- test controls ----------------------------------------------------------------------------------

  /** Every token stops working: the next data call answers status "100". */
  expireTokens(): void {
    this.tokens.clear();
  }
  /** Every burst URL handed out so far goes stale. */
  expireBurstUris(): void {
    this.burstKeys.clear();
  }
  station(sid?: number): FakeStation {
    const s = sid === undefined ? this.stations[0] : this.stations.find((x) => x.sid === sid);
    if (!s) throw new Error(`no fake station ${sid}`);
    return s;
  }
  count(pathPart: string): number {
    return this.requests.filter((r) => r.path.includes(pathPart)).length;
  }
  clearRequests(): void {
    this.requests.length = 0;
  }
  /** A valid token as if an earlier run had logged in (for "restart with a stored token"). */
  issueToken(email = this.accounts[0]!.email): string {
    const token = `2.${randomBytes(24).toString('base64url')}.1`;
    this.tokens.set(token, { email, issuedAt: Date.now() });
    return token;
  }

  /** Demo: let the battery drift like a real one over the day. */
  simulate(station: FakeStation, seconds: number, t = Date.now() / 1000): void {
    const wave = Math.sin(t / 600); // a 1-hour cycle: charging half the time, discharging the other
    station.batteryPower = Math.round((wave > 0.15 ? -1 : wave < -0.15 ? 1 : 0) * (180 + 120 * Math.abs(Math.sin(t / 97))) * 10) / 10;
    station.pv = Math.max(0, Math.round(400 * wave + 150));
    station.load = Math.round(250 + 80 * Math.sin(t / 53));
    const delta = (-station.batteryPower * seconds) / 3600 / 2240; // 2.24 kWh
    station.soc = Math.min(100, Math.max(10, Math.round((station.soc + delta * 100) * 10) / 10));
    if (station.batteryPower < 0 && station.chargedToday !== null) station.chargedToday += Math.round((-station.batteryPower * seconds) / 3600);
    if (station.batteryPower > 0 && station.dischargedToday !== null) station.dischargedToday += Math.round((station.batteryPower * seconds) / 3600);
    station.grid = Math.round(station.load - station.pv - station.batteryPower);
    station.dataTime = localDateTime(new Date(t * 1000));
    for (const b of station.batteries) if (b.temperature !== null) b.temperature = Math.round((21 + 2 * Math.sin(t / 900)) * 10) / 10;
  }

  // ---- HTTP ---------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    let body: any;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      body = undefined;
    }
    this.requests.push({ path: url.pathname + url.search, body, headers: req.headers, at: Date.now() });

    if (this.fault !== 'none' && url.pathname.startsWith(this.faultPath)) {
      if (this.fault === 'down') return void req.socket.destroy();
      if (this.fault === 'http500') return this.send(res, 500, 'Internal Server Error', 'text/plain');
      if (this.fault === 'malformed') return this.send(res, 200, '{"status":"0","data":{"flow":[', 'application/json');
      if (this.fault === 'slow') return; // never answers: the client's timeout must fire
      if (this.fault === 'huge-message') return this.json(res, { status: '1', message: `Refused ${'x'.repeat(1024 * 1024)}` });
    }
    if (req.method !== 'POST') return this.send(res, 405, 'POST only', 'text/plain');
    if (body === undefined) return this.json(res, { status: '1', message: 'Request body is not JSON' });
    const route = ROUTES[url.pathname];
    if (route) return route.call(this, req, res, body, url);
    if (url.pathname === '/rds/api/0/burst/get') return this.burst(req, res, body, url);
    return this.send(res, 404, 'Not Found', 'text/plain');
  }

  private send(res: ServerResponse, status: number, text: string, type: string): void {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
  json(res: ServerResponse, obj: unknown): void {
    this.send(res, 200, JSON.stringify(obj), 'application/json; charset=utf-8');
  }
  ok(res: ServerResponse, data: unknown): void {
    this.json(res, { status: '0', message: 'success', data });
  }

  /** The email behind a valid token, or an answer of status "100" already sent. */
  authed(req: IncomingMessage, res: ServerResponse): string | undefined {
    const token = req.headers.authorization;
    const entry = token ? this.tokens.get(token) : undefined;
    if (entry && this.tokenLifetimeMs !== undefined && Date.now() - entry.issuedAt > this.tokenLifetimeMs) this.tokens.delete(token!);
    const email = token ? this.tokens.get(token)?.email : undefined;
    if (!email) this.json(res, { status: '100', message: 'token verify error.' });
    return email;
  }

  private expectedChallenge(account: FakeAccount): Promise<string> {
    const key = `${account.password}\u0000${account.salt}`;
    let p = this.expected.get(key);
    if (!p) {
      p = account.salt ? argon2Challenge(account.password, account.salt) : Promise.resolve(legacyPasswordHash(account.password));
      this.expected.set(key, p);
    }
    return p;
  }

  async login(req: IncomingMessage, res: ServerResponse, body: any): Promise<void> {
    const ua = String(req.headers['user-agent'] ?? '');
    if (!ua.startsWith('sma/ad/')) return this.json(res, { status: '1', message: 'Can only login to the S-Miles Home.' });
    const account = this.accounts.find((a) => a.email === body.u);
    const nonceOwner = this.nonces.get(String(body.n));
    this.nonces.delete(String(body.n)); // single use, right or wrong
    if (!account) return this.json(res, { status: '1', message: 'User does not exist' });
    if (nonceOwner !== account.email) return this.json(res, { status: '1', message: 'The nonce is invalid or has been used.' });
    if (this.dailyLimit) return this.json(res, { status: '1', message: 'The number of logins exceeds the daily maximum limit.' });
    this.loginCount++;
    if (body.ch !== (await this.expectedChallenge(account))) {
      return this.json(res, { status: '1', message: 'Login failed. Please check your account and password.' });
    }
    this.loginTimes.push(Date.now());
    this.ok(res, { token: this.issueToken(account.email) });
  }

  private burst(req: IncomingMessage, res: ServerResponse, body: any, url: URL): void {
    if (!this.authed(req, res)) return;
    const sid = this.burstKeys.get(url.searchParams.get('k') ?? '');
    if (sid === undefined) {
      if (this.burstExpiry === 'http401') return this.send(res, 401, 'Unauthorized', 'text/plain');
      return this.json(res, { status: '0', data: { dly: 10000, con: 0 } });
    }
    const s = this.station(sid);
    if (Number(body.sid) !== sid) return this.json(res, { status: '1', message: 'sid mismatch' });
    if (this.burstWithoutFlow) return this.json(res, { status: '0', data: { dly: 10000, con: 0, soc: s.soc } });
    const flow: { i: number; o: number; v: number }[] = [];
    const bat = Math.abs(s.batteryPower);
    if (s.batteryPower > 0) flow.push({ i: 40, o: 20, v: bat }, { i: 20, o: 10, v: bat });
    if (s.batteryPower < 0) flow.push({ i: 20, o: 40, v: bat }, { i: 10, o: 20, v: bat });
    if (s.load > 0) flow.push({ i: 1, o: 40, v: s.load });
    if (s.grid > 0) flow.push({ i: 40, o: 2, v: s.grid });
    if (s.grid < 0) flow.push({ i: 2, o: 40, v: -s.grid });
    if (s.pv > 0) flow.push({ i: 40, o: 4, v: s.pv });
    // Burst values are JSON numbers; `power.bat` is a magnitude (direction only in flow and brs).
    this.json(res, {
      status: '0',
      data: {
        flow,
        dly: s.dly,
        con: s.con,
        soc: s.soc,
        power: { pv: s.pv, bat, grid: Math.abs(s.grid), load: s.load, sp: 0 },
        brs: s.batteryPower > 0 ? 2 : s.batteryPower < 0 ? 1 : 0,
        bhs: 0,
        ems: 0,
      },
    });
  }

  newJob(spec: JobSpec, result: unknown, apply?: () => void, what?: Omit<FakeJob, 'id' | 'createdAt'>): string {
    const id = String(39219485 + this.jobs.size);
    const log = what ? { id, createdAt: Date.now(), ...what } : undefined;
    if (log) this.jobLog.push(log);
    this.jobs.set(id, { polls: 0, spec: { ...spec }, result, apply, log });
    return id;
  }

  /** The job spec for a station_ctl action. */
  jobSpecFor(action: number): JobSpec {
    return this.jobSpecs[action] ?? this.jobSpec;
  }

  pollJob(id: string): unknown {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    job.polls++;
    if (job.spec.outcome === 'never' || job.polls <= job.spec.runningPolls) {
      return { code: 2, speed: [{ rate: -1, type: 6, module: '006000' }], data: [], message: '' };
    }
    if (job.log && !job.log.finishedAt) Object.assign(job.log, { finishedAt: Date.now(), outcome: job.spec.outcome });
    if (job.spec.outcome === 'fail') return { code: 3, data: [], message: job.spec.message ?? 'Device offline', err_code: '3' };
    if (job.apply) {
      job.apply();
      job.apply = undefined;
    }
    const data = job.spec.resultAsString ? JSON.stringify(job.result) : job.result;
    return { code: 0, speed: [{ rate: 100 }], data, message: '' };
  }

  settingsOf(sid: number): { power: number; gridCharge: boolean; reserveSoc: number } {
    let s = this.settings.get(sid);
    if (!s) {
      s = { power: 800, gridCharge: false, reserveSoc: 10 };
      this.settings.set(sid, s);
    }
    return s;
  }

  issueBurstKey(sid: number): string {
    const k = randomBytes(12).toString('hex');
    this.burstKeys.set(k, sid);
    return k;
  }
}

type Handler = (this: FakeCloud, req: IncomingMessage, res: ServerResponse, body: any, url: URL) => void | Promise<void>;

function stationEntry(s: FakeStation): unknown {
  // DTU (type 1) → battery PCS (type 6) → meter (type 16); deeper batteries sit under an extra DTU level.
  const batteryNode = (b: FakeBattery) => ({
    id: b.id,
    sn: b.sn,
    dtu_sn: `DTU${b.sn}`,
    type: 6,
    warn_data: { connect: true, warn: false },
    extend_data: { role: b.role ?? 0 },
    devices: [{ id: b.id + 1, sn: `M${b.sn}`, dtu_sn: `DTU${b.sn}`, type: 16, warn_data: { connect: true }, extend_data: { name: 'ShellyPro3EM', type: 2 }, devices: [] }],
  });
  const wrap = (node: unknown, depth: number): unknown =>
    depth <= 1 ? node : wrap({ id: 9000 + depth, sn: `DTU-${depth}`, type: 1, warn_data: { connect: true }, extend_data: { inner: 1 }, devices: [node] }, depth - 1);
  return {
    sid: s.sid,
    sn: s.batteries[0]?.sn ?? '',
    name: s.name,
    area_code: 'AT',
    classify: 10,
    devices: s.batteries.map((b) => wrap(batteryNode(b), b.depth ?? 2)),
    dc: 1,
    ak: 'xxxx',
    bt: 1,
  };
}

const str = (v: number | null) => (v === null ? '-' : String(v));

const ROUTES: Record<string, Handler> = {
  '/iam/pub/0/c/region_c'(_req, res, body) {
    const known = this.accounts.some((a) => a.email === body.email);
    this.ok(res, known ? { login_url: 'https://euapi.hoymiles.com', dc: 1 } : { login_url: '', dc: -1 });
  },
  '/iam/pub/3/auth/pre-insp'(_req, res, body) {
    const account = this.accounts.find((a) => a.email === body.u);
    if (!account) return this.json(res, { status: '1', message: 'User does not exist' });
    const n = randomBytes(16).toString('hex');
    this.nonces.set(n, account.email);
    this.ok(res, { n, a: account.salt, v: account.salt ? 3 : 2, dc: 1, f: 0, t: 159, u: 1 });
  },
  '/iam/pub/3/auth/login'(req, res, body) {
    return this.login(req, res, body);
  },
  '/iam/pub/0/c/login_c'(_req, res, body) {
    const account = this.accounts.find((a) => a.email === body.user_name);
    if (!this.legacyLoginWorks) return this.json(res, { status: '1', message: 'Your app version is low. Please update to the latest version.' });
    if (!account || body.password !== legacyPasswordHash(account.password)) {
      return this.json(res, { status: '1', message: 'Login failed. Please check your account and password.' });
    }
    this.loginCount++;
    this.ok(res, { token: this.issueToken(account.email) });
  },
  '/pvmc/api/0/station/select_by_page_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    const page = Number(body.page ?? 1);
    const size = Number(body.page_size ?? 50);
    const list = this.stations.slice((page - 1) * size, page * size).map(stationEntry);
    this.ok(res, { page, page_size: size, total: this.stations.length, list });
  },
  '/pvmc/api/0/station/get_sd_uri_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    const sid = Number(body.sid);
    if (!this.stations.some((s) => s.sid === sid)) return this.json(res, { status: '1', message: 'The station does not exist' });
    this.ok(res, { uri: `${this.url}/rds/api/0/burst/get?k=${this.issueBurstKey(sid)}&t=${Math.floor(Date.now() / 1000)}` });
  },
  '/pvmc/api/0/station_data/real_g_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    const s = this.station(Number(body.sid));
    const date = s.dataTime.slice(0, 10);
    this.ok(res, {
      is_null: 0,
      today_eq: '1',
      real_power: '0',
      data_time: s.dataTime,
      last_data_time: s.dataTime,
      is_reflux: 1,
      reflux_station_data: {
        start_date: date,
        end_date: date,
        pv_power: '0',
        grid_power: '0',
        load_power: '0',
        bms_power: '0',
        bms_soc: `${s.soc.toFixed(1)}`,
        bms_in_eq: str(s.chargedToday),
        bms_out_eq: str(s.dischargedToday),
        meter_b_in_eq: '1159',
        meter_b_out_eq: '2',
        flows: [],
        mb_in_eq: { today_eq: '0', month_eq: '0', year_eq: '0', total_eq: '0' },
      },
      efl_today_eq: null,
      unit: null,
      tou_mode: 2,
      warn_data: null,
    });
  },
  '/pvmc/api/0/inverter/find_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    for (const s of this.stations) {
      const b = s.batteries.find((x) => x.id === Number(body.id));
      if (b && s.sid === Number(body.sid)) {
        return this.ok(res, {
          id: b.id,
          sn: b.sn,
          dtu_sn: `DTU${b.sn}`,
          dev_type: null,
          role: b.role ?? 0,
          soft_ver: null,
          dsp_sw: 10304,
          wifi_sw: 4870,
          bms_sw: 16846080,
          warn_data: { connect: true, warn: false },
          real_data: { bms_soc: `${s.soc.toFixed(1)}`, bms_temp: str(b.temperature), bms_state: 0 },
        });
      }
    }
    this.json(res, { status: '1', message: 'The inverter does not exist' });
  },
  '/pvmc/api/0/station_ctl/read_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    const sid = Number(body?.data?.sid);
    if (!this.stations.some((s) => s.sid === sid) || this.unsupportedActions.has(body.action)) {
      return this.json(res, { status: '1', message: 'The device list is empty' });
    }
    const cur = this.settingsOf(sid);
    const result =
      body.action === 1513
        ? { power: cur.power }
        : body.action === 1503
          ? { enable: cur.gridCharge ? 1 : 0 }
          : body.action === 83
            ? { mode: 2, k_2: { soc_l: cur.reserveSoc, soc_h: 100 } }
            : {};
    this.ok(res, this.newJob(this.jobSpecFor(body.action), result, undefined, { kind: 'read', action: body.action, sid, data: body.data }));
  },
  '/pvmc/api/0/station_ctl/write_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    const d = body?.data ?? {};
    const sid = Number(d.sid);
    if (!this.stations.some((s) => s.sid === sid) || this.unsupportedActions.has(body.action)) {
      return this.json(res, { status: '1', message: 'The device list is empty' });
    }
    const cur = this.settingsOf(sid);
    const apply =
      body.action === 1513
        ? () => (cur.power = Number(d.power))
        : body.action === 1503
          ? () => (cur.gridCharge = Number(d.enable) === 1)
          : body.action === 83
            ? () => (cur.reserveSoc = Number(d.soc_l))
            : undefined;
    if (!apply) return this.json(res, { status: '1', message: 'Unsupported action' });
    this.ok(res, this.newJob(this.jobSpecFor(body.action), [], apply, { kind: 'write', action: body.action, sid, data: d }));
  },
  '/pvmc/api/0/station_ctl/setting_status_c'(req, res, body) {
    if (!this.authed(req, res)) return;
    const data = this.pollJob(String(body.id));
    if (data === undefined) return this.json(res, { status: '1', message: 'Task does not exist' });
    this.ok(res, data);
  },
};
