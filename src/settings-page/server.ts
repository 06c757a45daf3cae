/**
 * The settings page's local web server: on 127.0.0.1 only, on a random port. Who may use it is decided in
 * access.ts (Host, Origin, one-time link keys, the session cookie, CSRF); what each address does is the ROUTES
 * table below, one small handler each (save.ts, first-run.ts, control-route.ts, page-state.ts). Passwords go one
 * way only: into the SecretStore. The page shows whether one is stored, never its value.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { t } from '../i18n/index.js';
import { AccessRules } from './access.js';
import { control } from './control-route.js';
import { PageContext, type SettingsServerOptions } from './context.js';
import { testLogin, testMqtt } from './first-run.js';
import { HttpError, readJson, securityHeaders, send, sendJson, sendText, type Reply } from './http.js';
import { renderPage } from './page.js';
import { pageState } from './page-state.js';
import { save } from './save.js';

export type { SettingsControls, SettingsServerOptions } from './context.js';
// The app opens the page through this module (src/app/tray.ts).
export { browserCommands, NO_BROWSER_HINT, openInBrowser, withFragment } from './browser.js';

export interface SettingsServer {
  /** A fresh link for the browser each time it is read: its key works once, within 5 minutes. */
  readonly url: string;
  port: number;
  close(): Promise<void>;
}

/** A read (GET or HEAD). */
type Read = (ctx: PageContext, res: ServerResponse, access: AccessRules) => Promise<void> | void;
/** A change (POST) with its JSON body. */
type Change = (ctx: PageContext, body: Record<string, unknown>) => Promise<Reply>;

const notFound = (res: ServerResponse) => sendText(res, 404, 'Not found.');

const READS: Record<string, Read> = {
  '/': async (ctx, res, access) => {
    const nonce = randomBytes(16).toString('base64');
    send(res, 200, renderPage({ nonce, csrf: access.csrf, state: await pageState(ctx) }), 'text/html; charset=utf-8', nonce);
  },
  '/api/status': ({ opts }, res) => (opts.status ? sendJson(res, 200, opts.status()) : notFound(res)),
  '/api/history': ({ opts }, res) => (opts.history ? sendJson(res, 200, opts.history()) : notFound(res)),
};

/** The pages among the reads: a link's key redirects to one of these, never elsewhere. */
const PAGES = new Set(Object.keys(READS).filter((path) => !path.startsWith('/api/')));

const CHANGES: Record<string, Change> = {
  '/api/save': save,
  '/api/test-login': testLogin,
  '/api/test-mqtt': testMqtt,
  '/api/control': control,
  '/api/open-log': async ({ opts }) => {
    if (!opts.openLog) return { status: 404, json: { ok: false, error: t('page.err.noLog') } };
    opts.openLog();
    return { status: 200, json: { ok: true } };
  },
};

const route = <T>(table: Record<string, T>, path: string): T | undefined => (Object.hasOwn(table, path) ? table[path] : undefined);

async function handle(ctx: PageContext, access: AccessRules, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const forbidden = (why: string) => {
    ctx.log.debug(`Settings page: refused a request (${why})`);
    sendText(res, 403, 'Forbidden. Open the settings from the tray menu.');
  };
  const verdict = access.check(req);
  if ('refused' in verdict) return forbidden(verdict.refused);
  const path = verdict.url.pathname;

  if (req.method === 'GET' || req.method === 'HEAD') {
    if (verdict.by === 'key') return tradeKeyForCookie(res, access, path);
    const read = route(READS, path);
    return read ? read(ctx, res, access) : notFound(res);
  }
  if (req.method !== 'POST') return sendText(res, 405, 'Method not allowed.');
  const refused = access.refuseChange(req, verdict);
  if (refused) return forbidden(refused);
  const change = route(CHANGES, path);
  if (!change) return notFound(res);
  const r = await change(ctx, await readJson(req));
  sendJson(res, r.status, r.json);
}

/** A link's visit: the session cookie, and the key taken out of the address bar. */
function tradeKeyForCookie(res: ServerResponse, access: AccessRules, path: string): void {
  securityHeaders(res);
  res.setHeader('Set-Cookie', access.sessionCookie);
  // Only ever to a page of our own: nothing from the request goes into Location (`/.//evil.example/x` would
  // otherwise send the browser off-site).
  res.writeHead(303, { Location: PAGES.has(path) ? path : '/', 'Content-Length': 0 });
  res.end();
}

export async function startSettingsServer(opts: SettingsServerOptions): Promise<SettingsServer> {
  const ctx = new PageContext(opts);
  const server = createServer();
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Attached before the event loop can accept a connection: the access rules need the port.
  const access = new AccessRules(port);
  server.on('request', (req, res) => {
    handle(ctx, access, req, res).catch((err) => {
      if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
      ctx.log.error('Settings page: request failed', err);
      if (!res.headersSent) sendJson(res, 500, { error: t('page.err.internal') });
      else res.destroy();
    });
  });
  server.on('error', (err) => ctx.log.error('Settings page server error', err));
  ctx.log.info(`Settings page listening on http://127.0.0.1:${port}/`);

  return {
    /** A fresh one-time link on every read: open it in the browser. */
    get url() {
      return access.newLink();
    },
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
