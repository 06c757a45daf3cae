/**
 * The settings page: one self-contained HTML document (inline CSS and JS, no frameworks), rendered on the
 * server with the current values. Passwords are never part of it: a stored one shows as a placeholder.
 * Inline code runs under a per-response CSP nonce; there are no style attributes or inline handlers.
 */
import type { Settings } from '../config/settings.js';
import type { SettingView, StationControlsView } from '../controls/battery-controls.js';
import { DEFAULT_INPUT_POWER, RESERVE_SOC, type NumberRange, type SettingKey } from '../controls/settings.js';
import { CONTROLS_ANCHOR, controlAnchor } from './anchors.js';

export type FieldKind = 'text' | 'email' | 'password' | 'url' | 'number' | 'switch' | 'ids';

export interface FieldDef {
  key: keyof Settings;
  label: string;
  kind: FieldKind;
  hint?: string;
  placeholder?: string;
  unit?: string;
}

export interface SectionDef {
  id: string;
  title: string;
  intro?: string;
  fields: FieldDef[];
  /** A test button under the fields. */
  test?: { id: 'test-login' | 'test-mqtt'; label: string };
  advanced?: boolean;
}

export const SECTIONS: SectionDef[] = [
  {
    id: 'account',
    title: 'Hoymiles account',
    intro: 'The S-Miles Home account that sees your MS-A2 battery.',
    fields: [
      { key: 'hoymilesEmail', label: 'E-mail', kind: 'email', placeholder: 'you@example.com' },
      { key: 'hoymilesPassword', label: 'Password', kind: 'password' },
    ],
    test: { id: 'test-login', label: 'Test login' },
  },
  {
    id: 'mqtt',
    title: 'MQTT broker',
    intro: 'Where the readings are published, usually the broker of Home Assistant.',
    fields: [
      { key: 'mqttUrl', label: 'Broker URL', kind: 'url', placeholder: 'mqtt://192.168.1.10:1883' },
      { key: 'mqttUser', label: 'User', kind: 'text', hint: 'Leave empty if the broker needs no login.' },
      { key: 'mqttPassword', label: 'Password', kind: 'password' },
    ],
    test: { id: 'test-mqtt', label: 'Test connection' },
  },
  {
    id: 'topics',
    title: 'Topics',
    fields: [
      { key: 'baseTopic', label: 'Base topic', kind: 'text', placeholder: 'hoymiles-ms-a2' },
      { key: 'discoveryPrefix', label: 'Discovery prefix', kind: 'text', placeholder: 'homeassistant', hint: 'Home Assistant listens on homeassistant unless you changed it.' },
      { key: 'nativeCompat', label: 'MS-A2 native MQTT compatibility', kind: 'switch', hint: "Also publish the topics of the battery's own MQTT firmware." },
    ],
  },
  {
    id: 'source',
    title: 'Source',
    intro: "Where the readings come from: the Hoymiles cloud, the battery's own MQTT feed on your broker (firmware V01.05 or newer, \"MQTT Service\" switched on in S-Miles Home), or both.",
    fields: [
      { key: 'source', label: 'Source', kind: 'text', placeholder: 'cloud', hint: 'cloud, native (the feed only, no Hoymiles account needed) or both (the feed for live values, the cloud for names, controls and as the fallback).' },
      { key: 'nativeDevices', label: 'Batteries on the feed', kind: 'text', placeholder: 'all found', hint: 'Serials or device ids (MSA-…), comma-separated; empty follows every battery on the broker.' },
      { key: 'nativePublishSec', label: 'Feed publish interval', kind: 'number', unit: 's', hint: 'Live values from the feed go to Home Assistant at most this often; a change of status at once.' },
    ],
  },
  {
    id: 'polling',
    title: 'Polling',
    fields: [
      { key: 'intervalSec', label: 'Live interval', kind: 'number', unit: 's', hint: 'How often power and charge are read.' },
      { key: 'stationIntervalSec', label: 'Station data interval', kind: 'number', unit: 's', hint: 'How often energy totals and temperature are read.' },
    ],
  },
  {
    id: 'notify',
    title: 'Notifications',
    fields: [
      { key: 'lowSocThreshold', label: 'Low charge threshold', kind: 'number', unit: '%' },
      { key: 'notifyLowSoc', label: 'Notify when the charge is low', kind: 'switch' },
      { key: 'notifyLogin', label: 'Notify when the login fails', kind: 'switch' },
      { key: 'notifyFull', label: 'Notify when the battery is full', kind: 'switch', hint: 'Once at 100 %, again only after it dropped 10 points.' },
    ],
  },
  {
    id: 'tray',
    title: 'Tray icon',
    fields: [
      { key: 'trayBattery', label: 'Battery in the icon', kind: 'text', placeholder: 'the first battery', hint: 'Serial number of the battery whose charge the icon shows (with several batteries); the menu shows all.' },
    ],
  },
  {
    id: 'publish',
    title: 'Publishing',
    fields: [{ key: 'publishEnabled', label: 'Publish to MQTT', kind: 'switch', hint: 'Off: the app keeps reading the battery but sends nothing to the broker.' }],
  },
  {
    id: 'more',
    title: 'More options',
    advanced: true,
    fields: [
      { key: 'stationIds', label: 'Station ids', kind: 'ids', placeholder: 'all stations', hint: 'Comma-separated; empty follows every station of the account.' },
      { key: 'mqttClientId', label: 'MQTT client id', kind: 'text', placeholder: 'automatic' },
      { key: 'mqttCaFile', label: 'CA certificate file', kind: 'text', placeholder: 'none', hint: 'Path of a PEM file, for mqtts:// or wss:// with your own CA.' },
      { key: 'mqttInsecure', label: 'Accept any TLS certificate', kind: 'switch', hint: 'Only for testing: anyone on the network could read along.' },
      { key: 'discoveryEnabled', label: 'Home Assistant discovery', kind: 'switch' },
      { key: 'debug', label: 'Detailed log', kind: 'switch' },
    ],
  },
];

export const FIELDS: FieldDef[] = SECTIONS.flatMap((s) => s.fields);

export interface PageState {
  /** Non-secret values to show (for environment fields: the value from the environment). */
  values: Partial<Settings>;
  /** Which passwords are stored (never their values). */
  stored: { hoymilesPassword: boolean; mqttPassword: boolean };
  /** field → environment variable that sets it. */
  env: Partial<Record<keyof Settings, string>>;
  /** Plain-words notes for the top of the page (damaged file, where passwords are kept). */
  notes: { level: 'info' | 'warn'; text: string }[];
  /** Battery control per station (confirmed values only); undefined = battery control is not available. */
  controls?: StationControlsView[];
  /** field → why the app fixes it (the demo's account and broker): shown read-only. */
  fixed?: Partial<Record<keyof Settings, string>>;
  /** The demo runs: a badge in the header. */
  demo?: boolean;
  /** No Hoymiles login stored: the page starts with the guided first-run flow. */
  firstRun?: boolean;
  /** Which live parts the app serves. */
  panels?: { status: boolean; history: boolean; openLog: boolean };
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.join(', ');
  if (v === undefined || v === null) return '';
  return String(v);
}

