/**
 * The demo's simulated Hoymiles cloud: a small HTTP server on 127.0.0.1 that answers the few calls the app
 * makes (Argon2id login, station list, live-data burst, station data, battery details, station_ctl jobs), with
 * one station whose battery charges and discharges over a simulated day. Product code on purpose: the demo must
 * not depend on the test suite (the tests keep their own, richer fake in test/fake-cloud/).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { argon2Challenge } from '../cloud/auth.js';
import { CLOUD_CONTROLS, SETTING_KEYS, type SettingKey } from '../controls/battery-settings.js';
import { simulatedState, type SimState } from './simulation.js';

export const DEMO_ACCOUNT = { email: 'demo@example.com', password: 'demo-password' } as const;
/** Argon2id salt of the demo account (any hex will do; this one is random). */
const SALT = '6d2f0c8e4b1a9d3e7f5a2c1b0e9d8c7b';
export const DEMO_SN = 'DEMO12345678';
const SID = 4242;
const DEVICE_ID = 7;

export interface SimCloud {
  url: string;
  /** The simulated state now (for the history backfill and tests). */
  state(): SimState;
  close(): Promise<void>;
}

const localDateTime = (ms: number): string => {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
};

/** `clock()` gives the simulated time (ms); the battery follows it. */
export async function startSimCloud(opts: { clock: () => number; stationName?: string }): Promise<SimCloud> {
  const expected = argon2Challenge(DEMO_ACCOUNT.password, SALT);
  const tokens = new Set<string>();
  const nonces = new Set<string>();
  const burstKeys = new Set<string>();
  const jobs = new Map<string, { polls: number; result: unknown; apply?: () => void }>();
  const controls = { power: 800, gridCharge: false, reserveSoc: 10 };
  /** How the demo answers each of the battery's settings (read_c / write_c): the cloud's bodies, as in the table's jobs. */
  const ANSWERS: Record<SettingKey, { read(): unknown; write(d: Record<string, unknown>): void }> = {
    input_power: { read: () => ({ power: controls.power }), write: (d) => (controls.power = Number(d.power)) },
    grid_charging: { read: () => ({ enable: controls.gridCharge ? 1 : 0 }), write: (d) => (controls.gridCharge = Number(d.enable) === 1) },
    reserve_soc: { read: () => ({ mode: 2, k_2: { soc_l: controls.reserveSoc, soc_h: 100 } }), write: (d) => (controls.reserveSoc = Number(d.soc_l)) },
  };
  /** The same, by the cloud action the table gives each setting. */
  const SETTINGS = new Map(SETTING_KEYS.map((k) => [CLOUD_CONTROLS[k].job.action, ANSWERS[k]]));
  const sockets = new Set<Socket>();
  let url = '';
  const now = () => simulatedState(opts.clock());

  const json = (res: ServerResponse, obj: unknown) => {
    const text = JSON.stringify(obj);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const ok = (res: ServerResponse, data: unknown) => json(res, { status: '0', message: 'success', data });
  const fail = (res: ServerResponse, message: string, status = '1') => json(res, { status, message });
  const authed = (req: IncomingMessage, res: ServerResponse) => {
    if (tokens.has(String(req.headers.authorization ?? ''))) return true;
    fail(res, 'token verify error.', '100');
    return false;
  };
  const newJob = (result: unknown, apply?: () => void) => {
    const id = String(1000 + jobs.size);
    jobs.set(id, { polls: 0, result, apply });
    return id;
  };

  const station = () => ({
    sid: SID,
    sn: DEMO_SN,
    name: opts.stationName ?? 'Demo home',
    devices: [
      {
        id: 9001,
        sn: 'DEMO-DTU',
        type: 1,
        warn_data: { connect: true },
        devices: [{ id: DEVICE_ID, sn: DEMO_SN, dtu_sn: 'DEMO-DTU', type: 6, warn_data: { connect: true, warn: false }, extend_data: { role: 0 }, devices: [] }],
      },
    ],
  });

  type Route = (req: IncomingMessage, res: ServerResponse, body: any, u: URL) => void | Promise<void>;
  const routes: Record<string, Route> = {
    '/iam/pub/0/c/region_c': (_q, res, b) => ok(res, b.email === DEMO_ACCOUNT.email ? { login_url: url, dc: 1 } : { login_url: '', dc: -1 }),
    '/iam/pub/3/auth/pre-insp': (_q, res, b) => {
      if (b.u !== DEMO_ACCOUNT.email) return fail(res, 'User does not exist');
      const n = randomBytes(16).toString('hex');
      nonces.add(n);
      ok(res, { n, a: SALT, v: 3, dc: 1 });
    },
    '/iam/pub/3/auth/login': async (_q, res, b) => {
      const nonceOk = nonces.delete(String(b.n));
      if (b.u !== DEMO_ACCOUNT.email) return fail(res, 'User does not exist');
      if (!nonceOk) return fail(res, 'The nonce is invalid or has been used.');
      if (b.ch !== (await expected)) return fail(res, 'Login failed. Please check your account and password.');
      const token = `demo.${randomBytes(18).toString('base64url')}`;
      tokens.add(token);
      ok(res, { token });
    },
    '/pvmc/api/0/station/select_by_page_c': (q, res) => {
      if (authed(q, res)) ok(res, { page: 1, page_size: 50, total: 1, list: [station()] });
    },
    '/pvmc/api/0/station/get_sd_uri_c': (q, res) => {
      if (!authed(q, res)) return;
      const k = randomBytes(12).toString('hex');
      burstKeys.add(k);
      ok(res, { uri: `${url}/rds/api/0/burst/get?k=${k}&t=${Math.floor(Date.now() / 1000)}` });
    },
    '/rds/api/0/burst/get': (q, res, _b, u) => {
      if (!authed(q, res)) return;
      if (!burstKeys.has(u.searchParams.get('k') ?? '')) return json(res, { status: '0', data: { dly: 10000, con: 0 } });
      const s = now();
      const bat = Math.abs(s.batteryPower);
      const flow: { i: number; o: number; v: number }[] = [];
      // Battery (20) ↔ PCS (40): the direction of these edges carries the sign.
      if (s.batteryPower > 0) flow.push({ i: 40, o: 20, v: bat }, { i: 20, o: 10, v: bat });
      if (s.batteryPower < 0) flow.push({ i: 20, o: 40, v: bat }, { i: 10, o: 20, v: bat });
      if (s.load > 0) flow.push({ i: 1, o: 40, v: s.load });
      if (s.grid > 0) flow.push({ i: 40, o: 2, v: s.grid });
      if (s.grid < 0) flow.push({ i: 2, o: 40, v: -s.grid });
      if (s.pv > 0) flow.push({ i: 40, o: 4, v: s.pv });
      json(res, {
        status: '0',
        data: { flow, dly: 3000, con: 1, soc: s.soc, power: { pv: s.pv, bat, grid: Math.abs(s.grid), load: s.load, sp: 0 }, brs: s.batteryPower > 0 ? 2 : s.batteryPower < 0 ? 1 : 0 },
      });
    },
    '/pvmc/api/0/station_data/real_g_c': (q, res) => {
      if (!authed(q, res)) return;
      const s = now();
      const t = localDateTime(s.at);
      ok(res, {
        data_time: t,
        last_data_time: t,
        is_reflux: 1,
        reflux_station_data: { start_date: t.slice(0, 10), end_date: t.slice(0, 10), bms_soc: s.soc.toFixed(1), bms_in_eq: String(s.chargedToday), bms_out_eq: String(s.dischargedToday) },
      });
    },
    '/pvmc/api/0/inverter/find_c': (q, res) => {
      if (!authed(q, res)) return;
      const s = now();
      ok(res, { id: DEVICE_ID, sn: DEMO_SN, dtu_sn: 'DEMO-DTU', role: 0, dsp_sw: 10304, wifi_sw: 4870, bms_sw: 16846080, real_data: { bms_soc: s.soc.toFixed(1), bms_temp: s.temperature.toFixed(1), bms_state: 0 } });
    },
    '/pvmc/api/0/station_ctl/read_c': (q, res, b) => {
      if (!authed(q, res)) return;
      const setting = SETTINGS.get(Number(b.action));
      if (!setting) return fail(res, 'The device list is empty');
      ok(res, newJob(setting.read()));
    },
    '/pvmc/api/0/station_ctl/write_c': (q, res, b) => {
      if (!authed(q, res)) return;
      const setting = SETTINGS.get(Number(b.action));
      if (!setting) return fail(res, 'Unsupported action');
      const d = b?.data ?? {};
      ok(res, newJob([], () => setting.write(d)));
    },
    '/pvmc/api/0/station_ctl/setting_status_c': (q, res, b) => {
      if (!authed(q, res)) return;
      const job = jobs.get(String(b.id));
      if (!job) return fail(res, 'Task does not exist');
      if (++job.polls < 2) return ok(res, { code: 2, data: [], message: '' });
      job.apply?.();
      job.apply = undefined;
      ok(res, { code: 0, data: job.result, message: '' });
    },
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://sim');
      let body: any = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        return fail(res, 'Request body is not JSON');
      }
      const route = Object.hasOwn(routes, u.pathname) ? routes[u.pathname] : undefined;
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      Promise.resolve(route(req, res, body ?? {}, u)).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    state: now,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
