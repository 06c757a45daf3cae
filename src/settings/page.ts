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
  const ro = envVar ? ' disabled' : '';
  const described = [`err-${f.key}`, f.hint || envVar ? `hint-${f.key}` : ''].filter(Boolean).join(' ');
  const hint = envVar
    ? `<p class="hint env" id="hint-${f.key}">Set by the environment variable <code>${esc(envVar)}</code>; change it there.</p>`
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
    const ph = envVar ? '•••• from the environment' : stored ? '•••• stored' : 'not set';
    const keep = stored && !envVar ? `<p class="hint" id="hint-${f.key}">Leave empty to keep the stored password.</p>` : '';
    input = `<input type="password" id="${id}" name="${f.key}" autocomplete="new-password" spellcheck="false" placeholder="${esc(ph)}"${ro} aria-describedby="err-${f.key} hint-${f.key}">`;
    return `<div class="row"><label for="${id}">${esc(f.label)}</label><div class="control">${input}${envVar ? hint : keep}${err}</div></div>`;
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

const CSS = `
:root{color-scheme:light dark;--bg:#f3f5f8;--card:#fff;--fg:#1b2330;--muted:#5d6878;--line:#dde2ea;--accent:#1f7a4d;--accent-fg:#fff;--err:#c0262d;--warn-bg:#fff5dc;--warn-line:#e8c66a;--info-bg:#e8f1fb;--info-line:#9cc1ea;--ok:#1f7a4d;--input:#fff}
@media (prefers-color-scheme:dark){:root{--bg:#15191f;--card:#1e242c;--fg:#e6e9ee;--muted:#9aa4b2;--line:#323a45;--accent:#3fae74;--accent-fg:#0b1a12;--err:#ff7a7f;--warn-bg:#3a3118;--warn-line:#7a6427;--info-bg:#1b2a3b;--info-line:#34506f;--ok:#5fd196;--input:#161b21}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif}
header{max-width:760px;margin:0 auto;padding:28px 20px 8px;display:flex;align-items:center;gap:14px}
header .logo{width:40px;height:40px;border-radius:10px;background:linear-gradient(135deg,#2fb36d,#1f7a4d);display:grid;place-items:center;color:#fff;font-weight:700;font-size:18px;flex:none}
h1{font-size:22px;margin:0}
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
@media (max-width:600px){.row{grid-template-columns:1fr}.row>label{padding-top:0}.test-row>span{display:none}}
`;

const JS = `
(function(){
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById('settings');
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
      if (r.ok) { storedPlaceholders(r.stored || {}); setStatus('Saved. The app uses the new settings now.', 'ok'); }
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
    runTest('test-mqtt', {url: val('f-mqttUrl'), user: val('f-mqttUser'), password: val('f-mqttPassword')}, function(out){
      out.textContent = 'Connected to the broker.';
    });
  });
})();
`;

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
<header><div class="logo" aria-hidden="true">H</div><div><h1>Hoymiles Tray settings</h1><p>MS-A2 battery → MQTT and Home Assistant</p></div></header>
<main>
${notes}
<form id="settings" novalidate autocomplete="off">
${SECTIONS.map((s) => renderSection(s, state)).join('\n')}
<footer><div class="inner"><button type="submit" class="primary" id="save">Save</button><span id="status" aria-live="polite"></span></div></footer>
</form>
${renderControls(state.controls)}
</main>
<script nonce="${esc(nonce)}">${JS}</script>
</body>
</html>`;
}