function renderField(f: FieldDef, st: PageState): string {
  const id = `f-${f.key}`;
  const envVar = st.env[f.key];
  const fixedWhy = envVar ? undefined : st.fixed?.[f.key];
  const ro = envVar || fixedWhy ? ' disabled' : '';
  const described = [`err-${f.key}`, f.hint || envVar || fixedWhy ? `hint-${f.key}` : ''].filter(Boolean).join(' ');
  const hint = envVar
    ? `<p class="hint env" id="hint-${f.key}">Set by the environment variable <code>${esc(envVar)}</code>; change it there.</p>`
    : fixedWhy
      ? `<p class="hint env" id="hint-${f.key}">${esc(fixedWhy)}</p>`
      : f.hint
      ? `<p class="hint" id="hint-${f.key}">${esc(f.hint)}</p>`
      : '';
  const err = `<p class="err" id="err-${f.key}" role="alert"></p>`;
  const v = st.values[f.key];

  if (f.kind === 'switch') {
    return `<div class="row switch-row">
  <label class="switch" for="${id}"><input type="checkbox" role="switch" id="${id}" name="${f.key}"${v ? ' checked' : ''}${ro} aria-describedby="${described}"><span class="track" aria-hidden="true"></span><span class="switch-label">${esc(f.label)}</span></label>
  ${hint}${err}
</div>`;
  }

  let input: string;
  if (f.kind === 'password') {
    const stored = st.stored[f.key as 'hoymilesPassword' | 'mqttPassword'];
    const ph = envVar ? '•••• from the environment' : fixedWhy ? '•••• set by the demo' : stored ? '•••• stored' : 'not set';
    const keep = stored && !envVar && !fixedWhy ? `<p class="hint" id="hint-${f.key}">Leave empty to keep the stored password.</p>` : '';
    input = `<input type="password" id="${id}" name="${f.key}" autocomplete="new-password" spellcheck="false" placeholder="${esc(ph)}"${ro} aria-describedby="err-${f.key} hint-${f.key}">`;
    return `<div class="row"><label for="${id}">${esc(f.label)}</label><div class="control">${input}${envVar || fixedWhy ? hint : keep}${err}</div></div>`;
  }
  const type = f.kind === 'number' ? 'number' : f.kind === 'email' ? 'email' : 'text';
  const extra =
    f.kind === 'number'
      ? ' inputmode="decimal" step="any"'
      : f.kind === 'email'
        ? ' autocomplete="username" spellcheck="false"'
        : ' autocomplete="off" spellcheck="false"';
  input = `<input type="${type}" id="${id}" name="${f.key}" value="${esc(valueText(v))}"${f.placeholder ? ` placeholder="${esc(f.placeholder)}"` : ''}${extra}${ro} aria-describedby="${described}">`;
  if (f.unit) input = `<span class="with-unit">${input}<span class="unit">${esc(f.unit)}</span></span>`;
  return `<div class="row"><label for="${id}">${esc(f.label)}</label><div class="control">${input}${hint}${err}</div></div>`;
}

function renderSection(s: SectionDef, st: PageState): string {
  const body = `${s.intro ? `<p class="intro">${esc(s.intro)}</p>` : ''}${s.fields.map((f) => renderField(f, st)).join('\n')}${
    s.test
      ? `<div class="row test-row"><span></span><div class="control"><button type="button" class="secondary" id="${s.test.id}">${esc(s.test.label)}</button><div class="result" id="${s.test.id}-result" aria-live="polite"></div></div></div>`
      : ''
  }`;
  if (s.advanced) {
    return `<details class="card" id="sec-${s.id}"><summary><h2>${esc(s.title)}</h2></summary>${body}</details>`;
  }
  return `<section class="card" id="sec-${s.id}"><h2>${esc(s.title)}</h2>${body}</section>`;
}

/** Unit and range of a battery setting (grid charging has neither). */
export function controlUnit(key: SettingKey): string {
  return key === 'input_power' ? 'W' : key === 'reserve_soc' ? '%' : '';
}
export function controlRange(v: Pick<SettingView, 'key' | 'range'>): NumberRange | undefined {
  if (v.key === 'grid_charging') return undefined;
  return v.range ?? (v.key === 'input_power' ? DEFAULT_INPUT_POWER : RESERVE_SOC);
}
/** A confirmed value in words: "On", "Off", "800 W", "10 %", or "not known yet". */
export function controlValueText(key: SettingKey, value: SettingView['value']): string {
  if (key === 'grid_charging') return typeof value === 'boolean' ? (value ? 'On' : 'Off') : 'not known yet';
  return typeof value === 'number' && Number.isFinite(value) ? `${value} ${controlUnit(key)}` : 'not known yet';
}

const CONTROL_LABELS: Record<SettingKey, string> = {
  grid_charging: 'Grid charging',
  input_power: 'On-grid input power',
  reserve_soc: 'Reserve state of charge',
};

function renderControl(st: StationControlsView, v: SettingView): string {
  const id = controlAnchor(st.sn, v.key);
  const label = CONTROL_LABELS[v.key] ?? v.label;
  const attrs = `data-sn="${esc(st.sn)}" data-key="${esc(v.key)}"`;
  if (v.supported !== true) {
    const why = v.supported === false ? 'Not offered for this station by the Hoymiles cloud.' : 'Not read from the Hoymiles cloud yet; reload this page in a moment.';
    return `<div class="row ctl" ${attrs}><label>${esc(label)}</label><div class="control"><p class="hint ctl-static" id="${id}" tabindex="-1">${esc(why)}</p></div></div>`;
  }
  const range = controlRange(v);
  const disabled = v.blocked ? ' disabled' : '';
  let input: string;
  if (v.key === 'grid_charging') {
    const on = v.value === true;
    input = `<select id="${id}" aria-describedby="${id}-now ${id}-result"${disabled}><option value="on"${on ? ' selected' : ''}>On</option><option value="off"${on ? '' : ' selected'}>Off</option></select>`;
  } else {
    const value = typeof v.value === 'number' && Number.isFinite(v.value) ? String(v.value) : '';
    input = `<span class="with-unit"><input type="number" id="${id}" value="${esc(value)}" min="${range!.min}" max="${range!.max}" step="${range!.step}" inputmode="decimal" aria-describedby="${id}-now ${id}-result"${disabled}><span class="unit">${esc(controlUnit(v.key))}</span></span>`;
  }
  const limits = range ? ` · allowed ${range.min}–${range.max} ${controlUnit(v.key)}${range.step !== 1 ? ` in steps of ${range.step}` : ''}` : '';
  const now = `<p class="hint" id="${id}-now">Now: <strong class="ctl-now">${esc(controlValueText(v.key, v.value))}</strong>${esc(limits)}</p>`;
  const blocked = v.blocked ? `<p class="hint env">${esc(v.blocked.charAt(0).toUpperCase() + v.blocked.slice(1))}.</p>` : '';
  const pending = v.writing ? 'A change is being applied…' : '';
  return `<div class="row ctl" ${attrs}><label for="${id}">${esc(label)}</label><div class="control"><div class="ctl-line">${input}<button type="button" class="secondary apply"${disabled}>Apply</button></div>${now}${blocked}<p class="result ctl-result" id="${id}-result" aria-live="polite">${esc(pending)}</p></div></div>`;
}

