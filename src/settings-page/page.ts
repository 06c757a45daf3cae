/**
 * The settings page: one self-contained HTML document (inline CSS and JS, no frameworks), rendered on the
 * server with the current values. Passwords are never part of it: a stored one shows as a placeholder.
 * Inline code runs under a per-response CSP nonce; there are no style attributes or inline handlers.
 */
import { ENV_ONLY, SETTING_LIST, type PageField, type Settings } from '../config/app-settings.js';
import { CONTROLS_ANCHOR, PAGE_SECTIONS, sectionAnchor, SECTION_IDS, type PageSection, type SectionId } from '../config/page-sections.js';
import { CLOUD_CONTROLS, valueWithUnit, type NumberRange, type SettingKey } from '../controls/battery-settings.js';
import { controlAnchor, type SettingView, type StationControlsView } from '../controls/views.js';
import { catalog, language, t, type MessageKey, type Params } from '../i18n/index.js';

/** A field of the page: a setting of the table (src/config/app-settings.ts) with its page part. */
export interface FieldDef extends Omit<PageField, 'input'> {
  key: keyof Settings;
  kind: PageField['input'];
}

export interface SectionDef extends PageSection {
  id: SectionId;
  fields: FieldDef[];
}

/** The page's sections with their fields, both in the settings table's order. */
export const SECTIONS: SectionDef[] = SECTION_IDS.map((id) => ({
  id,
  ...PAGE_SECTIONS[id],
  fields: SETTING_LIST.flatMap(({ key, page }) => (page !== ENV_ONLY && page.section === id ? [{ ...page, key, kind: page.input }] : [])),
}));

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
/** A message in the current language, escaped for HTML. */
const T = (key: MessageKey, params?: Params): string => esc(t(key, params));

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
  // The field's help: a line under it, or (for the fields that never had one) on the label when the pointer rests there.
  const below = f.helpAs === 'tooltip' ? undefined : f.help;
  const tip = f.helpAs === 'tooltip' ? ` title="${T(f.help)}"` : '';
  const described = [`err-${f.key}`, below || envVar || fixedWhy ? `hint-${f.key}` : ''].filter(Boolean).join(' ');
  const hint = envVar
    ? `<p class="hint env" id="hint-${f.key}">${T('page.envHint', { var: '\u0000' }).replace('\u0000', `<code>${esc(envVar)}</code>`)}</p>`
    : fixedWhy
      ? `<p class="hint env" id="hint-${f.key}">${esc(fixedWhy)}</p>`
      : below
      ? `<p class="hint" id="hint-${f.key}">${T(below)}</p>`
      : '';
  const err = `<p class="err" id="err-${f.key}" role="alert"></p>`;
  const v = st.values[f.key];

  if (f.kind === 'switch') {
    return `<div class="row switch-row">
  <label class="switch" for="${id}"${tip}><input type="checkbox" role="switch" id="${id}" name="${f.key}"${v ? ' checked' : ''}${ro} aria-describedby="${described}"><span class="track" aria-hidden="true"></span><span class="switch-label">${T(f.label)}</span></label>
  ${hint}${err}
</div>`;
  }

  let input: string;
  if (f.kind === 'password') {
    const stored = st.stored[f.key as 'hoymilesPassword' | 'mqttPassword'];
    const ph = t(envVar ? 'page.pwEnv' : fixedWhy ? 'page.pwDemo' : stored ? 'page.pwStored' : 'page.pwNotSet');
    const keep = stored && !envVar && !fixedWhy ? `<p class="hint" id="hint-${f.key}">${T('page.pwKeep')}</p>` : '';
    input = `<input type="password" id="${id}" name="${f.key}" autocomplete="new-password" spellcheck="false" placeholder="${esc(ph)}"${ro} aria-describedby="err-${f.key} hint-${f.key}">`;
    return `<div class="row"><label for="${id}"${tip}>${T(f.label)}</label><div class="control">${input}${envVar || fixedWhy ? hint : keep}${err}</div></div>`;
  }
  if (f.kind === 'choice') {
    const opts = (f.options ?? []).map((o) => `<option value="${esc(o.value)}"${o.value === v ? ' selected' : ''}>${T(o.label)}</option>`).join('');
    input = `<select id="${id}" name="${f.key}"${ro} aria-describedby="${described}">${opts}</select>`;
    return `<div class="row"><label for="${id}"${tip}>${T(f.label)}</label><div class="control">${input}${hint}${err}</div></div>`;
  }
  const type = f.kind === 'number' ? 'number' : f.kind === 'email' ? 'email' : 'text';
  const extra =
    f.kind === 'number'
      ? ' inputmode="decimal" step="any"'
      : f.kind === 'email'
        ? ' autocomplete="username" spellcheck="false"'
        : ' autocomplete="off" spellcheck="false"';
  input = `<input type="${type}" id="${id}" name="${f.key}" value="${esc(valueText(v))}"${f.placeholder ? ` placeholder="${T(f.placeholder)}"` : ''}${extra}${ro} aria-describedby="${described}">`;
  if (f.unit) input = `<span class="with-unit">${input}<span class="unit">${esc(f.unit)}</span></span>`;
  return `<div class="row"><label for="${id}"${tip}>${T(f.label)}</label><div class="control">${input}${hint}${err}</div></div>`;
}

