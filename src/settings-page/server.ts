/**
 * The settings page's local web server. Only this user's browser, opened from the tray, may use it:
 * - it listens on 127.0.0.1 only, on a random port;
 * - each link carries a one-time key (valid 5 minutes); the visit trades it for an HttpOnly SameSite=Strict
 *   session cookie and redirects to a clean URL; anything without a key or the cookie gets 403;
 * - the Host header must name 127.0.0.1 or localhost with our port (DNS rebinding), a foreign Origin or a
 *   cross-site fetch is refused, and every POST needs the page's CSRF token in a header plus a JSON body;
 * - passwords go one way only: into the SecretStore. The page shows whether one is stored, never its value.
 */
import { spawn } from 'node:child_process';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ConfigStore } from '../config/store.js';
import { ENV_VARS, settingsFromEnv } from '../config/env.js';
import { t } from '../i18n/index.js';
import type { SecretStore } from '../config/secrets.js';
import { DEFAULTS, normalizeBrokerUrl, usesCloud, validateSettings, type FieldErrors, type Settings } from '../config/app-settings.js';
import type { StationControlsView } from '../controls/battery-controls.js';
import { CLOUD_CONTROLS, parseNumber, parseSwitch, SETTING_KEYS, type SettingKey, type SettingValue } from '../controls/battery-settings.js';
import { addSecret, redact, type Logger } from '../log/logger.js';
import { urlPassword, urlWithoutPassword } from '../log/mask.js';
import { sanitizeId } from '../mqtt/topics.js';
import { isSafeAnchor } from './anchors.js';
import { controlRange, controlUnit, controlValueText, FIELDS, renderPage, type FieldDef, type PageState } from './page.js';
import type { StatusView } from './status.js';
import type { HistoryView } from '../history/history.js';

/** What the settings page needs of the battery controls (BatteryControls fits). */
export interface SettingsControls {
  stations(): StationControlsView[];
  /** Resolves once the cloud confirmed the value; rejects with an Error whose message is fit for the user. */
  set(sn: string, key: SettingKey, value: SettingValue): Promise<void>;
}

export interface SettingsServerOptions {
  store: ConfigStore;
  secrets: SecretStore;
  logger: Logger;
  /** Fields set by environment variables: shown read-only with a note, never changed by a save. */
  envOverrides?: Set<keyof Settings>;
  /** Throws an Error with a user-readable message. */
  testLogin(email: string, password: string): Promise<{ stations: { sid: number; name: string; batteries: string[] }[] }>;
  /** Throws an Error with a user-readable message. */
  /** Resolves with the batteries whose own MQTT feed the broker carries (device ids), if it looked. */
  testMqtt(url: string, user: string, password: string): Promise<{ found?: string[] } | void>;
  /**
   * After a successful save: the stored settings with the stored passwords filled in (no environment applied).
   * May return the status generation the new settings will run under: the page then waits for that generation's
   * login and broker outcome (GET /api/status) and reports it.
   */
  onSaved(settings: Settings): void | number;
  /** Fields the app fixes (the demo's simulated account and built-in broker): shown read-only, never saved. */
  fixed?: { values: Partial<Settings>; reason: string };
  /** The live status panel (GET /api/status); absent: no panel. */
  status?: () => StatusView;
  /** The battery's day (GET /api/history); absent: no chart. */
  history?: () => HistoryView;
  /** The "Open log" button (POST /api/open-log). */
  openLog?: () => void;
  /** Shown at the top of the page, e.g. where passwords are kept when there is no keychain. */
  secretStorageNote?: string;
  /** For tests: where environment values are read for display (default process.env). */
  env?: Record<string, string | undefined>;
  /** Battery control (the "Battery control" section and POST /api/control); absent: shown as not available. */
  controls?: SettingsControls;
}

export interface SettingsServer {
  /** A fresh link for the browser each time it is read: its key works once, within 5 minutes. */
  readonly url: string;
  port: number;
  close(): Promise<void>;
}

type SecretKey = 'hoymilesPassword' | 'mqttPassword';
const SECRET_KEYS: SecretKey[] = ['hoymilesPassword', 'mqttPassword'];
const MAX_BODY = 64 * 1024;
/** The pages this server serves (GET); a link's key redirects to one of these, never elsewhere. */
const PAGES = new Set(['/']);

function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieValue(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'Request too large.');
    chunks.push(chunk);
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'The request was not understood.');
}