function renderControls(controls: StationControlsView[] | undefined): string {
  const head = `<section class="card" id="${CONTROLS_ANCHOR}"><h2>Battery control</h2>`;
  if (!controls) {
    return `${head}<p class="intro">Battery control is not available right now.</p></section>`;
  }
  const intro = `<p class="intro">Changes go to the battery through the Hoymiles cloud; a value shows here once the battery confirmed it.</p>`;
  if (!controls.length) {
    return `${head}${intro}<p class="muted">No battery found yet: its settings appear here once the app has read them. Reload this page in a moment.</p></section>`;
  }
  const stations = controls
    .map((st) => {
      const title = `MS-A2 ${st.sn}${st.stationName ? ` · ${st.stationName}` : ''}`;
      return `<div class="ctl-station"><h3>${esc(title)}</h3>${st.settings.map((v) => renderControl(st, v)).join('\n')}</div>`;
    })
    .join('\n');
  return `${head}${intro}${stations}</section>`;
}

/** How often the page asks for the status (ms). */
export const STATUS_POLL_MS = 2_000;

const CSS = `
:root{color-scheme:light dark;--bg:#f3f5f8;--card:#fff;--fg:#1b2330;--muted:#5d6878;--line:#dde2ea;--accent:#1f7a4d;--accent-fg:#fff;--err:#c0262d;--warn-bg:#fff5dc;--warn-line:#e8c66a;--info-bg:#e8f1fb;--info-line:#9cc1ea;--ok:#1f7a4d;--input:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#15191f;--card:#1e242c;--fg:#e6e9ee;--muted:#9aa4b2;--line:#323a45;--accent:#3fae74;--accent-fg:#0b1a12;--err:#ff7a7f;--warn-bg:#3a3118;--warn-line:#7a6427;--info-bg:#1b2a3b;--info-line:#34506f;--ok:#5fd196;--input:#161b21}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
header{max-width:760px;margin:0 auto;padding:28px 20px 8px;display:flex;align-items:center;gap:14px}
header .logo{width:40px;height:40px;border-radius:10px;background:linear-gradient(135deg,#2fb36d,#1f7a4d);display:grid;place-items:center;color:#fff;font-weight:700;font-size:18px;flex:none}
h1{font-size:22px;margin:0}
.badge{display:inline-block;vertical-align:middle;margin-left:8px;padding:2px 10px;border-radius:999px;background:#e8a317;color:#1b1300;font-size:13px;font-weight:700;letter-spacing:.03em}
header p{margin:2px 0 0;color:var(--muted)}
main{max-width:760px;margin:0 auto;padding:8px 20px 24px}
.note{border:1px solid var(--info-line);background:var(--info-bg);border-radius:10px;padding:10px 14px;margin:10px 0}
.note.warn{border-color:var(--warn-line);background:var(--warn-bg)}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px 8px;margin:16px 0;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{font-size:16px;margin:0 0 12px}
.intro{color:var(--muted);margin:-6px 0 14px}
details.card summary{cursor:pointer;list-style:none;display:flex;align-items:center;gap:8px;margin-bottom:10px}
details.card summary::-webkit-details-marker{display:none}
details.card summary::before{content:"▸";color:var(--muted);transition:transform .15s}
details[open].card summary::before{transform:rotate(90deg)}
details.card summary h2{margin:0}
.row{display:grid;grid-template-columns:190px 1fr;gap:6px 16px;align-items:start;margin-bottom:14px}
.row>label{padding-top:8px;font-weight:600}
.control{min-width:0}
input[type=text],input[type=email],input[type=password],input[type=number]{width:100%;padding:8px 10px;border:1px solid var(--line);border-radius:8px;background:var(--input);color:var(--fg);font:inherit}
input:focus-visible,button:focus-visible,summary:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
input:disabled{opacity:.7;cursor:not-allowed}
input[aria-invalid=true]{border-color:var(--err)}
.with-unit{display:flex;align-items:center;gap:8px;max-width:220px}
.unit{color:var(--muted)}
.hint{margin:4px 0 0;color:var(--muted);font-size:13px}
.hint.env{color:var(--fg)}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:rgba(127,127,127,.15);padding:1px 5px;border-radius:4px}
.err{margin:4px 0 0;color:var(--err);font-size:13px;font-weight:600}
.err:empty{display:none}
.switch-row{grid-template-columns:1fr}
.switch-row .hint,.switch-row .err{margin-left:56px}
.switch{display:flex;align-items:center;gap:12px;cursor:pointer;font-weight:600;width:fit-content}
.switch input{position:absolute;opacity:0;width:1px;height:1px}
.track{width:44px;height:24px;border-radius:12px;background:var(--line);position:relative;flex:none;transition:background .15s}
.track::after{content:"";position:absolute;top:3px;left:3px;width:18px;height:18px;border-radius:50%;background:#fff;box-shadow:0 1px 2px rgba(0,0,0,.3);transition:transform .15s}
.switch input:checked+.track{background:var(--accent)}
.switch input:checked+.track::after{transform:translateX(20px)}
.switch input:focus-visible+.track{outline:2px solid var(--accent);outline-offset:2px}
.switch input:disabled+.track{opacity:.6}
button{font:inherit;font-weight:600;border-radius:8px;padding:8px 16px;cursor:pointer;border:1px solid var(--accent)}
button.primary{background:var(--accent);color:var(--accent-fg)}
button.secondary{background:transparent;color:var(--accent)}
button:disabled{opacity:.6;cursor:progress}
.result{margin-top:8px;font-size:14px}
.result:empty{display:none}
.result.ok{color:var(--ok)}
.result.fail{color:var(--err);font-weight:600}
.result ul{margin:6px 0 0;padding-left:20px;color:var(--fg)}
.result li{margin:2px 0}
.muted{color:var(--muted)}
footer{position:sticky;bottom:0;padding:10px 0 14px;background:linear-gradient(to bottom,transparent,var(--bg) 35%)}
footer .inner{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 20px;display:flex;align-items:center;gap:16px;box-shadow:0 2px 10px rgba(0,0,0,.08)}
#status{color:var(--muted)}
#status.ok{color:var(--ok);font-weight:600}
#status.fail{color:var(--err);font-weight:600}
h3{font-size:15px;margin:4px 0 10px}
.ctl-line{display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.ctl-line .with-unit{flex:0 1 180px}
select{padding:7px 10px;border:1px solid var(--line);border-radius:8px;background:var(--input);color:var(--fg);font:inherit}
.row.ctl{border-radius:8px;padding:4px 6px;margin-left:-6px;margin-right:-6px;scroll-margin:80px 0}
.row.ctl.highlight{background:var(--info-bg);box-shadow:0 0 0 2px var(--accent)}
.small{font-size:13px;font-weight:400}
dl.status{margin:0}
.st-row{display:grid;grid-template-columns:190px 1fr;gap:6px 16px;margin-bottom:8px}
.st-row dt{font-weight:600}
.st-row dd{margin:0;min-width:0;overflow-wrap:anywhere}
.st-val[data-state=ok],.st-val[data-state=connected]{color:var(--ok);font-weight:600}
.st-val[data-state=wrong-password],.st-val[data-state=daily-limit],.st-val[data-state=unreachable],.st-val[data-state=refused],.st-val[data-state=bad-credentials],.st-val[data-state=error]{color:var(--err);font-weight:600}
.st-list{margin:0;padding:0;list-style:none}
.st-list li{margin:0 0 4px}
.small-btn{padding:3px 10px;margin-left:8px;font-size:13px}
.chart-wrap{width:100%;overflow:hidden}
#chart{width:100%;height:auto;display:block}
#chart .grid{stroke:var(--line);stroke-width:1}
#chart .zero{stroke:var(--muted);stroke-width:1.2}
#chart text{fill:var(--muted);font-size:11px}
#chart .soc-line{fill:none;stroke:#2f6fdb;stroke-width:2}
#chart .soc-dot{fill:#2f6fdb}
#chart .power-line{fill:none;stroke:var(--muted);stroke-width:.8;opacity:.7}
#chart .chg{fill:#2fb36d;opacity:.55}
#chart .dis{fill:#e8871e;opacity:.55}
.legend{color:var(--muted);font-size:13px;margin:6px 0}
.legend .key{display:inline-block;width:14px;height:10px;border-radius:2px;margin:0 5px 0 12px;vertical-align:middle}
.legend .key:first-child{margin-left:0}
.key.soc{background:#2f6fdb;height:3px}
.key.chg{background:#2fb36d}
.key.dis{background:#e8871e}
.today{font-weight:600}
.fail-text{color:var(--err)}
.steps{display:flex;gap:8px;padding:0;margin:0 0 16px;list-style:none;counter-reset:step}
.steps li{counter-increment:step;flex:1;padding:6px 10px;border-radius:8px;background:var(--bg);color:var(--muted);font-size:14px}
.steps li::before{content:counter(step) ". "}
.steps li.current{background:var(--info-bg);color:var(--fg);font-weight:700}
.steps li.done{color:var(--ok)}
.wizard{border-color:var(--accent)}
#wz-feed{margin-top:10px}
@media (max-width:600px){.row{grid-template-columns:1fr}.row>label{padding-top:0}.test-row>span{display:none}}
`;

