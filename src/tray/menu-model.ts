/**
 * The tray menu as data: every row's exact text, plus icon, tooltip and macOS title. Pure: the same state (and
 * `now`) always gives the same model, and the row list has a fixed shape for a given maxBatteries, because
 * systray2 cannot add rows after start (unused rows are hidden instead).
 */
import type { SettingView, StationControlsView } from '../controls/battery-controls.js';
import type { BatteryReading, Problem } from '../core/snapshot.js';
import { batteryName } from '../core/names.js';
import { CONTROLS_ANCHOR, controlAnchor } from '../settings/anchors.js';
import { batteryStatus, iconKey, iconSpec, isErrorState, primaryBattery, type IconSpec } from './icons.js';
import type { PendingChange, TrayActions, TrayState } from './types.js';
import { feedControlRows } from './feed-rows.js';

export { batteryName, shortSerial } from '../core/names.js';

export const DEFAULT_MAX_BATTERIES = 4;
/** Master units with control through the feed shown in the tray (one per system; Home Assistant has them all). */
export const FEED_CONTROL_SLOTS = 2;
/** Shown for every value that is not known: never a made-up 0. */
export const MISSING = '–';
/** Windows cuts tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;
/** A pending confirmation (Grid charging: off ▸ Turn on / Cancel) is dropped after this long. */
export const CONFIRM_TIMEOUT_MS = 30_000;

/**
 * How toggles look. 'native': the OS's own checkmark (Windows, macOS). 'glyph': a ☑/☐ in the text and no
 * checkmark (Linux: systray2 shows a checked row as a "(√)" suffix, and nothing when unchecked).
 */
export type ToggleStyle = 'native' | 'glyph';
export const CHECKED = '☑';
export const UNCHECKED = '☐';

/** 'submenu': a parent whose children are the rows naming it as `parent`; never hidden (disabled instead). */
export type RowKind = 'text' | 'separator' | 'checkbox' | 'action' | 'submenu';

export interface MenuRow {
  /**
   * Stable key: b<i>.gap (i ≥ 1), b<i>.header|soc|power|flow|today|temp|updated, sep.controls, controls (submenu)
   * with its children c<j>.header|grid_charging|grid_confirm|grid_cancel|input_power|reserve_soc and
   * f<j>.header|mode_<mode>|setpoint|change_confirm|change_cancel, sep.main,
   * problem, notice, publish, refresh, autostart, log, settings, sep.quit, quit. Separators are never hidden (the
   * helper cannot hide them).
   */
  id: string;
  kind: RowKind;
  text: string;
  tooltip: string;
  enabled: boolean;
  hidden: boolean;
  checked: boolean;
  action?: keyof TrayActions | MenuOnlyAction;
  /** The action's argument: the page anchor for openSettings. */
  arg?: string;
  /** For action 'askConfirm': the change this click asks for (it then waits for the confirming row). */
  asks?: PendingChange;
  /** The id of the submenu row this row belongs to (undefined: top level). */
  parent?: string;
}

/**
 * Clicks the tray handles itself: the confirming step. 'askConfirm' shows the confirming rows for the row's
 * `asks`; 'confirmChange' runs the change waiting (TrayState.confirm); 'cancelConfirm' drops it.
 */
export type MenuOnlyAction = 'askConfirm' | 'confirmChange' | 'cancelConfirm';

export interface MenuModel {
  rows: MenuRow[];
  /** The icon's cache key (see icon-art.ts iconKey). */
  icon: string;
  /** What the icon shows. */
  iconSpec: IconSpec;
  /** One-line summary (Windows, macOS). */
  tooltip: string;
  /** Text beside the icon in the macOS menu bar. */
  title: string;
}

export const LABELS = {
  controls: 'Battery control',
  gridCharging: 'Grid charging',
  cancel: 'Cancel',
  publish: 'Publish to MQTT',
  refresh: 'Refresh now',
  autostart: 'Start at login',
  openLog: 'Open log',
  settings: 'Settings…',
  quit: 'Quit',
} as const;

const pad = (n: number) => String(n).padStart(2, '0');
/** Local HH:MM:SS. */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
/** Local HH:MM. */
export function clockHM(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function sameLocalDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}
function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);
/** U+2212 for negative numbers, as in the rest of the menu. */
const signed = (s: string) => s.replace(/^-/, '−');