/** A form value into the field's type; anything unusable becomes NaN/'' so validateSettings names the field. */
function convert(f: FieldDef, v: unknown): unknown {
  switch (f.kind) {
    case 'switch':
      return v === true || v === 'true' || v === 'on';
    case 'number': {
      if (typeof v === 'number') return v;
      const t = String(v ?? '').trim();
      return t === '' ? Number.NaN : Number(t);
    }
    case 'ids': {
      if (Array.isArray(v)) return v.map(Number);
      return String(v ?? '')
        .split(/[,;\s]+/)
        .filter(Boolean)
        .map((x) => (/^\d+$/.test(x) ? Number(x) : Number.NaN));
    }
    default:
      return typeof v === 'string' ? v.trim() : String(v ?? '').trim();
  }
}

export async function startSettingsServer(opts: SettingsServerOptions): Promise<SettingsServer> {
  const log = opts.logger;
  const envFields = opts.envOverrides ?? new Set<keyof Settings>();
  /** One-time access keys for links handed to the browser: each works once, within a few minutes. */
  const keys = new Map<string, number>();
  const KEY_LIFETIME_MS = 5 * 60_000;
  const newKey = (): string => {
    const now = Date.now();
    for (const [k, until] of keys) if (until < now) keys.delete(k);
    const k = randomBytes(32).toString('base64url');
    keys.set(k, now + KEY_LIFETIME_MS);
    addSecret(k); // never in the logs
    return k;
  };
  const useKey = (k: string | undefined): boolean => {
    if (!k) return false;
    for (const [candidate, until] of keys) {
      if (sameSecret(k, candidate)) {
        keys.delete(candidate);
        return until >= Date.now();
      }
    }
    return false;
  };
  const session = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  let port = 0;
  let cookieName = 'hoymiles_tray';

  const fixedValues: Partial<Settings> = opts.fixed?.values ?? {};
  const isFixed = (k: keyof Settings) => Object.hasOwn(fixedValues, k);
  /** Set by the environment or fixed by the app: shown read-only, never saved from the page. */
  const locked = (k: keyof Settings) => envFields.has(k) || isFixed(k);

  const envVarOf = (key: keyof Settings): string | undefined => {
    // A password inside MQTT_URL is the one in use (see settingsFromEnv).
    const envUrl = (opts.env ?? process.env).MQTT_URL;
    if (key === 'mqttPassword' && envUrl && urlPassword(envUrl) !== undefined) return 'MQTT_URL';
    const name = Object.entries(ENV_VARS).find(([, v]) => v.field === key)?.[0];
    return key === 'mqttUrl' && name ? `${name} (or MQTT_BROKER/MQTT_PORT)` : name;
  };

  /** Values from the environment for the fields it sets (display and tests only; saves never store them). */
  const effective = (base: Settings): Settings => {
    let s = base;
    if (envFields.size) {
      try {
        s = settingsFromEnv(opts.env ?? process.env, base).settings;
      } catch {
        s = base;
      }
    }
    return { ...s, ...fixedValues };
  };

  async function storedSecrets(): Promise<Record<SecretKey, string | undefined>> {
    const out = {} as Record<SecretKey, string | undefined>;
    for (const k of SECRET_KEYS) {
      try {
        out[k] = (await opts.secrets.get(k)) || undefined;
      } catch (err) {
        log.warn(`Could not read the stored ${k}`, err);
        out[k] = undefined;
      }
    }
    return out;
  }

  async function pageState(): Promise<PageState> {
    const stored = opts.store.load();
    const shown = effective(stored);
    const values: Partial<Settings> = {};
    for (const f of FIELDS) if (f.kind !== 'password') (values as Record<string, unknown>)[f.key] = locked(f.key) ? shown[f.key] : stored[f.key];
    // A password written into the broker URL never reaches the page (it is kept; see save()).
    if (values.mqttUrl) values.mqttUrl = urlWithoutPassword(values.mqttUrl);
    const secrets = await storedSecrets();
    const env: PageState['env'] = {};
    for (const k of envFields) {
      const name = envVarOf(k);
      if (name) env[k] = name;
    }
    const notes: PageState['notes'] = [];
    if (opts.store.warning) notes.push({ level: 'warn', text: opts.store.warning });
    const storageNote = opts.secretStorageNote ?? (opts.secrets.kind === 'file' ? t('page.note.fileSecrets') : undefined);
    if (storageNote) notes.push({ level: 'info', text: storageNote });
    const fixed: PageState['fixed'] = {};
    for (const k of Object.keys(fixedValues) as (keyof Settings)[]) if (!env[k]) fixed[k] = opts.fixed!.reason;
    const hasLogin = !!(shown.hoymilesEmail && (secrets.hoymilesPassword || locked('hoymilesPassword')));
    return {
      values,
      stored: { hoymilesPassword: !!secrets.hoymilesPassword, mqttPassword: !!secrets.mqttPassword },
      env,
      fixed,
      notes,
      controls: controlStations(),
      demo: !!opts.fixed,
      // A native source needs no login: its first run is done once the source is stored.
      firstRun: !hasLogin && usesCloud(shown),
      panels: { status: !!opts.status, history: !!opts.history, openLog: !!opts.openLog },
    };
  }

  function controlStations(): StationControlsView[] | undefined {
    if (!opts.controls) return undefined;
    try {
      return opts.controls.stations();
    } catch (err) {
      log.warn('Could not read the battery controls', err);
      return undefined;
    }
  }

  /** POST /api/control {sn, key, value}: validated here with the setting's range, then written and confirmed. */
  async function control(body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
    const stations = controlStations();
    if (!opts.controls || !stations) return { status: 409, json: { ok: false, error: t('page.ctl.unavailable') } };
    const sn = typeof body.sn === 'string' ? body.sn : '';
    const key = typeof body.key === 'string' && (SETTING_KEYS as readonly string[]).includes(body.key) ? (body.key as SettingKey) : undefined;
    if (!key) return { status: 422, json: { ok: false, error: t('page.err.noSetting') } };
    const st = stations.find((x) => x.sn === sn) ?? (sn ? stations.find((x) => sanitizeId(x.sn) === sanitizeId(sn)) : undefined);
    if (!st) return { status: 422, json: { ok: false, error: `Battery ${sn || '(none)'} has no controls (not found, or not read yet).` } };
    const view = st.settings.find((v) => v.key === key);
    if (!view || view.supported !== true) return { status: 422, json: { ok: false, error: `${view?.label ?? key} is not offered for this station.` } };

    let value: SettingValue;
    if (CLOUD_CONTROLS[key].platform === 'switch') {
      const raw = body.value;
      const parsed = typeof raw === 'boolean' ? ({ ok: true, value: raw } as const) : parseSwitch(String(raw ?? '').trim().toUpperCase());
      if (!parsed.ok) return { status: 422, json: { ok: false, error: t('page.err.onOff') } };
      value = parsed.value;
    } else {
      const raw = typeof body.value === 'number' ? String(body.value) : typeof body.value === 'string' ? body.value : '';
      if (!raw.trim()) return { status: 422, json: { ok: false, error: t('page.err.number') } };
      const parsed = parseNumber(raw.trim(), controlRange(view)!, controlUnit(key));
      if (!parsed.ok) return { status: 422, json: { ok: false, error: `${parsed.reason.charAt(0).toUpperCase()}${parsed.reason.slice(1)}.` } };
      value = parsed.value;
    }

    log.info(`Settings page: ${view.label.toLowerCase()} of ${st.sn} → ${controlValueText(key, value)}`);
    try {
      await opts.controls.set(st.sn, key, value);
    } catch (err) {
      log.info(`Settings page: the change of the ${view.label.toLowerCase()} failed`, err);
      return { status: 200, json: { ok: false, error: redact(err instanceof Error ? err.message : String(err)) || t('page.js.changeFailed') } };
    }
    // What the cloud confirmed (the controls only keep confirmed values).
    const after = controlStations()?.find((x) => x.sn === st.sn)?.settings.find((v) => v.key === key)?.value;
    const confirmed = after ?? value;
    return { status: 200, json: { ok: true, value: confirmed, text: controlValueText(key, confirmed) } };
  }

  async function save(body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
    const stored = opts.store.load();
    const candidate: Settings = { ...stored, stationIds: [...stored.stationIds] };
    for (const f of FIELDS) {
      if (f.kind === 'password' || locked(f.key) || !(f.key in body)) continue;
      (candidate as unknown as Record<string, unknown>)[f.key] = convert(f, body[f.key]);
    }
    candidate.mqttUrl = normalizeBrokerUrl(candidate.mqttUrl);
    const errors: FieldErrors = validateSettings(candidate);
    // Env-set and fixed fields cannot be changed here; their stored values are not what runs anyway.
    for (const k of Object.keys(errors) as (keyof Settings)[]) if (locked(k)) delete errors[k];
    if (Object.keys(errors).length) return { status: 422, json: { errors } };

    const newSecrets: Partial<Record<SecretKey, string>> = {};
    for (const k of SECRET_KEYS) {
      const v = body[k];
      if (typeof v === 'string' && v !== '' && !locked(k)) newSecrets[k] = v;
    }
    // A password in the broker URL goes to the SecretStore, not into config.json: one typed into the URL, or
    // the one of a stored URL that the page showed without it (kept, so saving does not lose it).
    if (!locked('mqttUrl') && candidate.mqttUrl) {
      const shownStored = urlWithoutPassword(stored.mqttUrl);
      const urlPw = urlPassword(candidate.mqttUrl) ?? (candidate.mqttUrl === shownStored ? urlPassword(stored.mqttUrl) : undefined);
      candidate.mqttUrl = urlWithoutPassword(candidate.mqttUrl);
      if (urlPw !== undefined && !locked('mqttPassword')) newSecrets.mqttPassword ??= urlPw;
    }
    for (const v of Object.values(newSecrets)) addSecret(v);
    try {
      for (const [k, v] of Object.entries(newSecrets)) await opts.secrets.set(k as SecretKey, v);
    } catch (err) {
      log.error('Could not store a password', err);
      return { status: 500, json: { error: `The password could not be stored: ${redact(err instanceof Error ? err.message : String(err))}. Nothing else was changed.` } };
    }
    // Only what changed: values left alone keep following the defaults of future versions.
    const changed = FIELDS.filter((f) => f.kind !== 'password' && !locked(f.key) && JSON.stringify(candidate[f.key]) !== JSON.stringify(stored[f.key])).map((f) => f.key);
    try {
      opts.store.save(Object.fromEntries(changed.map((k) => [k, candidate[k]])) as Partial<Settings>);
    } catch (err) {
      log.error('Could not save the settings', err);
      return { status: 500, json: { error: redact(err instanceof Error ? err.message : String(err)) } };
    }
    log.info(`Settings saved${changed.length || Object.keys(newSecrets).length ? ` (changed: ${[...changed, ...Object.keys(newSecrets)].join(', ')})` : ' (no changes)'}.`);

    const secrets = await storedSecrets();
    const full: Settings = { ...opts.store.load(), hoymilesPassword: secrets.hoymilesPassword ?? '', mqttPassword: secrets.mqttPassword ?? '' };
    let generation: number | undefined;
    try {
      const g = opts.onSaved(full);
      // Only a page that can read the status can wait for the outcome.
      generation = opts.status && typeof g === 'number' ? g : undefined;
    } catch (err) {
      log.error('Applying the new settings failed', err);
    }
    return {
      status: 200,
      json: { ok: true, generation, values: { mqttUrl: urlWithoutPassword(effective(full).mqttUrl) }, stored: { hoymilesPassword: !!secrets.hoymilesPassword, mqttPassword: !!secrets.mqttPassword } },
    };
  }

  /** The password from the form, else the environment's (if it sets it), else the stored one. */
  async function passwordFor(key: SecretKey, typed: unknown): Promise<string> {
    if (locked(key)) return effective(opts.store.load())[key] ?? '';
    if (typeof typed === 'string' && typed !== '') return typed;
    return (await storedSecrets())[key] ?? '';
  }

  const message = (err: unknown): string => redact(err instanceof Error ? err.message : String(err)) || 'The test failed.';

  async function testLogin(body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
    const email = locked('hoymilesEmail') ? effective(opts.store.load()).hoymilesEmail : String(body.email ?? '').trim();
    const password = await passwordFor('hoymilesPassword', body.password);
    if (!email) return { status: 422, json: { errors: { hoymilesEmail: 'Enter the e-mail address of the S-Miles Home account.' } } };
    const bad = validateSettings({ ...DEFAULTS, hoymilesEmail: email }).hoymilesEmail;
    if (bad) return { status: 422, json: { errors: { hoymilesEmail: bad } } };
    if (!password) return { status: 422, json: { errors: { hoymilesPassword: 'Enter the password.' } } };
    addSecret(password);
    try {
      const r = await opts.testLogin(email, password);
      const stations = (r?.stations ?? []).map((s) => ({ sid: Number(s.sid), name: String(s.name), batteries: (s.batteries ?? []).map(String) }));
      return { status: 200, json: { ok: true, stations } };
    } catch (err) {
      log.info('Test login failed', err);
      return { status: 200, json: { ok: false, error: message(err) } };
    }
  }

  async function testMqtt(body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
    const shown = effective(opts.store.load());
    const url = locked('mqttUrl') ? shown.mqttUrl : normalizeBrokerUrl(String(body.url ?? ''));
    const user = locked('mqttUser') ? shown.mqttUser : String(body.user ?? '').trim();
    const bad = validateSettings({ ...DEFAULTS, mqttUrl: url }).mqttUrl;
    if (bad) return { status: 422, json: { errors: { mqttUrl: bad } } };
    // The stored password only goes to the stored broker and user: never hand it to a broker typed in here.
    const stored = effective(opts.store.load());
    const typed = typeof body.password === 'string' ? body.password : '';
    const password = typed !== '' || url !== stored.mqttUrl || user !== stored.mqttUser ? typed : await passwordFor('mqttPassword', '');
    addSecret(password);
    try {
      const r = await opts.testMqtt(url, user, password);
      return { status: 200, json: { ok: true, url, found: (r && r.found) || [] } };
    } catch (err) {
      log.info('MQTT test failed', err);
      return { status: 200, json: { ok: false, error: message(err) } };
    }
  }

  function headers(res: ServerResponse, nonce?: string): void {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const scripts = nonce ? `'nonce-${nonce}'` : "'none'";
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; script-src ${scripts}; style-src ${scripts}; img-src data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
    );
  }

  function send(res: ServerResponse, status: number, body: string, type: string, nonce?: string): void {
    headers(res, nonce);
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }
  const sendJson = (res: ServerResponse, status: number, v: unknown) => send(res, status, JSON.stringify(v), 'application/json; charset=utf-8');
  const forbidden = (res: ServerResponse, why: string) => {
    log.debug(`Settings page: refused a request (${why})`);
    send(res, 403, 'Forbidden. Open the settings from the tray menu.', 'text/plain; charset=utf-8');
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return forbidden(res, 'host');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return forbidden(res, 'origin');
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return forbidden(res, 'cross-site');

    const url = new URL(req.url ?? '/', `http://${host}`);
    const hasCookie = sameSecret(cookieValue(req, cookieName), session);
    const hasKey = (req.method === 'GET' || req.method === 'HEAD') && useKey(url.searchParams.get('k') ?? undefined);
    if (!hasCookie && !hasKey) return forbidden(res, 'no secret');

    if (req.method === 'GET' || req.method === 'HEAD') {
      if (hasKey) {
        // Trade the secret for a cookie and take it out of the address bar.
        headers(res);
        res.setHeader('Set-Cookie', `${cookieName}=${session}; HttpOnly; SameSite=Strict; Path=/`);
        // Only ever to a page of our own: nothing from the request goes into Location (`/.//evil.example/x`
        // would otherwise send the browser off-site).
        res.writeHead(303, { Location: PAGES.has(url.pathname) ? url.pathname : '/', 'Content-Length': 0 });
        return void res.end();
      }
      if (url.pathname === '/api/status' && opts.status) return sendJson(res, 200, opts.status());
      if (url.pathname === '/api/history' && opts.history) return sendJson(res, 200, opts.history());
      if (url.pathname !== '/') return send(res, 404, 'Not found.', 'text/plain; charset=utf-8');
      const nonce = randomBytes(16).toString('base64');
      return send(res, 200, renderPage({ nonce, csrf, state: await pageState() }), 'text/html; charset=utf-8', nonce);
    }

    if (req.method !== 'POST') return send(res, 405, 'Method not allowed.', 'text/plain; charset=utf-8');
    if (!hasCookie) return forbidden(res, 'no cookie');
    const token = req.headers['x-csrf-token'];
    if (!sameSecret(typeof token === 'string' ? token : undefined, csrf)) return forbidden(res, 'csrf');
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return forbidden(res, 'content type');

    const routes: Record<string, (body: Record<string, unknown>) => Promise<{ status: number; json: unknown }>> = {
      '/api/save': save,
      '/api/test-login': testLogin,
      '/api/test-mqtt': testMqtt,
      '/api/control': control,
      '/api/open-log': async () => {
        if (!opts.openLog) return { status: 404, json: { ok: false, error: t('page.err.noLog') } };
        opts.openLog();
        return { status: 200, json: { ok: true } };
      },
    };
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) return send(res, 404, 'Not found.', 'text/plain; charset=utf-8');
    const body = await readJson(req);
    const r = await route(body);
    sendJson(res, r.status, r.json);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
      log.error('Settings page: request failed', err);
      if (!res.headersSent) sendJson(res, 500, { error: t('page.err.internal') });
      else res.destroy();
    });
  });
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  cookieName = `hoymiles_tray_${port}`;
  server.on('error', (err) => log.error('Settings page server error', err));
  log.info(`Settings page listening on http://127.0.0.1:${port}/`);

  return {
    /** A fresh one-time link on every read: open it in the browser. */
    get url() {
      return `http://127.0.0.1:${port}/?k=${newKey()}`;
    },
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `url` with `#field` appended (replacing any fragment); `field` must be a plain anchor ([A-Za-z0-9_-]). */
export function withFragment(url: string, field?: string): string {
  if (!field) return url;
  if (!isSafeAnchor(field)) throw new Error(`refusing an unusual page anchor ${JSON.stringify(field.slice(0, 40))}`);
  return `${url.replace(/#.*$/, '')}#${field}`;
}

/** The commands to try for a URL: each of BROWSER's entries (the common convention: `%s` stands for the URL,
 * else it is appended; several separated like PATH), then the OS's opener. Pure. */
export function browserCommands(url: string, env: Record<string, string | undefined> = process.env, platform: NodeJS.Platform = process.platform): { cmd: string; args: string[]; windowsVerbatimArguments?: boolean }[] {
  const out: { cmd: string; args: string[]; windowsVerbatimArguments?: boolean }[] = [];
  for (const entry of (env.BROWSER ?? '').split(platform === 'win32' ? ';' : ':')) {
    const words = entry.trim().split(/\s+/).filter(Boolean);
    if (!words.length) continue;
    const withUrl = words.some((w) => w.includes('%s'));
    const args = words.slice(1).map((w) => w.replaceAll('%s', url));
    out.push({ cmd: words[0]!.replaceAll('%s', url), args: withUrl ? args : [...args, url] });
  }
  if (platform === 'win32') out.push({ cmd: 'cmd', args: ['/c', 'start', '""', url], windowsVerbatimArguments: true });
  else out.push({ cmd: platform === 'darwin' ? 'open' : 'xdg-open', args: [url] });
  return out;
}

/** What the log says when no browser could be opened: never the link itself (its key works once). */
export const NO_BROWSER_HINT = 'Could not open a web browser. Open the settings page with `hoymiles-tray --settings` or the tray menu (Settings…).';

/**
 * Opens `url` in the browser (BROWSER first, then the OS's opener), at the anchor `field` if given (e.g.
 * `control-<sn>-input_power`: the page scrolls to and highlights it). Never throws; resolves true when some
 * command took the URL (exited 0, or is still running after a few seconds, like a browser itself).
 */
export async function openInBrowser(url: string, logger?: Logger, field?: string): Promise<boolean> {
  let candidates: ReturnType<typeof browserCommands>;
  try {
    url = withFragment(url, field);
    if (!/^https?:\/\/[^\s"'&|<>^%]+$/.test(url)) throw new Error('refusing to open an unusual URL');
    candidates = browserCommands(url);
  } catch (err) {
    logger?.warn('Could not open the browser', err);
    return false;
  }
  for (const c of candidates) {
    const worked = await new Promise<boolean>((resolve) => {
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(c.cmd, c.args, { detached: true, stdio: 'ignore', windowsHide: true, windowsVerbatimArguments: c.windowsVerbatimArguments });
      } catch {
        return resolve(false);
      }
      const timer = setTimeout(() => {
        child.unref();
        resolve(true);
      }, 3_000);
      child.on('error', (err) => {
        clearTimeout(timer);
        logger?.debug(`Could not start ${c.cmd} to open the browser: ${err.message}`);
        resolve(false);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code) logger?.debug(`${c.cmd} could not open the browser (exit code ${code})`);
        resolve(code === 0);
      });
    });
    if (worked) return true;
  }
  logger?.warn(NO_BROWSER_HINT);
  return false;
}