const JS = `
(function(){
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById('settings');
  var pollMs = Number(document.querySelector('main').getAttribute('data-poll-ms')) || 2000;
  function getJson(path){
    return fetch(path, {credentials:'same-origin', cache:'no-store', headers:{'Accept':'application/json'}})
      .then(function(r){ if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }
  function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function setState(id, part){ var e = document.getElementById(id); if (!e || !part) return; e.textContent = part.text; e.setAttribute('data-state', part.state); }

  // ---- live status ----
  var lastStatus = null;
  function showStatus(s){
    lastStatus = s;
    if (!document.getElementById('sec-status')) return;
    setState('st-cloud', s.cloud);
    setState('st-broker', s.broker);
    var ul = document.getElementById('st-batteries');
    ul.textContent = '';
    if (!s.batteries.length) ul.appendChild(el('li', 'muted', s.cloud.state === 'ok' ? 'No battery read yet.' : 'None yet.'));
    s.batteries.forEach(function(b){
      var li = el('li');
      li.appendChild(el('strong', '', 'MS-A2 ' + b.sn));
      li.appendChild(document.createTextNode(' \u00b7 ' + b.text + ' \u00b7 '));
      li.appendChild(el('span', b.fresh ? 'muted' : 'fail-text', b.age + (b.fresh ? '' : ' (stale)')));
      ul.appendChild(li);
    });
    var p = document.getElementById('st-problem');
    p.textContent = s.lastProblem ? s.lastProblem.at + ' \u2013 ' + s.lastProblem.text : 'None';
    p.setAttribute('data-state', s.lastProblem ? 'past' : 'ok');
    document.getElementById('st-version').textContent = s.version + (s.demo ? ' (demo)' : '');
    document.getElementById('st-log').textContent = s.logPath || 'no log file';
    var now = new Date();
    document.getElementById('st-updated').textContent = '\u00b7 as of ' + String(now.getHours()).padStart(2,'0') + ':' + String(now.getMinutes()).padStart(2,'0') + ':' + String(now.getSeconds()).padStart(2,'0');
  }
  var statusListeners = [];
  function pollStatus(){
    getJson('/api/status').then(function(s){
      showStatus(s);
      statusListeners.slice().forEach(function(f){ f(s); });
    }).catch(function(){
      var c = document.getElementById('st-cloud');
      if (c) { c.textContent = 'The app does not answer. Is it still running?'; c.setAttribute('data-state', 'error'); }
    }).finally(function(){ setTimeout(pollStatus, pollMs); });
  }
  if (document.getElementById('sec-status') || document.getElementById('wizard')) pollStatus();
  var openLogBtn = document.getElementById('open-log');
  if (openLogBtn) openLogBtn.addEventListener('click', function(){ post('/api/open-log', {}); });

  /** Resolves with the first status of generation >= gen whose login and broker have an outcome (or the last one after 30 s). */
  function outcomeOf(gen){
    return new Promise(function(resolve){
      var timer = setTimeout(function(){ finish(lastStatus && lastStatus.generation >= gen ? lastStatus : null); }, 30000);
      function finish(s){
        clearTimeout(timer);
        var i = statusListeners.indexOf(check);
        if (i >= 0) statusListeners.splice(i, 1);
        resolve(s);
      }
      function check(s){ if (s.generation >= gen && s.settled) finish(s); }
      statusListeners.push(check);
      if (!document.getElementById('sec-status') && !document.getElementById('wizard')) pollStatus();
    });
  }
  function outcomeText(s){
    if (!s) return 'The app did not report how the login and the broker went within 30 seconds; see the status above.';
    return 'Hoymiles login: ' + s.cloud.text + ' MQTT broker: ' + s.broker.text;
  }
  function outcomeOk(s){ return !!s && s.cloud.state === 'ok' && (s.broker.state === 'connected' || s.broker.state === 'off'); }

  // ---- the chart ----
  var SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, parent){
    var e = document.createElementNS(SVGNS, tag);
    Object.keys(attrs).forEach(function(k){ e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }
  function kwh(wh){ return wh == null ? '\u2013' : (Math.abs(wh) >= 1000 ? (wh/1000).toFixed(2) + ' kWh' : Math.round(wh) + ' Wh'); }
  function drawChart(h){
    var chart = document.getElementById('chart');
    if (!chart) return;
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    var W = 720, H = 260, L = 52, R = 40, T = 10, B = 26;
    var pw = W - L - R, ph = H - T - B;
    var b = h.batteries[0];
    var samples = b ? b.samples : [];
    var maxP = 100;
    samples.forEach(function(x){ if (x[2] != null) maxP = Math.max(maxP, Math.abs(x[2])); });
    maxP = Math.ceil(maxP / 100) * 100;
    function X(t){ return L + (t - h.from) / (h.to - h.from) * pw; }
    function Ysoc(v){ return T + (1 - v / 100) * ph; }
    function Ypow(w){ return T + ph / 2 + (w / maxP) * (ph / 2); } // + = discharging: below the line
    var y0 = Ypow(0);
    // grid: every 3 hours, and the power scale
    var first = Math.ceil(h.from / 10800000) * 10800000;
    for (var t = first; t <= h.to; t += 10800000) {
      var x = X(t);
      svg('line', {x1: x, x2: x, y1: T, y2: T + ph, 'class': 'grid'}, chart);
      var d = new Date(t);
      svg('text', {x: x, y: H - 8, 'text-anchor': 'middle'}, chart).textContent = String(d.getHours()).padStart(2, '0') + ':00';
    }
    [[-maxP, '+' + maxP + ' W'], [maxP, '\u2212' + maxP + ' W']].forEach(function(v){
      svg('line', {x1: L, x2: L + pw, y1: Ypow(v[0]), y2: Ypow(v[0]), 'class': 'grid'}, chart);
      svg('text', {x: L - 6, y: Ypow(v[0]) + 4, 'text-anchor': 'end'}, chart).textContent = v[1];
    });
    svg('text', {x: L - 6, y: y0 + 4, 'text-anchor': 'end'}, chart).textContent = '0 W';
    [0, 50, 100].forEach(function(v){ svg('text', {x: L + pw + 6, y: Ysoc(v) + 4}, chart).textContent = v + ' %'; });
    svg('line', {x1: L, x2: L + pw, y1: y0, y2: y0, 'class': 'zero'}, chart);
    // runs of samples without gaps longer than 5 minutes
    var runs = [], run = [];
    samples.forEach(function(x, i){
      if (i && x[0] - samples[i-1][0] > 300000) { runs.push(run); run = []; }
      run.push(x);
    });
    if (run.length) runs.push(run);
    var socPoints = 0;
    runs.forEach(function(r){
      var pts = r.filter(function(x){ return x[2] != null; });
      if (pts.length) {
        var area = X(pts[0][0]) + ',' + y0 + ' ' + pts.map(function(x){ return X(x[0]) + ',' + Ypow(x[2]); }).join(' ') + ' ' + X(pts[pts.length-1][0]) + ',' + y0;
        var above = svg('clipPath', {id: 'clip-up-' + runs.indexOf(r)}, chart);
        svg('rect', {x: L, y: T, width: pw, height: y0 - T}, above);
        var below = svg('clipPath', {id: 'clip-down-' + runs.indexOf(r)}, chart);
        svg('rect', {x: L, y: y0, width: pw, height: T + ph - y0}, below);
        svg('polygon', {points: area, 'class': 'chg', 'clip-path': 'url(#clip-up-' + runs.indexOf(r) + ')'}, chart);
        svg('polygon', {points: area, 'class': 'dis', 'clip-path': 'url(#clip-down-' + runs.indexOf(r) + ')'}, chart);
        svg('polyline', {points: pts.map(function(x){ return X(x[0]) + ',' + Ypow(x[2]); }).join(' '), 'class': 'power-line'}, chart);
      }
      var sp = r.filter(function(x){ return x[1] != null; });
      if (sp.length === 1) svg('circle', {cx: X(sp[0][0]), cy: Ysoc(sp[0][1]), r: 3, 'class': 'soc-dot'}, chart);
      if (sp.length) {
        svg('polyline', {points: sp.map(function(x){ return X(x[0]) + ',' + Ysoc(x[1]); }).join(' '), 'class': 'soc-line', 'data-points': sp.length}, chart);
        socPoints += sp.length;
      }
    });
    if (!samples.length) svg('text', {x: L + pw / 2, y: T + ph / 2 - 8, 'text-anchor': 'middle'}, chart).textContent = 'No readings yet: the chart fills minute by minute.';
    chart.setAttribute('data-samples', String(samples.length));
    chart.setAttribute('data-soc-points', String(socPoints));
    var today = document.getElementById('today');
    today.textContent = b ? 'Today: +' + kwh(b.chargedToday) + ' charged, \u2212' + kwh(b.dischargedToday) + ' discharged' + (b.sn ? ' (MS-A2 ' + b.sn + ')' : '') : '';
  }
  function pollHistory(){
    getJson('/api/history').then(drawChart).catch(function(){}).finally(function(){ setTimeout(pollHistory, 60000); });
  }
  if (document.getElementById('chart')) pollHistory();

  var statusEl = document.getElementById('status');
  var saveBtn = document.getElementById('save');

  function post(path, body){
    return fetch(path, {method:'POST', credentials:'same-origin', cache:'no-store',
      headers:{'Content-Type':'application/json','X-CSRF-Token':csrf}, body:JSON.stringify(body)})
      .then(function(r){
        return r.json().catch(function(){ return {}; }).then(function(j){ j.__status = r.status; return j; });
      });
  }
  function setStatus(text, cls){ statusEl.textContent = text; statusEl.className = cls || ''; }
  function clearErrors(){
    form.querySelectorAll('.err').forEach(function(e){ e.textContent=''; });
    form.querySelectorAll('[aria-invalid]').forEach(function(e){ e.removeAttribute('aria-invalid'); });
  }
  function showErrors(errors){
    var first = null;
    Object.keys(errors).forEach(function(k){
      var e = document.getElementById('err-'+k);
      var input = document.getElementById('f-'+k);
      if (e) e.textContent = errors[k];
      if (input) { input.setAttribute('aria-invalid','true'); if (!first) first = input; }
      if (input) { var d = input.closest('details'); if (d) d.open = true; }
    });
    if (first) first.focus();
  }
  function values(){
    var out = {};
    form.querySelectorAll('input[name]').forEach(function(i){
      if (i.disabled) return;
      out[i.name] = i.type === 'checkbox' ? i.checked : i.value;
    });
    return out;
  }
  function val(id){ var i = document.getElementById(id); return i ? i.value : ''; }
  function storedPlaceholders(stored){
    ['hoymilesPassword','mqttPassword'].forEach(function(k){
      var i = document.getElementById('f-'+k);
      if (!i || i.disabled) return;
      i.value = '';
      i.placeholder = stored[k] ? '\\u2022\\u2022\\u2022\\u2022 stored' : 'not set';
    });
  }

  form.addEventListener('input', function(ev){
    var t = ev.target;
    if (t && t.name) {
      var e = document.getElementById('err-'+t.name); if (e) e.textContent='';
      t.removeAttribute('aria-invalid');
    }
    if (statusEl.className !== 'fail') setStatus('Unsaved changes', '');
  });

  form.addEventListener('submit', function(ev){
    ev.preventDefault();
    clearErrors();
    saveBtn.disabled = true;
    setStatus('Saving\\u2026', '');
    post('/api/save', values()).then(function(r){
      if (r.ok) {
        storedPlaceholders(r.stored || {});
        var u = document.getElementById('f-mqttUrl');
        if (u && !u.disabled && r.values && r.values.mqttUrl) u.value = r.values.mqttUrl;
        if (r.generation === undefined || r.generation === null) { setStatus('Settings stored.', 'ok'); return; }
        setStatus('Settings stored. Checking the Hoymiles login and the broker\u2026', '');
        return outcomeOf(r.generation).then(function(s){ setStatus('Settings stored. ' + outcomeText(s), outcomeOk(s) ? 'ok' : 'fail'); });
      }
      else if (r.errors) { showErrors(r.errors); setStatus('Nothing was saved: please correct the marked fields.', 'fail'); }
      else setStatus(r.error || 'Saving failed.', 'fail');
    }).catch(function(){ setStatus('The app did not answer. Is it still running?', 'fail'); })
      .finally(function(){ saveBtn.disabled = false; });
  });

  function runTest(id, body, render){
    var btn = document.getElementById(id), out = document.getElementById(id+'-result');
    var label = btn.textContent;
    btn.disabled = true; btn.textContent = 'Testing\\u2026';
    out.className = 'result'; out.textContent = '';
    post('/api/'+id, body).then(function(r){
      if (r.ok) { out.className = 'result ok'; render(out, r); }
      else if (r.errors) { showErrors(r.errors); out.className = 'result fail'; out.textContent = 'Please correct the marked field first.'; }
      else { out.className = 'result fail'; out.textContent = r.error || 'The test failed.'; }
    }).catch(function(){ out.className='result fail'; out.textContent='The app did not answer. Is it still running?'; })
      .finally(function(){ btn.disabled = false; btn.textContent = label; });
  }

  document.getElementById('test-login').addEventListener('click', function(){
    runTest('test-login', {email: val('f-hoymilesEmail'), password: val('f-hoymilesPassword')}, function(out, r){
      var st = r.stations || [];
      var head = document.createElement('div');
      var n = st.reduce(function(a, s){ return a + s.batteries.length; }, 0);
      head.textContent = 'Login works. ' + st.length + (st.length === 1 ? ' station' : ' stations') + ', ' + n + (n === 1 ? ' battery' : ' batteries') + ' found:';
      out.appendChild(head);
      var ul = document.createElement('ul');
      st.forEach(function(s){
        var li = document.createElement('li');
        var b = document.createElement('strong'); b.textContent = s.name; li.appendChild(b);
        li.appendChild(document.createTextNode(' (station ' + s.sid + ')'));
        var bat = document.createElement('div'); bat.className = 'muted';
        bat.textContent = s.batteries.length ? 'Batteries: ' + s.batteries.join(', ') : 'No battery in this station';
        li.appendChild(bat); ul.appendChild(li);
      });
      if (st.length) out.appendChild(ul);
    });
  });
  document.querySelectorAll('.ctl').forEach(function(row){
    var btn = row.querySelector('button.apply');
    if (!btn) return;
    var input = row.querySelector('input,select');
    var out = row.querySelector('.ctl-result');
    var now = row.querySelector('.ctl-now');
    function apply(){
      var key = row.getAttribute('data-key');
      var value = key === 'grid_charging' ? input.value === 'on' : input.value;
      btn.disabled = true; input.removeAttribute('aria-invalid');
      out.className = 'result ctl-result'; out.textContent = 'Applying\u2026';
      post('/api/control', {sn: row.getAttribute('data-sn'), key: key, value: value}).then(function(r){
        if (r.ok) { out.className = 'result ok ctl-result'; out.textContent = 'Confirmed by the battery: ' + r.text + '.'; if (now) now.textContent = r.text; }
        else {
          out.className = 'result fail ctl-result'; out.textContent = r.error || 'The change failed.';
          if (r.__status === 422) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
        }
      }).catch(function(){ out.className = 'result fail ctl-result'; out.textContent = 'The app did not answer. Is it still running?'; })
        .finally(function(){ btn.disabled = false; });
    }
    btn.addEventListener('click', apply);
    input.addEventListener('keydown', function(ev){ if (ev.key === 'Enter') { ev.preventDefault(); apply(); } });
    input.addEventListener('input', function(){ input.removeAttribute('aria-invalid'); });
  });

  // The tray links to a field (#control-<sn>-<key>): scroll to it, highlight its row, focus it.
  function showFragment(){
    var id = '';
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    if (!id) return;
    var el = document.getElementById(id);
    if (!el) return;
    // A link to a field (from the tray) shows the full page, even before the first run is finished.
    var full = document.getElementById('full');
    if (full && full.hidden && full.contains(el)) { full.hidden = false; var wz = document.getElementById('wizard'); if (wz) wz.hidden = true; }
    document.querySelectorAll('.highlight').forEach(function(e){ e.classList.remove('highlight'); });
    var row = el.closest('.row') || el;
    row.classList.add('highlight');
    var d = el.closest('details'); if (d) d.open = true;
    row.scrollIntoView({block: 'center'});
    if (el.focus) el.focus({preventScroll: true});
  }
  window.addEventListener('hashchange', showFragment);
  showFragment();

  document.getElementById('test-mqtt').addEventListener('click', function(){
    runTest('test-mqtt', {url: val('f-mqttUrl'), user: val('f-mqttUser'), password: val('f-mqttPassword')}, function(out, r){
      var found = (r && r.found) || [];
      out.textContent = 'Connected to the broker.' + (found.length ? ' Found ' + found.join(', ') + ' on your broker: set Source to native (no Hoymiles account needed) or both to read the feed the battery sends itself.' : '');
    });
  });

  // ---- the guided first run ----
  var wizard = document.getElementById('wizard');
  if (wizard) {
    var login = null, noAccount = false;
    function step(n){
      [1,2,3].forEach(function(i){ document.getElementById('wz-' + i).hidden = i !== n; });
      document.querySelectorAll('#wz-steps li').forEach(function(li){
        var i = Number(li.getAttribute('data-step'));
        li.className = i === n ? 'current' : i < n ? 'done' : '';
      });
      var first = document.querySelector('#wz-' + n + ' input, #wz-' + n + ' button');
      if (first) first.focus();
    }
    function wzErrors(errors, map){
      Object.keys(map).forEach(function(k){ var e = document.getElementById('err-' + map[k]); if (e) e.textContent = errors[k] || ''; });
    }
    function wzTest(btnId, outId, path, body, onOk){
      var btn = document.getElementById(btnId), out = document.getElementById(outId), label = btn.textContent;
      btn.disabled = true; btn.textContent = 'Testing\u2026'; out.className = 'result'; out.textContent = '';
      return post(path, body).then(function(r){
        if (r.ok) { out.className = 'result ok'; onOk(out, r); }
        else if (r.errors) { out.className = 'result fail'; out.textContent = Object.keys(r.errors).map(function(k){ return r.errors[k]; }).join(' '); }
        else { out.className = 'result fail'; out.textContent = r.error || 'The test failed.'; }
        return r;
      }).catch(function(){ out.className = 'result fail'; out.textContent = 'The app did not answer. Is it still running?'; return {}; })
        .finally(function(){ btn.disabled = false; btn.textContent = label; });
    }
    document.getElementById('wz-test-login').addEventListener('click', function(){
      var next = document.getElementById('wz-next-1');
      next.disabled = true; login = null;
      var body = {email: val('wz-email').trim(), password: val('wz-password')};
      wzTest('wz-test-login', 'wz-login-result', '/api/test-login', body, function(out, r){
        var st = r.stations || [];
        var n = st.reduce(function(a, s){ return a + s.batteries.length; }, 0);
        out.appendChild(el('div', '', 'Login works. Found ' + n + (n === 1 ? ' battery' : ' batteries') + ' in ' + st.length + (st.length === 1 ? ' station:' : ' stations:')));
        var ul = el('ul');
        st.forEach(function(s){
          var li = el('li'); li.appendChild(el('strong', '', s.name)); li.appendChild(document.createTextNode(' (station ' + s.sid + ')'));
          li.appendChild(el('div', 'muted', s.batteries.length ? 'MS-A2 ' + s.batteries.join(', MS-A2 ') : 'No battery in this station'));
          ul.appendChild(li);
        });
        out.appendChild(ul);
        login = body;
        next.disabled = false;
        next.focus();
      });
    });
    document.getElementById('wz-next-1').addEventListener('click', function(){ if (login) { noAccount = false; document.getElementById('wz-tray-only').hidden = false; document.getElementById('wz-use-broker').hidden = false; step(2); } });
    // Native only: no login; the broker carries the battery's feed, so "tray only" is no option.
    document.getElementById('wz-no-account').addEventListener('click', function(){
      login = null; noAccount = true;
      document.getElementById('wz-tray-only').hidden = true;
      document.getElementById('wz-use-broker').hidden = true;
      step(2);
    });
    ['wz-email', 'wz-password'].forEach(function(id){
      document.getElementById(id).addEventListener('input', function(){ document.getElementById('wz-next-1').disabled = true; login = null; });
      document.getElementById(id).addEventListener('keydown', function(ev){ if (ev.key === 'Enter') { ev.preventDefault(); document.getElementById('wz-test-login').click(); } });
    });
    var broker = null;
    document.getElementById('wz-test-mqtt').addEventListener('click', function(){
      var use = document.getElementById('wz-use-broker'), feed = document.getElementById('wz-feed');
      use.disabled = true; broker = null; feed.hidden = true;
      var body = {url: val('wz-url'), user: val('wz-user'), password: val('wz-mqtt-password')};
      wzTest('wz-test-mqtt', 'wz-mqtt-result', '/api/test-mqtt', body, function(out, r){
        var found = r.found || [];
        out.textContent = 'Connected to ' + r.url + '.' + (found.length ? ' Found ' + found.join(', ') + ' on your broker: the app can read the feed the battery sends itself.' : noAccount ? ' No battery feed found on it yet: switch on MQTT in the battery\u2019s settings (firmware V01.05 or later).' : '');
        document.getElementById('wz-url').value = r.url;
        broker = {url: r.url, user: body.user, password: body.password};
        // Found the firmware's topics: offer native, and both when a login was tested.
        feed.hidden = !found.length;
        document.getElementById('wz-use-both').hidden = !login;
        use.disabled = false;
        (found.length ? document.getElementById('wz-use-native') : use).focus();
      });
    });
    ['wz-url', 'wz-user', 'wz-mqtt-password'].forEach(function(id){
      document.getElementById(id).addEventListener('input', function(){ document.getElementById('wz-use-broker').disabled = true; document.getElementById('wz-feed').hidden = true; broker = null; });
    });
    function finish(publish, source){
      step(3);
      var done = document.getElementById('wz-done');
      done.className = 'result'; done.textContent = 'Saving\u2026';
      var body = {publishEnabled: publish};
      if (login) { body.hoymilesEmail = login.email; body.hoymilesPassword = login.password; }
      if (source) body.source = source;
      if (publish) { body.mqttUrl = broker.url; body.mqttUser = broker.user; body.mqttPassword = broker.password; }
      post('/api/save', body).then(function(r){
        if (!r.ok) { done.className = 'result fail'; done.textContent = r.errors ? Object.keys(r.errors).map(function(k){ return r.errors[k]; }).join(' ') : (r.error || 'Saving failed.'); return; }
        done.textContent = 'Settings stored. Checking the Hoymiles login' + (publish ? ' and the broker' : '') + '\u2026';
        return outcomeOf(r.generation || 0).then(function(s){
          done.className = outcomeOk(s) ? 'result ok' : 'result fail';
          done.textContent = (outcomeOk(s) ? 'Done. ' : 'Stored, but: ') + outcomeText(s);
          function trayLines(s){
            var ul = document.getElementById('wz-tray');
            ul.textContent = '';
            if (!s.batteries.length) { ul.appendChild(el('li', 'muted', 'The tray shows your battery as soon as the first reading is in.')); return; }
            ul.appendChild(el('li', 'muted', 'The tray now shows:'));
            s.batteries.forEach(function(b){ ul.appendChild(el('li', '', 'MS-A2 ' + b.sn + ': ' + b.text)); });
          }
          trayLines(s);
          statusListeners.push(trayLines);
        });
      }).catch(function(){ done.className = 'result fail'; done.textContent = 'The app did not answer. Is it still running?'; });
    }
    document.getElementById('wz-use-broker').addEventListener('click', function(){ if (login && broker) finish(true); });
    document.getElementById('wz-use-native').addEventListener('click', function(){ if (broker) finish(true, 'native'); });
    document.getElementById('wz-use-both').addEventListener('click', function(){ if (login && broker) finish(true, 'both'); });
    document.getElementById('wz-tray-only').addEventListener('click', function(){ if (login) finish(false); });
    function showAll(ev){ if (ev) ev.preventDefault(); location.reload(); }
    document.getElementById('wz-all').addEventListener('click', showAll);
    document.getElementById('wz-skip').addEventListener('click', function(ev){
      ev.preventDefault();
      wizard.hidden = true;
      document.getElementById('full').hidden = false;
    });
  }
})();
`;