function renderSection(s: SectionDef, st: PageState): string {
  const body = `${s.intro ? `<p class="intro">${T(s.intro)}</p>` : ''}${s.fields.map((f) => renderField(f, st)).join('\n')}${
    s.test
      ? `<div class="row test-row"><span></span><div class="control"><button type="button" class="secondary" id="${s.test.id}">${T(s.test.label)}</button><div class="result" id="${s.test.id}-result" aria-live="polite"></div></div></div>`
      : ''
  }`;
  if (s.advanced) {
    return `<details class="card" id="${sectionAnchor(s.id)}"><summary><h2>${T(s.title)}</h2></summary>${body}</details>`;
  }
  return `<section class="card" id="${sectionAnchor(s.id)}"><h2>${T(s.title)}</h2>${body}</section>`;
}

/** Unit and range of a battery setting, from its row (grid charging has neither); a station's own range first. */
export function controlUnit(key: SettingKey): string {
  return CLOUD_CONTROLS[key].unit;
}
export function controlRange(v: Pick<SettingView, 'key' | 'range'>): NumberRange | undefined {
  const def = CLOUD_CONTROLS[v.key];
  return def.platform === 'number' ? (v.range ?? def.range) : undefined;
}
/** A confirmed value in words: "On", "Off", "800 W", "10 %", or "not known yet". */
export function controlValueText(key: SettingKey, value: SettingView['value']): string {
  const def = CLOUD_CONTROLS[key];
  if (def.platform === 'switch') return t(typeof value === 'boolean' ? (value ? 'page.on' : 'page.off') : 'page.notKnownYet');
  return typeof value === 'number' && Number.isFinite(value) ? valueWithUnit(def, value) : t('page.notKnownYet');
}