export function socText(soc: number | undefined): string {
  return known(soc) ? `${Math.round(soc)} %` : MISSING;
}

function watts(p: number | undefined): string {
  return known(p) ? `${Math.round(Math.abs(p))} W` : `${MISSING} W`;
}

/** "420 W", "1.2 kW" (from 1000 W on); negative numbers with U+2212. */
export function powerText(w: number): string {
  const a = Math.abs(w);
  const sign = w < 0 && Math.round(a) > 0 ? '−' : '';
  return a >= 1000 ? `${sign}${(a / 1000).toFixed(1)} kW` : `${sign}${Math.round(a)} W`;
}

/** "Charging 245 W", "Discharging 310 W", "Standby", or "Power: –". */
export function powerWords(b: Pick<BatteryReading, 'status' | 'batteryPower'>): string {
  switch (batteryStatus(b)) {
    case 'charge':
      return `Charging ${watts(b.batteryPower)}`;
    case 'discharge':
      return `Discharging ${watts(b.batteryPower)}`;
    case 'standby':
      return 'Standby';
    case 'lock':
      return 'Locked'; // the battery's own feed only; the firmware does not say what it means
    default:
      return `Power: ${MISSING}`;
  }
}

/** "Solar 1.2 kW · Grid −420 W · House 380 W" (grid: + = import, − = export); only what the data has. */
export function flowText(b: Pick<BatteryReading, 'pvPower' | 'gridPower' | 'loadPower'>): string {
  const parts: string[] = [];
  if (known(b.pvPower)) parts.push(`Solar ${powerText(b.pvPower)}`);
  if (known(b.gridPower)) parts.push(`Grid ${powerText(b.gridPower)}`);
  if (known(b.loadPower)) parts.push(`House ${powerText(b.loadPower)}`);
  return parts.join(' · ');
}

/** Wh below 1000, kWh with two decimals from 1000 on; `unit` forces one. */
export function energyText(wh: number | undefined, unit?: 'Wh' | 'kWh'): string {
  if (!known(wh)) return MISSING;
  const a = Math.abs(wh);
  return (unit ?? (a >= 1000 ? 'kWh' : 'Wh')) === 'kWh' ? `${(Math.round(a / 10) / 100).toFixed(2)} kWh` : `${Math.round(a)} Wh`;
}

/** "Today: +0.29 kWh charged, −0.74 kWh discharged": one unit for both (kWh as soon as either reaches 100 Wh). */
export function todayText(b: Pick<BatteryReading, 'chargedToday' | 'dischargedToday'>): string {
  const c = b.chargedToday;
  const d = b.dischargedToday;
  if (!known(c) && !known(d)) return `Today: ${MISSING}`;
  const unit = Math.max(known(c) ? Math.abs(c) : 0, known(d) ? Math.abs(d) : 0) >= 100 ? 'kWh' : 'Wh';
  const charged = known(c) ? `+${energyText(c, unit)} charged` : `${MISSING} charged`;
  const discharged = known(d) ? `−${energyText(d, unit)} discharged` : `${MISSING} discharged`;
  return `Today: ${charged}, ${discharged}`;
}

export function temperatureText(t: number | undefined): string {
  return `Temperature: ${known(t) ? `${signed(t.toFixed(1))} °C` : MISSING}`;
}

/** "14 min ago", "2 h 5 min ago", "just now". */
export function ageText(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''} ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/**
 * "Updated 08:03:12" while fresh; stale: "Updated 14 min ago – the battery is not streaming" (or why else it is
 * old), so frozen values never pass for current ones.
 */
export function updatedText(b: Pick<BatteryReading, 'updatedAt' | 'fresh' | 'live'> | undefined, now: number, problem?: Problem): string {
  if (!b || !known(b.updatedAt)) return 'Not updated yet';
  if (b.fresh) {
    const when = sameLocalDay(b.updatedAt, now) ? clock(b.updatedAt) : `${localDate(b.updatedAt)} ${clock(b.updatedAt)}`;
    return `Updated ${when}`;
  }
  const why = problem ? cloudProblemLine(problem).short.toLowerCase() : !b.live ? 'the battery is not streaming' : 'no fresh reading';
  return `Updated ${ageText(now - b.updatedAt)} – ${why}`;
}

export function headerText(b: Pick<BatteryReading, 'sn' | 'stationName'> | undefined): string {
  return batteryName(b);
}