/** The live status panel: filled and refreshed by the page's script from GET /api/status. */
function renderStatus(openLog: boolean): string {
  const row = (id: string, label: string, extra = '') => `<div class="st-row"><dt>${esc(label)}</dt><dd><span id="${id}" class="st-val" data-state="">…</span>${extra}</dd></div>`;
  return `<section class="card" id="sec-status" aria-live="polite"><h2>Status <span class="muted small" id="st-updated"></span></h2><dl class="status">
${row('st-cloud', 'Hoymiles login')}
${row('st-broker', 'MQTT broker')}
<div class="st-row"><dt>Batteries</dt><dd><ul id="st-batteries" class="st-list"><li class="muted">…</li></ul></dd></div>
${row('st-problem', 'Last problem')}
${row('st-version', 'App version')}
${row('st-log', 'Log file', openLog ? ' <button type="button" class="secondary small-btn" id="open-log">Open log</button>' : '')}
</dl></section>`;
}

/** The chart of the last 24 hours: drawn by the page's script (SVG) from GET /api/history. */
function renderHistory(): string {
  return `<section class="card" id="sec-history"><h2>The last 24 hours</h2>
<p class="intro" id="chart-title">State of charge, and battery power: charging above the line, discharging below.</p>
<div class="chart-wrap"><svg id="chart" viewBox="0 0 720 260" role="img" aria-labelledby="chart-title" data-samples="0"></svg></div>
<p class="legend"><span class="key soc"></span>State of charge <span class="key chg"></span>Charging <span class="key dis"></span>Discharging</p>
<p id="today" class="today"></p></section>`;
}

