/** What the page is rendered with: values (never a password), which fields are locked and why, notes, panels. */
import { usesCloud, type Settings } from '../config/app-settings.js';
import { t } from '../i18n/index.js';
import { urlWithoutPassword } from '../log/mask.js';
import type { PageContext } from './context.js';
import { FIELDS, type PageState } from './page.js';

export async function pageState(ctx: PageContext): Promise<PageState> {
  const { opts } = ctx;
  const stored = opts.store.load();
  const shown = ctx.effective(stored);
  const values: Partial<Settings> = {};
  for (const f of FIELDS) if (f.kind !== 'password') (values as Record<string, unknown>)[f.key] = ctx.locked(f.key) ? shown[f.key] : stored[f.key];
  // A password written into the broker URL never reaches the page (it is kept; see save.ts).
  if (values.mqttUrl) values.mqttUrl = urlWithoutPassword(values.mqttUrl);
  const secrets = await ctx.storedSecrets();
  const env: PageState['env'] = {};
  for (const k of ctx.envFields) {
    const name = ctx.envVarOf(k);
    if (name) env[k] = name;
  }
  const notes: PageState['notes'] = [];
  if (opts.store.warning) notes.push({ level: 'warn', text: opts.store.warning });
  const storageNote = opts.secretStorageNote ?? (opts.secrets.kind === 'file' ? t('page.note.fileSecrets') : undefined);
  if (storageNote) notes.push({ level: 'info', text: storageNote });
  const fixed: PageState['fixed'] = {};
  for (const k of Object.keys(ctx.fixedValues) as (keyof Settings)[]) if (!env[k]) fixed[k] = opts.fixed!.reason;
  const hasLogin = !!(shown.hoymilesEmail && (secrets.hoymilesPassword || ctx.locked('hoymilesPassword')));
  return {
    values,
    stored: { hoymilesPassword: !!secrets.hoymilesPassword, mqttPassword: !!secrets.mqttPassword },
    env,
    fixed,
    notes,
    controls: ctx.controlStations(),
    demo: !!opts.fixed,
    // A native source needs no login: its first run is done once the source is stored.
    firstRun: !hasLogin && usesCloud(shown),
    panels: { status: !!opts.status, history: !!opts.history, openLog: !!opts.openLog },
  };
}
