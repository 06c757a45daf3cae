/**
 * POST /api/save: the page's form read through the settings table (the same readers as the environment), checked
 * by the same validator, passwords into the SecretStore, the rest into config.json (only what changed).
 */
import { APP_SETTINGS, SECRET_FIELDS, validateSettings, type FieldErrors, type SecretField, type Settings } from '../config/app-settings.js';
import { t } from '../i18n/index.js';
import { addSecret, redact } from '../log/logger.js';
import { urlPassword, urlWithoutPassword } from '../log/mask.js';
import type { PageContext } from './context.js';
import type { Reply } from './http.js';
import { FIELDS } from './page.js';

/**
 * The form's values on top of `stored`, for the page's non-password fields that are in the body and not locked.
 * A number that is not one becomes NaN, so the validator names the field in its words; an on/off that is neither
 * is an error of its own. Pure.
 */
export function fromForm(body: Record<string, unknown>, stored: Settings, locked: (k: keyof Settings) => boolean): { candidate: Settings; errors: FieldErrors } {
  const candidate: Settings = { ...stored, stationIds: [...stored.stationIds] };
  const errors: FieldErrors = {};
  for (const f of FIELDS) {
    if (f.kind === 'password' || locked(f.key) || !(f.key in body)) continue;
    const kind = APP_SETTINGS[f.key].kind as { fromJson(v: unknown): unknown };
    const value = kind.fromJson(body[f.key]);
    if (value !== undefined) (candidate as unknown as Record<string, unknown>)[f.key] = value;
    else if (f.kind === 'switch') errors[f.key] = t('page.err.onOff');
    else (candidate as unknown as Record<string, unknown>)[f.key] = Number.NaN;
  }
  return { candidate, errors };
}

export async function save(ctx: PageContext, body: Record<string, unknown>): Promise<Reply> {
  const { opts, log } = ctx;
  const stored = opts.store.load();
  const form = fromForm(body, stored, (k) => ctx.locked(k));
  const candidate = form.candidate;
  const errors: FieldErrors = { ...validateSettings(candidate), ...form.errors };
  // Env-set and fixed fields cannot be changed here; their stored values are not what runs anyway.
  for (const k of Object.keys(errors) as (keyof Settings)[]) if (ctx.locked(k)) delete errors[k];
  if (Object.keys(errors).length) return { status: 422, json: { errors } };

  const newSecrets = secretsFrom(ctx, body, stored, candidate);
  for (const v of Object.values(newSecrets)) addSecret(v);
  try {
    for (const [k, v] of Object.entries(newSecrets)) await opts.secrets.set(k as SecretField, v);
  } catch (err) {
    log.error('Could not store a password', err);
    return { status: 500, json: { error: `The password could not be stored: ${redact(err instanceof Error ? err.message : String(err))}. Nothing else was changed.` } };
  }
  // Only what changed: values left alone keep following the defaults of future versions.
  const changed = FIELDS.filter((f) => f.kind !== 'password' && !ctx.locked(f.key) && JSON.stringify(candidate[f.key]) !== JSON.stringify(stored[f.key])).map((f) => f.key);
  try {
    opts.store.save(Object.fromEntries(changed.map((k) => [k, candidate[k]])) as Partial<Settings>);
  } catch (err) {
    log.error('Could not save the settings', err);
    return { status: 500, json: { error: redact(err instanceof Error ? err.message : String(err)) } };
  }
  const names = [...changed, ...Object.keys(newSecrets)];
  log.info(`Settings saved${names.length ? ` (changed: ${names.join(', ')})` : ' (no changes)'}.`);

  const secrets = await ctx.storedSecrets();
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
    json: { ok: true, generation, values: { mqttUrl: urlWithoutPassword(ctx.effective(full).mqttUrl) }, stored: { hoymilesPassword: !!secrets.hoymilesPassword, mqttPassword: !!secrets.mqttPassword } },
  };
}

/**
 * The passwords to store: the ones typed (not locked), and one in the broker URL, which goes to the SecretStore,
 * not into config.json: typed into the URL, or the one of a stored URL that the page showed without it (kept, so
 * saving does not lose it). Takes it out of `candidate.mqttUrl`.
 */
function secretsFrom(ctx: PageContext, body: Record<string, unknown>, stored: Settings, candidate: Settings): Partial<Record<SecretField, string>> {
  const out: Partial<Record<SecretField, string>> = {};
  for (const k of SECRET_FIELDS) {
    const v = body[k];
    if (typeof v === 'string' && v !== '' && !ctx.locked(k)) out[k] = v;
  }
  if (!ctx.locked('mqttUrl') && candidate.mqttUrl) {
    const shownStored = urlWithoutPassword(stored.mqttUrl);
    const urlPw = urlPassword(candidate.mqttUrl) ?? (candidate.mqttUrl === shownStored ? urlPassword(stored.mqttUrl) : undefined);
    candidate.mqttUrl = urlWithoutPassword(candidate.mqttUrl);
    if (urlPw !== undefined && !ctx.locked('mqttPassword')) out.mqttPassword ??= urlPw;
  }
  return out;
}