/** The guided first run: account → where to publish → done. Every later visit shows the normal page. */
function renderWizard(): string {
  return `<section class="card wizard" id="wizard">
<h2>Welcome: three steps and the tray shows your battery</h2>
<ol class="steps" id="wz-steps"><li class="current" data-step="1">Hoymiles account</li><li data-step="2">Where to publish</li><li data-step="3">Done</li></ol>
<div class="wz-step" id="wz-1">
<p class="intro">The e-mail and password of your S-Miles Home app account.</p>
<div class="row"><label for="wz-email">E-mail</label><div class="control"><input type="email" id="wz-email" autocomplete="username" spellcheck="false" placeholder="you@example.com"><p class="err" id="err-wz-email" role="alert"></p></div></div>
<div class="row"><label for="wz-password">Password</label><div class="control"><input type="password" id="wz-password" autocomplete="current-password" spellcheck="false"><p class="err" id="err-wz-password" role="alert"></p></div></div>
<div class="row"><span></span><div class="control"><div class="ctl-line"><button type="button" class="secondary" id="wz-test-login">Test login</button><button type="button" class="primary" id="wz-next-1" disabled>Next</button></div><div class="result" id="wz-login-result" aria-live="polite"></div></div></div>
<p><button type="button" class="secondary" id="wz-no-account">No Hoymiles account: read my battery's own MQTT feed</button></p>
</div>
<div class="wz-step" id="wz-2" hidden>
<p class="intro">An MQTT broker, usually the one of Home Assistant (e.g. the Mosquitto add-on). A bare address like <code>192.168.1.10</code> or <code>192.168.1.10:1883</code> will do.</p>
<div class="row"><label for="wz-url">Broker address</label><div class="control"><input type="text" id="wz-url" autocomplete="off" spellcheck="false" placeholder="192.168.1.10"><p class="err" id="err-wz-url" role="alert"></p></div></div>
<div class="row"><label for="wz-user">User</label><div class="control"><input type="text" id="wz-user" autocomplete="off" spellcheck="false"><p class="hint">Leave empty if the broker needs no login.</p></div></div>
<div class="row"><label for="wz-mqtt-password">Password</label><div class="control"><input type="password" id="wz-mqtt-password" autocomplete="new-password" spellcheck="false"></div></div>
<div class="row"><span></span><div class="control"><div class="ctl-line"><button type="button" class="secondary" id="wz-test-mqtt">Test connection</button><button type="button" class="primary" id="wz-use-broker" disabled>Use this broker</button><button type="button" class="secondary" id="wz-tray-only">No broker, tray only</button></div><div class="result" id="wz-mqtt-result" aria-live="polite"></div><div class="ctl-line" id="wz-feed" hidden><button type="button" class="primary" id="wz-use-native">Use the feed (native)</button><button type="button" class="secondary" id="wz-use-both" hidden>Feed and cloud (both)</button></div></div></div>
</div>
<div class="wz-step" id="wz-3" hidden>
<p id="wz-done" class="result" aria-live="polite">Saving…</p>
<ul id="wz-tray" class="st-list"></ul>
<p><button type="button" class="secondary" id="wz-all">Show all settings</button></p>
</div>
<p class="muted small"><a href="#" id="wz-skip">Skip: show all settings</a></p>
</section>`;
}

