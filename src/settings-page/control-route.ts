/** POST /api/control {sn, key, value}: a battery setting, validated here with the setting's range, then written and confirmed. */
import { CLOUD_CONTROLS, parseNumber, parseSwitch, SETTING_KEYS, type SettingKey, type SettingValue } from '../controls/battery-settings.js';
import { t } from '../i18n/index.js';
import { redact } from '../log/logger.js';
import { sanitizeId } from '../mqtt/topics.js';
import type { PageContext } from './context.js';
import type { Reply } from './http.js';
import { controlRange, controlUnit, controlValueText } from './page.js';

export async function control(ctx: PageContext, body: Record<string, unknown>): Promise<Reply> {
  const { opts, log } = ctx;
  const stations = ctx.controlStations();
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
  const after = ctx.controlStations()?.find((x) => x.sn === st.sn)?.settings.find((v) => v.key === key)?.value;
  const confirmed = after ?? value;
  return { status: 200, json: { ok: true, value: confirmed, text: controlValueText(key, confirmed) } };
}
