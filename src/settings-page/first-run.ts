/**
 * The tests of the first-run flow and the page's test buttons: POST /api/test-login and /api/test-mqtt. A stored
 * password is used only for what it was stored for: the stored broker and user, never a broker typed in here.
 */
import { DEFAULTS, normalizeBrokerUrl, validateSettings, type SecretField } from '../config/app-settings.js';
import { addSecret, redact } from '../log/logger.js';
import type { PageContext } from './context.js';
import type { Reply } from './http.js';

const message = (err: unknown): string => redact(err instanceof Error ? err.message : String(err)) || 'The test failed.';

/** The password from the form, else the environment's (if it sets it), else the stored one. */
async function passwordFor(ctx: PageContext, key: SecretField, typed: unknown): Promise<string> {
  if (ctx.locked(key)) return ctx.effective(ctx.opts.store.load())[key] ?? '';
  if (typeof typed === 'string' && typed !== '') return typed;
  return (await ctx.storedSecrets())[key] ?? '';
}

/** {email, password}: logs in once and lists the stations and batteries, or says the cloud's reason. */
export async function testLogin(ctx: PageContext, body: Record<string, unknown>): Promise<Reply> {
  const email = ctx.locked('hoymilesEmail') ? ctx.effective(ctx.opts.store.load()).hoymilesEmail : String(body.email ?? '').trim();
  const password = await passwordFor(ctx, 'hoymilesPassword', body.password);
  if (!email) return { status: 422, json: { errors: { hoymilesEmail: 'Enter the e-mail address of the S-Miles Home account.' } } };
  const bad = validateSettings({ ...DEFAULTS, hoymilesEmail: email }).hoymilesEmail;
  if (bad) return { status: 422, json: { errors: { hoymilesEmail: bad } } };
  if (!password) return { status: 422, json: { errors: { hoymilesPassword: 'Enter the password.' } } };
  addSecret(password);
  try {
    const r = await ctx.opts.testLogin(email, password);
    const stations = (r?.stations ?? []).map((s) => ({ sid: Number(s.sid), name: String(s.name), batteries: (s.batteries ?? []).map(String) }));
    return { status: 200, json: { ok: true, stations } };
  } catch (err) {
    ctx.log.info('Test login failed', err);
    return { status: 200, json: { ok: false, error: message(err) } };
  }
}

/** {url, user, password}: connects once (a bare host:port is taken as mqtt://) and lists the batteries' feeds found. */
export async function testMqtt(ctx: PageContext, body: Record<string, unknown>): Promise<Reply> {
  const shown = ctx.effective(ctx.opts.store.load());
  const url = ctx.locked('mqttUrl') ? shown.mqttUrl : normalizeBrokerUrl(String(body.url ?? ''));
  const user = ctx.locked('mqttUser') ? shown.mqttUser : String(body.user ?? '').trim();
  const bad = validateSettings({ ...DEFAULTS, mqttUrl: url }).mqttUrl;
  if (bad) return { status: 422, json: { errors: { mqttUrl: bad } } };
  // The stored password only goes to the stored broker and user: never hand it to a broker typed in here.
  const typed = typeof body.password === 'string' ? body.password : '';
  const password = typed !== '' || url !== shown.mqttUrl || user !== shown.mqttUser ? typed : await passwordFor(ctx, 'mqttPassword', '');
  addSecret(password);
  try {
    const r = await ctx.opts.testMqtt(url, user, password);
    return { status: 200, json: { ok: true, url, found: (r && r.found) || [] } };
  } catch (err) {
    ctx.log.info('MQTT test failed', err);
    return { status: 200, json: { ok: false, error: message(err) } };
  }
}