/** The page, with the values already in place. `nonce` must match the response's CSP. */
export function renderPage(opts: { nonce: string; csrf: string; state: PageState }): string {
  const { nonce, csrf, state } = opts;
  const notes = state.notes.map((n) => `<div class="note${n.level === 'warn' ? ' warn' : ''}" role="status">${esc(n.text)}</div>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="csrf-token" content="${esc(csrf)}">
<link rel="icon" href="data:,">
<title>Hoymiles Tray – Settings</title>
<style nonce="${esc(nonce)}">${CSS}</style>
</head>
<body>
<header><div class="logo" aria-hidden="true">H</div><div><h1>Hoymiles Tray settings${state.demo ? ' <span class="badge" id="demo-badge" title="A simulated battery and a built-in broker; your real settings are not touched">Demo</span>' : ''}</h1><p>MS-A2 battery → MQTT and Home Assistant</p></div></header>
<main data-poll-ms="${STATUS_POLL_MS}">
${notes}
${state.firstRun ? renderWizard() : ''}
${state.panels?.status ? renderStatus(state.panels.openLog) : ''}
${state.panels?.history ? renderHistory() : ''}
<div id="full"${state.firstRun ? ' hidden' : ''}>
<form id="settings" novalidate autocomplete="off">
${SECTIONS.map((s) => renderSection(s, state)).join('\n')}
<footer><div class="inner"><button type="submit" class="primary" id="save">Save</button><span id="status" aria-live="polite"></span></div></footer>
</form>
${renderControls(state.controls)}
</div>
</main>
<script nonce="${esc(nonce)}">${JS}</script>
</body>
</html>`;
}