function renderControl(st: StationControlsView, v: SettingView): string {
  const id = controlAnchor(st.sn, v.key);
  const label = t(CLOUD_CONTROLS[v.key].label);
  const attrs = `data-sn="${esc(st.sn)}" data-key="${esc(v.key)}" data-platform="${CLOUD_CONTROLS[v.key].platform}"`;
  if (v.supported !== true) {
    const why = t(v.supported === false ? 'page.ctl.notOffered' : 'page.ctl.notRead');
    return `<div class="row ctl" ${attrs}><label>${esc(label)}</label><div class="control"><p class="hint ctl-static" id="${id}" tabindex="-1">${esc(why)}</p></div></div>`;
  }
  const range = controlRange(v);
  const disabled = v.blocked ? ' disabled' : '';
  let input: string;
  if (CLOUD_CONTROLS[v.key].platform === 'switch') {
    const on = v.value === true;
    input = `<select id="${id}" aria-describedby="${id}-now ${id}-result"${disabled}><option value="on"${on ? ' selected' : ''}>${T('page.on')}</option><option value="off"${on ? '' : ' selected'}>${T('page.off')}</option></select>`;
  } else {
    const value = typeof v.value === 'number' && Number.isFinite(v.value) ? String(v.value) : '';
    input = `<span class="with-unit"><input type="number" id="${id}" value="${esc(value)}" min="${range!.min}" max="${range!.max}" step="${range!.step}" inputmode="decimal" aria-describedby="${id}-now ${id}-result"${disabled}><span class="unit">${esc(controlUnit(v.key))}</span></span>`;
  }
  const limits = range ? `${t('page.ctl.allowed', { min: range.min, max: range.max, unit: controlUnit(v.key) })}${range.step !== 1 ? t('page.ctl.steps', { step: range.step }) : ''}` : '';
  const now = `<p class="hint" id="${id}-now">${T('page.ctl.now')} <strong class="ctl-now">${esc(controlValueText(v.key, v.value))}</strong>${esc(limits)}</p>`;
  const blocked = v.blocked ? `<p class="hint env">${esc(v.blocked.charAt(0).toUpperCase() + v.blocked.slice(1))}.</p>` : '';
  const pending = v.writing ? t('page.ctl.applying') : '';
  return `<div class="row ctl" ${attrs}><label for="${id}">${esc(label)}</label><div class="control"><div class="ctl-line">${input}<button type="button" class="secondary apply"${disabled}>${T('page.ctl.apply')}</button></div>${now}${blocked}<p class="result ctl-result" id="${id}-result" aria-live="polite">${esc(pending)}</p></div></div>`;
}