export interface ProblemLine {
  /** The menu row, e.g. "⚠ Wrong Hoymiles password – open Settings". */
  text: string;
  /** For the tooltip, e.g. "Wrong Hoymiles password". */
  short: string;
  /** The full message (row tooltip). */
  detail: string;
  /** The user can fix it in Settings: the row opens them. */
  fixInSettings: boolean;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}…`;
}

export function cloudProblemLine(p: Problem): ProblemLine {
  const line = (short: string, hint: string, fixInSettings: boolean): ProblemLine => ({
    text: `⚠ ${short}${hint ? ` – ${hint}` : ''}`,
    short,
    detail: p.message,
    fixInSettings,
  });
  switch (p.code) {
    case 'no-credentials':
      return line('No Hoymiles login', 'open Settings', true);
    case 'wrong-password':
      return line('Wrong Hoymiles password', 'open Settings', true);
    case 'daily-limit':
      return line('Daily login limit', known(p.retryAt) ? `retrying after ${clockHM(p.retryAt)}` : 'retrying later', false);
    case 'login-paused':
      return line('Logins paused', known(p.retryAt) ? `next try after ${clockHM(p.retryAt)}` : 'retrying later', false);
    case 'login-rejected':
      return /locked/i.test(p.message)
        ? line('Hoymiles account locked', 'unlock it in S-Miles Home', false)
        : line('Hoymiles rejected the login', 'update hoymiles-tray', false);
    case 'cloud-unreachable':
      return line('Cloud unreachable', 'retrying', false);
    case 'cloud-error':
      return line('Hoymiles cloud error', 'retrying', false);
    case 'no-battery':
      return line('No MS-A2 battery found', 'open Settings', true);
    default:
      return line(truncate(p.message || 'Unknown problem', 60), '', false);
  }
}

/** "⚠ Battery control failed: the battery could not switch grid charging on: timeout" (cut to fit a menu). */
export function controlProblemLine(message: string): ProblemLine | undefined {
  const m = message.trim().replace(/^\u26a0\s*/, '').replace(/\.$/, '');
  if (!m) return undefined;
  const short = 'Battery control failed';
  const reason = /^[A-Z][a-z]/.test(m) ? m.charAt(0).toLowerCase() + m.slice(1) : m;
  return { text: `⚠ ${truncate(`${short}: ${reason}`, 100)}`, short, detail: message.trim(), fixInSettings: false };
}

/**
 * The one problem line, or undefined when all is well. Settings-fixable cloud problems, then the broker, then
 * the other cloud problems, then a failed battery control write (often a consequence of the ones before).
 */
export function problemLine(state: TrayState): ProblemLine | undefined {
  const cloud = state.snapshot.problem ? cloudProblemLine(state.snapshot.problem) : undefined;
  const brokerText = state.brokerProblem?.trim().replace(/^\u26a0\s*/, '');
  const broker: ProblemLine | undefined = brokerText
    ? { text: `⚠ ${truncate(brokerText, 60)}`, short: truncate(brokerText, 60), detail: brokerText, fixInSettings: true }
    : undefined;
  if (cloud?.fixInSettings) return cloud;
  return broker ?? cloud ?? (state.controlError ? controlProblemLine(state.controlError) : undefined);
}

const SETTING_WORDS: Record<SettingView['key'], { label: string; unit: string }> = {
  grid_charging: { label: 'Grid charging', unit: '' },
  input_power: { label: 'Input power', unit: 'W' },
  reserve_soc: { label: 'Reserve', unit: '%' },
};

/** "Grid charging on", "Input power 800 W": a battery setting and its value in words. */
export function settingWords(key: SettingView['key'], value: boolean | number): string {
  const w = SETTING_WORDS[key];
  return typeof value === 'boolean' ? `${w.label} ${value ? 'on' : 'off'}` : `${w.label} ${value} ${w.unit}`.trimEnd();
}

/** The menu line after a confirmed change: "✓ Grid charging on – confirmed by the battery at 10:02". */
export function controlNoticeText(key: SettingView['key'], value: boolean | number, at: number): string {
  return confirmedNotice(settingWords(key, value), at);
}

/** "✓ EMS mode MQTT control – confirmed by the battery at 10:02": any confirmed change in words. */
export function confirmedNotice(words: string, at: number): string {
  return `✓ ${words} – confirmed by the battery at ${clockHM(at)}`;
}

function settingOf(st: StationControlsView, key: SettingView['key']): SettingView | undefined {
  return st.settings.find((x) => x.key === key);
}

function numberText(v: SettingView | undefined, unit: string): string {
  return typeof v?.value === 'number' && Number.isFinite(v.value) ? `${v.value} ${unit}` : MISSING;
}

/** A toggle's text and native check for a style: "☑ Publish to MQTT" (glyph) or "Publish to MQTT" + ✓ (native). */
function toggle(label: string, on: boolean, style: ToggleStyle): { text: string; checked: boolean } {
  return style === 'glyph' ? { text: `${on ? CHECKED : UNCHECKED} ${label}`, checked: false } : { text: label, checked: on };
}

interface RowContext {
  style: ToggleStyle;
  /** The change waiting for its confirming click. */
  confirm?: PendingChange;
}

/**
 * The two rows of a confirming step under the row that asked: "    Turn on grid charging" and "    Cancel"
 * (`<id>_confirm`, `<id>_cancel`), shown while `pending`.
 */
function confirmRows(id: string, pending: boolean, text: string, tooltip: string, cancelTooltip: string): MenuRow[] {
  const parent = 'controls';
  return [
    row(`${id}_confirm`, 'action', `    ${text}`, { hidden: !pending, parent, action: 'confirmChange', tooltip: pending ? tooltip : '' }),
    row(`${id}_cancel`, 'action', `    ${LABELS.cancel}`, { hidden: !pending, parent, action: 'cancelConfirm', tooltip: pending ? cancelTooltip : '' }),
  ];
}

/** The rows of one station's group in the Battery control submenu (slot j). `st` undefined: all hidden. */
function controlRows(j: number, st: StationControlsView | undefined, showHeader: boolean, ctx: RowContext): MenuRow[] {
  const parent = 'controls';
  const on = (v: SettingView | undefined): v is SettingView => !!st && v?.supported === true;
  const gc = st && settingOf(st, 'grid_charging');
  const ip = st && settingOf(st, 'input_power');
  const rs = st && settingOf(st, 'reserve_soc');
  const where = st ? (st.stationName ? `${st.stationName} (${st.sn})` : st.sn) : '';

  // Clicking the row only asks; the change needs "Turn on"/"Turn off" below it (one misclick changes nothing).
  let gcText: string = LABELS.gridCharging;
  let gcChecked = false;
  let gcEnabled = false;
  let gcTip = '';
  const c = ctx.confirm;
  const pending = on(gc) && typeof gc.value === 'boolean' && !gc.writing && !gc.blocked && c?.what === 'grid_charging' && c.sn === st?.sn && c.value === !gc.value;
  if (on(gc)) {
    if (gc.writing) {
      gcText = `${LABELS.gridCharging}: switching…`;
      gcTip = 'Waiting for the battery to confirm the change';
    } else if (typeof gc.value !== 'boolean') {
      gcText = `${LABELS.gridCharging}: ${MISSING}`;
      gcTip = gc.blocked ?? 'Not known yet';
    } else {
      const t = toggle(`${LABELS.gridCharging}: ${gc.value ? 'on' : 'off'}${pending ? ' ▸' : ''}`, gc.value, ctx.style);
      gcText = t.text;
      gcChecked = t.checked;
      if (gc.blocked) gcTip = gc.blocked;
      else {
        gcEnabled = !pending;
        gcTip = pending ? 'Confirm below' : `Charge ${where} from the grid: click, then confirm, to switch it ${gc.value ? 'off' : 'on'}`;
      }
    }
  }
  const turnTo = on(gc) && typeof gc.value === 'boolean' ? !gc.value : true;
  const numberRow = (id: 'input_power' | 'reserve_soc', v: SettingView | undefined, label: string, unit: string, what: string): MenuRow =>
    row(`c${j}.${id}`, 'action', `${label}: ${numberText(v, unit)}${v?.writing ? ' (applying…)' : ''}…`, {
      hidden: !on(v),
      parent,
      action: 'openSettings',
      arg: st ? controlAnchor(st.sn, id) : undefined,
      tooltip: on(v) ? (v.blocked ?? `${what} of ${where}: click to change it on the settings page`) : '',
    });
  return [
    row(`c${j}.header`, 'text', st ? batteryName({ sn: st.sn, stationName: st.stationName ?? '' }) : '', { hidden: !st || !showHeader, parent, tooltip: st?.stationName ?? '' }),
    row(`c${j}.grid_charging`, 'checkbox', gcText, {
      hidden: !on(gc),
      parent,
      checked: gcChecked,
      enabled: gcEnabled,
      action: 'askConfirm',
      asks: st && on(gc) && typeof gc.value === 'boolean' ? { what: 'grid_charging', sn: st.sn, value: !gc.value } : undefined,
      tooltip: gcTip,
    }),
    ...confirmRows(`c${j}.grid`, pending, `Turn ${turnTo ? 'on' : 'off'} grid charging`, `Switch grid charging of ${where} ${turnTo ? 'on' : 'off'} now`, 'Leave grid charging as it is'),
    numberRow('input_power', ip, 'Input power', 'W', 'On-grid input power'),
    numberRow('reserve_soc', rs, 'Reserve', '%', 'Reserve state of charge'),
  ];
}

/** The Battery control parent and its children: one group per station (up to `slots`), fixed in number. */
function controlsRows(state: TrayState, slots: number, ctx: RowContext): MenuRow[] {
  const stations = state.controls ?? [];
  const useful = (st: StationControlsView) => st.settings.some((v) => v.supported === true);
  const shown = stations.slice(0, slots).map((st) => (useful(st) ? st : undefined));
  const groups = shown.filter(Boolean).length;
  const children: MenuRow[] = [];
  for (let j = 0; j < slots; j++) children.push(...controlRows(j, shown[j], groups > 1, ctx));

  const feed = feedControlRows(state.feedControls, Math.min(slots, FEED_CONTROL_SLOTS), { row, confirmRows }, ctx.confirm);
  const feedGroups = state.feedControls?.length ?? 0;
  let text: string = LABELS.controls;
  let tooltip = 'Grid charging, input power and reserve of the battery';
  if (feedGroups && !groups) tooltip = "EMS mode and power setpoint through the battery's own MQTT feed";
  else if (!state.controls) {
    text = `${LABELS.controls} (unavailable)`;
    tooltip = 'Battery control is not available right now';
  } else if (!groups) {
    const pending = !stations.length || stations.some((st) => st.settings.some((v) => v.supported === undefined));
    text = `${LABELS.controls} (${pending ? 'reading…' : 'not supported'})`;
    tooltip = pending ? 'Reading the battery settings from the Hoymiles cloud' : 'The Hoymiles cloud offers no battery settings for this station';
  }
  // Never hidden: hiding a row with a submenu can lose the submenu (systray2 known issue); disabled instead.
  return [row('controls', 'submenu', text, { enabled: groups > 0 || feedGroups > 0, tooltip }), ...children, ...feed];
}

function row(id: string, kind: RowKind, text: string, extra: Partial<MenuRow> = {}): MenuRow {
  return { id, kind, text, tooltip: '', enabled: kind === 'action' || kind === 'checkbox', hidden: false, checked: false, ...extra };
}

/** "Home East · 57 % · discharging 310 W · 08:03", then what is wrong, if anything. */
export function tooltipText(state: TrayState, problem = problemLine(state)): string {
  const b = primaryBattery(state.snapshot, state.iconBattery);
  const parts: string[] = [];
  if (b) {
    parts.push(b.stationName || batteryName(b), socText(b.soc));
    const p = powerWords(b);
    parts.push(p.charAt(0).toLowerCase() + p.slice(1));
    if (known(b.updatedAt)) parts.push(b.fresh ? clockHM(b.updatedAt) : `stale since ${clockHM(b.updatedAt)}`);
  } else parts.push('Hoymiles MS-A2', 'waiting for data');
  if (problem) parts.push(`⚠ ${problem.short}`);
  if (!state.publishing) parts.push('MQTT off');
  return truncate(parts.join(' · '), TOOLTIP_MAX);
}

/** macOS menu-bar text: "57 % ↓310 W", "57 % ↑245 W", "57 %", "⚠", or "" before the first reading. */
export function titleText(state: TrayState): string {
  if (isErrorState(state.snapshot)) return '⚠';
  const b = primaryBattery(state.snapshot, state.iconBattery);
  if (!b) return '';
  const soc = socText(b.soc);
  const status = batteryStatus(b);
  const w = known(b.batteryPower) ? String(Math.round(Math.abs(b.batteryPower))) : MISSING;
  if (status === 'charge') return `${soc} ↑${w} W`;
  if (status === 'discharge') return `${soc} ↓${w} W`;
  return soc;
}

export interface MenuOptions {
  maxBatteries?: number;
  /** Decides "Updated" texts (date when not today, age when stale). */
  now?: number;
  toggleStyle?: ToggleStyle;
}

/** The whole menu for a state. */
export function buildMenu(state: TrayState, maxBatteries: number = DEFAULT_MAX_BATTERIES, now: number = Date.now(), toggleStyle: ToggleStyle = 'native'): MenuModel {
  const n = Math.max(1, Math.floor(maxBatteries));
  const ctx: RowContext = { style: toggleStyle, confirm: state.confirm };
  const rows: MenuRow[] = [];
  const batteries = state.snapshot.batteries;
  const problemNow = state.snapshot.problem;
  for (let i = 0; i < n; i++) {
    const b = batteries[i];
    // Block 0 is always shown (with dashes before the first reading); the others only for real batteries.
    const hidden = i > 0 && !b;
    // Readings are enabled rows (normal text, not greyed out like disabled items); a click opens the settings page.
    const reading = (id: string, text: string, extra: Partial<MenuRow> = {}) => row(`b${i}.${id}`, 'action', text, { hidden, action: 'openSettings', ...extra });
    // A blank row between blocks: the helper cannot hide separators (getlantern's AddSeparator has no handle).
    if (i > 0) rows.push(row(`b${i}.gap`, 'text', '', { hidden }));
    const flow = b ? flowText(b) : '';
    rows.push(
      reading('header', `${i === 0 && state.demo ? 'Demo · ' : ''}${headerText(b)}`, { tooltip: b ? `${b.stationName} – ${b.sn}` : '' }),
      reading('soc', `State of charge: ${socText(b?.soc)}`),
      reading('power', b ? powerWords(b) : `Power: ${MISSING}`),
      reading('flow', flow, { hidden: hidden || !flow }),
      reading('today', b ? todayText(b) : `Today: ${MISSING}`),
      reading('temp', temperatureText(b?.temperature)),
      reading('updated', updatedText(b, now, b && !b.fresh ? problemNow : undefined)),
    );
  }
  const problem = problemLine(state);
  rows.push(row('sep.controls', 'separator', ''), ...controlsRows(state, n, ctx));
  const pub = toggle(LABELS.publish, state.publishing, toggleStyle);
  const auto = toggle(LABELS.autostart, state.autostart === true, toggleStyle);
  rows.push(
    row('sep.main', 'separator', ''),
    row('problem', problem?.fixInSettings ? 'action' : 'text', problem?.text ?? '', {
      hidden: !problem,
      tooltip: problem?.detail ?? '',
      action: problem?.fixInSettings ? 'openSettings' : undefined,
    }),
    // In normal text like the readings; a click opens the battery settings on the page.
    row('notice', 'action', state.controlNotice ? truncate(state.controlNotice, 100) : '', {
      hidden: !state.controlNotice,
      tooltip: state.controlNotice ?? '',
      action: 'openSettings',
      arg: CONTROLS_ANCHOR,
    }),
    row('publish', 'checkbox', pub.text, { checked: pub.checked, action: 'togglePublish', tooltip: 'Send readings to the MQTT broker' }),
    row('refresh', 'action', LABELS.refresh, { action: 'refresh' }),
    row('autostart', 'checkbox', state.autostartBlocked ? `${LABELS.autostart} (${state.autostartBlocked})` : auto.text, {
      hidden: state.autostart === undefined && !state.autostartBlocked,
      checked: auto.checked && !state.autostartBlocked,
      enabled: !state.autostartBlocked,
      action: state.autostartBlocked ? undefined : 'toggleAutostart',
      tooltip: state.autostartBlocked ? `Start at login is ${state.autostartBlocked}` : 'Start hoymiles-tray when you log in',
    }),
    row('log', 'action', LABELS.openLog, { hidden: state.logPath === undefined, action: 'openLog', tooltip: state.logPath ?? '' }),
    row('settings', 'action', LABELS.settings, { action: 'openSettings' }),
    row('sep.quit', 'separator', ''),
    row('quit', 'action', LABELS.quit, { action: 'quit' }),
  );
  const spec = iconSpec(state);
  return { rows, icon: iconKey(spec), iconSpec: spec, tooltip: tooltipText(state, problem), title: titleText(state) };
}