function renderControls(controls: StationControlsView[] | undefined): string {
  const head = `<section class="card" id="${CONTROLS_ANCHOR}"><h2>${T('page.ctl.title')}</h2>`;
  if (!controls) {
    return `${head}<p class="intro">${T('page.ctl.unavailable')}</p></section>`;
  }
  const intro = `<p class="intro">${T('page.ctl.intro')}</p>`;
  if (!controls.length) {
    return `${head}${intro}<p class="muted">${T('page.ctl.none')}</p></section>`;
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
  var MSG = JSON.parse(document.getElementById('i18n').textContent);
  /** A message of the page's language: {name}s filled from p. */
  function tr(k, p){ return String(MSG[k] || k).replace(/\\{(\\w+)\\}/g, function(m, n){ return p && n in p ? p[n] : m; }); }
  var NUM = MSG['page.js.decimal'];
  function dec(x, d){ return x.toFixed(d).replace('.', NUM); }
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
    if (!s.batteries.length) ul.appendChild(el('li', 'muted', s.cloud.state === 'ok' ? tr('page.js.noBatteryYet') : tr('page.js.noneYet')));
    s.batteries.forEach(function(b){
      var li = el('li');
      li.appendChild(el('strong', '', 'MS-A2 ' + b.sn));
      li.appendChild(document.createTextNode(' \u00b7 ' + b.text + ' \u00b7 '));
      li.appendChild(el('span', b.fresh ? 'muted' : 'fail-text', b.age + (b.fresh ? '' : tr('page.js.stale'))));
      ul.appendChild(li);
    });
    var p = document.getElementById('st-problem');
    p.textContent = s.lastProblem ? s.lastProblem.at + ' \u2013 ' + s.lastProblem.text : tr('page.js.none');
    p.setAttribute('data-state', s.lastProblem ? 'past' : 'ok');
    document.getElementById('st-version').textContent = s.version + (s.demo ? ' (demo)' : '');
    document.getElementById('st-log').textContent = s.logPath || 'no log file';
    var now = new Date();
    document.getElementById('st-updated').textContent = '\u00b7 ' + tr('page.js.asOf') + ' ' + String(now.getHours()).padStart(2,'0') + ':' + String(now.getMinutes()).padStart(2,'0') + ':' + String(now.getSeconds()).padStart(2,'0');
  }
  var statusListeners = [];
  function pollStatus(){
    getJson('/api/status').then(function(s){
      showStatus(s);
      statusListeners.slice().forEach(function(f){ f(s); });
    }).catch(function(){
      var c = document.getElementById('st-cloud');
      if (c) { c.textContent = tr('page.js.noAnswer'); c.setAttribute('data-state', 'error'); }
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
    if (!s) return tr('page.js.noOutcome');
    return tr('page.js.outcome', {cloud: s.cloud.text, broker: s.broker.text});
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
  function kwh(wh){ return wh == null ? '\u2013' : (Math.abs(wh) >= 1000 ? dec(wh/1000, 2) + ' kWh' : Math.round(wh) + ' Wh'); }
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
    if (!samples.length) svg('text', {x: L + pw / 2, y: T + ph / 2 - 8, 'text-anchor': 'middle'}, chart).textContent = tr('page.js.noReadings');
    chart.setAttribute('data-samples', String(samples.length));
    chart.setAttribute('data-soc-points', String(socPoints));
    var today = document.getElementById('today');
    today.textContent = b ? tr('page.js.today', {charged: kwh(b.chargedToday), discharged: kwh(b.dischargedToday)}) + (b.sn ? ' (MS-A2 ' + b.sn + ')' : '') : '';
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
    form.querySelectorAll('input[name], select[name]').forEach(function(i){
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
      i.placeholder = stored[k] ? tr('page.pwStored') : tr('page.pwNotSet');
    });
  }

  form.addEventListener('input', function(ev){
    var t = ev.target;
    if (t && t.name) {
      var e = document.getElementById('err-'+t.name); if (e) e.textContent='';
      t.removeAttribute('aria-invalid');
    }
    if (statusEl.className !== 'fail') setStatus(tr('page.js.unsaved'), '');
  });

  form.addEventListener('submit', function(ev){
    ev.preventDefault();
    clearErrors();
    saveBtn.disabled = true;
    setStatus(tr('page.wz.saving'), '');
    post('/api/save', values()).then(function(r){
      if (r.ok) {
        storedPlaceholders(r.stored || {});
        var u = document.getElementById('f-mqttUrl');
        if (u && !u.disabled && r.values && r.values.mqttUrl) u.value = r.values.mqttUrl;
        if (r.generation === undefined || r.generation === null) { setStatus(tr('page.js.stored'), 'ok'); return; }
        setStatus(tr('page.js.storedChecking'), '');
        return outcomeOf(r.generation).then(function(s){ setStatus(tr('page.js.stored') + ' ' + outcomeText(s), outcomeOk(s) ? 'ok' : 'fail'); });
      }
      else if (r.errors) { showErrors(r.errors); setStatus(tr('page.js.notSaved'), 'fail'); }
      else setStatus(r.error || tr('page.js.saveFailed'), 'fail');
    }).catch(function(){ setStatus(tr('page.js.noAnswer'), 'fail'); })
      .finally(function(){ saveBtn.disabled = false; });
  });

  function runTest(id, body, render){
    var btn = document.getElementById(id), out = document.getElementById(id+'-result');
    var label = btn.textContent;
    btn.disabled = true; btn.textContent = tr('page.js.testing');
    out.className = 'result'; out.textContent = '';
    post('/api/'+id, body).then(function(r){
      if (r.ok) { out.className = 'result ok'; render(out, r); }
      else if (r.errors) { showErrors(r.errors); out.className = 'result fail'; out.textContent = tr('page.js.fixFirst'); }
      else { out.className = 'result fail'; out.textContent = r.error || tr('page.js.testFailed'); }
    }).catch(function(){ out.className='result fail'; out.textContent=tr('page.js.noAnswer'); })
      .finally(function(){ btn.disabled = false; btn.textContent = label; });
  }

  document.getElementById('test-login').addEventListener('click', function(){
    runTest('test-login', {email: val('f-hoymilesEmail'), password: val('f-hoymilesPassword')}, function(out, r){
      var st = r.stations || [];
      var head = document.createElement('div');
      var n = st.reduce(function(a, s){ return a + s.batteries.length; }, 0);
      head.textContent = tr('page.js.loginWorks', {stations: tr(st.length === 1 ? 'page.js.station1' : 'page.js.stations', {n: st.length}), batteries: tr(n === 1 ? 'page.js.battery1' : 'page.js.batteries', {n: n})});
      out.appendChild(head);
      var ul = document.createElement('ul');
      st.forEach(function(s){
        var li = document.createElement('li');
        var b = document.createElement('strong'); b.textContent = s.name; li.appendChild(b);
        li.appendChild(document.createTextNode(' (' + tr('page.js.stationId', {id: s.sid}) + ')'));
        var bat = document.createElement('div'); bat.className = 'muted';
        bat.textContent = s.batteries.length ? tr('page.js.batteryList', {list: s.batteries.join(', ')}) : tr('page.js.noBatteryHere');
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
      var value = row.getAttribute('data-platform') === 'switch' ? input.value === 'on' : input.value;
      btn.disabled = true; input.removeAttribute('aria-invalid');
      out.className = 'result ctl-result'; out.textContent = tr('page.js.applying');
      post('/api/control', {sn: row.getAttribute('data-sn'), key: key, value: value}).then(function(r){
        if (r.ok) { out.className = 'result ok ctl-result'; out.textContent = tr('page.js.confirmed', {value: r.text}); if (now) now.textContent = r.text; }
        else {
          out.className = 'result fail ctl-result'; out.textContent = r.error || tr('page.js.changeFailed');
          if (r.__status === 422) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
        }
      }).catch(function(){ out.className = 'result fail ctl-result'; out.textContent = tr('page.js.noAnswer'); })
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
      out.textContent = tr('page.js.connected') + (found.length ? ' ' + tr('page.js.foundFeed', {list: found.join(', ')}) : '');
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
      btn.disabled = true; btn.textContent = tr('page.js.testing'); out.className = 'result'; out.textContent = '';
      return post(path, body).then(function(r){
        if (r.ok) { out.className = 'result ok'; onOk(out, r); }
        else if (r.errors) { out.className = 'result fail'; out.textContent = Object.keys(r.errors).map(function(k){ return r.errors[k]; }).join(' '); }
        else { out.className = 'result fail'; out.textContent = r.error || tr('page.js.testFailed'); }
        return r;
      }).catch(function(){ out.className = 'result fail'; out.textContent = tr('page.js.noAnswer'); return {}; })
        .finally(function(){ btn.disabled = false; btn.textContent = label; });
    }
    document.getElementById('wz-test-login').addEventListener('click', function(){
      var next = document.getElementById('wz-next-1');
      next.disabled = true; login = null;
      var body = {email: val('wz-email').trim(), password: val('wz-password')};
      wzTest('wz-test-login', 'wz-login-result', '/api/test-login', body, function(out, r){
        var st = r.stations || [];
        var n = st.reduce(function(a, s){ return a + s.batteries.length; }, 0);
        out.appendChild(el('div', '', tr('page.js.loginFound', {batteries: tr(n === 1 ? 'page.js.battery1' : 'page.js.batteries', {n: n}), stations: tr(st.length === 1 ? 'page.js.station1' : 'page.js.stations', {n: st.length})})));
        var ul = el('ul');
        st.forEach(function(s){
          var li = el('li'); li.appendChild(el('strong', '', s.name)); li.appendChild(document.createTextNode(' (' + tr('page.js.stationId', {id: s.sid}) + ')'));
          li.appendChild(el('div', 'muted', s.batteries.length ? 'MS-A2 ' + s.batteries.join(', MS-A2 ') : tr('page.js.noBatteryHere')));
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
        out.textContent = tr('page.js.connectedTo', {url: r.url}) + (found.length ? ' ' + tr('page.js.foundFeedWz', {list: found.join(', ')}) : noAccount ? ' ' + tr('page.js.noFeedYet') : '');
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
      done.className = 'result'; done.textContent = tr('page.wz.saving');
      var body = {publishEnabled: publish};
      if (login) { body.hoymilesEmail = login.email; body.hoymilesPassword = login.password; }
      if (source) body.source = source;
      if (publish) { body.mqttUrl = broker.url; body.mqttUser = broker.user; body.mqttPassword = broker.password; }
      post('/api/save', body).then(function(r){
        if (!r.ok) { done.className = 'result fail'; done.textContent = r.errors ? Object.keys(r.errors).map(function(k){ return r.errors[k]; }).join(' ') : (r.error || tr('page.js.saveFailed')); return; }
        done.textContent = publish ? tr('page.js.storedChecking') : tr('page.js.storedCheckingLogin');
        return outcomeOf(r.generation || 0).then(function(s){
          done.className = outcomeOk(s) ? 'result ok' : 'result fail';
          done.textContent = tr(outcomeOk(s) ? 'page.js.done' : 'page.js.storedBut') + ' ' + outcomeText(s);
          function trayLines(s){
            var ul = document.getElementById('wz-tray');
            ul.textContent = '';
            if (!s.batteries.length) { ul.appendChild(el('li', 'muted', tr('page.js.trayWaits'))); return; }
            ul.appendChild(el('li', 'muted', tr('page.js.trayShows')));
            s.batteries.forEach(function(b){ ul.appendChild(el('li', '', 'MS-A2 ' + b.sn + ': ' + b.text)); });
          }
          trayLines(s);
          statusListeners.push(trayLines);
        });
      }).catch(function(){ done.className = 'result fail'; done.textContent = tr('page.js.noAnswer'); });
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
  const row = (id: string, label: MessageKey, extra = '') => `<div class="st-row"><dt>${T(label)}</dt><dd><span id="${id}" class="st-val" data-state="">…</span>${extra}</dd></div>`;
  return `<section class="card" id="sec-status" aria-live="polite"><h2>${T('page.st.title')} <span class="muted small" id="st-updated"></span></h2><dl class="status">
${row('st-cloud', 'page.st.cloud')}
${row('st-broker', 'page.st.broker')}
<div class="st-row"><dt>${T('page.st.batteries')}</dt><dd><ul id="st-batteries" class="st-list"><li class="muted">…</li></ul></dd></div>
${row('st-problem', 'page.st.problem')}
${row('st-version', 'page.st.version')}
${row('st-log', 'page.st.log', openLog ? ` <button type="button" class="secondary small-btn" id="open-log">${T('page.st.openLog')}</button>` : '')}
</dl></section>`;
}

/** The chart of the last 24 hours: drawn by the page's script (SVG) from GET /api/history. */
function renderHistory(): string {
  return `<section class="card" id="sec-history"><h2>${T('page.h.title')}</h2>
<p class="intro" id="chart-title">${T('page.h.intro')}</p>
<div class="chart-wrap"><svg id="chart" viewBox="0 0 720 260" role="img" aria-labelledby="chart-title" data-samples="0"></svg></div>
<p class="legend"><span class="key soc"></span>${T('page.h.soc')} <span class="key chg"></span>${T('page.h.charging')} <span class="key dis"></span>${T('page.h.discharging')}</p>
<p id="today" class="today"></p></section>`;
}

/** The guided first run: account → where to publish → done. Every later visit shows the normal page. */
function renderWizard(): string {
  return `<section class="card wizard" id="wizard">
<h2>${T('page.wz.title')}</h2>
<ol class="steps" id="wz-steps"><li class="current" data-step="1">${T('page.wz.step1')}</li><li data-step="2">${T('page.wz.step2')}</li><li data-step="3">${T('page.wz.step3')}</li></ol>
<div class="wz-step" id="wz-1">
<p class="intro">${T('page.wz.intro1')}</p>
<div class="row"><label for="wz-email">${T('page.wz.email')}</label><div class="control"><input type="email" id="wz-email" autocomplete="username" spellcheck="false" placeholder="${T('page.f.hoymilesEmail.placeholder')}"><p class="err" id="err-wz-email" role="alert"></p></div></div>
<div class="row"><label for="wz-password">${T('page.wz.password')}</label><div class="control"><input type="password" id="wz-password" autocomplete="current-password" spellcheck="false"><p class="err" id="err-wz-password" role="alert"></p></div></div>
<div class="row"><span></span><div class="control"><div class="ctl-line"><button type="button" class="secondary" id="wz-test-login">${T('page.wz.testLogin')}</button><button type="button" class="primary" id="wz-next-1" disabled>${T('page.wz.next')}</button></div><div class="result" id="wz-login-result" aria-live="polite"></div></div></div>
<p><button type="button" class="secondary" id="wz-no-account">${T('page.wz.noAccount')}</button></p>
</div>
<div class="wz-step" id="wz-2" hidden>
<p class="intro">${T('page.wz.intro2', { a: '\u0001', b: '\u0002' }).replace('\u0001', '<code>192.168.1.10</code>').replace('\u0002', '<code>192.168.1.10:1883</code>')}</p>
<div class="row"><label for="wz-url">${T('page.wz.url')}</label><div class="control"><input type="text" id="wz-url" autocomplete="off" spellcheck="false" placeholder="192.168.1.10"><p class="err" id="err-wz-url" role="alert"></p></div></div>
<div class="row"><label for="wz-user">${T('page.wz.user')}</label><div class="control"><input type="text" id="wz-user" autocomplete="off" spellcheck="false"><p class="hint">${T('page.wz.userHint')}</p></div></div>
<div class="row"><label for="wz-mqtt-password">${T('page.wz.password')}</label><div class="control"><input type="password" id="wz-mqtt-password" autocomplete="new-password" spellcheck="false"></div></div>
<div class="row"><span></span><div class="control"><div class="ctl-line"><button type="button" class="secondary" id="wz-test-mqtt">${T('page.wz.testMqtt')}</button><button type="button" class="primary" id="wz-use-broker" disabled>${T('page.wz.use')}</button><button type="button" class="secondary" id="wz-tray-only">${T('page.wz.trayOnly')}</button></div><div class="result" id="wz-mqtt-result" aria-live="polite"></div><div class="ctl-line" id="wz-feed" hidden><button type="button" class="primary" id="wz-use-native">${T('page.wz.useNative')}</button><button type="button" class="secondary" id="wz-use-both" hidden>${T('page.wz.useBoth')}</button></div></div></div>
</div>
<div class="wz-step" id="wz-3" hidden>
<p id="wz-done" class="result" aria-live="polite">${T('page.wz.saving')}</p>
<ul id="wz-tray" class="st-list"></ul>
<p><button type="button" class="secondary" id="wz-all">${T('page.wz.all')}</button></p>
</div>
<p class="muted small"><a href="#" id="wz-skip">${T('page.wz.skip')}</a></p>
</section>`;
}

/** The catalog for the page's script: every message, as JSON that cannot end the script element. */
function pageCatalog(): string {
  return JSON.stringify(catalog()).replace(/</g, '\\u003c');
}

/** The page, with the values already in place. `nonce` must match the response's CSP. */
export function renderPage(opts: { nonce: string; csrf: string; state: PageState }): string {
  const { nonce, csrf, state } = opts;
  const notes = state.notes.map((n) => `<div class="note${n.level === 'warn' ? ' warn' : ''}" role="status">${esc(n.text)}</div>`).join('\n');
  return `<!doctype html>
<html lang="${language()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="csrf-token" content="${esc(csrf)}">
<link rel="icon" href="data:,">
<title>${T('page.title')}</title>
<style nonce="${esc(nonce)}">${CSS}</style>
</head>
<body>
<header><div class="logo" aria-hidden="true">H</div><div><h1>${T('page.heading')}${state.demo ? ` <span class="badge" id="demo-badge" title="${T('page.demoTip')}">Demo</span>` : ''}</h1><p>${T('page.tagline')}</p></div></header>
<main data-poll-ms="${STATUS_POLL_MS}">
${notes}
${state.firstRun ? renderWizard() : ''}
${state.panels?.status ? renderStatus(state.panels.openLog) : ''}
${state.panels?.history ? renderHistory() : ''}
<div id="full"${state.firstRun ? ' hidden' : ''}>
<form id="settings" novalidate autocomplete="off">
${SECTIONS.map((s) => renderSection(s, state)).join('\n')}
<footer><div class="inner"><button type="submit" class="primary" id="save">${T('page.save')}</button><span id="status" aria-live="polite"></span></div></footer>
</form>
${renderControls(state.controls)}
</div>
</main>
<script type="application/json" id="i18n">${pageCatalog()}</script>
<script nonce="${esc(nonce)}">${JS}</script>
</body>
</html>`;
}
